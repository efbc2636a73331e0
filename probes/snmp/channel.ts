import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { socketFailure } from '../socket-failure.ts';
import { openConnectedUdpSocket } from '../udp-socket.ts';
import type { ProbeContext } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { peekMessage } from './ber.ts';

/** One of the requests in flight: it hears the answers that carry an id it sent. */
export interface ChannelConsumer {
  /** Whether an answer carrying `id` (SNMPv3 msgID, else request-id) answers this consumer. */
  owns(id: number): boolean;
  message(datagram: Buffer): void;
  failure(failure: ProbeUnavailable): void;
}

/** Transcript operation kind and text of one outgoing datagram. */
export interface DatagramLabel {
  readonly op: string;
  readonly text?: string | undefined;
}

/**
 * The one UDP socket an SNMP probe run talks on, so a device sees one peer (one source port) for
 * the whole run. It is connected to the agent's address and port: the kernel drops datagrams from
 * any other address or port, and an ICMP port-unreachable arrives as `refused` instead of a
 * timeout. Every datagram in and out is recorded. Several requests may be in flight (the trials
 * of communities and credentials go out together, so silence costs one wait, not one each): an
 * answer goes to the consumer that sent its id, one whose id cannot be read to all of them (each
 * then fails it as malformed), and one nobody sent is recorded and ignored.
 */
export class SnmpChannel {
  readonly ctx: ProbeContext;
  readonly probe: string;
  readonly #socket: dgram.Socket;
  readonly #consumers = new Set<ChannelConsumer>();
  /** Port unreachable came back: no agent listens, and nothing more is sent. */
  #refused: ProbeUnavailable | undefined;
  #closed = false;

  private constructor(ctx: ProbeContext, probe: string, socket: dgram.Socket) {
    this.ctx = ctx;
    this.probe = probe;
    this.#socket = socket;
    socket.on('message', (datagram: Buffer) => {
      const id = peekMessage(datagram)?.id;
      const to = id === undefined ? [...this.#consumers] : [...this.#consumers].filter((c) => c.owns(id)).slice(0, 1);
      // A late answer to a request that already timed out is evidence too, but answers nothing.
      ctx.transcript.rx(probe, 'snmp.reply', datagram, to.length > 0 ? undefined : 'no request waiting: ignored');
      for (const c of to) c.message(datagram);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const failure = this.#failureOf(err);
      if (failure.kind === 'refused') this.#refused = failure;
      if (this.#consumers.size > 0) for (const c of [...this.#consumers]) c.failure(failure);
      else ctx.transcript.note(probe, 'snmp.socket-error', failure.message);
    });
  }

  /** Creates and connects the socket; no datagram leaves until the first send. */
  static async open(ctx: ProbeContext, probe: string): Promise<SnmpChannel> {
    return new SnmpChannel(ctx, probe, await openConnectedUdpSocket(ctx));
  }

  /** Records and sends one datagram; the caller has passed the gate for it. */
  send(label: DatagramLabel, datagram: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(new ProbeUnavailable('closed', 'SNMP socket already closed'));
    if (this.#refused) return Promise.reject(this.#refused);
    this.ctx.transcript.tx(this.probe, label.op, datagram, label.text);
    return new Promise<void>((resolve, reject) => this.#socket.send(datagram, (err) => (err ? reject(this.#failureOf(err)) : resolve())));
  }

  /** Makes `consumer` hear its answers until the returned function detaches it. */
  attach(consumer: ChannelConsumer): () => void {
    this.#consumers.add(consumer);
    return () => {
      this.#consumers.delete(consumer);
    };
  }

  /**
   * A dgram look-alike for one net-snmp session (its `dgramModule.createSocket`): the session's
   * datagrams go out on this channel, labelled by `label`, and it hears replies until it closes.
   * net-snmp ignores socket errors, so they reach `onFailure` instead.
   */
  sessionSocket(label: (datagram: Buffer) => DatagramLabel, onFailure: (failure: ProbeUnavailable) => void): SessionSocket {
    return new SessionSocket(this, label, onFailure);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#consumers.clear();
    return new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #failureOf(err: NodeJS.ErrnoException): ProbeUnavailable {
    const { address, port } = this.ctx;
    const socket = socketFailure(err);
    // On UDP a refusal is the ICMP port-unreachable the connected socket reports.
    if (socket?.kind === 'refused') return new ProbeUnavailable('refused', `no SNMP agent: ${address} answered port ${port} unreachable`);
    return socket ?? new ProbeUnavailable('error', `UDP socket: ${err.message}`);
  }
}

/** The part of a dgram.Socket that net-snmp's Session uses; closing it leaves the channel open. */
export class SessionSocket extends EventEmitter {
  readonly #channel: SnmpChannel;
  readonly #label: (datagram: Buffer) => DatagramLabel;
  /** Ids of the datagrams this session sent: the answers that are its own. */
  readonly #sent = new Set<number>();
  #detach: (() => void) | undefined;

  constructor(channel: SnmpChannel, label: (datagram: Buffer) => DatagramLabel, onFailure: (failure: ProbeUnavailable) => void) {
    super();
    this.#channel = channel;
    this.#label = label;
    this.#detach = channel.attach({ owns: (id) => this.#sent.has(id), message: (datagram) => this.emit('message', datagram), failure: onFailure });
  }

  /** The connected channel decides where it goes: net-snmp's port and address are not used. */
  send(buffer: Buffer, offset: number, length: number, _port: number, _address: string, cb: (err: Error | null, bytes?: number) => void): void {
    if (!this.#detach) {
      cb(new ProbeUnavailable('closed', 'SNMP session already closed'));
      return;
    }
    const datagram = buffer.subarray(offset, offset + length);
    const id = peekMessage(datagram)?.id;
    if (id !== undefined) this.#sent.add(id);
    this.#channel.send(this.#label(datagram), datagram).then(
      () => cb(null, length),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** The channel owns the socket's lifetime: a session cannot keep the process alive or let it go. */
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  close(): void {
    this.#detach?.();
    this.#detach = undefined;
    // net-snmp fails what is still pending when its socket reports the close, as dgram does: later.
    setImmediate(() => this.emit('close'));
  }
}

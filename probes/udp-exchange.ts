import type dgram from 'node:dgram';
import { passGate } from './gate.ts';
import { socketFailure } from './socket-failure.ts';
import { StepTimer } from './step-timer.ts';
import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/** Who a probe's UDP socket talks to. */
export interface UdpPeer {
  readonly probe: string;
  /** Protocol family: every datagram in is recorded as `<family>.reply`, a socket error while no request waits as `<family>.socket-error`. */
  readonly family: string;
  /** Who listens, for the failure texts ("no FINS/UDP node"). */
  readonly peer: string;
}

export interface UdpRequest<T> {
  /** Operation kind of the request (the gate's allow-list names it). */
  readonly op: string;
  readonly request: Buffer;
  /** What the request asks, for the transcript, where its op does not say it all. */
  readonly text?: string;
  /**
   * The value a datagram answers with, or undefined for one that answers another request (it is
   * recorded and ignored); a throw (a malformed answer) fails the exchange.
   */
  accept(datagram: Buffer): T | undefined;
}

/**
 * A probe's conversation on its connected UDP socket, one request in flight at a time: each request
 * passes the gate, each wait is one StepTimer as long as the device's round trips allow. Listening
 * from construction until the socket closes, it records every datagram (one that answers no
 * waiting request as ignored) and every socket error; after a port unreachable nothing more is sent.
 */
export class UdpLink {
  readonly #ctx: ProbeContext;
  readonly #socket: dgram.Socket;
  readonly #peer: UdpPeer;
  #waiting: { take(datagram: Buffer): boolean; fail(failure: ProbeUnavailable): void } | undefined;
  #refused: ProbeUnavailable | undefined;

  constructor(ctx: ProbeContext, socket: dgram.Socket, peer: UdpPeer) {
    this.#ctx = ctx;
    this.#socket = socket;
    this.#peer = peer;
    socket.on('message', (datagram: Buffer) => {
      const taken = this.#waiting?.take(datagram) ?? false;
      ctx.transcript.rx(peer.probe, `${peer.family}.reply`, datagram, taken ? undefined : 'answers no request waiting: ignored');
    });
    // Listening until the socket closes: an ICMP error arriving late must not throw.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const failure = this.#failureOf(err);
      if (failure.kind === 'refused') this.#refused = failure;
      if (this.#waiting) this.#waiting.fail(failure);
      else ctx.transcript.note(peer.probe, `${peer.family}.socket-error`, failure.message);
    });
  }

  /** Sends one request and waits for the datagram `accept` takes; a port unreachable ends it as `refused`. */
  async exchange<T>(r: UdpRequest<T>): Promise<T> {
    const ctx = this.#ctx;
    if (this.#refused) throw this.#refused;
    const spent = `device time budget spent during ${r.op}`;
    if (ctx.signal.aborted) throw new ProbeUnavailable('budget', spent);
    await passGate(ctx, this.#peer.probe, r.op);
    const step = new StepTimer<T>({ signal: ctx.signal, end: spent });
    const wait = ctx.roundTrips?.waitMs(ctx.stepTimeoutMs) ?? ctx.stepTimeoutMs;
    step.arm(wait, `no answer to ${r.op} from ${ctx.address}:${ctx.port} within ${wait} ms`);
    const sent = performance.now();
    this.#waiting = {
      take: (datagram) => {
        let value: T | undefined;
        try {
          value = r.accept(datagram);
        } catch (err) {
          step.fail(err);
          return true;
        }
        if (value === undefined) return false;
        ctx.roundTrips?.record(performance.now() - sent);
        step.resolve(value);
        return true;
      },
      fail: (failure) => step.fail(failure),
    };
    ctx.transcript.tx(this.#peer.probe, r.op, r.request, r.text);
    this.#socket.send(r.request, (err) => {
      if (err) step.fail(this.#failureOf(err));
    });
    try {
      return await step.done;
    } finally {
      this.#waiting = undefined;
    }
  }

  #failureOf(err: NodeJS.ErrnoException): ProbeUnavailable {
    const { address, port } = this.#ctx;
    const socket = socketFailure(err);
    // On UDP a refusal is the ICMP port-unreachable the connected socket reports.
    if (socket?.kind === 'refused') return new ProbeUnavailable('refused', `no ${this.#peer.peer}: ${address} answered port ${port} unreachable`);
    return socket ?? new ProbeUnavailable('error', `UDP socket: ${err.message}`);
  }
}

/** One request and its answer on a socket that carries nothing else: a UdpLink for a single exchange. */
export function udpExchange<T>(ctx: ProbeContext, socket: dgram.Socket, r: UdpPeer & UdpRequest<T>): Promise<T> {
  return new UdpLink(ctx, socket, r).exchange(r);
}

import type net from 'node:net';
import type { Transcript } from '../transcript.ts';
import { ProbeUnavailable } from '../types.ts';
import {
  binaryPacketLength,
  type Identification,
  identificationLength,
  type KexInit,
  packetPayload,
  parseDisconnect,
  parseIdentification,
  parseKexInit,
  SSH_MSG_DEBUG,
  SSH_MSG_DISCONNECT,
  SSH_MSG_IGNORE,
  SSH_MSG_KEXINIT,
} from './kexinit.ts';

/** IGNORE/DEBUG packets a server may send before its KEXINIT; more than this is not a real server. */
const MAX_PACKETS_BEFORE_KEXINIT = 4;

export interface ServerHelloEvents {
  /** The identification line arrived and parsed; the socket stays paused until handOver(). */
  identification(id: Identification): void;
  kexinit(kexinit: KexInit): void;
  failure(err: ProbeUnavailable): void;
}

/**
 * Reads the clear-text start of the server's side of one SSH connection from the raw bytes: the
 * identification line, then the KEXINIT packet. It reads alone until the identification is in (a
 * service that is not SSH never receives a byte from us), then gives the bytes back for ssh2 and
 * reads the same stream beside it until the KEXINIT is complete. Every length is capped by the
 * parsers in ./kexinit.ts, so a hostile peer cannot make it hold more than one maximal packet or so.
 */
export class ServerHello {
  readonly #socket: net.Socket;
  readonly #transcript: Transcript;
  readonly #probe: string;
  readonly #on: ServerHelloEvents;
  /** Every byte received until the KEXINIT is complete; parsed up to #pos. */
  #held: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Bytes that handOver() put back and that therefore arrive a second time. */
  #skip = 0;
  #identified = false;
  #handedOver = false;
  #packets = 0;
  #done = false;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);

  constructor(socket: net.Socket, transcript: Transcript, probe: string, on: ServerHelloEvents) {
    this.#socket = socket;
    this.#transcript = transcript;
    this.#probe = probe;
    this.#on = on;
    socket.on('data', this.#onData);
  }

  /** Puts the bytes read so far back into the socket, so the next reader (ssh2) sees the stream from its first byte. */
  handOver(): void {
    this.#handedOver = true;
    this.#skip = this.#held.length;
    this.#socket.unshift(this.#held);
  }

  /** Stops reading; an incomplete reply is evidence too, so its bytes are recorded. */
  stop(): void {
    if (this.#done) return;
    this.#done = true;
    this.#socket.off('data', this.#onData);
    if (this.#held.length > this.#pos) {
      const op = this.#identified ? 'ssh.kexinit.partial' : 'ssh.identification.partial';
      this.#transcript.rx(this.#probe, op, this.#held.subarray(this.#pos));
    }
    this.#held = Buffer.alloc(0);
  }

  #receive(chunk: Buffer): void {
    if (this.#done) return;
    let fresh = chunk;
    if (this.#skip > 0) {
      const seen = Math.min(this.#skip, fresh.length);
      this.#skip -= seen;
      fresh = fresh.subarray(seen);
    }
    if (fresh.length > 0) this.#held = this.#held.length === 0 ? fresh : Buffer.concat([this.#held, fresh]);
    if (this.#skip > 0) return;
    try {
      this.#parse();
    } catch (err) {
      this.#on.failure(err instanceof ProbeUnavailable ? err : new ProbeUnavailable('malformed', String(err)));
    }
  }

  #parse(): void {
    if (!this.#identified) {
      const length = identificationLength(this.#held);
      if (length === undefined) return;
      const frame = this.#held.subarray(0, length);
      this.#transcript.rx(this.#probe, 'ssh.identification', frame);
      this.#pos = length;
      this.#identified = true;
      const identification = parseIdentification(frame);
      this.#socket.pause();
      this.#on.identification(identification);
      return;
    }
    // Packets are read only once ssh2 reads too: it must see every byte from the first one.
    if (!this.#handedOver) return;
    for (;;) {
      const rest = this.#held.subarray(this.#pos);
      const length = binaryPacketLength(rest);
      if (length === undefined || rest.length < length) return;
      const frame = rest.subarray(0, length);
      this.#pos += length;
      this.#transcript.rx(this.#probe, 'ssh.kexinit', frame);
      const payload = packetPayload(frame);
      const type = payload[0];
      if (type === SSH_MSG_KEXINIT) {
        const kexinit = parseKexInit(payload);
        this.stop();
        this.#on.kexinit(kexinit);
        return;
      }
      if (type === SSH_MSG_DISCONNECT) {
        const { reason, description } = parseDisconnect(payload);
        throw new ProbeUnavailable('denied', `server disconnected before key exchange (reason ${reason}${description ? `: ${description}` : ''})`);
      }
      if (type !== SSH_MSG_IGNORE && type !== SSH_MSG_DEBUG) throw new ProbeUnavailable('malformed', `expected KEXINIT, got message type ${type ?? 'none'}`);
      this.#packets += 1;
      if (this.#packets > MAX_PACKETS_BEFORE_KEXINIT)
        throw new ProbeUnavailable('malformed', `no KEXINIT within the first ${MAX_PACKETS_BEFORE_KEXINIT + 1} packets`);
    }
  }
}

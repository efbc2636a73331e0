import net from 'node:net';
import { passGate } from './gate.ts';
import { socketFailure } from './socket-failure.ts';
import { StepTimer } from './step-timer.ts';
import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/** Unread bytes kept per connection before the socket is paused; every read's own maxBytes is far below. */
const MAX_BUFFERED = 1024 * 1024;

/**
 * Returns the total length of the first complete frame in `buf`, `undefined` while more bytes are
 * needed, or throws ProbeUnavailable('malformed') when the bytes cannot start a valid frame.
 */
export type FrameLength = (buf: Buffer) => number | undefined;

export interface ReadOptions {
  /** Operation kind recorded for the reply. */
  readonly op: string;
  /** Upper bound for one frame; a peer announcing more is cut off as malformed. */
  readonly maxBytes: number;
  readonly timeoutMs?: number;
}

/**
 * One TCP connection owned by one probe: every byte in and out is recorded, every wait has a
 * timeout, and close() always leaves no half-open socket behind.
 */
export class TcpSession {
  readonly #socket: net.Socket;
  readonly #ctx: ProbeContext;
  readonly #probe: string;
  readonly #port: number;
  #buffer: Buffer = Buffer.alloc(0);
  #ended: Error | 'eof' | undefined;
  #wake: (() => void) | undefined;
  /** Set once close() starts: what the peer still sends is drained, never kept (an endless peer must not fill memory). */
  #closing = false;

  private constructor(socket: net.Socket, ctx: ProbeContext, probe: string, port: number) {
    this.#socket = socket;
    this.#port = port;
    this.#ctx = ctx;
    this.#probe = probe;
    socket.on('data', (chunk: Buffer) => {
      if (this.#closing) return;
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      // Backpressure: a peer that sends while no read is pending cannot make us hold more than this.
      if (this.#buffer.length >= MAX_BUFFERED) socket.pause();
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#ended ??= 'eof';
      this.#wake?.();
    });
    socket.on('error', (err) => {
      this.#ended = err;
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended ??= 'eof';
      this.#wake?.();
    });
    // A handed-over socket may have died between discovery and this probe.
    if (socket.destroyed) this.#ended = 'eof';
  }

  static async open(ctx: ProbeContext, probe: string, port = ctx.port): Promise<TcpSession> {
    const socket = await connectSocket(ctx, probe, port);
    socket.setNoDelay(true);
    return new TcpSession(socket, ctx, probe, port);
  }

  /** A session on a connection another layer opened (a TLS connection whose protocol runs inside it). */
  static adopt(ctx: ProbeContext, probe: string, socket: net.Socket, port = ctx.port): TcpSession {
    return new TcpSession(socket, ctx, probe, port);
  }

  /** Sends one request once the agent's gate lets it pass (it may wait, or refuse). */
  async write(op: string, bytes: Uint8Array): Promise<void> {
    if (this.#ended) throw new ProbeUnavailable('closed', `connection closed before sending ${op}`);
    await passGate(this.#ctx, this.#probe, op, this.#port);
    if (this.#ended) throw new ProbeUnavailable('closed', `connection closed before sending ${op}`);
    this.#ctx.transcript.tx(this.#probe, op, bytes);
    this.#socket.write(bytes);
  }

  /** Reads one frame whose length `frameLength` can tell; leftover bytes stay for the next read. */
  async readFrame(frameLength: FrameLength, opts: ReadOptions): Promise<Buffer> {
    const timeoutMs = opts.timeoutMs ?? this.#ctx.stepTimeoutMs;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const total = frameLength(this.#buffer);
      if (total !== undefined) {
        if (total > opts.maxBytes) throw this.#tooLarge(opts, total);
        if (this.#buffer.length >= total) {
          const frame = this.#buffer.subarray(0, total);
          this.#buffer = this.#buffer.subarray(total);
          this.#ctx.transcript.rx(this.#probe, opts.op, frame);
          return frame;
        }
      } else if (this.#buffer.length > opts.maxBytes) {
        throw this.#tooLarge(opts, this.#buffer.length);
      }
      if (this.#ended) throw this.#keepPartial(this.#endedFailure(opts.op), opts.op);
      try {
        await this.#waitForData(deadline, opts.op, timeoutMs);
      } catch (err) {
        throw this.#keepPartial(err, opts.op);
      }
    }
  }

  /** An incomplete reply is evidence too: record its bytes before failing. */
  #keepPartial(err: unknown, op: string): unknown {
    if (this.#buffer.length > 0) {
      this.#ctx.transcript.rx(this.#probe, `${op}.partial`, this.#buffer);
      this.#buffer = Buffer.alloc(0);
    }
    return err;
  }

  /** Reads whatever arrives until the peer is quiet for `idleMs` (banners), up to maxBytes. */
  async readIdle(idleMs: number, opts: ReadOptions): Promise<Buffer> {
    const hardDeadline = performance.now() + (opts.timeoutMs ?? this.#ctx.stepTimeoutMs);
    let seen = -1;
    while (this.#buffer.length !== seen && this.#buffer.length < opts.maxBytes && !this.#ended) {
      seen = this.#buffer.length;
      const until = Math.min(hardDeadline, performance.now() + idleMs);
      if (until <= performance.now()) break;
      await this.#waitForData(until, opts.op, idleMs).catch((err: unknown) => {
        if (!(err instanceof ProbeUnavailable && err.kind === 'timeout')) throw err;
      });
    }
    const out = this.#buffer.subarray(0, opts.maxBytes);
    this.#buffer = this.#buffer.subarray(out.length);
    if (out.length > 0) this.#ctx.transcript.rx(this.#probe, opts.op, out);
    return out;
  }

  /**
   * Hands the connection to the layer the protocol switches to (RDP to TLS): this session stops
   * reading and recording. Refused when the peer already sent bytes the new layer would never see.
   */
  release(): net.Socket {
    if (this.#ended) throw this.#endedFailure('the switch to TLS');
    if (this.#buffer.length > 0) throw new ProbeUnavailable('malformed', `${this.#buffer.length} unexpected bytes before the switch to TLS`);
    this.#closing = true;
    // The error and close listeners stay: they only mark this session ended, and an error before
    // the TLS layer attaches its own must not become an uncaught event.
    this.#socket.removeAllListeners('data');
    this.#socket.removeAllListeners('end');
    this.#socket.pause();
    return this.#socket;
  }

  /** Graceful FIN, then a hard destroy if the peer does not close within a short grace period. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#buffer = Buffer.alloc(0);
    if (this.#socket.destroyed) return;
    await closeSocket(this.#socket, this.#ctx.stepTimeoutMs);
    this.#ctx.transcript.note(this.#probe, 'tcp.close', 'closed');
  }

  async #waitForData(deadline: number, op: string, timeoutMs: number): Promise<void> {
    const remaining = deadline - performance.now();
    if (remaining <= 0) throw new ProbeUnavailable('timeout', `no complete reply to ${op} within ${timeoutMs} ms`);
    this.#socket.resume();
    const step = new StepTimer({ signal: this.#ctx.signal, end: `device time budget spent waiting for ${op}` });
    step.arm(remaining, `no complete reply to ${op} within ${timeoutMs} ms`);
    this.#wake = () => step.resolve();
    try {
      await step.done;
    } finally {
      this.#wake = undefined;
    }
  }

  #tooLarge(opts: ReadOptions, size: number): ProbeUnavailable {
    this.#socket.destroy();
    return new ProbeUnavailable('malformed', `reply to ${opts.op} announces or sends ${size} bytes, more than the ${opts.maxBytes} allowed`);
  }

  #endedFailure(op: string): ProbeUnavailable {
    const failure = this.#ended instanceof Error ? socketFailure(this.#ended, `while waiting for ${op}`) : undefined;
    if (failure) return failure;
    const partial = this.#buffer.length > 0 ? ` after ${this.#buffer.length} bytes of an incomplete reply` : '';
    return new ProbeUnavailable('closed', `peer closed the connection while waiting for ${op}${partial}`);
  }
}

/**
 * The TCP connection a probe talks on: the one discovery just opened to this port when the agent
 * hands it over (so a service costs one connection, not two), or a new one through the gate.
 * Bounded by the step timeout and the device budget; recorded in the transcript either way.
 */
export async function connectSocket(ctx: ProbeContext, probe: string, port = ctx.port): Promise<net.Socket> {
  if (ctx.signal.aborted) throw new ProbeUnavailable('budget', 'device time budget spent before connecting');
  const adopted = ctx.handover?.take(port);
  if (adopted) {
    ctx.transcript.note(probe, 'tcp.adopt', `${ctx.address}:${port} (connection opened by discovery)`);
    return adopted;
  }
  await passGate(ctx, probe, 'tcp.connect', port);
  ctx.transcript.tx(probe, 'tcp.connect', undefined, `${ctx.address}:${port}`);
  const socket = new net.Socket();
  const step = new StepTimer({ signal: ctx.signal, end: 'device time budget spent while connecting' });
  step.arm(ctx.stepTimeoutMs, `no TCP answer from ${ctx.address}:${port} within ${ctx.stepTimeoutMs} ms`);
  const sent = performance.now();
  // Accepted or refused, the device answered: its round trip shortens later UDP waits.
  const answered = () => ctx.roundTrips?.record(performance.now() - sent);
  const onError = (err: NodeJS.ErrnoException) =>
    step.fail(socketFailure(err, 'during connect') ?? new ProbeUnavailable('error', `connect failed: ${err.code ?? err.message}`));
  socket.once('error', onError);
  if (!step.settled) socket.connect({ host: ctx.address, port }, () => step.resolve());
  try {
    await step.done;
  } catch (err) {
    socket.destroy();
    if (err instanceof ProbeUnavailable && err.kind === 'refused') answered();
    throw err;
  } finally {
    socket.off('error', onError);
  }
  answered();
  ctx.transcript.rx(probe, 'tcp.connected');
  return socket;
}

/** Graceful FIN, then a hard destroy when the peer has not closed within min(500 ms, graceMs). */
export function closeSocket(socket: net.Socket, graceMs: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  // No budget watch: the close must still run once the device budget is spent.
  const step = new StepTimer();
  step.arm(Math.min(500, graceMs), (s) => {
    socket.destroy();
    s.resolve();
  });
  socket.once('close', () => step.resolve());
  socket.end();
  // Our side is finished; unread data must not keep the socket half-open.
  socket.resume();
  return step.done;
}

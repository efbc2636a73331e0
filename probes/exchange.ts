import { recordingRefusals } from './frame-evidence.ts';
import { type FrameLength, TcpSession } from './tcp-session.ts';
import type { Failure, ProbeContext, ProbeDefinition } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/** One request and the reply frame it expects. */
export interface Exchange {
  /** Operation kind of the request (the probe's allow-list names it). */
  readonly op: string;
  readonly request: Uint8Array;
  /** Operation kind recorded for the reply. */
  readonly replyOp: string;
  readonly maxBytes: number;
  readonly frameLength: FrameLength;
}

/**
 * Sends one request and reads its reply frame; bytes that cannot start a reply are recorded before
 * the failure (recordingRefusals).
 */
export async function exchange(ctx: ProbeContext, session: TcpSession, probe: string, ex: Exchange): Promise<Buffer> {
  await session.write(ex.op, ex.request);
  const frameLength = recordingRefusals(ctx, probe, ex.replyOp, ex.maxBytes, ex.frameLength);
  return session.readFrame(frameLength, { op: ex.replyOp, maxBytes: ex.maxBytes });
}

/**
 * One more reply frame of `ex`, for a peer that may send frames of its own before its answer:
 * the wait is what is left until `deadline` (a performance.now() time), not a fresh step.
 */
export function nextReply(ctx: ProbeContext, session: TcpSession, probe: string, ex: Exchange, deadline: number): Promise<Buffer> {
  const frameLength = recordingRefusals(ctx, probe, ex.replyOp, ex.maxBytes, ex.frameLength);
  const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
  return session.readFrame(frameLength, { op: ex.replyOp, maxBytes: ex.maxBytes, timeoutMs });
}

/** Runs `work` on the probe's one TCP connection (discovery's, when handed over) and always closes it. */
export async function onOneConnection<T>(ctx: ProbeContext, probe: string, work: (session: TcpSession) => Promise<T>): Promise<T> {
  const session = await TcpSession.open(ctx, probe);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** Why a later step of a probe failed, kept beside the facts already read; anything but a typed failure is rethrown. */
export function interruption(err: unknown): Failure {
  if (!(err instanceof ProbeUnavailable)) throw err;
  return { kind: err.kind, detail: err.message };
}

/** A probe of one request and one reply on one connection, safety `identify`. */
export interface OneExchangeProbe<F> {
  readonly id: string;
  readonly protocol: string;
  readonly facts: ProbeDefinition<F>['facts'];
  readonly exchange: Exchange;
  /** Facts from the reply frame; throws ProbeUnavailable when the reply says nothing usable. */
  readonly read: (reply: Buffer) => F;
}

export function oneExchangeProbe<F>(def: OneExchangeProbe<F>): ProbeDefinition<F> {
  return {
    id: def.id,
    version: 1,
    protocol: def.protocol,
    safety: 'identify',
    ops: ['tcp.connect', def.exchange.op],
    transport: 'tcp',
    facts: def.facts,
    run: (ctx) => onOneConnection(ctx, def.id, async (session) => def.read(await exchange(ctx, session, def.id, def.exchange))),
  };
}

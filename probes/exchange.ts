import { recordingRefusals } from './frame-evidence.ts';
import { ANY_VERSION, handshakeFailure, recordHandshake, tlsHandshake, tlsProbe } from './it-services/tls.ts';
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

/** What a probe's protocol runs on: the TCP connection itself, or TLS on it (Fox on 4911). */
export type Carrier = 'tcp' | 'tls';

/** The op that opens the connection: tls.connect opens it itself, behind the gate's pass for the ClientHello. */
export const openingOp = (carrier: Carrier) => (carrier === 'tls' ? 'tls.client-hello' : 'tcp.connect');

/**
 * The probe's one connection in TLS: a single handshake offering every version and accepting any
 * certificate (this probe identifies; the TLS probe judges the certificate). A refused or failed
 * handshake ends the probe with a failure naming TLS, told apart from the protocol's own mismatch.
 * None is tried where the TLS probe already found no TLS on this port: the same client would
 * only get the same silence or refusal again.
 */
async function openTlsSession(ctx: ProbeContext, probe: string): Promise<TcpSession> {
  const earlier = ctx.earlier?.find((o) => o.probe === tlsProbe.id && o.port === ctx.port);
  if (earlier?.status === 'unavailable')
    throw new ProbeUnavailable(
      earlier.failure.kind,
      `no TLS connection tried: ${tlsProbe.id} on this port ended ${earlier.failure.kind}: ${earlier.failure.detail}`,
    );
  const handshake = await tlsHandshake(ctx, ANY_VERSION, { probe, keepOpen: true });
  recordHandshake(ctx, handshake, false, probe);
  if (handshake.kind !== 'accepted') throw handshakeFailure(handshake);
  if (!handshake.socket) throw new ProbeUnavailable('error', 'the TLS connection was not kept open');
  return TcpSession.adopt(ctx, probe, handshake.socket);
}

/** Runs `work` on the probe's one connection (discovery's, when handed over) and always closes it. */
export async function onOneConnection<T>(ctx: ProbeContext, probe: string, work: (session: TcpSession) => Promise<T>, carrier: Carrier = 'tcp'): Promise<T> {
  const session = carrier === 'tls' ? await openTlsSession(ctx, probe) : await TcpSession.open(ctx, probe);
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
  /** `tls`: the exchange runs inside TLS on that connection; plain TCP when left out. */
  readonly carrier?: Carrier;
  readonly facts: ProbeDefinition<F>['facts'];
  readonly exchange: Exchange;
  /** Facts from the reply frame; throws ProbeUnavailable when the reply says nothing usable. */
  readonly read: (reply: Buffer) => F;
}

export function oneExchangeProbe<F>(def: OneExchangeProbe<F>): ProbeDefinition<F> {
  const carrier = def.carrier ?? 'tcp';
  return {
    id: def.id,
    version: 1,
    protocol: def.protocol,
    safety: 'identify',
    ops: [openingOp(carrier), def.exchange.op],
    transport: 'tcp',
    facts: def.facts,
    run: (ctx) => onOneConnection(ctx, def.id, async (session) => def.read(await exchange(ctx, session, def.id, def.exchange)), carrier),
  };
}

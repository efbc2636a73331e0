import type net from 'node:net';
import { exchange, interruption } from '../exchange.ts';
import { ANY_VERSION, type AttemptResult, chainFacts, handshakeFailure, recordHandshake, tlsHandshake } from '../it-services/tls.ts';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { type Acceptance, RdpFacts, type RdpNegotiationFacts } from './facts.ts';
import { buildConnectionRequest, MAX_CONFIRM_BYTES, type Negotiation, parseConnectionConfirm, type SecurityProtocol, tpktFrameLength } from './x224.ts';

const PROBE_ID = 'rdp.negotiate';
const OP_REQUEST = 'rdp.connection-request';

/**
 * The first request offers TLS without NLA only: the one offer whose answer tells, on its own,
 * whether the server lets a client reach the login screen before authenticating. A server that
 * accepts it switches to TLS on the same connection (its certificate is read there); one that
 * requires NLA says so (hybrid-required-by-server), which also shows standard RDP security is
 * refused; one that knows only standard RDP security says ssl-not-allowed or sends no
 * negotiation at all. Offering NLA as well would tell nothing: a server picks NLA whenever it is
 * offered, required or not.
 */
const FIRST_OFFER: readonly SecurityProtocol[] = ['ssl'];
/**
 * Only after hybrid-required-by-server: a second connection offering CredSSP, whose TLS handshake
 * (before any CredSSP message, which this agent never sends) shows the certificate of a server
 * that requires NLA. The price of one request that decides NLA: a hardened server costs two.
 */
const CERTIFICATE_OFFER: readonly SecurityProtocol[] = ['ssl', 'hybrid'];
function negotiationFacts(offer: readonly SecurityProtocol[], n: Negotiation): RdpNegotiationFacts {
  if (n.kind === 'none') return { offered: [...offer], result: 'none' };
  if (n.kind === 'selected') return { offered: [...offer], result: 'selected', selected: n.protocol, flags: n.flags };
  return { offered: [...offer], result: 'failure', failureCode: n.code, failure: n.reason };
}

/** What the answer to FIRST_OFFER shows about the two layers that show the login screen before authentication. */
export function acceptance(n: Negotiation): { standardSecurity: Acceptance; tlsWithoutNla: Acceptance } {
  if (n.kind === 'none') return { standardSecurity: 'accepted', tlsWithoutNla: 'refused' };
  if (n.kind === 'selected') {
    if (n.protocol === 'ssl') return { standardSecurity: 'unknown', tlsWithoutNla: 'accepted' };
    if (n.protocol === 'standard') return { standardSecurity: 'accepted', tlsWithoutNla: 'refused' };
    return { standardSecurity: 'unknown', tlsWithoutNla: 'unknown' };
  }
  switch (n.reason) {
    case 'ssl-not-allowed-by-server':
      return { standardSecurity: 'accepted', tlsWithoutNla: 'refused' };
    case 'ssl-cert-not-on-server':
      return { standardSecurity: 'unknown', tlsWithoutNla: 'refused' };
    case 'hybrid-required-by-server':
    case 'ssl-with-user-auth-required-by-server':
      return { standardSecurity: 'refused', tlsWithoutNla: 'refused' };
    default:
      return { standardSecurity: 'unknown', tlsWithoutNla: 'unknown' };
  }
}

const switchesToTls = (n: Negotiation) => n.kind === 'selected' && (n.protocol === 'ssl' || n.protocol === 'hybrid' || n.protocol === 'hybrid-ex');

interface Attempt {
  readonly negotiation: Negotiation;
  readonly tls?: AttemptResult;
}

/**
 * One connection: the Connection Request, its Confirm, and the TLS handshake when the server
 * switched to TLS. Not onOneConnection: a connection handed over to TLS must not be closed here.
 */
async function attempt(ctx: ProbeContext, offer: readonly SecurityProtocol[]): Promise<Attempt> {
  const session = await TcpSession.open(ctx, PROBE_ID);
  let handedOver = false;
  try {
    const frame = await exchange(ctx, session, PROBE_ID, {
      op: OP_REQUEST,
      request: buildConnectionRequest(offer),
      replyOp: 'rdp.connection-confirm',
      maxBytes: MAX_CONFIRM_BYTES,
      frameLength: tpktFrameLength,
    });
    const negotiation = parseConnectionConfirm(frame);
    if (!switchesToTls(negotiation)) return { negotiation };
    let socket: net.Socket;
    try {
      socket = session.release();
    } catch (err) {
      if (!(err instanceof ProbeUnavailable)) throw err;
      return { negotiation, tls: { kind: 'stop', failure: err } };
    }
    handedOver = true;
    const tls = await tlsHandshake(ctx, ANY_VERSION, { probe: PROBE_ID, socket });
    recordHandshake(ctx, tls, true, PROBE_ID);
    return { negotiation, tls };
  } finally {
    if (!handedOver) await session.close();
  }
}

async function run(ctx: ProbeContext): Promise<RdpFacts> {
  const first = await attempt(ctx, FIRST_OFFER);
  const attempts: [readonly SecurityProtocol[], Attempt][] = [[FIRST_OFFER, first]];
  const needsSecond = first.negotiation.kind === 'failure' && first.negotiation.reason === 'hybrid-required-by-server';
  if (needsSecond && !ctx.signal.aborted) {
    try {
      attempts.push([CERTIFICATE_OFFER, await attempt(ctx, CERTIFICATE_OFFER)]);
    } catch (err) {
      // The first answer decided NLA; a certificate read that fails is noted, and the facts stand.
      const failure = interruption(err);
      ctx.transcript.note(PROBE_ID, 'rdp.certificate-read-failed', `${failure.kind}: ${failure.detail}`);
    }
  }
  const facts: RdpFacts = {
    negotiations: attempts.map(([offer, e]) => negotiationFacts(offer, e.negotiation)),
    ...acceptance(first.negotiation),
    certificates: [],
    connections: attempts.length,
    observedAt: ctx.now().toISOString(),
  };
  const withTls = attempts.find(([, e]) => e.tls !== undefined);
  if (withTls) {
    const [offer, { tls }] = withTls;
    if (tls?.kind === 'accepted') {
      facts.tls = { version: tls.protocol, cipher: tls.cipher.standardName ?? tls.cipher.name, afterOffering: [...offer] };
      facts.certificates = chainFacts(ctx, tls.chain, PROBE_ID);
    } else if (tls) {
      facts.tlsFailure = interruption(handshakeFailure(tls));
    }
  }
  return facts;
}

/**
 * Which security layers an RDP server accepts, from one X.224 Connection Request (two when the
 * server requires NLA, to read its certificate), and the TLS certificate on the same connection.
 * Never sends MCS, CredSSP, credentials or a cookie naming a user.
 */
export const rdpNegotiateProbe: ProbeDefinition<RdpFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'rdp',
  safety: 'identify',
  ops: ['tcp.connect', OP_REQUEST, 'tls.client-hello'],
  transport: 'tcp',
  facts: RdpFacts,
  run,
};

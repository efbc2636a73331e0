import { randomBytes } from 'node:crypto';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { type SmbDialectFacts, SmbNegotiateFacts, SmbNtlmInfoFacts, SmbSmb1Facts } from './facts.ts';
import {
  buildSessionRequest,
  KEEPALIVE,
  MAX_FRAME_BYTES,
  NEGATIVE_RESPONSE,
  NETBIOS_SESSION_PORT,
  nbssFrame,
  nbssFrameLength,
  negativeReason,
  POSITIVE_RESPONSE,
  parseNbssFrame,
  SESSION_MESSAGE,
} from './netbios.ts';
import { buildNtlmNegotiate, parseNtlmChallenge } from './ntlm.ts';
import { buildSmb1Negotiate, NT_LM_DIALECT, parseSmb1Negotiate, SMB1_PROTOCOL_ID, SMB2_DIALECT_STRINGS, type Smb1Negotiate } from './smb1.ts';
import {
  buildSmb2Negotiate,
  buildSmb2SessionSetup,
  CAP_ENCRYPTION,
  CIPHERS,
  DIALECT_WILDCARD,
  parseSmb2Header,
  parseSmb2Negotiate,
  parseSmb2SessionSetup,
  SIGNING_ALGORITHMS,
  SMB2_DIALECTS,
  SMB2_PROTOCOL_ID,
  STATUS_MORE_PROCESSING_REQUIRED,
  type Smb2Negotiate,
} from './smb2.ts';
import { hintedMechanisms, unwrapNtlmToken, wrapNtlmNegotiate } from './spnego.ts';

export const SMB_NTLM_INFO_OPT_IN = 'smb.ntlmInfo';
export const SMB_SMB1_DIALECT_OPT_IN = 'smb.smb1Dialect';

const OPS = {
  netbiosSession: 'smb.netbios-session',
  negotiate: 'smb.negotiate',
  negotiateSmb2: 'smb.negotiate-smb2',
  sessionSetup: 'smb.session-setup-ntlm',
} as const;
const REPLY_OP = 'smb.reply';
const NEGOTIATE_OPS = ['tcp.connect', OPS.netbiosSession, OPS.negotiate, OPS.negotiateSmb2] as const;
/** What every SMB probe shares: TCP on 445 and 139. */
const SMB_SERVICE = { protocol: 'smb', protocols: ['smb', 'netbios-ssn'], transport: 'tcp', version: 1 } as const;

/** Keepalives a server may send before its reply; more than this is not a server answering us. */
const MAX_KEEPALIVES = 4;
/** What we offer in the first, SMB1-form NEGOTIATE: NT LM 0.12 and both SMB2 strings, so the server picks. */
const FULL_OFFER = [NT_LM_DIALECT, ...SMB2_DIALECT_STRINGS];
const SMB1_ONLY = [NT_LM_DIALECT];

/** One SMB connection: framing, the NetBIOS session on 139, and a count of what was sent. */
class SmbConnection {
  readonly session: TcpSession;
  readonly transport: 'direct' | 'netbios';
  requestsSent = 0;

  private constructor(session: TcpSession, transport: 'direct' | 'netbios') {
    this.session = session;
    this.transport = transport;
  }

  static async open(ctx: ProbeContext, probe: string): Promise<SmbConnection> {
    const session = await TcpSession.open(ctx, probe);
    const conn = new SmbConnection(session, ctx.port === NETBIOS_SESSION_PORT ? 'netbios' : 'direct');
    try {
      if (conn.transport === 'netbios') await conn.startNetbiosSession();
      return conn;
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  async send(op: string, message: Buffer): Promise<void> {
    this.requestsSent += 1;
    await this.session.write(op, op === OPS.netbiosSession ? message : nbssFrame(SESSION_MESSAGE, message));
  }

  /** The next session message's payload, past any keepalives. */
  async receive(): Promise<Buffer> {
    for (let i = 0; i <= MAX_KEEPALIVES; i += 1) {
      const frame = parseNbssFrame(await this.session.readFrame(nbssFrameLength, { op: REPLY_OP, maxBytes: MAX_FRAME_BYTES }));
      if (frame.type === SESSION_MESSAGE) return frame.payload;
      if (frame.type !== KEEPALIVE)
        throw new ProbeUnavailable('protocol-mismatch', `NetBIOS frame type 0x${frame.type.toString(16)} where an SMB message belongs`);
    }
    throw new ProbeUnavailable('malformed', `more than ${MAX_KEEPALIVES} keepalives and no reply`);
  }

  private async startNetbiosSession(): Promise<void> {
    await this.send(OPS.netbiosSession, buildSessionRequest());
    const frame = parseNbssFrame(await this.session.readFrame(nbssFrameLength, { op: REPLY_OP, maxBytes: MAX_FRAME_BYTES }));
    if (frame.type === POSITIVE_RESPONSE) return;
    if (frame.type === NEGATIVE_RESPONSE) throw new ProbeUnavailable('not-supported', `NetBIOS session refused: ${negativeReason(frame.payload[0])}`);
    throw new ProbeUnavailable('not-supported', `NetBIOS session request answered with frame type 0x${frame.type.toString(16)}`);
  }
}

function smb1Facts(n: Smb1Negotiate): SmbDialectFacts {
  if (n.dialect === undefined) return { protocol: 'none' };
  const mode = n.securityMode ?? 0;
  const capabilities = n.capabilities ?? 0;
  return {
    protocol: 'smb1',
    dialect: n.dialect,
    signing: { enabled: (mode & 0x04) !== 0, required: (mode & 0x08) !== 0 },
    ...(n.serverGuid === undefined ? {} : { serverGuid: n.serverGuid }),
    ...(n.systemTime === undefined ? {} : { systemTime: n.systemTime }),
    ...(n.securityBlob === undefined ? {} : { securityMechanisms: hintedMechanisms(n.securityBlob) }),
    smb1: {
      shareLevelSecurity: (mode & 0x01) === 0,
      plaintextPasswords: (mode & 0x02) === 0,
      extendedSecurity: (capabilities & 0x80000000) !== 0,
      capabilities,
      ...(n.timeZoneMinutes === undefined ? {} : { timeZoneMinutes: n.timeZoneMinutes }),
      ...(n.domainName === undefined ? {} : { domainName: n.domainName }),
      ...(n.serverName === undefined ? {} : { serverName: n.serverName }),
    },
  };
}

function smb2Facts(n: Smb2Negotiate): SmbDialectFacts {
  const dialect = SMB2_DIALECTS[n.dialectRevision];
  if (dialect === undefined) throw new ProbeUnavailable('malformed', `SMB2 dialect 0x${n.dialectRevision.toString(16)} was not offered`);
  const smb3 = n.dialectRevision >= 0x0300;
  const cipher = n.cipher === undefined ? undefined : CIPHERS[n.cipher];
  const encryption =
    n.dialectRevision === 0x0311 ? { supported: cipher !== undefined, ...(cipher ? { cipher } : {}) } : { supported: (n.capabilities & CAP_ENCRYPTION) !== 0 };
  const signingAlgorithm = n.signingAlgorithm === undefined ? undefined : SIGNING_ALGORITHMS[n.signingAlgorithm];
  return {
    protocol: 'smb2',
    dialect,
    signing: { enabled: true, required: n.signingRequired },
    ...(smb3 ? { encryption } : {}),
    ...(signingAlgorithm === undefined ? {} : { signingAlgorithm }),
    serverGuid: n.serverGuid,
    ...(n.systemTime === undefined ? {} : { systemTime: n.systemTime }),
    ...(n.serverStartTime === undefined ? {} : { serverStartTime: n.serverStartTime }),
    securityMechanisms: hintedMechanisms(n.securityBlob),
  };
}

interface Negotiated {
  readonly facts: SmbDialectFacts;
  /** The next SMB2 message id, once SMB2 is spoken. */
  readonly nextMessageId?: bigint;
}

/** The SMB2 NEGOTIATE response to message `id`; a non-zero status is a refusal, not a malformed reply. */
function smb2Negotiated(message: Buffer, id: bigint): Smb2Negotiate {
  const h = parseSmb2Header(message, 'negotiate', id);
  if (h.status !== 0) throw new ProbeUnavailable('protocol-mismatch', `SMB2 NEGOTIATE refused with status 0x${h.status.toString(16).padStart(8, '0')}`);
  return parseSmb2Negotiate(message);
}

/**
 * The SMB1-form NEGOTIATE with `offer`, and where the server answers with the SMB2 wildcard, the
 * SMB2 NEGOTIATE that it asks for: at most two requests.
 */
async function negotiate(conn: SmbConnection, offer: readonly string[]): Promise<Negotiated> {
  await conn.send(OPS.negotiate, buildSmb1Negotiate(offer));
  const reply = await conn.receive();
  const id = reply.subarray(0, 4);
  if (id.equals(SMB1_PROTOCOL_ID)) return { facts: smb1Facts(parseSmb1Negotiate(reply, offer)) };
  if (!id.equals(SMB2_PROTOCOL_ID)) throw new ProbeUnavailable('protocol-mismatch', 'reply is neither SMB1 nor SMB2');
  if (!offer.includes(SMB2_DIALECT_STRINGS[0])) throw new ProbeUnavailable('malformed', 'SMB2 reply to an offer of SMB1 alone');
  const first = smb2Negotiated(reply, 0n);
  if (first.dialectRevision !== DIALECT_WILDCARD) return { facts: smb2Facts(first), nextMessageId: 1n };
  await conn.send(OPS.negotiateSmb2, buildSmb2Negotiate(1n, randomBytes(16), randomBytes(32)));
  return { facts: smb2Facts(smb2Negotiated(await conn.receive(), 1n)), nextMessageId: 2n };
}

function negotiateFacts(conn: SmbConnection, n: Negotiated, offer: readonly string[]): SmbNegotiateFacts {
  return { ...n.facts, transport: conn.transport, offered: [...offer], requestsSent: conn.requestsSent };
}

/** The port where an SMB probe already got facts on this device, if it is not this one (139 after 445). */
function answeredOnOtherPort(ctx: ProbeContext): number | undefined {
  return (ctx.earlier ?? []).find((o) => o.status === 'ok' && o.probe.startsWith('smb.') && o.port !== ctx.port)?.port;
}

/** Runs `work` on one SMB connection, closed in every case; none is opened where SMB already answered on the other port. */
async function withConnection<T>(ctx: ProbeContext, probe: string, work: (conn: SmbConnection) => Promise<T>): Promise<T> {
  const other = answeredOnOtherPort(ctx);
  if (other !== undefined) throw new ProbeUnavailable('not-supported', `skipped: SMB already answered on port ${other} of this device`);
  const conn = await SmbConnection.open(ctx, probe);
  try {
    return await work(conn);
  } finally {
    await conn.session.close();
  }
}

/**
 * One NEGOTIATE offering SMB1 and SMB2 (the SMB2 one the server asks for after it): dialect,
 * signing, encryption capability, GUID and clocks, with no session setup. A server that supports
 * both picks SMB2, so SMB1 is seen only on a server that speaks nothing newer (the opt-in
 * smb.smb1-dialect asks on a second connection).
 */
export const smbNegotiateProbe: ProbeDefinition<SmbNegotiateFacts> = {
  id: 'smb.negotiate',
  ...SMB_SERVICE,
  safety: 'identify',
  ops: NEGOTIATE_OPS,
  replacedBy: 'smb.ntlm-info',
  facts: SmbNegotiateFacts,
  run: (ctx) => withConnection(ctx, 'smb.negotiate', async (conn) => negotiateFacts(conn, await negotiate(conn, FULL_OFFER), FULL_OFFER)),
};

/** SESSION_SETUP with our NTLMSSP NEGOTIATE; the CHALLENGE it returns ends the exchange (we close without answering). */
async function readNtlmChallenge(conn: SmbConnection, messageId: bigint): Promise<SmbNtlmInfoFacts['ntlm']> {
  await conn.send(OPS.sessionSetup, buildSmb2SessionSetup(messageId, wrapNtlmNegotiate(buildNtlmNegotiate())));
  const reply = await conn.receive();
  const h = parseSmb2Header(reply, 'sessionSetup', messageId);
  if (h.status !== STATUS_MORE_PROCESSING_REQUIRED)
    throw new ProbeUnavailable('auth-required', `session setup answered with status 0x${h.status.toString(16).padStart(8, '0')}, no challenge`);
  const c = parseNtlmChallenge(unwrapNtlmToken(parseSmb2SessionSetup(reply).securityBlob));
  const { version, ...names } = c;
  return { ...names, ...(version === undefined ? {} : { osVersion: version }) };
}

/**
 * Opt-in (the server logs the start of an authentication): the negotiation above, then on the same
 * connection a session setup whose NTLMSSP CHALLENGE names the host, its domain and OS build.
 * The session is never completed: no AUTHENTICATE message exists in this probe.
 */
export const smbNtlmInfoProbe: ProbeDefinition<SmbNtlmInfoFacts> = {
  id: 'smb.ntlm-info',
  ...SMB_SERVICE,
  safety: 'read-session',
  optIn: SMB_NTLM_INFO_OPT_IN,
  ops: [...NEGOTIATE_OPS, OPS.sessionSetup],
  facts: SmbNtlmInfoFacts,
  run: (ctx) =>
    withConnection(ctx, 'smb.ntlm-info', async (conn) => {
      const n = await negotiate(conn, FULL_OFFER);
      if (n.nextMessageId === undefined) {
        const reason = n.facts.protocol === 'smb1' ? 'the server picked SMB1; NTLM info is read over SMB2 only' : 'no dialect was agreed';
        return { ...negotiateFacts(conn, n, FULL_OFFER), ntlmUnavailable: { kind: 'not-supported', detail: reason } };
      }
      try {
        const ntlm = await readNtlmChallenge(conn, n.nextMessageId);
        return { ...negotiateFacts(conn, n, FULL_OFFER), ...(ntlm === undefined ? {} : { ntlm }) };
      } catch (err) {
        if (!(err instanceof ProbeUnavailable)) throw err;
        return { ...negotiateFacts(conn, n, FULL_OFFER), ntlmUnavailable: { kind: err.kind, detail: err.message } };
      }
    }),
};

/** Whether an earlier probe on this device already saw the server pick SMB1 (then asking again is pointless). */
function smb1AlreadySeen(ctx: ProbeContext): boolean {
  return (ctx.earlier ?? []).some(
    (o) =>
      o.status === 'ok' &&
      o.port === ctx.port &&
      (o.probe === 'smb.negotiate' || o.probe === 'smb.ntlm-info') &&
      (o.facts as SmbDialectFacts).protocol === 'smb1',
  );
}

/**
 * Opt-in, a second connection: NEGOTIATE offering SMB1 alone, since a server with SMB2 never shows
 * its SMB1 on the first. A server without SMB1 answers with no dialect, or (Windows) closes or
 * resets the connection: that answer is the fact, recorded as how it refused.
 */
export const smbSmb1Probe: ProbeDefinition<SmbSmb1Facts> = {
  id: 'smb.smb1-dialect',
  ...SMB_SERVICE,
  safety: 'identify',
  optIn: SMB_SMB1_DIALECT_OPT_IN,
  ops: NEGOTIATE_OPS.filter((op) => op !== OPS.negotiateSmb2),
  facts: SmbSmb1Facts,
  async run(ctx) {
    if (smb1AlreadySeen(ctx)) throw new ProbeUnavailable('not-supported', 'skipped: the first NEGOTIATE on this port already picked SMB1');
    return withConnection(ctx, 'smb.smb1-dialect', async (conn) => {
      const beforeNegotiate = conn.requestsSent;
      const seqBefore = ctx.transcript.seq;
      try {
        const n = await negotiate(conn, SMB1_ONLY);
        const base = { transport: conn.transport, requestsSent: conn.requestsSent, negotiate: n.facts };
        return n.facts.protocol === 'smb1' ? { ...base, accepted: true } : { ...base, accepted: false, refusal: 'no-dialect' as const };
      } catch (err) {
        // Refusing SMB1 by dropping the connection, without a byte, is how Windows answers; a reply cut
        // off, or any other failure, stays a failure.
        const answered = ctx.transcript.entries().some((e) => e.seq > seqBefore && e.dir === 'rx' && e.probe === 'smb.smb1-dialect');
        if (err instanceof ProbeUnavailable && conn.requestsSent > beforeNegotiate && !answered && (err.kind === 'closed' || err.kind === 'reset'))
          return { transport: conn.transport, requestsSent: conn.requestsSent, accepted: false, refusal: err.kind };
        throw err;
      }
    });
  },
};

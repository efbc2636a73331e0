import { randomBytes } from 'node:crypto';
import { interruption } from '../exchange.ts';
import { hex } from '../hex.ts';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { type SmbDialectFacts, type SmbLoginAttempt, SmbNegotiateFacts, SmbNtlmInfoFacts, SmbNullSessionFacts, SmbSmb1Facts } from './facts.ts';
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
import { buildNtlmAuthenticate, buildNtlmNegotiate, type NtlmLogin, parseNtlmChallenge } from './ntlm.ts';
import { buildSmb1Negotiate, NT_LM_DIALECT, parseSmb1Negotiate, SMB1_PROTOCOL_ID, SMB2_DIALECT_STRINGS, type Smb1Negotiate } from './smb1.ts';
import {
  buildSmb2Close,
  buildSmb2Negotiate,
  buildSmb2SessionSetup,
  buildSmb2TreeConnectIpc,
  CAP_ENCRYPTION,
  CIPHERS,
  DIALECT_WILDCARD,
  parseSmb2Header,
  parseSmb2Negotiate,
  parseSmb2SessionSetup,
  parseSmb2TreeConnect,
  SESSION_FLAG_IS_GUEST,
  SESSION_FLAG_IS_NULL,
  SIGNING_ALGORITHMS,
  SMB2_DIALECTS,
  SMB2_PROTOCOL_ID,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
  type Smb2Command,
  type Smb2Header,
  type Smb2Negotiate,
} from './smb2.ts';
import { hintedMechanisms, unwrapNtlmToken, wrapNtlmAuthenticate, wrapNtlmNegotiate } from './spnego.ts';

export const SMB_NTLM_INFO_OPT_IN = 'smb.ntlmInfo';
export const SMB_SMB1_DIALECT_OPT_IN = 'smb.smb1Dialect';
export const SMB_NULL_SESSION_OPT_IN = 'smb.nullSession';

const OPS = {
  netbiosSession: 'smb.netbios-session',
  negotiate: 'smb.negotiate',
  negotiateSmb2: 'smb.negotiate-smb2',
  sessionSetup: 'smb.session-setup-ntlm',
  anonymousLogin: 'smb.session-setup-anonymous',
  guestLogin: 'smb.session-setup-guest',
  treeConnectIpc: 'smb.tree-connect-ipc',
  treeDisconnect: 'smb.tree-disconnect',
  logoff: 'smb.logoff',
} as const;
const REPLY_OP = 'smb.reply';
/** Probes whose facts hold the first NEGOTIATE's answer: each runs in place of the one before. */
const NEGOTIATE_PROBES = ['smb.negotiate', 'smb.ntlm-info', 'smb.null-session'];
const NEGOTIATE_OPS = ['tcp.connect', OPS.netbiosSession, OPS.negotiate, OPS.negotiateSmb2] as const;
/** What every SMB probe shares: TCP on 445 and 139, the NetBIOS session request on 139 alone. */
const SMB_SERVICE = {
  protocol: 'smb',
  protocols: ['smb', 'netbios-ssn'],
  opsOnlyOn: { [OPS.netbiosSession]: ['netbios-ssn'] },
  transport: 'tcp',
  version: 1,
} as const;

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
  if (h.status !== 0) throw new ProbeUnavailable('protocol-mismatch', `SMB2 NEGOTIATE refused with status ${hex(h.status, 8)}`);
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

/** SMB2 requests on the one connection after the NEGOTIATE, each with the next message id. */
class Exchange {
  private readonly conn: SmbConnection;
  private nextId: bigint;

  constructor(conn: SmbConnection, firstId: bigint) {
    this.conn = conn;
    this.nextId = firstId;
  }

  /** Sends one request built for the next message id and reads its reply's header. */
  async request(op: string, command: Smb2Command, build: (id: bigint) => Buffer): Promise<{ reply: Buffer; header: Smb2Header }> {
    const id = this.nextId;
    this.nextId += 1n;
    await this.conn.send(op, build(id));
    const reply = await this.conn.receive();
    return { reply, header: parseSmb2Header(reply, command, id) };
  }
}

interface Challenged {
  readonly ntlm: NonNullable<SmbNtlmInfoFacts['ntlm']>;
  /** The session id the server gave with its CHALLENGE, which the AUTHENTICATE must carry. */
  readonly sessionId: bigint;
}

/** SESSION_SETUP with our NTLMSSP NEGOTIATE, and the CHALLENGE it returns. */
async function readNtlmChallenge(ex: Exchange): Promise<Challenged> {
  const token = wrapNtlmNegotiate(buildNtlmNegotiate());
  const { reply, header } = await ex.request(OPS.sessionSetup, 'sessionSetup', (id) => buildSmb2SessionSetup(id, token));
  if (header.status !== STATUS_MORE_PROCESSING_REQUIRED)
    throw new ProbeUnavailable('auth-required', `session setup answered with status ${hex(header.status, 8)}, no challenge`);
  const { version, ...names } = parseNtlmChallenge(unwrapNtlmToken(parseSmb2SessionSetup(reply).securityBlob));
  return { ntlm: { ...names, ...(version === undefined ? {} : { osVersion: version }) }, sessionId: header.sessionId };
}

interface NtlmRead {
  readonly facts: SmbNtlmInfoFacts;
  /** Where a CHALLENGE was read: the exchange to go on with, and the session it opened. */
  readonly next?: { readonly ex: Exchange; readonly challenged: Challenged };
}

/** NTLM info read on the negotiated connection, or why it was not: shared by smb.ntlm-info and smb.null-session. */
async function readNtlmInfo(conn: SmbConnection): Promise<NtlmRead> {
  const n = await negotiate(conn, FULL_OFFER);
  if (n.nextMessageId === undefined) {
    const reason = n.facts.protocol === 'smb1' ? 'the server picked SMB1; NTLM info is read over SMB2 only' : 'no dialect was agreed';
    return { facts: { ...negotiateFacts(conn, n, FULL_OFFER), ntlmUnavailable: { kind: 'not-supported', detail: reason } } };
  }
  const ex = new Exchange(conn, n.nextMessageId);
  try {
    const challenged = await readNtlmChallenge(ex);
    return { facts: { ...negotiateFacts(conn, n, FULL_OFFER), ntlm: challenged.ntlm }, next: { ex, challenged } };
  } catch (err) {
    return { facts: { ...negotiateFacts(conn, n, FULL_OFFER), ntlmUnavailable: interruption(err) } };
  }
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
  replacedBy: 'smb.null-session',
  run: (ctx) => withConnection(ctx, 'smb.ntlm-info', async (conn) => (await readNtlmInfo(conn)).facts),
};

/** LOGOFF of a granted session; its reply is read (the server answers before we close), its status not judged. */
async function logoff(ex: Exchange, sessionId: bigint): Promise<void> {
  await ex.request(OPS.logoff, 'logoff', (id) => buildSmb2Close('logoff', id, sessionId));
}

/** TREE_CONNECT to IPC$ in the anonymous session, and where it connected, TREE_DISCONNECT. */
async function connectIpc(ex: Exchange, sessionId: bigint, host: string): Promise<NonNullable<SmbLoginAttempt['ipc']>> {
  const { reply, header } = await ex.request(OPS.treeConnectIpc, 'treeConnect', (id) => buildSmb2TreeConnectIpc(id, sessionId, host));
  if (header.status !== STATUS_SUCCESS) return { status: hex(header.status, 8), connected: false };
  const tree = parseSmb2TreeConnect(reply);
  await ex.request(OPS.treeDisconnect, 'treeDisconnect', (id) => buildSmb2Close('treeDisconnect', id, sessionId, header.treeId));
  return { status: hex(header.status, 8), connected: true, shareType: tree.shareType };
}

/**
 * One login without a credential on the session the CHALLENGE opened: the AUTHENTICATE, then
 * (anonymous only) the IPC$ tree, then LOGOFF of a granted session. The facts grow as answers come;
 * a failure ends the attempt with what was read (closing the connection ends the session).
 */
async function attemptLogin(ex: Exchange, sessionId: bigint, login: NtlmLogin, host: string): Promise<SmbLoginAttempt> {
  const attempt: { -readonly [K in keyof SmbLoginAttempt]: SmbLoginAttempt[K] } = login.kind === 'guest' ? { user: login.user } : {};
  try {
    const op = login.kind === 'guest' ? OPS.guestLogin : OPS.anonymousLogin;
    const token = wrapNtlmAuthenticate(buildNtlmAuthenticate(login));
    const { reply, header } = await ex.request(op, 'sessionSetup', (id) => buildSmb2SessionSetup(id, token, sessionId));
    attempt.sessionStatus = hex(header.status, 8);
    attempt.granted = header.status === STATUS_SUCCESS;
    if (!attempt.granted) return attempt;
    const flags = parseSmb2SessionSetup(reply).sessionFlags;
    attempt.isGuest = (flags & SESSION_FLAG_IS_GUEST) !== 0;
    attempt.isNull = (flags & SESSION_FLAG_IS_NULL) !== 0;
    if (login.kind === 'anonymous') attempt.ipc = await connectIpc(ex, header.sessionId, host);
    await logoff(ex, header.sessionId);
    return attempt;
  } catch (err) {
    return { ...attempt, unavailable: interruption(err) };
  }
}

/** A user name no plant has, so a server granting it a session maps unknown users to guest. */
const madeUpUser = () => `cellcheck-${randomBytes(4).toString('hex')}`;

/**
 * Opt-in (completes an anonymous login; the server logs it): smb.ntlm-info's exchange, then on the
 * same connection the anonymous AUTHENTICATE and a TREE_CONNECT to IPC$ (never opening a pipe or
 * file), then a second session setup for a made-up user that only guest mapping grants, each
 * granted session logged off. Share listing (an RPC over the srvsvc pipe) is never attempted: the
 * anonymous IPC$ connect it would need first is the fact.
 */
export const smbNullSessionProbe: ProbeDefinition<SmbNullSessionFacts> = {
  id: 'smb.null-session',
  ...SMB_SERVICE,
  safety: 'read-session',
  optIn: SMB_NULL_SESSION_OPT_IN,
  ops: [...NEGOTIATE_OPS, OPS.sessionSetup, OPS.anonymousLogin, OPS.treeConnectIpc, OPS.treeDisconnect, OPS.logoff, OPS.guestLogin],
  facts: SmbNullSessionFacts,
  run: (ctx) =>
    withConnection(ctx, 'smb.null-session', async (conn) => {
      const { facts, next } = await readNtlmInfo(conn);
      if (!next) {
        const why = facts.ntlmUnavailable ?? { kind: 'not-supported' as const, detail: 'no NTLM challenge' };
        return { ...facts, loginsUnavailable: { kind: why.kind, detail: `no login attempted: ${why.detail}` } };
      }
      const anonymous = await attemptLogin(next.ex, next.challenged.sessionId, { kind: 'anonymous' }, ctx.address);
      if (anonymous.unavailable) return { ...facts, anonymous, requestsSent: conn.requestsSent };
      const guest = await attemptGuest(next.ex, madeUpUser(), ctx.address);
      return { ...facts, anonymous, guest, requestsSent: conn.requestsSent };
    }),
};

/** The guest attempt: a fresh session setup (its own CHALLENGE), then the made-up user's AUTHENTICATE. */
async function attemptGuest(ex: Exchange, user: string, host: string): Promise<SmbLoginAttempt> {
  try {
    const challenged = await readNtlmChallenge(ex);
    return await attemptLogin(ex, challenged.sessionId, { kind: 'guest', user }, host);
  } catch (err) {
    return { user, unavailable: interruption(err) };
  }
}

/** Whether an earlier probe on this device already saw the server pick SMB1 (then asking again is pointless). */
function smb1AlreadySeen(ctx: ProbeContext): boolean {
  return (ctx.earlier ?? []).some(
    (o) => o.status === 'ok' && o.port === ctx.port && NEGOTIATE_PROBES.includes(o.probe) && (o.facts as SmbDialectFacts).protocol === 'smb1',
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

import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { FtpAnonymousFacts, FtpFacts, type FtpLogin } from './facts.ts';
import { printableText, softwareToken } from './text.ts';

/** One reply, multi-line greetings included; real greetings are a few hundred bytes. */
const MAX_REPLY_BYTES = 4096;
/** Password sent with USER anonymous, by convention an address; fixed so logs show who it was. */
export const ANONYMOUS_PASSWORD = 'cellcheck@example.invalid';
const QUIT = Buffer.from('QUIT\r\n', 'latin1');

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
const isLineEnd = (b: number | undefined) => b === 0x20 || b === 0x0d || b === 0x0a;

/**
 * Length of the first complete FTP reply in `buf` (RFC 959 4.2: `NNN text` or `NNN-` lines ended
 * by a line starting with `NNN `), undefined while incomplete. Bytes that cannot start a reply
 * are not FTP.
 */
export function ftpReplyLength(buf: Buffer): number | undefined {
  for (let i = 0; i < Math.min(3, buf.length); i += 1) {
    if (!isDigit(buf[i])) throw new ProbeUnavailable('protocol-mismatch', 'reply does not start with a three-digit FTP code');
  }
  if (buf.length < 4) return undefined;
  const sep = buf[3];
  if (sep !== 0x2d && !isLineEnd(sep)) throw new ProbeUnavailable('protocol-mismatch', 'reply code is not followed by a space or hyphen');
  const firstEnd = buf.indexOf(0x0a);
  if (firstEnd < 0) return undefined;
  if (sep !== 0x2d) return firstEnd + 1;
  for (let start = firstEnd + 1; ; ) {
    const end = buf.indexOf(0x0a, start);
    if (end < 0) return undefined;
    if (buf[start] === buf[0] && buf[start + 1] === buf[1] && buf[start + 2] === buf[2] && isLineEnd(buf[start + 3])) return end + 1;
    start = end + 1;
  }
}

export interface FtpReply {
  readonly code: number;
  /** Reply text without codes, one entry per line. */
  readonly text: string;
}

/** Parses one complete reply as cut by ftpReplyLength. */
export function parseFtpReply(frame: Buffer): FtpReply {
  const code = Number(frame.subarray(0, 3).toString('latin1'));
  if (code < 100 || code > 599) throw new ProbeUnavailable('protocol-mismatch', `reply code ${code} is outside 100-599`);
  const prefix = frame.subarray(0, 3).toString('latin1');
  const lines = frame
    .toString('latin1')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l, i, all) => i < all.length - 1 || l.length > 0)
    // First and last lines carry the code; servers often repeat it on the lines between.
    .map((l) => (l.startsWith(prefix) && (l[3] === '-' || l[3] === ' ' || l.length === 3) ? l.slice(4) : l));
  return { code, text: printableText(Buffer.from(lines.join('\n'), 'latin1')).text.trim() };
}

async function readReply(session: TcpSession, op: string, timeoutMs?: number): Promise<FtpReply> {
  const opts = timeoutMs === undefined ? { op, maxBytes: MAX_REPLY_BYTES } : { op, maxBytes: MAX_REPLY_BYTES, timeoutMs };
  return parseFtpReply(await session.readFrame(ftpReplyLength, opts));
}

/** The greeting; a `120 ready in n minutes` is followed by the real one. */
async function readGreeting(session: TcpSession): Promise<FtpReply> {
  const first = await readReply(session, 'ftp.greeting');
  return first.code === 120 ? readReply(session, 'ftp.greeting') : first;
}

/** Says goodbye politely; a server that does not answer QUIT is closed anyway. */
async function quit(session: TcpSession, ctx: ProbeContext): Promise<number | undefined> {
  try {
    await session.write('ftp.quit', QUIT);
    return (await readReply(session, 'ftp.quit-reply', Math.min(1000, ctx.stepTimeoutMs))).code;
  } catch {
    return undefined;
  }
}

/** What both probes report of the greeting and goodbye. */
function bannerFacts(greeting: FtpReply, quitCode: number | undefined): FtpFacts {
  const facts: FtpFacts = { code: greeting.code, greeting: greeting.text };
  const hint = softwareToken(greeting.text);
  if (hint !== undefined) facts.softwareHint = hint;
  if (quitCode !== undefined) facts.quitCode = quitCode;
  return facts;
}

async function runBanner(ctx: ProbeContext): Promise<FtpFacts> {
  const session = await TcpSession.open(ctx, ftpProbe.id);
  try {
    const greeting = await readGreeting(session);
    return bannerFacts(greeting, await quit(session, ctx));
  } finally {
    await session.close();
  }
}

/** Used where the anonymous-login opt-in is off or withheld; `ftp.anonymous` runs in its place otherwise. */
export const ftpProbe: ProbeDefinition<FtpFacts> = {
  id: 'ftp.banner',
  version: 1,
  protocol: 'ftp',
  safety: 'identify',
  ops: ['tcp.connect', 'ftp.quit'],
  transport: 'tcp',
  replacedBy: 'ftp.anonymous',
  facts: FtpFacts,
  run: runBanner,
};

/** USER anonymous, then PASS if asked for one. A peer failing here keeps the greeting as evidence. */
async function logIn(session: TcpSession): Promise<FtpLogin> {
  try {
    await session.write('ftp.user', Buffer.from('USER anonymous\r\n', 'latin1'));
    const user = await readReply(session, 'ftp.user-reply');
    if (user.code !== 331 && user.code !== 332) return { status: 'answered', userCode: user.code, loggedIn: user.code === 230 };
    await session.write('ftp.pass', Buffer.from(`PASS ${ANONYMOUS_PASSWORD}\r\n`, 'latin1'));
    const pass = await readReply(session, 'ftp.pass-reply');
    return { status: 'answered', userCode: user.code, passCode: pass.code, loggedIn: pass.code === 230 };
  } catch (err) {
    if (!(err instanceof ProbeUnavailable)) throw err;
    return { status: 'unavailable', failure: { kind: err.kind, detail: err.message } };
  }
}

async function runAnonymous(ctx: ProbeContext): Promise<FtpAnonymousFacts> {
  const session = await TcpSession.open(ctx, ftpAnonymousProbe.id);
  try {
    const greeting = await readGreeting(session);
    // Only a server that said it is ready (220) is asked to log in.
    const login: FtpLogin = greeting.code === 220 ? await logIn(session) : { status: 'not-tried' };
    // A server that stopped answering mid-login is not asked to QUIT: closing ends it.
    const quitCode = login.status === 'unavailable' ? undefined : await quit(session, ctx);
    return { ...bannerFacts(greeting, quitCode), login };
  } finally {
    await session.close();
  }
}

/**
 * Opt-in, and run instead of `ftp.banner` (probes/registry.ts): the same greeting facts on the same
 * one connection, then one anonymous login attempt and a logout; never lists or transfers anything.
 */
export const ftpAnonymousProbe: ProbeDefinition<FtpAnonymousFacts> = {
  id: 'ftp.anonymous',
  version: 2,
  protocol: 'ftp',
  safety: 'read-session',
  ops: ['tcp.connect', 'ftp.user', 'ftp.pass', 'ftp.quit'],
  transport: 'tcp',
  optIn: 'ftp.anonymous',
  facts: FtpAnonymousFacts,
  run: runAnonymous,
};

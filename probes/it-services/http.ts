import { isIPv6 } from 'node:net';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { HttpFacts } from './facts.ts';
import { printableText } from './text.ts';

const MAX_HEADER_BYTES = 16 * 1024;
/** Enough of a device's start page to find its title and login form. */
const MAX_BODY_BYTES = 64 * 1024;
const MAX_HEADERS = 100;
const IDLE_MS = 1000;

/** Length of the status line and headers up to the blank line, undefined while incomplete. */
export function httpHeadLength(buf: Buffer): number | undefined {
  const prefix = 'HTTP/';
  for (let i = 0; i < Math.min(prefix.length, buf.length); i += 1) {
    if (buf[i] !== prefix.charCodeAt(i)) throw new ProbeUnavailable('protocol-mismatch', 'reply does not start with HTTP/');
  }
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  const ends = [crlf < 0 ? -1 : crlf + 4, lf < 0 ? -1 : lf + 2].filter((n) => n > 0);
  return ends.length === 0 ? undefined : Math.min(...ends);
}

export interface HttpHead {
  readonly httpVersion: string;
  readonly status: number;
  readonly reason: string;
  /** Header names in lower case, values trimmed, in order. */
  readonly headers: readonly (readonly [string, string])[];
}

export function parseHttpHead(head: Buffer): HttpHead {
  const lines = head.toString('latin1').split(/\r?\n/);
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) throw new ProbeUnavailable('malformed', 'status line is not `HTTP/x.y NNN reason`');
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProbeUnavailable('malformed', 'header line without a name');
    if (headers.length >= MAX_HEADERS) throw new ProbeUnavailable('malformed', `more than ${MAX_HEADERS} header lines`);
    headers.push([line.slice(0, colon).trim().toLowerCase(), printableText(Buffer.from(line.slice(colon + 1), 'latin1')).text.trim()]);
  }
  return { httpVersion: m[1] as string, status: Number(m[2]), reason: printableText(Buffer.from(m[3] ?? '', 'latin1'), 200).text, headers };
}

const header = (head: HttpHead, name: string) => head.headers.find(([n]) => n === name)?.[1];

/** Undoes chunked transfer coding as far as the bytes go; `complete` when the last chunk was seen. */
export function decodeChunked(body: Buffer): { data: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = Number.parseInt(body.subarray(i, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) break;
    if (size === 0) return { data: Buffer.concat(parts), complete: true };
    const start = eol + 2;
    parts.push(body.subarray(start, Math.min(body.length, start + size)));
    if (start + size + 2 > body.length) break;
    i = start + size + 2;
  }
  return { data: Buffer.concat(parts), complete: false };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Title and login form of a page; a regex look over bounded bytes, not an HTML parser. */
export function inspectHtml(html: string): { title?: string; passwordField: boolean } {
  const passwordField = /<input\b[^>]*\btype\s*=\s*["']?password\b/i.test(html);
  const raw = /<title\b[^>]*>([^<]*)<\/title\s*>/i.exec(html)?.[1];
  if (raw === undefined) return { passwordField };
  const decoded = raw
    .replace(/&#(\d{1,6});/g, (_, n: string) => String.fromCharCode(Number(n) % 0x10000))
    .replace(/&([a-z]+);/gi, (all, name: string) => ENTITIES[name.toLowerCase()] ?? all);
  const title = printableText(Buffer.from(decoded.replace(/\s+/g, ' '), 'latin1'), 200).text.trim();
  return title === '' ? { passwordField } : { title, passwordField };
}

export function httpFacts(head: HttpHead, body: Buffer, bodyTruncated: boolean): HttpFacts {
  const chunked = /\bchunked\b/i.test(header(head, 'transfer-encoding') ?? '');
  const decoded = chunked ? decodeChunked(body) : { data: body, complete: true };
  const page = inspectHtml(decoded.data.toString('latin1'));
  const location = header(head, 'location');
  const server = header(head, 'server');
  const authSchemes = head.headers
    .filter(([n]) => n === 'www-authenticate')
    .map(([, v]) => /^[A-Za-z0-9_-]+/.exec(v)?.[0]?.toLowerCase())
    .filter((s): s is string => s !== undefined);
  const facts: HttpFacts = {
    httpVersion: head.httpVersion,
    status: head.status,
    reason: head.reason,
    redirectsToHttps: head.status >= 300 && head.status < 400 && /^https:\/\//i.test(location ?? ''),
    authSchemes: [...new Set(authSchemes)],
    passwordField: page.passwordField,
    bodyBytes: body.length,
    bodyTruncated: bodyTruncated || !decoded.complete,
  };
  if (server) facts.server = server;
  if (location) facts.location = location;
  if (page.title !== undefined) facts.title = page.title;
  return facts;
}

function hostHeader(ctx: ProbeContext): string {
  const host = isIPv6(ctx.address) ? `[${ctx.address}]` : ctx.address;
  return ctx.port === 80 ? host : `${host}:${ctx.port}`;
}

/** One GET without credentials, recorded as `op` for `probe`. */
export interface HttpGet {
  readonly probe: string;
  readonly op: string;
  readonly path: string;
  readonly accept: string;
}

/** One GET on one connection: the response head and a bounded body, as facts. */
export async function httpGet(ctx: ProbeContext, get: HttpGet): Promise<HttpFacts> {
  const session = await TcpSession.open(ctx, get.probe);
  try {
    const request = `GET ${get.path} HTTP/1.1\r\nHost: ${hostHeader(ctx)}\r\nUser-Agent: cellcheck\r\nAccept: ${get.accept}\r\nConnection: close\r\n\r\n`;
    await session.write(get.op, Buffer.from(request, 'latin1'));
    const head = parseHttpHead(await session.readFrame(httpHeadLength, { op: 'http.response-head', maxBytes: MAX_HEADER_BYTES }));
    const length = Number(header(head, 'content-length') ?? Number.NaN);
    const noBody = head.status === 204 || head.status === 304 || head.status < 200 || length === 0;
    const want = Number.isInteger(length) && length > 0 ? Math.min(length, MAX_BODY_BYTES) : MAX_BODY_BYTES;
    // Connection: close makes the server end the body; the idle wait covers servers that ignore it.
    const body = noBody ? Buffer.alloc(0) : await session.readIdle(Math.min(IDLE_MS, ctx.stepTimeoutMs), { op: 'http.response-body', maxBytes: want });
    const truncated = Number.isInteger(length) ? body.length < length : body.length >= MAX_BODY_BYTES;
    return httpFacts(head, body, truncated);
  } finally {
    await session.close();
  }
}

const run = (ctx: ProbeContext): Promise<HttpFacts> => httpGet(ctx, { probe: httpProbe.id, op: 'http.get', path: '/', accept: 'text/html' });

export const httpProbe: ProbeDefinition<HttpFacts> = {
  id: 'http.banner',
  version: 1,
  protocol: 'http',
  safety: 'identify',
  ops: ['tcp.connect', 'http.get'],
  transport: 'tcp',
  facts: HttpFacts,
  run,
};

import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { isIP } from 'node:net';
import { type BodyProblem, type InFlightBytes, withBody } from '../body.ts';
import type { ConsoleStore } from '../store.ts';
import { boundaryOf, type MultipartForm, parseMultipart } from './multipart.ts';

/**
 * What the page handlers need from HTTP and the browser, apart from the pages themselves:
 * replies with the security headers, cookies, the CSRF comparison, the return path after login,
 * form bodies and the same-site check.
 */

export interface WebReply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  /** Text, or the bytes of a download. */
  readonly body: string | Buffer;
}

export interface WebOptions {
  readonly store: ConsoleStore;
  /** Served over TLS: cookies get Secure and the __Host- prefix, and HSTS is sent. */
  readonly secure: boolean;
  readonly now: () => Date;
  /** The allowance of body bytes shared with uploads. */
  readonly inFlight: InFlightBytes;
  /** Reverse proxies whose X-Forwarded-For names the client (login throttling is per client address). */
  readonly trustedProxies: ReadonlySet<string>;
}

/**
 * The client's address: the peer's, or, when the peer is a trusted reverse proxy, the address that
 * proxy appended to X-Forwarded-For (the last entry: earlier ones come from the client and can be
 * forged). Without this, every login through a proxy shares the proxy's throttle.
 */
export function clientAddress(req: http.IncomingMessage, trusted: ReadonlySet<string>): string {
  const peer = req.socket.remoteAddress ?? '-';
  if (!trusted.has(peer)) return peer;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .at(-1)
    ?.trim();
  return forwarded && isIP(forwarded) !== 0 ? forwarded : peer;
}

export const MAX_FORM_BYTES = 64 * 1024;

/** Pages load only our own stylesheet and script; nothing from elsewhere, no inline code, no framing. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The run report is one self-contained page with inline CSS and no script. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function headers(o: WebOptions, type: string, csp: string = PAGE_CSP): Record<string, string | string[]> {
  return {
    'content-type': type,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own form posts.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    ...(o.secure ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

export const htmlReply = (o: WebOptions, status: number, body: string, extra: Record<string, string | string[]> = {}): WebReply => ({
  status,
  headers: { ...headers(o, 'text/html; charset=utf-8'), ...extra },
  body,
});
export const redirect = (o: WebOptions, location: string, extra: Record<string, string | string[]> = {}): WebReply => ({
  status: 303,
  headers: { ...headers(o, 'text/plain; charset=utf-8'), location, ...extra },
  body: '',
});

export const cookieName = (o: WebOptions, base: string) => (o.secure ? `__Host-${base}` : base);

export function cookie(o: WebOptions, base: string, value: string, maxAgeS?: number): string {
  return [
    `${cookieName(o, base)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    ...(o.secure ? ['Secure'] : []),
    ...(maxAgeS !== undefined ? [`Max-Age=${maxAgeS}`] : []),
  ].join('; ');
}

export function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

export const sameSecret = (a: string | null | undefined, b: string) => {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * A plain path on this console to return to after login; anything else goes to the start page.
 * Only the characters a path and query may hold unescaped: no control character, space, tab or
 * backslash (a browser drops or turns them into `/`, so `/\t/host` or `/\\host` would leave the
 * site), no `//` at the start (another host), and nothing a header may not carry.
 */
export const safeNext = (next: string | null) => (next && next.length <= 2048 && /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(next) ? next : '/');

/** The posted form, or why it cannot be read: not a urlencoded form, too large, or the console busy with other bodies. */
export async function readForm(req: http.IncomingMessage, pool: InFlightBytes): Promise<URLSearchParams | BodyProblem | 'not-a-form'> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return 'not-a-form';
  return withBody(req, MAX_FORM_BYTES, pool, async (body) => (body.ok ? new URLSearchParams(body.bytes.toString('utf8')) : body.problem));
}

/**
 * A posted multipart form with at most one file of at most `max` bytes (the other fields small),
 * or why not in words; `busy` when the console holds as many body bytes as it may.
 */
export async function readUpload(req: http.IncomingMessage, max: number, pool: InFlightBytes): Promise<MultipartForm | string> {
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary === undefined) return 'send it as multipart/form-data';
  return withBody(req, max + MAX_FORM_BYTES, pool, async (body) => {
    if (!body.ok) return body.problem === 'busy' ? 'busy' : body.problem === 'too-large' ? `the file is larger than ${max} bytes` : 'the body was cut off';
    const parsed = parseMultipart(body.bytes, boundary);
    if (typeof parsed !== 'string' && (parsed.file?.bytes.length ?? 0) > max) return `the file is larger than ${max} bytes`;
    return parsed;
  });
}

/** A browser tells where a request came from; a form posted from another site is refused whatever its cookies. */
export function crossSite(req: http.IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ApiReply, apiError, authenticateAgent, getResult, listResults, postResult } from './api.ts';
import { InFlightBytes, withBody } from './body.ts';
import { getReachability } from './reachability-api.ts';
import { getStatements } from './statements-api.ts';
import type { ConsoleStore } from './store.ts';
import { handleWeb } from './web/routes.ts';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How far ahead of the console's clock a result's collection time may be. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 10 * 60_000;
const RESULTS = '/api/v1/results';
const ZONE_REACHABILITY = /^\/api\/v1\/zones\/([^/]+)\/reachability$/;
const ZONE_STATEMENTS = /^\/api\/v1\/zones\/([^/]+)\/statements$/;
const ACCEPTED_TYPES = new Set(['application/json', 'application/jose+json']);

export interface ConsoleTls {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA (PEM) that client certificates must chain to; when set, a client without one is refused in the handshake. */
  readonly clientCa?: Buffer;
}

export interface ConsoleOptions {
  readonly store: ConsoleStore;
  readonly host: string;
  readonly port: number;
  readonly tls?: ConsoleTls;
  readonly maxBodyBytes?: number;
  /** Bytes of upload bodies held at once across all requests (default: twice `maxBodyBytes`); beyond it, 503. */
  readonly maxInFlightBytes?: number;
  readonly maxClockSkewMs?: number;
  /** Addresses of reverse proxies whose X-Forwarded-For names the client. */
  readonly trustedProxies?: readonly string[];
  readonly now?: () => Date;
  /** One JSON object per request (never a token or a body). */
  readonly log?: (entry: Record<string, unknown>) => void;
  /** How often approved changes past their expiry are ended and audited, besides on every page that reads them (default hourly). */
  readonly expirySweepMs?: number;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

/** What any handler answers: a status, headers and a body, written by the one guarded writer below. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string | Buffer;
  /** Extra fields for the request's log line. */
  readonly log?: Record<string, unknown>;
}

interface Served {
  readonly options: ConsoleOptions;
  readonly now: () => Date;
  readonly inFlight: InFlightBytes;
  readonly trustedProxies: ReadonlySet<string>;
}

function decodedSegment(segment: string, what: string): string | ApiReply {
  try {
    return decodeURIComponent(segment);
  } catch {
    return apiError(400, 'bad-path', `the ${what} in the path is not valid percent-encoding`);
  }
}

/** The ingest and read API. The caller is authenticated from the headers before any body byte is read. */
async function routeApi(req: http.IncomingMessage, url: URL, s: Served): Promise<ApiReply> {
  const { store } = s.options;
  const auth = req.headers.authorization;
  if (url.pathname === RESULTS) {
    if (req.method === 'GET') return listResults(store, auth, url.searchParams);
    if (req.method !== 'POST') return apiError(405, 'method-not-allowed', `${req.method} is not served on ${RESULTS}`);
    const agent = await authenticateAgent(store, auth);
    if (typeof agent !== 'string') return agent;
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!ACCEPTED_TYPES.has(type)) return apiError(415, 'unsupported-media-type', 'send the signed result as application/jose+json or application/json');
    const max = s.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    return withBody(req, max, s.inFlight, async (body) => {
      if (body.ok) return postResult(store, agent, body.bytes.toString('utf8'), s.now(), s.options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS);
      if (body.problem === 'too-large') return apiError(413, 'too-large', `the body exceeds ${max} bytes`);
      if (body.problem === 'busy')
        return { ...apiError(503, 'busy', 'the console holds as many upload bytes as it may; send again later'), headers: { 'retry-after': '5' } };
      return apiError(400, 'malformed', 'the body was cut off');
    });
  }
  if (url.pathname.startsWith(`${RESULTS}/`)) {
    if (req.method !== 'GET') return apiError(405, 'method-not-allowed', `${req.method} is not served here`);
    const runId = decodedSegment(url.pathname.slice(RESULTS.length + 1), 'run id');
    return typeof runId === 'string' ? getResult(store, auth, runId) : runId;
  }
  const reachability = ZONE_REACHABILITY.exec(url.pathname);
  if (reachability) {
    if (req.method !== 'GET') return apiError(405, 'method-not-allowed', `${req.method} is not served here`);
    const zone = decodedSegment(reachability[1] ?? '', 'zone');
    return typeof zone === 'string' ? getReachability(store, auth, zone) : zone;
  }
  const statements = ZONE_STATEMENTS.exec(url.pathname);
  if (statements) {
    if (req.method !== 'GET') return apiError(405, 'method-not-allowed', `${req.method} is not served here`);
    const zone = decodedSegment(statements[1] ?? '', 'zone');
    return typeof zone === 'string' ? getStatements(store, auth, zone, s.now()) : zone;
  }
  return apiError(404, 'not-found', `no such path: ${url.pathname}`);
}

function jsonReply(reply: ApiReply): Reply {
  const body = reply.body as { error?: string; runId?: string };
  return {
    status: reply.status,
    headers: { 'content-type': 'application/json', ...reply.headers },
    body: `${JSON.stringify(reply.body)}\n`,
    log: { ...(body.error ? { error: body.error } : {}), ...(body.runId ? { runId: body.runId } : {}) },
  };
}

async function dispatch(req: http.IncomingMessage, s: Served): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://console');
  if (url.pathname.startsWith('/api/')) return jsonReply(await routeApi(req, url, s));
  return handleWeb(req, {
    store: s.options.store,
    secure: s.options.tls !== undefined,
    now: s.now,
    inFlight: s.inFlight,
    trustedProxies: s.trustedProxies,
  });
}

const isApi = (req: http.IncomingMessage) => (req.url ?? '/').startsWith('/api/');

/** The reply for a request whose handler failed: no detail for the client, the reason in the log. */
function internalError(req: http.IncomingMessage): Reply {
  return isApi(req)
    ? jsonReply(apiError(500, 'internal', 'the console failed on this request; its log says why'))
    : {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        body: 'The console failed on this request; its log says why.\n',
      };
}

function write(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
  // An unread body (refused before reading, too large) is not drained: close instead of reading it.
  const close = req.readableEnded ? {} : { connection: 'close' };
  res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body), ...close });
  res.end(reply.body);
}

/**
 * Wraps a request handler so that nothing it does can end the process: a handler that throws,
 * or a reply that cannot be written (a header with a forbidden character), becomes a 500 reply
 * and a log line naming the error. Every request passes through here.
 */
export function guarded(handle: (req: http.IncomingMessage) => Promise<Reply>, log?: (entry: Record<string, unknown>) => void): http.RequestListener {
  return (req, res) => {
    const line = (status: number, extra: Record<string, unknown> = {}) =>
      log?.({ at: new Date().toISOString(), method: req.method, path: req.url?.split('?')[0], status, ...extra });
    const failed = (err: unknown) => {
      line(500, { error: 'internal', detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      try {
        if (!res.headersSent) write(req, res, internalError(req));
        else res.destroy();
      } catch {
        res.destroy();
      }
    };
    handle(req).then((reply) => {
      try {
        write(req, res, reply);
        line(reply.status, reply.log);
      } catch (err) {
        failed(err);
      }
    }, failed);
  };
}

/** Starts the console (web pages and the ingest API); HTTPS when `tls` is given. */
export function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const served: Served = {
    options,
    now: options.now ?? (() => new Date()),
    inFlight: new InFlightBytes(options.maxInFlightBytes ?? 2 * (options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)),
    trustedProxies: new Set(options.trustedProxies ?? []),
  };
  const handler = guarded((req) => dispatch(req, served), options.log);
  const tls = options.tls;
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handler)
    : http.createServer(handler);
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  // Pages only read (a lapsed answer reads as expired at once); the sweep records and audits each expiry within its interval, as does the next change.
  const sweep = () => options.store.proposals.expireDue(served.now()).catch((err: Error) => options.log?.({ event: 'expiry.sweep', error: err.message }));
  const sweeper = setInterval(sweep, options.expirySweepMs ?? 3_600_000).unref();
  void sweep();
  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      clearInterval(sweeper);
      reject(err);
    });
    server.listen(options.port, options.host, () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        url: `${tls ? 'https' : 'http'}://${host}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            clearInterval(sweeper);
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

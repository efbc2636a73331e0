import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ApiReply, apiError, getResult, listResults, postResult } from './api.ts';
import type { ConsoleStore } from './store.ts';
import { handleWeb, type WebReply } from './web/routes.ts';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const RESULTS = '/api/v1/results';
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
  readonly now?: () => Date;
  /** One JSON object per request (never a token or a body). */
  readonly log?: (entry: Record<string, unknown>) => void;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

type Body = { ok: true; text: string } | { ok: false; reply: ApiReply };

/** Reads a request body up to `max` bytes; beyond that it stops reading and answers 413. */
function readBody(req: http.IncomingMessage, max: number): Promise<Body> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  const tooLarge: Body = { ok: false, reply: apiError(413, 'too-large', `the body exceeds ${max} bytes`) };
  if (declared > max) return Promise.resolve(tooLarge);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        resolve(tooLarge);
      } else chunks.push(b);
    });
    req.on('end', () => resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => resolve({ ok: false, reply: apiError(400, 'malformed', 'the body was cut off') }));
  });
}

async function route(req: http.IncomingMessage, options: ConsoleOptions): Promise<ApiReply> {
  const url = new URL(req.url ?? '/', 'http://console');
  const now = options.now ?? (() => new Date());
  const auth = req.headers.authorization;
  if (url.pathname === RESULTS) {
    if (req.method === 'GET') return listResults(options.store, auth, url.searchParams);
    if (req.method !== 'POST') return apiError(405, 'method-not-allowed', `${req.method} is not served on ${RESULTS}`);
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!ACCEPTED_TYPES.has(type)) return apiError(415, 'unsupported-media-type', 'send the signed result as application/jose+json or application/json');
    const body = await readBody(req, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    return body.ok ? postResult(options.store, auth, body.text, now()) : body.reply;
  }
  if (url.pathname.startsWith(`${RESULTS}/`)) {
    if (req.method !== 'GET') return apiError(405, 'method-not-allowed', `${req.method} is not served here`);
    return getResult(options.store, auth, decodeURIComponent(url.pathname.slice(RESULTS.length + 1)));
  }
  return apiError(404, 'not-found', `no such path: ${url.pathname}`);
}

/** Pages for people: HTML (or an export), with their own status and headers. */
function serveWeb(req: http.IncomingMessage, res: http.ServerResponse, options: ConsoleOptions): void {
  const now = options.now ?? (() => new Date());
  handleWeb(req, { store: options.store, secure: options.tls !== undefined, now })
    .catch(
      (err: unknown): WebReply => ({
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        body: `The console failed on this request: ${(err as Error).message}\n`,
      }),
    )
    .then((reply) => {
      res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body), ...(req.readableEnded ? {} : { connection: 'close' }) });
      res.end(reply.body);
      options.log?.({ at: new Date().toISOString(), method: req.method, path: req.url?.split('?')[0], status: reply.status });
    });
}

/** Starts the console (web pages and the ingest API); HTTPS when `tls` is given. */
export function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!(req.url ?? '/').startsWith('/api/')) return serveWeb(req, res, options);
    route(req, options)
      .catch((err: unknown) => apiError(500, 'internal', `the console failed on this request: ${(err as Error).message}`))
      .then((reply) => {
        const text = `${JSON.stringify(reply.body)}\n`;
        // An unread body (too large, refused early) is not drained: close instead of reading it.
        const close = !req.readableEnded;
        res.writeHead(reply.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...(close ? { connection: 'close' } : {}),
        });
        res.end(text);
        const body = reply.body as { error?: string; runId?: string; status?: string };
        options.log?.({
          at: new Date().toISOString(),
          method: req.method,
          path: req.url?.split('?')[0],
          status: reply.status,
          ...(body.error ? { error: body.error } : {}),
          ...(body.runId ? { runId: body.runId } : {}),
        });
      });
  };
  const tls = options.tls;
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, handler)
    : http.createServer(handler);
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const a = server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      resolve({
        url: `${tls ? 'https' : 'http'}://${host}:${a.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

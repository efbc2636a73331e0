import http from 'node:http';
import https from 'node:https';

/** Where and how signed results are posted. Secrets (token, client key) live only here, never in logs. */
export interface UploadTarget {
  /** The console's base URL; results go to <url>/api/v1/results. */
  readonly url: URL;
  readonly token: string;
  /** The operator's CA (PEM) the console's certificate must chain to; default: the system's CAs. */
  readonly ca?: Buffer;
  /** Client certificate and key (PEM) for consoles that require one. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly timeoutMs: number;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY (either case) are read from here; default process.env. */
  readonly proxyEnv?: NodeJS.ProcessEnv;
}

export type UploadOutcome =
  | { readonly kind: 'acknowledged'; readonly status: number; readonly duplicate: boolean }
  /** The console will never take this document as it is: resending cannot help. */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string }
  /** Not delivered this time (network, timeout, console busy or not ready for this agent). */
  | { readonly kind: 'retry'; readonly reason: string };

export const RESULTS_PATH = 'api/v1/results';
/** Statuses that name a problem of the document itself. */
const REJECTED_STATUSES = new Set([400, 409, 413, 415, 422]);
const MAX_REPLY_BYTES = 64 * 1024;

export function resultsUrl(base: URL): URL {
  return new URL(RESULTS_PATH, base.href.endsWith('/') ? base : `${base.href}/`);
}

function reasonOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; reason?: unknown };
    if (typeof body.reason === 'string') return `HTTP ${status} ${String(body.error ?? '')}: ${body.reason}`.replace(' : ', ': ');
  } catch {
    // not JSON: the status alone says enough
  }
  return `HTTP ${status}`;
}

/** Posts one signed result. Never throws: every failure becomes an outcome with a reason. */
export function postSignedResult(body: string, target: UploadTarget): Promise<UploadOutcome> {
  const url = resultsUrl(target.url);
  const secure = url.protocol === 'https:';
  const proxyEnv = target.proxyEnv ?? process.env;
  const agent = secure
    ? new https.Agent({
        proxyEnv,
        ...(target.ca ? { ca: target.ca } : {}),
        ...(target.cert ? { cert: target.cert } : {}),
        ...(target.key ? { key: target.key } : {}),
      })
    : new http.Agent({ proxyEnv });
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: UploadOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      agent.destroy();
      resolve(outcome);
    };
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/jose+json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${target.token}` },
    });
    const timer = setTimeout(() => done({ kind: 'retry', reason: `no answer within ${target.timeoutMs} ms` }), target.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'retry', reason: `${err.code ?? 'error'}: ${err.message}` }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        size += b.length;
        if (size <= MAX_REPLY_BYTES) chunks.push(b);
      });
      res.on('error', (err) => done({ kind: 'retry', reason: `reply cut off: ${err.message}` }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status === 200 || status === 201) done({ kind: 'acknowledged', status, duplicate: status === 200 });
        else if (REJECTED_STATUSES.has(status)) done({ kind: 'rejected', status, reason: reasonOf(status, text) });
        else done({ kind: 'retry', reason: reasonOf(status, text) });
      });
    });
    req.end(body);
  });
}

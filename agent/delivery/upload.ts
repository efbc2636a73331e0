import { consoleRequest, consoleUrl } from './console-request.ts';

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

export function resultsUrl(base: URL): URL {
  return consoleUrl(base, RESULTS_PATH);
}

/** "HTTP 404 zone-not-modelled: …" from the console's { error, reason } body, or the status alone. */
export function reasonOf(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; reason?: unknown };
    if (typeof body.reason === 'string') return `HTTP ${status} ${String(body.error ?? '')}: ${body.reason}`.replace(' : ', ': ');
  } catch {
    // not JSON: the status alone says enough
  }
  return `HTTP ${status}`;
}

/** Posts one signed result. Never throws: every failure becomes an outcome with a reason. */
export async function postSignedResult(body: string, target: UploadTarget): Promise<UploadOutcome> {
  // The acknowledgement is small; a longer reply is judged by its status and its first 64 KiB.
  const reply = await consoleRequest(target, { method: 'POST', path: RESULTS_PATH, body, contentType: 'application/jose+json' });
  if ('failed' in reply) return { kind: 'retry', reason: reply.failed };
  const { status, text } = reply;
  if (status === 200 || status === 201) return { kind: 'acknowledged', status, duplicate: status === 200 };
  if (REJECTED_STATUSES.has(status)) return { kind: 'rejected', status, reason: reasonOf(status, text) };
  return { kind: 'retry', reason: reasonOf(status, text) };
}

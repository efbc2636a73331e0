import type { KeyObject } from 'node:crypto';
import { type UploadOutcome, postSignedResult } from '../../agent/delivery/upload.ts';
import type { Result } from '../../report/result.ts';
import { FlattenedSign } from 'jose';
import { keyId } from '../../report/keys.ts';
import { SIGNED_RESULT_TYPE, SIGNING_ALG, type SignedResult, signResult } from '../../report/sign.ts';
import { sampleResult } from '../sample-result.ts';

/**
 * Results for console tests and the load bench: real judged documents (test/sample-result.ts),
 * optionally with a Telnet service opened on the first device, so consecutive runs drift.
 */
export function fleetResult(run: { runId: string; zone: string; agentId: string; collectedAt: string; addresses: string[]; telnetOnFirst?: boolean }): Result {
  const result = sampleResult(run);
  if (!run.telnetOnFirst) return result;
  const [first, ...rest] = result.devices;
  if (!first) return result;
  return { ...result, devices: [{ ...first, services: [...first.services, { port: 23, transport: 'tcp', protocol: 'telnet', confirmed: true }] }, ...rest] };
}

/** Signs and posts a result the way an agent does (agent/delivery/upload.ts). */
export async function uploadResult(consoleUrl: string, token: string, key: KeyObject, result: Result): Promise<UploadOutcome> {
  const body = JSON.stringify(await signResult(result, key));
  return postSignedResult(body, { url: new URL(consoleUrl), token, timeoutMs: 30_000, proxyEnv: {} });
}

/**
 * Signs `payload` (any text) with a valid header for `result`, as a hostile agent holding an
 * enrolled key could: what the verifier must refuse on content, not on the signature.
 */
export async function signPayloadText(payload: string, result: Result, key: KeyObject): Promise<SignedResult> {
  const header = {
    alg: SIGNING_ALG,
    typ: SIGNED_RESULT_TYPE,
    kid: await keyId(key),
    agentId: result.agent.id,
    runId: result.runId,
    collectedAt: result.collectedAt,
  };
  const jws = await new FlattenedSign(new TextEncoder().encode(payload)).setProtectedHeader(header).sign(key);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

/** A cookie-keeping HTTP client that sends what a browser sends on a same-origin form post. */
export class WebClient {
  readonly cookies = new Map<string, string>();
  readonly base: string;

  constructor(base: string) {
    this.base = base;
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...extra };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin ??= this.base;
    }
    const res = await fetch(`${this.base}${path}`, { method, headers, redirect: 'manual', ...(form ? { body: new URLSearchParams(form).toString() } : {}) });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair = ''] = c.split(';');
      const [name = '', ...value] = pair.split('=');
      if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
    return { status: res.status, headers: res.headers, setCookies, text: await res.text() };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** Logs in through the form (with its login token); returns the final status. */
  async login(name: string, password: string): Promise<number> {
    const form = await this.get('/login');
    const token = /name="login_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    return (await this.request('POST', '/login', { login_csrf: token, next: '/', name, password })).status;
  }

  /** The CSRF token a page's forms carry. */
  static csrf(html: string): string {
    return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  }
}

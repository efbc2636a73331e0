import http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { reasonOf, type UploadTarget } from './upload.ts';

const MAX_REPLY_BYTES = 64 * 1024;

/** `truncated`: the reply ran past the limit and `text` holds only its first bytes. */
export type ConsoleReply = { readonly status: number; readonly text: string; readonly truncated: boolean } | { readonly failed: string };

/** `path` under the console's base URL (which may carry a path prefix of its own). */
export function consoleUrl(base: URL, path: string): URL {
  return new URL(path, base.href.endsWith('/') ? base : `${base.href}/`);
}

/**
 * One request to the console with the agent's bearer token, TLS settings and proxy: bounded by the
 * target's timeout, keeping at most `maxReplyBytes` of the reply. Never throws: a network failure
 * or a timeout is `failed` with a reason.
 */
export function consoleRequest(
  target: UploadTarget,
  request: { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: string; readonly contentType?: string; readonly maxReplyBytes?: number },
): Promise<ConsoleReply> {
  const url = consoleUrl(target.url, request.path);
  const secure = url.protocol === 'https:';
  const proxyEnv = target.proxyEnv ?? process.env;
  const limit = request.maxReplyBytes ?? MAX_REPLY_BYTES;
  const agent = secure
    ? new https.Agent({
        proxyEnv,
        ...(target.ca ? { ca: target.ca } : {}),
        ...(target.cert ? { cert: target.cert } : {}),
        ...(target.key ? { key: target.key } : {}),
      })
    : new http.Agent({ proxyEnv });
  const body =
    request.body === undefined ? {} : { 'content-type': request.contentType ?? 'application/json', 'content-length': Buffer.byteLength(request.body) };
  return new Promise((resolve) => {
    let settled = false;
    const done = (reply: ConsoleReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      agent.destroy();
      resolve(reply);
    };
    const req = (secure ? https : http).request(url, { method: request.method, agent, headers: { ...body, authorization: `Bearer ${target.token}` } });
    const timer = setTimeout(() => done({ failed: `no answer within ${target.timeoutMs} ms` }), target.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ failed: `${err.code ?? 'error'}: ${err.message}` }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (b: Buffer) => {
        size += b.length;
        if (size <= limit) chunks.push(b);
      });
      res.on('error', (err) => done({ failed: `reply cut off: ${err.message}` }));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), truncated: size > limit }));
    });
    req.end(request.body);
  });
}

/**
 * A GET of one zone's JSON from the console: the body valid under `schema` and naming `zone`, or
 * why not in words that start with `from` (`<from> could not be fetched: …`, `<from> were refused: …`).
 * Never throws.
 */
export async function consoleZoneJson<T extends { readonly zone: string }>(
  target: UploadTarget,
  request: { readonly path: string; readonly zone: string; readonly from: string; readonly maxReplyBytes: number },
  schema: z.ZodType<T>,
): Promise<{ json: T } | string> {
  const { path, zone, from, maxReplyBytes } = request;
  const reply = await consoleRequest(target, { method: 'GET', path, maxReplyBytes });
  if ('failed' in reply) return `${from} could not be fetched: ${reply.failed}`;
  if (reply.status !== 200) return `${from} were refused: ${reasonOf(reply.status, reply.text)}`;
  if (reply.truncated) return `${from} were refused: reply larger than ${maxReplyBytes} bytes`;
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return `${from} were refused: the reply is not JSON`;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${from} were refused: ${issue?.path.join('.') || 'reply'}: ${issue?.message}`;
  }
  if (parsed.data.zone !== zone) return `${from} were refused: the console answered for zone ${JSON.stringify(parsed.data.zone)}`;
  return { json: parsed.data };
}

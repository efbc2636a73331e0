import type http from 'node:http';

/** Bytes of request bodies held in memory across every request in flight (uploads and forms). */
export class InFlightBytes {
  private used = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
  }
}

export type BodyProblem = 'too-large' | 'busy' | 'cut-off';
/** The body as received; a caller that wants text decodes it (a form, the signed result's JSON), an upload keeps its bytes. */
export type Body = { ok: true; bytes: Buffer } | { ok: false; problem: BodyProblem };

/**
 * Reads a request body up to `max` bytes, each chunk taken from the shared allowance before it is
 * kept. The bytes stay taken until `use` has finished with them.
 * On a refusal it stops reading: the reply then closes the connection.
 */
export async function withBody<T>(req: http.IncomingMessage, max: number, pool: InFlightBytes, use: (body: Body) => Promise<T>): Promise<T> {
  let held = 0;
  try {
    return await use(await readBody(req, max, pool, (n) => (held += n)));
  } finally {
    pool.give(held);
  }
}

function readBody(req: http.IncomingMessage, max: number, pool: InFlightBytes, took: (n: number) => void): Promise<Body> {
  if (Number(req.headers['content-length'] ?? Number.NaN) > max) return Promise.resolve({ ok: false, problem: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (problem: BodyProblem) => {
      req.removeAllListeners('data');
      req.pause();
      resolve({ ok: false, problem });
    };
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size > max) return stop('too-large');
      if (!pool.take(b.length)) return stop('busy');
      took(b.length);
      chunks.push(b);
    });
    req.on('end', () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
    req.on('error', () => resolve({ ok: false, problem: 'cut-off' }));
  });
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url } from 'jose';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import { type SignedResult, signResult, verifySignedResult } from '../report/sign.ts';
import { sampleResult } from '../test/sample-result.ts';
import { makeTestPki, opensslMissing } from '../test/tls-certs.ts';
import { guarded, type RunningConsole, startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-console-'));
const keyA = newSigningKeyPair();
const keyB = newSigningKeyPair();
const privA = parsePrivateKey(keyA.privatePem, 'a.key');
const privB = parsePrivateKey(keyB.privatePem, 'b.key');
const MAX_BODY = 256 * 1024;

let store: ConsoleStore;
let consoleSvc: RunningConsole;
let tokenA: string;
let tokenB: string;
let readerToken: string;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** A plain request, so the tests can send what a well-behaved uploader never would. */
function request(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: string | Buffer; type?: string; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': opts.type ?? 'application/jose+json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined && !opts.chunked) headers['content-length'] = Buffer.byteLength(opts.body);
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
    });
    // The console may close before reading an oversized body; the reply is what counts.
    req.on('error', (err) => (req.writableFinished ? undefined : reject(err)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

const post = (body: unknown, token = tokenA) =>
  request(consoleSvc.url, 'POST', '/api/v1/results', { token, body: typeof body === 'string' ? body : JSON.stringify(body) });
const list = (query: string, token = readerToken) => request(consoleSvc.url, 'GET', `/api/v1/results${query}`, { token });

beforeAll(async () => {
  store = await ConsoleStore.open(join(dir, 'console.db'));
  const now = new Date('2026-02-01T00:00:00Z');
  const pubA = parsePublicKey(keyA.publicPem, 'a.pub');
  tokenA = await store.enrollAgent('agent-a', pubA, await keyId(pubA), now, { zones: ['Line 1', 'Line 2'] });
  const pubB = parsePublicKey(keyB.publicPem, 'b.pub');
  tokenB = await store.enrollAgent('agent-b', pubB, await keyId(pubB), now, { zones: ['Line 1'] });
  readerToken = await store.addReader('auditor', now);
  consoleSvc = await startConsole({ store, host: '127.82.1.1', port: 0, maxBodyBytes: MAX_BODY, now: () => new Date('2026-02-01T12:00:00Z') });
});

afterAll(async () => {
  await consoleSvc?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console ingest: POST /api/v1/results', async () => {
  const first = await signResult(
    sampleResult({ runId: 'run-1', zone: 'Line 1', addresses: ['127.82.0.10', '127.82.0.11'], collectedAt: '2026-01-10T08:00:00.000Z' }),
    privA,
  );

  it('stores a good signed result (201) with its verification status', async () => {
    const r = await post(first);
    expect(r).toEqual({ status: 201, body: { status: 'stored', runId: 'run-1', receivedAt: '2026-02-01T12:00:00.000Z' } });
    const stored = await store.run('run-1');
    expect(stored?.verification).toEqual({ status: 'verified', alg: 'EdDSA', kid: await keyId(privA), verifiedAt: '2026-02-01T12:00:00.000Z' });
    expect(stored?.devices).toEqual(['127.82.0.10', '127.82.0.11']);
    expect(JSON.parse(stored?.envelope ?? '')).toEqual(first);
  });

  it('acknowledges an identical re-send again (200 duplicate) and stores nothing new', async () => {
    const r = await post(first);
    expect(r).toEqual({ status: 200, body: { status: 'duplicate', runId: 'run-1', receivedAt: '2026-02-01T12:00:00.000Z' } });
    expect((await store.listRuns({ limit: 10 })).map((x) => x.runId)).toEqual(['run-1']);
  });

  it('refuses a replay: another content under a stored run id (409)', async () => {
    const other = await signResult(
      { ...sampleResult({ runId: 'run-1', collectedAt: '2026-01-10T08:00:00.000Z' }), finishedAt: '2026-01-10T08:05:00.000Z' },
      privA,
    );
    const r = await post(other);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'replay', reason: expect.stringContaining('run-1 is already stored') });
  });

  it('refuses unknown agents: no token, a wrong token (401)', async () => {
    for (const token of ['', 'not-a-token']) {
      const r = await post(first, token);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe('unknown-agent');
    }
  });

  it("refuses a key not enrolled for the posting agent, and another agent's result (403)", async () => {
    const asB = await post(await signResult(sampleResult({ runId: 'run-x' }), privA), tokenB);
    expect(asB).toMatchObject({ status: 403, body: { error: 'unknown-key', reason: expect.stringContaining('not enrolled for agent agent-b') } });
    const mismatch = await post(await signResult(sampleResult({ runId: 'run-y', agentId: 'agent-a' }), privB), tokenB);
    expect(mismatch).toMatchObject({ status: 403, body: { error: 'agent-mismatch' } });
    expect(await store.run('run-x')).toBeUndefined();
  });

  it('refuses a bad signature (422)', async () => {
    const s = await signResult(sampleResult({ runId: 'run-2' }), privA);
    const sig = base64url.decode(s.signature);
    sig[5] = (sig[5] ?? 0) ^ 0x40;
    const r = await post({ ...s, signature: base64url.encode(sig) });
    expect(r).toMatchObject({ status: 422, body: { error: 'bad-signature' } });
    expect(await store.run('run-2')).toBeUndefined();
  });

  it('refuses malformed bodies with a reason (400)', async () => {
    expect(await post('{not json')).toMatchObject({ status: 400, body: { error: 'malformed', reason: 'the body is not JSON' } });
    expect(await post({ hello: 'world' })).toMatchObject({ status: 400, body: { error: 'malformed' } });
    const s: SignedResult = await signResult(sampleResult({ runId: 'run-3' }), privA);
    expect(await post({ ...s, protected: base64url.encode('{"alg":"none"}') })).toMatchObject({ status: 400, body: { error: 'algorithm' } });
  });

  it('refuses an oversized body (413), declared or streamed, without storing it', async () => {
    const big = Buffer.alloc(MAX_BODY + 1, 0x20);
    const declared = await request(consoleSvc.url, 'POST', '/api/v1/results', { token: tokenA, body: big });
    expect(declared).toMatchObject({ status: 413, body: { error: 'too-large', reason: `the body exceeds ${MAX_BODY} bytes` } });
    const streamed = await request(consoleSvc.url, 'POST', '/api/v1/results', { token: tokenA, body: big, chunked: true });
    expect(streamed.status).toBe(413);
  });

  it('refuses other media types (415) and unknown paths (404) as JSON', async () => {
    expect(await request(consoleSvc.url, 'POST', '/api/v1/results', { token: tokenA, body: 'x', type: 'text/plain' })).toMatchObject({
      status: 415,
      body: { error: 'unsupported-media-type' },
    });
    expect(await request(consoleSvc.url, 'GET', '/api/v1/nope')).toMatchObject({ status: 404, body: { error: 'not-found' } });
    expect(await request(consoleSvc.url, 'DELETE', '/api/v1/results', { token: readerToken })).toMatchObject({ status: 405 });
  });
});

describe('console: GET /api/v1/results', () => {
  beforeAll(async () => {
    await post(await signResult(sampleResult({ runId: 'run-4', zone: 'Line 2', addresses: ['127.82.0.20'], collectedAt: '2026-01-20T08:00:00.000Z' }), privA));
    await post(
      await signResult(
        sampleResult({ runId: 'run-5', agentId: 'agent-b', zone: 'Line 1', addresses: ['127.82.0.11'], collectedAt: '2026-01-25T08:00:00.000Z' }),
        privB,
      ),
      tokenB,
    );
  });

  it('lists stored runs newest first, filtered by zone, device and since', async () => {
    const ids = async (q: string) => ((await list(q)).body.results as { runId: string }[]).map((r) => r.runId);
    expect(await ids('')).toEqual(['run-5', 'run-4', 'run-1']);
    expect(await ids('?zone=Line%201')).toEqual(['run-5', 'run-1']);
    expect(await ids('?device=127.82.0.11')).toEqual(['run-5', 'run-1']);
    expect(await ids('?since=2026-01-15T00:00:00Z')).toEqual(['run-5', 'run-4']);
    expect(await ids('?zone=Line%201&device=127.82.0.10&since=2026-01-01T00:00:00%2B01:00')).toEqual(['run-1']);
    expect(await ids('?limit=1')).toEqual(['run-5']);
    const row = (await list('?device=127.82.0.20')).body.results as Record<string, unknown>[];
    expect(row[0]).toMatchObject({ runId: 'run-4', agentId: 'agent-a', zone: 'Line 2', devices: ['127.82.0.20'], verification: { status: 'verified' } });
  });

  it('refuses bad queries and callers without a reader token', async () => {
    expect(await list('?since=yesterday')).toMatchObject({ status: 400, body: { error: 'bad-query', reason: expect.stringContaining('since') } });
    expect(await list('?device=plc-1')).toMatchObject({ status: 400, body: { reason: 'device: not an IP address' } });
    expect(await list('?colour=red')).toMatchObject({ status: 400, body: { reason: 'unknown parameter colour' } });
    expect(await list('', tokenA)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('returns one stored document that still verifies', async () => {
    const r = await request(consoleSvc.url, 'GET', '/api/v1/results/run-4', { token: readerToken });
    expect(r.status).toBe(200);
    const v = await verifySignedResult(r.body.signed, new Map([[await keyId(privA), parsePublicKey(keyA.publicPem, 'a.pub')]]));
    expect(v.ok && v.result.runId).toBe('run-4');
    expect(await request(consoleSvc.url, 'GET', '/api/v1/results/run-404', { token: readerToken })).toMatchObject({ status: 404 });
  });

  it('keeps everything across a restart (the database is the store)', async () => {
    const again = await ConsoleStore.open(join(dir, 'console.db'));
    try {
      expect((await again.listRuns({ limit: 10 })).map((r) => r.runId)).toEqual(['run-5', 'run-4', 'run-1']);
      expect(await again.agentOfToken(tokenA)).toBe('agent-a');
    } finally {
      await again.close();
    }
  });
});

describe.skipIf(opensslMissing() !== undefined)(`console over TLS with the operator's CA and client certificates ${opensslMissing() ?? ''}`, () => {
  let pki: ReturnType<typeof makeTestPki>;
  let tlsConsole: RunningConsole;

  beforeAll(async () => {
    pki = makeTestPki('127.82.1.2');
    tlsConsole = await startConsole({
      store,
      host: '127.82.1.2',
      port: 0,
      tls: { cert: pki.read('serverCert'), key: pki.read('serverKey'), clientCa: pki.read('ca') },
    });
  });
  afterAll(async () => {
    await tlsConsole?.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  function tlsGet(opts: https.RequestOptions): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = https.request(`${tlsConsole.url}/api/v1/results`, { headers: { authorization: `Bearer ${readerToken}` }, ...opts }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves a client that trusts the CA and shows a client certificate', async () => {
    expect(await tlsGet({ ca: pki.read('ca'), cert: pki.read('clientCert'), key: pki.read('clientKey') })).toBe(200);
  });

  it('refuses a client without a certificate in the handshake', async () => {
    await expect(tlsGet({ ca: pki.read('ca') })).rejects.toThrow(/certificate|socket hang up|ECONNRESET/i);
  });

  it("is refused by a client that trusts another CA (the console's certificate is checked)", async () => {
    await expect(tlsGet({ ca: pki.read('otherCa'), cert: pki.read('clientCert'), key: pki.read('clientKey') })).rejects.toThrow(
      /self.signed|unable to (verify|get)|certificate/i,
    );
  });
});

describe('the guard around every handler', () => {
  it('turns a handler that throws, or a reply that cannot be written, into a 500 and a log line; the server keeps serving', async () => {
    const log: Record<string, unknown>[] = [];
    const server = http.createServer(
      guarded(
        async (req) => {
          if (req.url === '/throws') throw new TypeError('boom inside a handler');
          if (req.url === '/bad-header') return { status: 303, headers: { location: '/\nx' }, body: '' };
          return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'fine' };
        },
        (entry) => log.push(entry),
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.82.1.3', r));
    const { port } = server.address() as { port: number };
    const get = (path: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) =>
        http
          .get(`http://127.82.1.3:${port}${path}`, (res) => {
            let text = '';
            res.on('data', (b: Buffer) => (text += b.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          })
          .on('error', reject),
      );
    try {
      expect(await get('/throws')).toEqual({ status: 500, text: 'The console failed on this request; its log says why.\n' });
      expect((await get('/bad-header')).status).toBe(500);
      expect(await get('/fine')).toEqual({ status: 200, text: 'fine' });
      expect(log.map((l) => [l.path, l.status, l.detail])).toEqual([
        ['/throws', 500, 'TypeError: boom inside a handler'],
        ['/bad-header', 500, 'TypeError: Invalid character in header content ["location"]'],
        ['/fine', 200, undefined],
      ]);
    } finally {
      server.close();
    }
  });
});

describe('console/openapi.yaml', () => {
  it('documents the served paths and every status the ingest route answers', () => {
    const doc = parseYaml(readFileSync(join(import.meta.dirname, 'openapi.yaml'), 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths)).toEqual([
      '/api/v1/results',
      '/api/v1/results/{runId}',
      '/api/v1/zones/{zone}/reachability',
      '/api/v1/zones/{zone}/statements',
    ]);
    expect(Object.keys(doc.paths['/api/v1/results']?.post?.responses ?? {}).sort()).toEqual([
      '200',
      '201',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(Object.keys(doc.paths['/api/v1/results']?.get?.responses ?? {}).sort()).toEqual(['200', '400', '401']);
    expect(Object.keys(doc.paths['/api/v1/results/{runId}']?.get?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404']);
    expect(Object.keys(doc.paths['/api/v1/zones/{zone}/reachability']?.get?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '404', '500']);
    expect(Object.keys(doc.paths['/api/v1/zones/{zone}/statements']?.get?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403']);
  });
});

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '../../console/server.ts';
import { ConsoleStore } from '../../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey, trustedKeys } from '../../report/keys.ts';
import { signResult, verifySignedResult } from '../../report/sign.ts';
import { sampleResult } from '../../test/sample-result.ts';
import { backoffDelay, deliverRun, flushSpool } from './deliver.ts';
import { serializeResult } from '../run-dir/rundir.ts';
import { Spool } from './spool.ts';
import { postSignedResult, type UploadTarget } from './upload.ts';

const root = mkdtempSync(join(tmpdir(), 'cellcheck-deliver-'));
const pair = newSigningKeyPair();
const key = parsePrivateKey(pair.privatePem, 'k');
const HOST = '127.82.2.1';
const PORT = 18_081;
const policy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 3000 };

let store: ConsoleStore;
let token: string;
let svc: RunningConsole | undefined;
const target = (): UploadTarget => ({ url: new URL(`http://${HOST}:${PORT}`), token, timeoutMs: 5000, proxyEnv: {} });
const up = async () => {
  svc = await startConsole({ store, host: HOST, port: PORT });
};
const down = async () => {
  await svc?.close();
  svc = undefined;
};
const signed = async (runId: string, day: number) =>
  JSON.stringify(await signResult(sampleResult({ runId, collectedAt: `2026-04-${String(day).padStart(2, '0')}T00:00:00.000Z` }), key));
const storedIds = async () => (await store.listRuns({ limit: 100 })).map((r) => r.runId).sort();

beforeAll(async () => {
  store = await ConsoleStore.open(join(root, 'console.db'));
  const pub = parsePublicKey(pair.publicPem, 'p');
  token = await store.enrollAgent('agent-a', pub, await keyId(pub), new Date(), { zones: ['Line 1'] });
});
afterEach(down);
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('backoff', () => {
  it('doubles per failure up to the cap, with half of each step jittered', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1000, 1500, 1500]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1))).toEqual([1000, 2000, 3000, 3000]);
  });
});

describe('upload with spool', () => {
  it('console down: every try fails, waits grow, and the result stays spooled', async () => {
    const spool = new Spool(join(root, 'down'));
    spool.put(await signed('down-1', 1));
    const slept: number[] = [];
    const r = await flushSpool(spool, target(), policy, { random: () => 0.5, sleep: async (ms) => void slept.push(ms) });
    expect(r.delaysMs).toEqual([750, 1500, 2250]);
    expect(slept).toEqual(r.delaysMs);
    expect(r.lastError).toMatch(/ECONNREFUSED/);
    expect(r.acknowledged).toEqual([]);
    expect(r.spool).toMatchObject({ pending: 1, rejected: 0 });
  });

  it('console back: the next flush delivers oldest first and empties the spool', async () => {
    const spool = new Spool(join(root, 'down'));
    await up();
    const r = await flushSpool(spool, target(), policy, { sleep: async () => {} });
    expect(r.acknowledged).toEqual(['down-1']);
    expect(r.spool).toEqual({ pending: 0, pendingBytes: 0, rejected: 0 });
    expect(await storedIds()).toContain('down-1');
  });

  it('console flapping: each result reaches the console exactly once', async () => {
    const spool = new Spool(join(root, 'flap'));
    for (const d of [3, 1, 2]) spool.put(await signed(`flap-${d}`, 10 + d));
    await up();
    const order: string[] = [];
    let calls = 0;
    const r = await flushSpool(
      spool,
      target(),
      { ...policy, attempts: 3 },
      {
        // Goes down after every second request and comes back during the wait.
        post: async (body, t) => {
          const outcome = await postSignedResult(body, t);
          if (outcome.kind === 'acknowledged') order.push(JSON.parse(Buffer.from(JSON.parse(body).protected, 'base64url').toString()).runId);
          if (++calls % 2 === 0) await down();
          return outcome;
        },
        sleep: up,
      },
    );
    expect(order).toEqual(['flap-1', 'flap-2', 'flap-3']);
    expect(r.delaysMs.length).toBeGreaterThan(0);
    expect(r.spool.pending).toBe(0);
    expect((await storedIds()).filter((id) => id.startsWith('flap'))).toEqual(['flap-1', 'flap-2', 'flap-3']);
  });

  it('a refused result is moved aside with the reason, and the rest still goes', async () => {
    await up();
    const spool = new Spool(join(root, 'replay'));
    spool.put(
      JSON.stringify(
        await signResult({ ...sampleResult({ runId: 'down-1', collectedAt: '2026-04-01T00:00:00.000Z' }), finishedAt: '2026-04-01T00:09:00.000Z' }, key),
      ),
    );
    spool.put(await signed('after-replay', 20));
    const r = await flushSpool(spool, target(), policy, { sleep: async () => {} });
    expect(r.rejected).toEqual([{ runId: 'down-1', reason: expect.stringMatching(/^HTTP 409 replay: run down-1 is already stored/) }]);
    expect(r.acknowledged).toEqual(['after-replay']);
    expect(r.spool).toEqual({ pending: 0, pendingBytes: 0, rejected: 1 });
  });

  it('deliverRun signs the run directory, uploads, and can be repeated safely', async () => {
    await up();
    const runDir = join(root, 'runs', 'run-d');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'result.json'), serializeResult(sampleResult({ runId: 'run-d' })));
    const upload = { target: target(), spoolDir: join(root, 'spool-d'), retry: policy };
    const first = await deliverRun(runDir, { key, upload });
    expect(first.upload?.acknowledged).toEqual(['run-d']);
    const file = join(runDir, 'result.signed.json');
    const bytes = readFileSync(file, 'utf8');
    expect((await verifySignedResult(JSON.parse(bytes), await trustedKeys([parsePublicKey(pair.publicPem, 'p')]))).ok).toBe(true);
    const again = await deliverRun(runDir, { key: parsePrivateKey(newSigningKeyPair().privatePem, 'other'), upload });
    expect(readFileSync(file, 'utf8')).toBe(bytes);
    expect(again.upload?.acknowledged).toEqual(['run-d']);
    expect((await storedIds()).filter((id) => id === 'run-d')).toHaveLength(1);
  });

  it('deliverRun without a key refuses an unsigned run, and only signs without an upload', async () => {
    const runDir = join(root, 'runs', 'run-e');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'result.json'), serializeResult(sampleResult({ runId: 'run-e' })));
    await expect(deliverRun(runDir, { upload: { target: target(), spoolDir: join(root, 'spool-e'), retry: policy } })).rejects.toThrow(/not signed yet/);
    expect(await deliverRun(runDir, { key })).toEqual({ signedFile: join(runDir, 'result.signed.json') });
    expect(existsSync(join(root, 'spool-e'))).toBe(false);
  });
});

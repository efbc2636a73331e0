/**
 * What delivering a result costs: canonicalize + sign, verify, durable spool write, and console
 * ingest over loopback HTTP, on the result of one real scan of the simulated cell. Prints figures.
 *   npm run bench:delivery
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { Spool } from '../agent/delivery/spool.ts';
import { postSignedResult } from '../agent/delivery/upload.ts';
import { startConsole } from '../console/server.ts';
import { ConsoleStore } from '../console/store.ts';
import { startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey, trustedKeys } from '../report/keys.ts';
import { canonicalJson, signResult, verifySignedResult } from '../report/sign.ts';

const ROUNDS = 30;
const out = mkdtempSync(join(tmpdir(), 'cellcheck-bench-delivery-'));

async function time<T>(rounds: number, work: (i: number) => Promise<T> | T): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await work(i);
  return (performance.now() - t0) / rounds;
}

const cell = await startCell({ prefix: '127.82.6' });
let result: Awaited<ReturnType<typeof runScan>>['result'];
try {
  ({ result } = await runScan({ config: parseConfigText(cell.config, 'cell'), outDir: out, probes: PROBES, judge: loadJudge() }));
} finally {
  await cell.close();
}
try {
  const pair = newSigningKeyPair();
  const key = parsePrivateKey(pair.privatePem, 'bench');
  const pub = parsePublicKey(pair.publicPem, 'bench');
  const keys = await trustedKeys([pub]);
  const bytes = Buffer.byteLength(canonicalJson(result));
  const signMs = await time(ROUNDS, () => signResult(result, key));
  const signed = await signResult(result, key);
  const verifyMs = await time(ROUNDS, () => verifySignedResult(signed, keys));
  const spool = new Spool(join(out, 'spool'));
  const spoolMs = await time(ROUNDS, async (i) => spool.put(JSON.stringify(await signResult({ ...result, runId: `spool-${i}` }, key))));
  const store = await ConsoleStore.open(join(out, 'console.db'));
  const token = await store.enrollAgent(result.agent.id, pub, await keyId(pub), new Date(), { zones: [result.zone.name] });
  const svc = await startConsole({ store, host: '127.82.6.200', port: 0 });
  const target = { url: new URL(svc.url), token, timeoutMs: 30_000, proxyEnv: {} };
  const bodies = await Promise.all(Array.from({ length: ROUNDS }, async (_, i) => JSON.stringify(await signResult({ ...result, runId: `ingest-${i}` }, key))));
  const ingestMs = await time(ROUNDS, (i) => postSignedResult(bodies[i] ?? '', target));
  const duplicateMs = await time(ROUNDS, (i) => postSignedResult(bodies[i] ?? '', target));
  await svc.close();
  await store.close();
  console.log(
    `## Delivery of one result of the simulated cell (${result.devices.length} devices, ${(bytes / 1024).toFixed(0)} KiB canonical), mean of ${ROUNDS}`,
  );
  console.log('| step | ms |');
  console.log('|---|---|');
  console.log(`| canonicalize + sign (Ed25519) | ${signMs.toFixed(1)} |`);
  console.log(`| verify (signature, canonical form, schema) | ${verifyMs.toFixed(1)} |`);
  console.log(`| sign + durable spool write (fsync file and folder) | ${spoolMs.toFixed(1)} |`);
  console.log(`| POST to the console over loopback HTTP, stored (verify + SQLite FULL commit) | ${ingestMs.toFixed(1)} |`);
  console.log(`| POST of the same result again (duplicate) | ${duplicateMs.toFixed(1)} |`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

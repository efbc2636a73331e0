/**
 * Load on the console, for each store: 200 simulated agents (one zone each, 5 devices) upload 30
 * signed runs each to a `cellcheck console` child process on loopback, at most CONCURRENCY posts
 * in flight. Prints ingest throughput, latency percentiles, and the load time of the zone
 * overview (and of a zone and a device page) over the full history. Bounded: each store stops
 * issuing uploads after DEADLINE_S. Run: node_modules/.bin/node bench/console-load.ts [agents] [runs]
 * [--binary] (--binary: the console of the single binary, with its V8 flags, instead of the source tree).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { postSignedResult } from '../agent/delivery/upload.ts';
import { ConsoleStore } from '../console/store.ts';
import type { Result } from '../report/result.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import { signResult } from '../report/sign.ts';
import { binaryFile } from '../scripts/build-binary.ts';
import { fleetResult, WebClient } from '../test/setup/console-fleet.ts';
import { postgresMissing, startPostgres } from '../test/setup/postgres.ts';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const AGENTS = Number(positional[0] ?? 200);
const RUNS = Number(positional[1] ?? 30);
const BINARY = process.argv.includes('--binary') ? binaryFile('linux-x64') : undefined;
if (BINARY && !existsSync(BINARY)) throw new Error(`--binary: ${BINARY} is not built (npm run build:binary)`);
const DEVICES = 5;
const CONCURRENCY = 16;
const DEADLINE_S = 300;
const PAGE_ROUNDS = 20;
const HOST = '127.87.4.1';
const ROOT = resolve(import.meta.dirname, '..');
const PASSWORD = 'bench viewer password';

interface Agent {
  readonly id: string;
  readonly key: KeyObject;
  readonly pub: KeyObject;
  token: string;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
const ms = (n: number) => n.toFixed(1);

function agents(): Agent[] {
  return Array.from({ length: AGENTS }, (_, i) => {
    const pair = newSigningKeyPair();
    return { id: `edge-${i}`, key: parsePrivateKey(pair.privatePem, 'k'), pub: parsePublicKey(pair.publicPem, 'p'), token: '' };
  });
}

/** One zone per agent, named after it. */
const zoneOf = (agent: Agent) => `Zone ${agent.id.slice('edge-'.length).padStart(3, '0')}`;

/** Each agent's documents: one clean, one with Telnet opened on the first device (every 7th run), so runs drift. */
function templates(fleet: Agent[]): { agent: Agent; clean: Result; drifted: Result }[] {
  return fleet.map((agent, i) => {
    const addresses = Array.from({ length: DEVICES }, (_, d) => `10.${Math.floor(i / 250)}.${i % 250}.${d + 10}`);
    const run = { runId: 'x', zone: zoneOf(agent), agentId: agent.id, collectedAt: '2026-01-01T00:00:00.000Z', addresses };
    return { agent, clean: fleetResult(run), drifted: fleetResult({ ...run, telnetOnFirst: true }) };
  });
}

/** Signed just before it is posted (the agent's cost, outside the timed post), so 6000 bodies never sit in memory at once. */
async function signedRun(t: ReturnType<typeof templates>[number], r: number): Promise<string> {
  const at = new Date(Date.UTC(2026, 0, 1) + r * 86_400_000).toISOString();
  const doc = { ...(r % 7 === 6 ? t.drifted : t.clean), runId: `${t.agent.id}-run-${r}`, collectedAt: at, finishedAt: at };
  return JSON.stringify(await signResult(doc, t.agent.key));
}

function startConsoleProcess(db: string, port: number): Promise<ChildProcess> {
  const cli = BINARY ? { file: BINARY, args: [] } : { file: process.execPath, args: [join(ROOT, 'agent/cli.ts')] };
  const child = spawn(cli.file, [...cli.args, 'console', '--db', db, '--listen', `${HOST}:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.includes('listening on')) ok(child);
    });
    child.on('exit', (code) => fail(new Error(`console exited ${code}: ${err}`)));
  });
}

async function timePage(client: WebClient, path: string): Promise<{ p50: number; p95: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < PAGE_ROUNDS; i++) {
    const t = performance.now();
    const page = await client.get(path);
    times.push(performance.now() - t);
    if (page.status !== 200) throw new Error(`${path}: HTTP ${page.status}`);
    bytes = Buffer.byteLength(page.text);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), bytes };
}

async function measure(kind: string, db: string, port: number, fleet: Agent[], work: ReturnType<typeof templates>) {
  const store = await ConsoleStore.open(db);
  for (const a of fleet) a.token = await store.enrollAgent(a.id, a.pub, await keyId(a.pub), new Date(), { zones: [zoneOf(a)] });
  await store.accounts.addUser('viewer', PASSWORD, 'viewer', 'bench', new Date());
  await store.close();
  const child = await startConsoleProcess(db, port);
  const url = new URL(`http://${HOST}:${port}`);
  try {
    // Agents take turns run by run (run 0 of every agent, then run 1, ...), like daily scans.
    const queue = Array.from({ length: RUNS }, (_, r) => work.map((t) => ({ t, r }))).flat();
    const latencies: number[] = [];
    let refused = 0;
    const started = performance.now();
    const deadline = started + DEADLINE_S * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < queue.length && performance.now() < deadline) {
          const item = queue[next++];
          if (!item) continue;
          const body = await signedRun(item.t, item.r);
          const t = performance.now();
          const outcome = await postSignedResult(body, { url, token: item.t.agent.token, timeoutMs: 30_000, proxyEnv: {} });
          latencies.push(performance.now() - t);
          if (outcome.kind !== 'acknowledged') refused++;
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const viewer = new WebClient(url.origin);
    if ((await viewer.login('viewer', PASSWORD)) !== 303) throw new Error('viewer login failed');
    const overview = await timePage(viewer, '/');
    const zone = await timePage(viewer, '/zones/Zone%20000');
    const device = await timePage(viewer, '/zones/Zone%20000/devices/10.0.0.10');
    return { kind, posted: latencies.length, of: queue.length, refused, wall, latencies, overview, zone, device };
  } finally {
    child.kill('SIGTERM');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-console-load-'));
const fleet = agents();
const work = templates(fleet);
const size = work[0] ? Buffer.byteLength(await signedRun(work[0], 0)) : 0;
const rows: Awaited<ReturnType<typeof measure>>[] = [];
try {
  rows.push(await measure('SQLite (node:sqlite, synchronous=FULL)', join(dir, 'console.db'), 18_431, fleet, work));
  const missing = postgresMissing();
  if (missing) console.log(`PostgreSQL ${missing}`);
  else {
    const pg = startPostgres('127.87.4.2', 15_434, { durable: true });
    try {
      rows.push(await measure('PostgreSQL 15 (fsync on)', await pg.createDatabase('load'), 18_432, fleet, work));
    } finally {
      pg.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `## Console load (${BINARY ? 'single binary' : 'source tree'}): ${AGENTS} agents x ${RUNS} runs, ${DEVICES} devices per run, ${(size / 1024).toFixed(1)} KiB per signed result, ${CONCURRENCY} posts in flight (results/s includes the agents' signing in the load process)`,
);
console.log(
  '| store | results stored | wall s | results/s | p50 ms | p95 ms | p99 ms | zone overview p50/p95 ms (KiB) | zone page p50/p95 ms | device page p50/p95 ms |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.kind} | ${r.posted - r.refused}/${r.of}${r.posted < r.of ? ` (deadline ${DEADLINE_S} s)` : ''} | ${r.wall.toFixed(1)} | ${(r.posted / r.wall).toFixed(1)} | ${ms(pct(r.latencies, 50))} | ${ms(pct(r.latencies, 95))} | ${ms(pct(r.latencies, 99))} | ${ms(r.overview.p50)}/${ms(r.overview.p95)} (${(r.overview.bytes / 1024).toFixed(0)}) | ${ms(r.zone.p50)}/${ms(r.zone.p95)} | ${ms(r.device.p50)}/${ms(r.device.p95)} |`,
  );

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeResult } from '../agent/run-dir/rundir.ts';
import { writeKeyPair } from '../agent/delivery/signing.ts';
import { type RunningConsole, startConsole } from '../console/server.ts';
import { ConsoleStore, type StoredRun } from '../console/store.ts';
import type { Result } from '../report/result.ts';
import { keyId, parsePublicKey, trustedKeys } from '../report/keys.ts';
import { verifySignedResult } from '../report/sign.ts';
import { sampleResult } from './sample-result.ts';

/**
 * kill -9 of `cellcheck upload --run` at chosen and at spread-out moments: afterwards, repeating
 * the same delivery and flushing the spool leaves every run stored exactly once, intact.
 */
const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-kill-'));
const CONSOLE = { host: '127.82.4.1', port: 18_082 };
const GATE = { host: '127.82.4.2', port: 18_083 };

/** Kills the current child right after the console committed a result, before the reply leaves. */
class KillAfterCommit extends ConsoleStore {
  victim: ChildProcess | undefined;
  override async insertRun(run: StoredRun, envelope: string, result: Result): Promise<'stored' | 'exists'> {
    const outcome = await super.insertRun(run, envelope, result);
    this.victim?.kill('SIGKILL');
    this.victim = undefined;
    return outcome;
  }
}

let store: KillAfterCommit;
let svc: RunningConsole;
let gate: net.Server;
let gateVictim: ChildProcess | undefined;

function upload(config: string, run?: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'agent/cli.ts'), 'upload', '--config', config, '--quiet', ...(run ? ['--run', run] : [])], {
    cwd: dir,
    stdio: 'ignore',
  });
}
const exited = (child: ChildProcess) => new Promise<string>((r) => child.on('exit', (code, signal) => r(signal ?? String(code))));

function makeRun(runId: string): string {
  const runDir = join('runs', runId);
  mkdirSync(join(dir, runDir), { recursive: true });
  writeFileSync(join(dir, runDir, 'result.json'), serializeResult(sampleResult({ runId, agentId: 'edge-1', collectedAt: '2026-05-01T00:00:00.000Z' })));
  return runDir;
}

function config(name: string, at: { host: string; port: number }): string {
  writeFileSync(
    join(dir, name),
    `zone: {name: z, slT: 1}\ntargets: [{host: 127.82.4.9}]\nsigning: {keyFile: keys/signing.key, agentId: edge-1}\n` +
      `upload: {url: "http://${at.host}:${at.port}", tokenFile: token.txt, spoolDir: spool, retry: {attempts: 1}}\n`,
  );
  return name;
}

const spoolFiles = () => readdirSync(join(dir, 'spool')).filter((n) => n !== 'rejected');
const storedCount = async (runId: string) => (await store.listRuns({ limit: 1000 })).filter((r) => r.runId === runId).length;

beforeAll(async () => {
  const keys = await writeKeyPair(join(dir, 'keys'));
  store = await KillAfterCommit.open(join(dir, 'console.db'));
  const pub = parsePublicKey(readFileSync(keys.publicFile, 'utf8'), 'pub');
  writeFileSync(join(dir, 'token.txt'), await store.enrollAgent('edge-1', pub, await keyId(pub), new Date(), { zones: ['Line 1'] }));
  svc = await startConsole({ store, ...CONSOLE });
  // A console that is reached but never answers: the child is killed the moment it connects.
  gate = net.createServer((sock) => {
    gateVictim?.kill('SIGKILL');
    sock.destroy();
  });
  await new Promise<void>((r) => gate.listen(GATE.port, GATE.host, r));
  config('console.yaml', CONSOLE);
  config('gate.yaml', GATE);
});

afterAll(async () => {
  await svc?.close();
  gate?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during delivery never loses, corrupts or doubles a result', () => {
  it('killed after the spool write, while uploading: the spooled result goes on the next flush', async () => {
    const run = makeRun('kill-a');
    const child = upload('gate.yaml', run);
    gateVictim = child;
    expect(await exited(child)).toBe('SIGKILL');
    expect(spoolFiles()).toEqual(['20260501T000000000Z_kill-a.jws.json']);
    expect(await exited(upload('console.yaml'))).toBe('0');
    expect(spoolFiles()).toEqual([]);
    expect(await storedCount('kill-a')).toBe(1);
  });

  it('killed after the console stored it but before the acknowledgement: the re-send is a duplicate, not a second run', async () => {
    const run = makeRun('kill-b');
    const child = upload('console.yaml', run);
    store.victim = child;
    expect(await exited(child)).toBe('SIGKILL');
    expect(await storedCount('kill-b')).toBe(1);
    expect(spoolFiles()).toEqual(['20260501T000000000Z_kill-b.jws.json']);
    expect(await exited(upload('console.yaml'))).toBe('0');
    expect(spoolFiles()).toEqual([]);
    expect(await storedCount('kill-b')).toBe(1);
  });

  it('killed at spread-out moments: repeating each delivery and flushing stores every run once, intact', async () => {
    const delays = [0, 300, 600, 900, 1200, 1500, 1800];
    const runs = delays.map((_, i) => makeRun(`kill-c${i}`));
    const ends: string[] = [];
    for (const [i, delay] of delays.entries()) {
      const child = upload('console.yaml', runs[i]);
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      ends.push(await exited(child));
      clearTimeout(timer);
    }
    // How many kills land mid-delivery depends on machine load; the chosen moments are covered
    // deterministically above. Here at least the early kills must have hit a running process.
    expect(ends.filter((e) => e === 'SIGKILL').length).toBeGreaterThanOrEqual(1);
    // What a scheduler does after a crash: deliver each run again, then flush.
    for (const run of runs) expect(await exited(upload('console.yaml', run))).toBe('0');
    const keys = await trustedKeys([parsePublicKey(readFileSync(join(dir, 'keys/signing.pub'), 'utf8'), 'pub')]);
    for (const [i, run] of runs.entries()) {
      expect(await storedCount(`kill-c${i}`)).toBe(1);
      const signedText = readFileSync(join(dir, run, 'result.signed.json'), 'utf8');
      expect(JSON.parse((await store.run(`kill-c${i}`))?.envelope ?? '')).toEqual(JSON.parse(signedText));
      expect((await verifySignedResult(JSON.parse(signedText), keys)).ok).toBe(true);
      expect(readdirSync(join(dir, run)).sort()).toEqual(['result.json', 'result.signed.json']);
    }
    expect(readdirSync(join(dir, 'spool'))).toEqual(['rejected']);
    expect(readdirSync(join(dir, 'spool', 'rejected'))).toEqual([]);
  }, 120_000);
});

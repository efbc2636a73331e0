import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_DEVICES, type RunningCell, startCell } from '../fixtures/cell.ts';
import { startConsoleProcess, startCli } from './run-process.ts';

// Loopback ranges of this file (test/addresses.ts): cell on 127.86.1.x, console on 127.86.5.10, silent PLC on 127.86.2.1.
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-agent-cli-'));

const start = (args: string[]) => startCli(args, dir);
const cli = (args: string[]) => start(args).done;

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const status = (out: string) => {
  try {
    return JSON.parse(readFileSync(join(dir, out, '.agent/status.json'), 'utf8'));
  } catch {
    return undefined;
  }
};
const logLines = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; level: string; at: string; [k: string]: unknown });

let cell: RunningCell;
let consoleProc: ChildProcess | undefined;
let baseConfig = '';

beforeAll(async () => {
  cell = await startCell({ prefix: '127.86.1', devices: CELL_DEVICES.filter((d) => d.name === 'modbus-io' || d.name === 'hmi-weak') });
  const started = await startConsoleProcess(join(dir, 'console.db'), '127.86.5.10:0', dir);
  consoleProc = started.child;
  const listen = started.listen;
  expect((await cli(['keygen', '--out', 'keys'])).code).toBe(0);
  const enrolled = await cli(['console', 'enroll', '--db', 'console.db', '--agent', 'edge-86', '--key', 'keys/signing.pub', '--zone', 'Simulated cell (demo)']);
  expect(enrolled.code).toBe(0);
  writeFileSync(join(dir, 'token'), `${enrolled.stdout.trim().split('\n').at(-1)}\n`);
  baseConfig = `${cell.config}signing: { keyFile: keys/signing.key, agentId: edge-86 }\nupload: { url: 'http://${listen}', tokenFile: token, spoolDir: spool, retry: { attempts: 1 } }\n`;
}, 60_000);

afterAll(async () => {
  const exited = new Promise((r) => consoleProc?.once('exit', r));
  consoleProc?.kill('SIGTERM');
  await exited;
  await cell?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cellcheck agent', () => {
  it('--once scans, signs and uploads one run, writes JSON-line logs and the status file', async () => {
    writeFileSync(join(dir, 'once.yaml'), `${baseConfig}schedule: { every: 6h }\n`);
    const r = await cli(['agent', '--config', 'once.yaml', '--out', 'runs-once', '--once', '--log', 'once.log']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = status('runs-once');
    expect(s).toMatchObject({
      state: 'stopped',
      agent: { id: 'edge-86' },
      lastRun: { outcome: 'completed', devices: 2, delivery: { delivered: 1, pending: 0 } },
    });
    const runDir = join('runs-once', s.lastRun.runId);
    expect(existsSync(join(dir, runDir, 'result.signed.json'))).toBe(true);
    expect((await cli(['verify', runDir, '--key', 'keys/signing.pub'])).code).toBe(0);
    const events = logLines('once.log').map((l) => l.event);
    expect(events[0]).toBe('agent.start');
    expect(events).toEqual(expect.arrayContaining(['run.start', 'delivery.upload', 'run.end', 'agent.stop']));
    expect(readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.jws.json'))).toEqual([]);
  });

  it('re-delivers a run killed after signing but before its spool write', async () => {
    // The state such a kill leaves: a signed run directory and its journal entry, nothing spooled.
    const scanned = await cli(['scan', '--config', 'once.yaml', '--out', 'runs-killed', '--key', 'keys/signing.key', '--quiet', '--format', 'json']);
    const runId = JSON.parse(scanned.stdout).runId as string;
    expect(existsSync(join(dir, 'runs-killed', runId, 'result.signed.json'))).toBe(true);
    mkdirSync(join(dir, 'runs-killed/.agent/pending'), { recursive: true });
    writeFileSync(join(dir, 'runs-killed/.agent/pending', runId), '');
    const r = await cli(['agent', '--config', 'once.yaml', '--out', 'runs-killed', '--once', '--log', 'killed.log']);
    expect(r.code).toBe(0);
    const redelivered = logLines('killed.log').find((l) => l.event === 'run.redelivered');
    expect(redelivered).toMatchObject({ runId, delivered: 1, pending: 0 });
    expect(readdirSync(join(dir, 'runs-killed/.agent/pending'))).toEqual([]);
    // The console has it once: a second delivery is acknowledged as a duplicate, not stored again.
    const again = await cli(['upload', '--config', 'once.yaml', '--run', join('runs-killed', runId)]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('was already at the console');
  });

  it('waits for its schedule and stops cleanly on SIGTERM (exit 0, status stopped)', async () => {
    writeFileSync(join(dir, 'every.yaml'), `${baseConfig}schedule: { every: 1h, jitterSeconds: 0 }\n`);
    const { child, done } = start(['agent', '--config', 'every.yaml', '--out', 'runs-every']);
    const s = await waitFor('the first run and the next planned start', () => {
      const st = status('runs-every');
      return st?.state === 'waiting' && st.lastRun && st.nextRunAt ? st : undefined;
    });
    // The slot is taken when the run is planned, a moment before it starts.
    expect(Date.parse(s.nextRunAt) - Date.parse(s.lastRun.startedAt)).toBeGreaterThan(3_599_000);
    expect(Date.parse(s.nextRunAt) - Date.parse(s.lastRun.startedAt)).toBeLessThanOrEqual(3_600_000);
    const signalled = Date.now();
    child.kill('SIGTERM');
    const r = await done;
    expect(r.code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3000);
    expect(status('runs-every').state).toBe('stopped');
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ level: 'info', event: 'agent.stop', reason: 'signal' });
  });

  it('on SIGTERM during a scan of a device that never answers: aborts it after the grace period and closes the socket', async () => {
    const open = new Set<net.Socket>();
    let connections = 0;
    const silent = net.createServer((s) => {
      connections += 1;
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
      // Reads (and ignores) the request, so the peer's FIN is seen.
      s.resume();
    });
    await new Promise<void>((r) => silent.listen(502, '127.86.2.1', r));
    try {
      writeFileSync(
        join(dir, 'silent.yaml'),
        `zone: {name: silent, slT: 1}\ntargets: [{host: 127.86.2.1, role: plc}]\nscan: {stepTimeoutMs: 60000, deviceBudgetMs: 600000}\nschedule: {every: 1h, stopGraceSeconds: 1}\n`,
      );
      const { child, done } = start(['agent', '--config', 'silent.yaml', '--out', 'runs-silent']);
      // One connection: discovery's, which the Modbus probe takes over.
      await waitFor('the modbus probe to connect', () => (connections >= 1 && open.size > 0 ? true : undefined));
      const signalled = Date.now();
      child.kill('SIGTERM');
      const r = await done;
      expect(r.code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(5000);
      expect(status('runs-silent')).toMatchObject({ state: 'stopped', lastRun: { outcome: 'aborted', reason: 'the agent is stopping' } });
      await waitFor('the device to see its sockets closed', () => (open.size === 0 ? true : undefined), 3000);
      // An aborted run is no result: nothing written but the agent's own files.
      expect(readdirSync(join(dir, 'runs-silent'))).toEqual(['.agent']);
    } finally {
      silent.close();
    }
  });

  it('refuses a config without a schedule, and a broken schedule, before any packet (exit 2)', async () => {
    writeFileSync(join(dir, 'none.yaml'), 'zone: {name: z, slT: 1}\ntargets: [{host: 127.86.3.1}]\n');
    const r = await cli(['agent', '--config', 'none.yaml', '--out', 'runs-none']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('none.yaml: schedule: no schedule section');
    writeFileSync(join(dir, 'bad.yaml'), 'zone: {name: z, slT: 1}\ntargets: [{host: 127.86.3.1}]\nschedule: {cron: "61 * * * *"}\n');
    const bad = await cli(['agent', '--config', 'bad.yaml', '--out', 'runs-none']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.yaml: schedule.cron: minute: 61 is outside 0-59');
    expect(existsSync(join(dir, 'runs-none/.agent'))).toBe(false);
  });
});

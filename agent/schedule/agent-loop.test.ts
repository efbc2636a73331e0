import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentClock, type AgentDeps, agentFiles, AgentStatus, runAgent } from './agent-loop.ts';
import type { LogLevel } from './json-log.ts';
import { ScheduleConfig } from './schedule.ts';

const root = mkdtempSync(join(tmpdir(), 'cellcheck-agent-loop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Virtual time: a sleep registers a timer, and time jumps to the earliest timer only once every
 * task is waiting on one, so a week of schedule runs in milliseconds and in a fixed order.
 */
class VirtualClock implements AgentClock {
  t: number;
  #timers: { at: number; wake: () => void }[] = [];
  constructor(start: string) {
    this.t = Date.parse(start);
  }
  now = () => new Date(this.t);
  sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = { at: this.t + Math.max(0, ms), wake: resolve };
      this.#timers.push(timer);
      signal.addEventListener('abort', () => {
        this.#timers = this.#timers.filter((x) => x !== timer);
        resolve();
      });
    });
  /** Drives `task` to its end, jumping time when nothing else can run; `hooks` fire at given virtual times. */
  async drive<T>(task: Promise<T>, hooks: { at: string; run: () => void }[] = []): Promise<T> {
    let done = false;
    const result = task.finally(() => {
      done = true;
    });
    const pending = hooks.map((h) => ({ at: Date.parse(h.at), run: h.run }));
    for (let steps = 0; steps < 10_000; steps++) {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      if (done) return result;
      this.#timers.sort((a, b) => a.at - b.at);
      const nextTimer = this.#timers[0];
      const hook = pending.sort((a, b) => a.at - b.at)[0];
      if (hook && (!nextTimer || hook.at <= nextTimer.at)) {
        pending.shift();
        this.t = Math.max(this.t, hook.at);
        hook.run();
        continue;
      }
      if (!nextTimer) throw new Error('deadlock: the task waits on no timer');
      this.#timers.shift();
      this.t = Math.max(this.t, nextTimer.at);
      nextTimer.wake();
    }
    throw new Error('the task did not finish');
  }
}

interface Harness {
  readonly outDir: string;
  readonly clock: VirtualClock;
  readonly logs: { level: LogLevel; event: string; [k: string]: unknown }[];
  readonly scans: { runId: string; at: string }[];
  readonly delivered: string[];
  deps(over?: Partial<AgentDeps>): AgentDeps;
  status(): AgentStatus;
}

let n = 0;
function harness(start: string, scanMs = 60_000): Harness {
  const outDir = join(root, `case-${++n}`);
  mkdirSync(outDir, { recursive: true });
  const clock = new VirtualClock(start);
  const logs: Harness['logs'] = [];
  const scans: Harness['scans'] = [];
  const delivered: string[] = [];
  let ids = 0;
  return {
    outDir,
    clock,
    logs,
    scans,
    delivered,
    deps: (over = {}) => ({
      clock,
      random: () => 0.5,
      log: (level, event, fields = {}) => logs.push({ level, event, ...fields }),
      newRunId: () => `run-${++ids}`,
      // Stands in for runScan: takes virtual time, honours the abort, writes result.json at the end.
      scan: async (runId, signal) => {
        scans.push({ runId, at: clock.now().toISOString() });
        await clock.sleep(scanMs, signal);
        if (signal.aborted) throw new Error('aborted');
        mkdirSync(join(outDir, runId), { recursive: true });
        writeFileSync(join(outDir, runId, 'result.json'), '{}');
        return { runDir: join(outDir, runId), devices: 2, gaps: 1 };
      },
      deliver: async (runDir) => {
        delivered.push(runDir);
        return { signedFile: join(runDir, 'result.signed.json'), delivered: 1, pending: 0 };
      },
      lock: { alive: () => true },
      ...over,
    }),
    status: () => AgentStatus.parse(JSON.parse(readFileSync(agentFiles(outDir).status, 'utf8'))),
  };
}

const settings = (h: Harness, schedule: Record<string, unknown>, once = false) => ({
  schedule: ScheduleConfig.parse({ timeZone: 'utc', ...schedule }),
  outDir: h.outDir,
  agentId: 'edge-1',
  version: '0.0.0-test',
  once,
});

describe('the scheduled agent (virtual clock)', () => {
  it('runs on an interval with jitter, one scan at a time, and keeps the status file', async () => {
    const h = harness('2026-01-05T10:00:00Z');
    const stop = new AbortController();
    await h.clock.drive(runAgent(settings(h, { every: '1h', jitterSeconds: 600 }), h.deps(), stop.signal), [
      { at: '2026-01-05T12:30:00Z', run: () => stop.abort() },
    ]);
    expect(h.scans.map((s) => s.at)).toEqual(['2026-01-05T10:05:00.000Z', '2026-01-05T11:05:00.000Z', '2026-01-05T12:05:00.000Z']);
    expect(h.delivered).toEqual(['run-1', 'run-2', 'run-3'].map((r) => join(h.outDir, r)));
    const status = h.status();
    expect(status).toMatchObject({ state: 'stopped', agent: { id: 'edge-1', version: '0.0.0-test' } });
    expect(status.lastRun).toMatchObject({
      runId: 'run-3',
      outcome: 'completed',
      devices: 2,
      gaps: 1,
      startedAt: '2026-01-05T12:05:00.000Z',
      finishedAt: '2026-01-05T12:06:00.000Z',
    });
    expect(status.lastRun?.delivery).toMatchObject({ delivered: 1, pending: 0 });
    expect(h.logs.filter((l) => l.event === 'run.planned').map((l) => l.at)).toEqual([
      '2026-01-05T10:05:00.000Z',
      '2026-01-05T11:05:00.000Z',
      '2026-01-05T12:05:00.000Z',
      '2026-01-05T13:05:00.000Z',
    ]);
    expect(h.logs.at(-1)).toMatchObject({ event: 'agent.stop', reason: 'signal' });
    // Journal entries are cleared once delivered.
    expect(readdirSync(agentFiles(h.outDir).pending)).toEqual([]);
    expect(existsSync(agentFiles(h.outDir).lock)).toBe(false);
  });

  it('moves a cron start out of a maintenance window, and says so', async () => {
    const h = harness('2026-01-05T10:00:00Z');
    const stop = new AbortController();
    const s = settings(h, { cron: '0 2 * * *', blackout: [{ from: '01:30', to: '03:00' }] });
    await h.clock.drive(runAgent(s, h.deps(), stop.signal), [{ at: '2026-01-06T12:00:00Z', run: () => stop.abort() }]);
    expect(h.scans.map((x) => x.at)).toEqual(['2026-01-06T03:00:00.000Z']);
    expect(h.logs.find((l) => l.event === 'run.planned')).toMatchObject({
      slot: '2026-01-06T02:00:00.000Z',
      deferredBy: expect.stringContaining('maintenance window 2026-01-06T01:30:00.000Z'),
    });
  });

  it('stops a scan when a maintenance window opens; nothing is delivered', async () => {
    const h = harness('2026-01-05T10:00:00Z', 2 * 3_600_000);
    const stop = new AbortController();
    const s = settings(h, { every: '1d', blackout: [{ from: '11:00', to: '12:00' }] });
    await h.clock.drive(runAgent(s, h.deps(), stop.signal), [{ at: '2026-01-05T13:00:00Z', run: () => stop.abort() }]);
    expect(h.status().lastRun).toMatchObject({
      runId: 'run-1',
      outcome: 'aborted',
      reason: 'a maintenance window opened at 2026-01-05T11:00:00.000Z',
      finishedAt: '2026-01-05T11:00:00.000Z',
    });
    expect(h.delivered).toEqual([]);
    expect(readdirSync(agentFiles(h.outDir).pending)).toEqual([]);
  });

  it('on stop, lets a running scan finish within the grace period, else aborts it at the bound', async () => {
    const quick = harness('2026-01-05T10:00:00Z', 10_000);
    const stop1 = new AbortController();
    await quick.clock.drive(runAgent(settings(quick, { every: '1h', stopGraceSeconds: 20 }), quick.deps(), stop1.signal), [
      { at: '2026-01-05T10:00:05Z', run: () => stop1.abort() },
    ]);
    expect(quick.status().lastRun).toMatchObject({ outcome: 'completed', finishedAt: '2026-01-05T10:00:10.000Z' });
    expect(quick.delivered).toHaveLength(1);
    expect(quick.status().state).toBe('stopped');

    const slow = harness('2026-01-05T10:00:00Z', 600_000);
    const stop2 = new AbortController();
    await slow.clock.drive(runAgent(settings(slow, { every: '1h', stopGraceSeconds: 20 }), slow.deps(), stop2.signal), [
      { at: '2026-01-05T10:00:05Z', run: () => stop2.abort() },
    ]);
    expect(slow.status().lastRun).toMatchObject({ outcome: 'aborted', reason: 'the agent is stopping', finishedAt: '2026-01-05T10:00:25.000Z' });
    expect(slow.delivered).toEqual([]);
    expect(slow.scans).toHaveLength(1);
  });

  it('skips a run while another live process holds the lock; takes over the lock of a dead one', async () => {
    const h = harness('2026-01-05T10:00:00Z');
    mkdirSync(agentFiles(h.outDir).dir, { recursive: true });
    const other = { pid: 4242, host: hostname(), since: '2026-01-05T09:00:00Z', token: 'other' };
    writeFileSync(agentFiles(h.outDir).lock, JSON.stringify(other));
    await h.clock.drive(runAgent(settings(h, { every: '1h' }, true), h.deps({ lock: { alive: () => true } }), new AbortController().signal));
    expect(h.scans).toEqual([]);
    expect(h.status().lastSkip?.reason).toContain('another run holds the lock (pid 4242');
    await h.clock.drive(runAgent(settings(h, { every: '1h' }, true), h.deps({ lock: { alive: (pid) => pid !== 4242 } }), new AbortController().signal));
    expect(h.scans).toHaveLength(1);
    expect(h.status().lastRun?.outcome).toBe('completed');
  });

  it('--once does not scan inside a maintenance window', async () => {
    const h = harness('2026-01-05T11:15:00Z');
    await h.clock.drive(runAgent(settings(h, { every: '1h', blackout: [{ from: '11:00', to: '12:00' }] }, true), h.deps(), new AbortController().signal));
    expect(h.scans).toEqual([]);
    expect(h.status().lastSkip?.reason).toBe('inside a maintenance window until 2026-01-05T12:00:00.000Z');
  });

  it('on start, delivers runs a killed agent left undelivered, and drops runs killed before their result', async () => {
    const h = harness('2026-01-05T10:00:00Z');
    const files = agentFiles(h.outDir);
    mkdirSync(files.pending, { recursive: true });
    // Killed after signing, before the spool write: result (and signature) on disk, journal entry left.
    mkdirSync(join(h.outDir, 'run-killed'));
    writeFileSync(join(h.outDir, 'run-killed', 'result.json'), '{}');
    writeFileSync(join(files.pending, 'run-killed'), '');
    // Killed mid-scan: no result.
    writeFileSync(join(files.pending, 'run-cut'), '');
    let failOnce = true;
    const deps = h.deps({
      deliver: async (runDir) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('spool folder not writable');
        }
        h.delivered.push(runDir);
        return {};
      },
    });
    const stop = new AbortController();
    await h.clock.drive(runAgent(settings(h, { every: '1h' }), deps, stop.signal), [{ at: '2026-01-05T10:30:00Z', run: () => stop.abort() }]);
    expect(h.logs.find((l) => l.event === 'run.incomplete')).toMatchObject({ runId: 'run-cut' });
    // The first try failed at start; the journal kept it and the next run's turn delivered it first.
    expect(h.logs.find((l) => l.event === 'delivery.failed')).toMatchObject({ runId: 'run-killed', error: 'spool folder not writable' });
    expect(h.delivered).toEqual([join(h.outDir, 'run-killed'), join(h.outDir, 'run-1')]);
    expect(readdirSync(files.pending)).toEqual([]);
  });
});

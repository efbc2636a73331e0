import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { StepTimer } from '../../probes/step-timer.ts';
import { fsyncFolder, removeAbandonedTemps, TEMP_MARK, writeFileAtomic } from '../run-dir/atomic-file.ts';
import type { AgentLog } from './json-log.ts';
import { RUN_FILES } from '../run-dir/rundir.ts';
import { type LockDeps, tryRunLock } from './run-lock.ts';
import { blackoutAt, nextBlackoutStart, planNextStart, type ScheduleConfig } from './schedule.ts';

/** Time, injected so tests run a week of schedule without waiting. */
export interface AgentClock {
  now(): Date;
  /** Waits `ms`, or less when `signal` aborts; never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: AgentClock = {
  now: () => new Date(),
  sleep: (ms, signal) => {
    const step = new StepTimer({ signal, end: (s) => s.resolve() });
    // setTimeout holds at most ~24.8 days; a longer wait is re-planned when it ends.
    step.arm(Math.max(0, Math.min(ms, 2 ** 31 - 1)), (s) => s.resolve());
    return step.done;
  },
};

export interface ScanSummary {
  readonly runDir: string;
  readonly devices: number;
  readonly gaps: number;
}

/** What became of a finished run's signed result; never holds a secret. */
export interface DeliverySummary {
  readonly signedFile?: string;
  readonly delivered?: number;
  readonly pending?: number;
  readonly rejected?: number;
  readonly lastError?: string;
}

export interface AgentDeps {
  readonly clock: AgentClock;
  readonly random: () => number;
  readonly log: AgentLog;
  /** One scan into `<outDir>/<runId>`; throws when cut short through `signal` (nothing is written then). */
  readonly scan: (runId: string, signal: AbortSignal) => Promise<ScanSummary>;
  /** Signs, then uploads or spools, a finished run directory; safe to repeat (same bytes, duplicate at the console). */
  readonly deliver: (runDir: string) => Promise<DeliverySummary>;
  readonly newRunId: (at: Date) => string;
  readonly lock?: LockDeps;
}

export interface AgentSettings {
  readonly schedule: ScheduleConfig;
  readonly outDir: string;
  readonly agentId: string;
  readonly version: string;
  /** Run one scan now (unless a blackout window holds) and return: for a systemd timer or Task Scheduler. */
  readonly once: boolean;
  readonly statusFile?: string;
}

const RunRecord = z.object({
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.enum(['completed', 'aborted', 'failed']),
  devices: z.number().int().optional(),
  gaps: z.number().int().optional(),
  reason: z.string().optional(),
  delivery: z
    .object({
      signedFile: z.string().optional(),
      delivered: z.number().optional(),
      pending: z.number().optional(),
      rejected: z.number().optional(),
      lastError: z.string().optional(),
    })
    .optional(),
});

/** The last-run status file, for monitoring (rewritten atomically at every change of state). */
export const AgentStatus = z.object({
  agent: z.object({ id: z.string(), version: z.string(), pid: z.number().int(), host: z.string() }),
  state: z.enum(['waiting', 'running', 'stopped']),
  updatedAt: z.string(),
  nextRunAt: z.string().optional(),
  currentRun: z.object({ runId: z.string(), startedAt: z.string() }).optional(),
  lastRun: RunRecord.optional(),
  lastSkip: z.object({ at: z.string(), reason: z.string() }).optional(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Files the agent keeps beside its run directories. */
export function agentFiles(outDir: string) {
  const dir = join(outDir, '.agent');
  return { dir, lock: join(dir, 'lock'), status: join(dir, 'status.json'), pending: join(dir, 'pending') };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The scheduled agent: waits for each planned start, runs one scan at a time under the run lock,
 * delivers it, and keeps the status file. A run's id is journaled (pending/<runId>) before the scan
 * and cleared only after delivery, so a run killed at any point after its result was written is
 * delivered by the next agent that takes the lock. Returns when `stop` aborts (a running scan gets
 * `schedule.stopGraceSeconds`, then is aborted) or after one run with `once`.
 */
export async function runAgent(settings: AgentSettings, deps: AgentDeps, stop: AbortSignal): Promise<void> {
  const { clock, log } = deps;
  const files = agentFiles(settings.outDir);
  const statusFile = settings.statusFile ?? files.status;
  mkdirSync(files.pending, { recursive: true });
  const previous = readStatus(statusFile);
  let status: AgentStatus = {
    agent: { id: settings.agentId, version: settings.version, pid: deps.lock?.pid ?? process.pid, host: hostname() },
    state: 'waiting',
    updatedAt: clock.now().toISOString(),
    ...(previous?.lastRun ? { lastRun: previous.lastRun } : {}),
  };
  const update = (change: Partial<AgentStatus>, drop: readonly (keyof AgentStatus)[] = []) => {
    const next: Record<string, unknown> = { ...status, ...change, updatedAt: clock.now().toISOString() };
    for (const key of drop) delete next[key];
    status = next as AgentStatus;
    writeFileAtomic(statusFile, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o644 });
  };
  const schedule = settings.schedule;
  log('info', 'agent.start', {
    agentId: settings.agentId,
    version: settings.version,
    once: settings.once,
    every: schedule.every,
    cron: schedule.cron,
    jitterSeconds: schedule.jitterSeconds,
    blackouts: schedule.blackout.length,
  });

  const journal = {
    add(runId: string) {
      writeFileAtomic(join(files.pending, runId), '', { durable: true });
    },
    clear(runId: string) {
      rmSync(join(files.pending, runId), { force: true });
      fsyncFolder(files.pending);
    },
    list: () => {
      removeAbandonedTemps(files.pending);
      return readdirSync(files.pending).filter((n) => !n.includes(TEMP_MARK));
    },
  };

  /** Delivers journaled runs a dead or stopped agent left behind; must hold the run lock. */
  const redeliver = async () => {
    for (const runId of journal.list()) {
      const runDir = join(settings.outDir, runId);
      if (!existsSync(join(runDir, RUN_FILES.result))) {
        log('warn', 'run.incomplete', { runId, reason: 'the run was interrupted before its result was written; nothing to deliver' });
        journal.clear(runId);
        continue;
      }
      try {
        const delivery = await deps.deliver(runDir);
        journal.clear(runId);
        log('info', 'run.redelivered', { runId, ...delivery });
      } catch (err) {
        log('error', 'delivery.failed', { runId, error: message(err), retry: 'before the next run' });
      }
    }
  };

  const runOnce = async () => {
    const attempt = tryRunLock(files.lock, deps.lock);
    if ('busy' in attempt) {
      const reason = attempt.busy
        ? `another run holds the lock (pid ${attempt.busy.pid} on ${attempt.busy.host} since ${attempt.busy.since})`
        : 'the run lock is contended';
      log('warn', 'run.skipped', { reason });
      update({ lastSkip: { at: clock.now().toISOString(), reason } });
      return;
    }
    try {
      await redeliver();
      const started = clock.now();
      const runId = deps.newRunId(started);
      journal.add(runId);
      update({ state: 'running', currentRun: { runId, startedAt: started.toISOString() } }, ['nextRunAt']);
      log('info', 'run.start', { runId });
      const record = await scanWithBounds(runId, started);
      update({ state: 'waiting', lastRun: record }, ['currentRun']);
      log(record.outcome === 'completed' ? 'info' : 'warn', 'run.end', record);
    } finally {
      attempt.held.release();
    }
  };

  const scanWithBounds = async (runId: string, started: Date): Promise<z.infer<typeof RunRecord>> => {
    const abort = new AbortController();
    const finished = new AbortController();
    // On stop: a grace period, then the scan is aborted (its sockets close as on a spent budget).
    const onStop = () => {
      log('info', 'agent.stopping', { runId, graceSeconds: schedule.stopGraceSeconds });
      void clock.sleep(schedule.stopGraceSeconds * 1000, finished.signal).then(() => {
        if (!finished.signal.aborted) abort.abort(new Error('the agent is stopping'));
      });
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    // A maintenance window opening during the scan ends it.
    const windowOpens = nextBlackoutStart(started, new Date(started.getTime() + 7 * 86_400_000), schedule.blackout, schedule.timeZone);
    if (windowOpens) {
      void clock.sleep(windowOpens.getTime() - started.getTime(), finished.signal).then(() => {
        if (!finished.signal.aborted) abort.abort(new Error(`a maintenance window opened at ${windowOpens.toISOString()}`));
      });
    }
    const base = { runId, startedAt: started.toISOString() };
    try {
      const summary = await deps.scan(runId, abort.signal);
      let delivery: DeliverySummary | undefined;
      try {
        delivery = await deps.deliver(summary.runDir);
        journal.clear(runId);
      } catch (err) {
        log('error', 'delivery.failed', { runId, error: message(err), retry: 'before the next run' });
        delivery = { lastError: message(err) };
      }
      return { ...base, finishedAt: clock.now().toISOString(), outcome: 'completed', devices: summary.devices, gaps: summary.gaps, delivery };
    } catch (err) {
      // Nothing was written, or the journal lets the next run find what was.
      if (!existsSync(join(settings.outDir, runId, RUN_FILES.result))) journal.clear(runId);
      const aborted = abort.signal.aborted;
      return {
        ...base,
        finishedAt: clock.now().toISOString(),
        outcome: aborted ? 'aborted' : 'failed',
        reason: aborted ? message(abort.signal.reason) : message(err),
      };
    } finally {
      finished.abort();
      stop.removeEventListener('abort', onStop);
    }
  };

  try {
    // Runs a crashed agent left undelivered go out now, unless another agent is at work (it will).
    const startup = tryRunLock(files.lock, deps.lock);
    if ('held' in startup) {
      try {
        await redeliver();
      } finally {
        startup.held.release();
      }
    }
    let previousSlot: Date | undefined;
    while (!stop.aborted) {
      const now = clock.now();
      if (settings.once) {
        const window = blackoutAt(now, schedule.blackout, schedule.timeZone);
        if (window) {
          const reason = `inside a maintenance window until ${window.end.toISOString()}`;
          log('warn', 'run.skipped', { reason });
          update({ lastSkip: { at: now.toISOString(), reason } });
        } else await runOnce();
        break;
      }
      const next = planNextStart(schedule, now, previousSlot, deps.random);
      if (!next) {
        log('error', 'schedule.exhausted', { reason: 'the schedule has no further start' });
        break;
      }
      update({ state: 'waiting', nextRunAt: next.at.toISOString() });
      log('info', 'run.planned', {
        at: next.at.toISOString(),
        slot: next.slot.toISOString(),
        ...(next.deferredFrom ? { deferredBy: `maintenance window ${next.deferredFrom.start.toISOString()} - ${next.deferredFrom.end.toISOString()}` } : {}),
      });
      await clock.sleep(next.at.getTime() - now.getTime(), stop);
      if (stop.aborted) break;
      previousSlot = next.slot;
      await runOnce();
    }
  } finally {
    update({ state: 'stopped' }, ['nextRunAt', 'currentRun']);
    log('info', 'agent.stop', { reason: stop.aborted ? 'signal' : settings.once ? 'once' : 'schedule ended' });
  }
}

function readStatus(file: string): AgentStatus | undefined {
  try {
    return AgentStatus.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pkg from '../package.json' with { type: 'json' };
import type { Result } from '../report/result.ts';
import type { RegisteredProbe } from '../probes/registry.ts';
import { type CollectDeps, collect } from './collect.ts';
import type { Config } from './config.ts';
import { type Judge, judgeRun, type RunFacts } from './judge.ts';
import { writeRunDir } from './rundir.ts';
import { planTargets, zoneCidrs } from './targets.ts';

export const AGENT_VERSION: string = pkg.version;

export interface ScanRequest {
  readonly config: Config;
  /** Parent folder; the run gets its own sub-folder named by its run id. */
  readonly outDir: string;
  readonly probes: readonly RegisteredProbe[];
  readonly judge: Judge;
  readonly now?: () => Date;
  readonly runId?: string;
  readonly agentId?: string;
  readonly onProgress?: CollectDeps['onProgress'];
}

export interface ScanOutcome {
  readonly result: Result;
  readonly runDir: string;
}

export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** Plan, collect, judge, and write the run directory. */
export async function runScan(req: ScanRequest): Promise<ScanOutcome> {
  const now = req.now ?? (() => new Date());
  const started = now();
  const runId = req.runId ?? newRunId(started);
  const targets = planTargets(req.config);
  const collected = await collect(targets, req.config, { probes: req.probes, now, ...(req.onProgress ? { onProgress: req.onProgress } : {}) });
  const run: RunFacts = {
    runId,
    agent: { id: req.agentId ?? hostname(), version: AGENT_VERSION },
    collectedAt: started.toISOString(),
    finishedAt: now().toISOString(),
    zone: { name: req.config.zone.name, slT: req.config.zone.slT, cidrs: zoneCidrs(req.config) },
    addressesPlanned: targets.length,
    targets: Object.fromEntries(targets.map((t) => [t.address, t.name === undefined ? { role: t.role } : { role: t.role, name: t.name }])),
    observations: collected.observations,
  };
  const result = judgeRun(run, req.judge);
  const runDir = join(req.outDir, runId);
  writeRunDir(runDir, run, collected.silent, collected.transcripts, result);
  return { result, runDir };
}

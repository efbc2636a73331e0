import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import type { Result } from '../../report/result.ts';
import type { ProbeDefinition } from '../../probes/types.ts';
import { type CollectDeps, collect } from './collect.ts';
import type { Config } from '../config/config.ts';
import { loadCredentials } from './credentials.ts';
import { type Judge, judgeRun, type RunFacts } from '../judge/judge.ts';
import { RUN_FILES, runTarget, writeRunDir, writeTranscript } from '../run-dir/rundir.ts';
import type { LoadedStatements } from '../judge/statements.ts';
import type { LoadedStore } from '../advisories/store.ts';
import { findPreviousResult, type WrittenReports, writeReports } from '../run-dir/run-reports.ts';
import { planTargets, zoneCidrs } from './targets.ts';
import type { ReachabilityFacts, ReachabilityView } from '../../profiles/zone-model.ts';
import { checkReachability, planPairs, planReachability, worstCaseMs } from './reachability.ts';

export const AGENT_VERSION: string = pkg.version;

export interface ScanRequest {
  readonly config: Config;
  /** Parent folder; the run gets its own sub-folder named by its run id. */
  readonly outDir: string;
  readonly probes: readonly ProbeDefinition[];
  readonly judge: Judge;
  readonly now?: () => Date;
  readonly runId?: string;
  readonly agentId?: string;
  readonly onProgress?: CollectDeps['onProgress'];
  /** Attestations and exceptions weighed by the judge (the same files give `evaluate` the same result). */
  readonly statements?: LoadedStatements;
  /** Advisory store every device's identity is matched against at the end of the scan. */
  readonly advisories?: LoadedStore;
  /** Aborts the scan: probing stops, sockets close, and nothing is written (a cut-short run is no result). */
  readonly signal?: AbortSignal;
  /** The console's destinations, conduits and ranges for the zone-boundary check (config `reachability.fromConsole`), or why they could not be fetched. */
  readonly reachability?: ReachabilityView | string;
}

/** The scan was aborted through `ScanRequest.signal`; the reason is the signal's. */
export class ScanAborted extends Error {
  override name = 'ScanAborted';
}

export interface ScanOutcome {
  readonly result: Result;
  readonly runDir: string;
  /** Report files written beside result.json, and the drift against the previous run of the zone in `outDir`. */
  readonly reports: WrittenReports;
}

export function newRunId(at: Date): string {
  return `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** The zone-boundary check, after the zone's own devices, when the config opts in; its connect/close notes go beside the devices' transcripts. */
async function checkBoundary(req: ScanRequest, spool: string): Promise<ReachabilityFacts | undefined> {
  const plan = planReachability(req.config, req.reachability);
  if (!plan) return undefined;
  req.onProgress?.({ type: 'boundary-check', paths: planPairs(plan), addresses: plan.destinations.length, worstCaseMs: worstCaseMs(plan) });
  const checked = await checkReachability(plan, req.config, req.signal);
  for (const [host, entries] of checked.transcripts) writeTranscript(spool, `reachability-${host}`, entries);
  return checked.facts;
}

/** Plan, collect, judge, and write the run directory. */
export async function runScan(req: ScanRequest): Promise<ScanOutcome> {
  const now = req.now ?? (() => new Date());
  const started = now();
  const runId = req.runId ?? newRunId(started);
  const targets = planTargets(req.config);
  // Secrets are read before the first packet: a missing key file is a config error, not a failed probe.
  const credentials = await loadCredentials(req.config);
  // Transcripts go to disk as each device finishes, in a hidden staging folder renamed to the run
  // directory once complete: a large scan does not hold every transcript to the end, and readers never see half a run.
  const staging = join(req.outDir, `.${runId}.partial`);
  const spool = join(staging, RUN_FILES.transcripts);
  // A staging folder left by a crashed run of the same id holds stale transcripts: start clean.
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(spool, { recursive: true });
  let collected: Awaited<ReturnType<typeof collect>>;
  let reachability: ReachabilityFacts | undefined;
  try {
    collected = await collect(targets, req.config, {
      credentials,
      probes: req.probes,
      now,
      spoolTranscript: (address, entries) => writeTranscript(spool, address, entries),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    reachability = await checkBoundary(req, spool);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  if (req.signal?.aborted) {
    rmSync(staging, { recursive: true, force: true });
    throw new ScanAborted(
      `scan ${runId} aborted (${String(req.signal.reason instanceof Error ? req.signal.reason.message : req.signal.reason)}); nothing written`,
    );
  }
  const run: RunFacts = {
    runId,
    agent: { id: req.agentId ?? hostname(), version: AGENT_VERSION },
    collectedAt: started.toISOString(),
    finishedAt: now().toISOString(),
    zone: { name: req.config.zone.name, slT: req.config.zone.slT, cidrs: zoneCidrs(req.config) },
    addressesPlanned: targets.length,
    targets: Object.fromEntries(targets.map((t) => [t.address, runTarget(t)])),
    observations: collected.observations,
    ...(reachability ? { reachability } : {}),
  };
  const result = judgeRun(run, req.judge, {
    ...(req.statements ? { statements: req.statements } : {}),
    ...(req.advisories ? { advisories: req.advisories } : {}),
  });
  const runDir = join(req.outDir, runId);
  writeRunDir(staging, run, collected.silent, collected.transcripts, result);
  renameSync(staging, runDir);
  const reports = writeReports(runDir, result, findPreviousResult(req.outDir, result));
  return { result, runDir, reports };
}

import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { PROBES } from '../../probes/registry.ts';
import { type AgentDeps, realClock, runAgent } from '../schedule/agent-loop.ts';
import { type Config, loadConfigFile } from '../config/config.ts';
import type { DeliveryOptions } from '../delivery/deliver.ts';
import { reachabilityFromConsole } from '../schedule/reachability-fetch.ts';
import { fetchConsoleStatements } from '../schedule/statements-fetch.ts';
import type { LoadedStatements } from '../judge/statements.ts';
import type { Catalog } from '../../profiles/catalog.ts';
import { deliverRun, describeFlush } from '../delivery/deliver.ts';
import { JUDGE_OPTIONS, judgeFromArgs } from '../judge/judge-options.ts';
import { type AgentLog, jsonLineLog, logSink } from '../schedule/json-log.ts';
import { UsageError } from '../output.ts';
import { writeSignedRunReports } from '../run-dir/run-reports.ts';
import { AGENT_VERSION, newRunId, runScan } from '../scan/run-scan.ts';
import { ScheduleConfig } from '../schedule/schedule.ts';
import { deliveryOptions, SIGNING_OPTIONS } from './delivery-options.ts';
import { defineCommand } from './define.ts';

/**
 * Before each run: the zone's approved answers from the console's gap analysis, when the config
 * names the console and no statement file is given here (a file given here wins). The run goes on
 * without them when they cannot be fetched, and says why.
 */
async function consoleStatements(
  config: Config,
  delivery: DeliveryOptions,
  dir: string,
  catalog: Catalog,
  log: AgentLog,
): Promise<LoadedStatements | undefined> {
  if (!delivery.upload) return undefined;
  const fetched = await fetchConsoleStatements(delivery.upload.target, config.zone.name, dir, catalog);
  if (typeof fetched === 'string') log('warn', 'statements.fetch', { reason: fetched });
  else if (fetched)
    log('info', 'statements.fetch', {
      attestations: fetched.attestations?.entries.length ?? 0,
      exceptions: fetched.exceptions?.entries.length ?? 0,
      sha256: [fetched.attestations?.sha256, fetched.exceptions?.sha256].join(' '),
    });
  return typeof fetched === 'string' ? undefined : fetched;
}

export const agentCommand = defineCommand({
  command: 'agent',
  describe: "scan on the config's schedule (interval or cron, jitter, maintenance windows), one run at a time; sign, upload or spool each run",
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'zone config (YAML) with a schedule section' })
      .option('out', {
        type: 'string',
        default: 'runs',
        describe: 'parent folder of run directories (the agent keeps its lock, status and journal in OUT/.agent)',
      })
      .option('once', {
        type: 'boolean',
        default: false,
        describe: 'one scan now (skipped inside a maintenance window), then exit: for a systemd timer or Task Scheduler',
      })
      .option('log', { type: 'string', describe: 'append JSON-line logs to this file (default: stderr)' })
      .option('status', { type: 'string', describe: 'last-run status file (default: OUT/.agent/status.json)' })
      .options(SIGNING_OPTIONS)
      .options(JUDGE_OPTIONS),
  handler: async (a) => {
    const config = loadConfigFile(a.config);
    if (!config.schedule && !a.once)
      throw new UsageError(`${a.config}: schedule: no schedule section (e.g. schedule: { every: 6h } or { cron: "30 2 * * *" }); or run one scan with --once`);
    // --once needs no interval of its own; only the windows and the stop grace of a schedule apply.
    const schedule = config.schedule ?? ScheduleConfig.parse({ every: '1d' });
    if (config.upload && (a.key ?? config.signing?.keyFile) === undefined)
      throw new UsageError(`${a.config}: upload: the console takes only signed results; give signing.keyFile (or --key FILE)`);
    // Keys, tokens and statement files are read now: a wrong path is exit 2 before any packet.
    const delivery = deliveryOptions({ key: a.key, upload: config.upload !== undefined }, config);
    const store = a.advisories ?? config.advisories?.store;
    const { judge, inputs } = judgeFromArgs({ ...a, advisories: store });
    mkdirSync(a.out, { recursive: true });
    if (a.status) mkdirSync(dirname(a.status), { recursive: true });
    const log = jsonLineLog(logSink(a.log));
    const agentId = config.signing?.agentId ?? hostname();
    // The HTML report of a run scanned by this process is re-rendered once signed.
    // Runs this process scanned; a run redelivered after a restart keeps the reports it has.
    const fresh = new Set<string>();
    const deps: AgentDeps = {
      clock: realClock,
      random: Math.random,
      log,
      newRunId,
      scan: async (runId, signal) => {
        const reachability = await reachabilityFromConsole(config, delivery);
        if (typeof reachability === 'string') log('warn', 'reachability.fetch', { reason: reachability });
        const local = inputs.statements?.attestations || inputs.statements?.exceptions ? inputs.statements : undefined;
        const statements = local ?? (await consoleStatements(config, delivery, join(a.out, '.agent'), judge.profile.catalog, log));
        const { result, runDir } = await runScan({
          config,
          outDir: a.out,
          probes: PROBES,
          judge,
          runId,
          agentId,
          signal,
          ...(reachability === undefined ? {} : { reachability }),
          ...(statements ? { statements } : {}),
          ...(inputs.advisories ? { advisories: inputs.advisories } : {}),
        });
        fresh.add(runDir);
        return { runDir, devices: result.devices.length, gaps: result.summary.gaps };
      },
      deliver: async (runDir) => {
        const delivered = await deliverRun(runDir, delivery, { log: (line) => log('info', 'delivery.progress', { runDir, detail: line }) });
        const scanned = fresh.delete(runDir);
        if (delivered.signedFile && scanned) writeSignedRunReports(runDir, delivered.signedFile);
        const upload = delivered.upload;
        if (upload && delivery.upload)
          log(upload.spool.pending > 0 ? 'warn' : 'info', 'delivery.upload', { runDir, summary: describeFlush(upload, delivery.upload.spoolDir) });
        return {
          ...(delivered.signedFile ? { signedFile: delivered.signedFile } : {}),
          ...(upload
            ? {
                delivered: upload.acknowledged.length,
                pending: upload.spool.pending,
                rejected: upload.spool.rejected,
                ...(upload.lastError ? { lastError: upload.lastError } : {}),
              }
            : {}),
        };
      },
    };
    const stop = new AbortController();
    // The first SIGTERM/SIGINT stops cleanly (a running scan gets stopGraceSeconds); a second one kills.
    const onSignal = (signal: NodeJS.Signals) => {
      log('info', 'agent.signal', { signal });
      stop.abort(new Error(`${signal} received`));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      await runAgent(
        { schedule, outDir: a.out, agentId, version: AGENT_VERSION, once: a.once, ...(a.status ? { statusFile: a.status } : {}) },
        deps,
        stop.signal,
      );
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
});

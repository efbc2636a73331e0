import { PROBES } from '../../probes/registry.ts';
import type { Config } from '../config/config.ts';
import { loadConfigFile } from '../config/config.ts';
import { JUDGE_OPTIONS, judgeFromArgs } from '../judge/judge-options.ts';
import { readableByOthersWarning } from '../config/file-mode.ts';
import { planScan, renderPlan } from '../scan/plan.ts';
import { emitResult, OUTPUT_OPTIONS, type OutputOptions, outputOptions, progressPrinter } from '../output.ts';
import { writeSignedRunReports } from '../run-dir/run-reports.ts';
import { runScan } from '../scan/run-scan.ts';
import { reachabilityFromConsole } from '../schedule/reachability-fetch.ts';
import { deliverRun, type DeliveryOptions } from '../delivery/deliver.ts';
import { deliveryOptions, progressLog, reportDelivery, SIGNING_OPTIONS, UPLOAD_OPTIONS } from './delivery-options.ts';
import { defineCommand } from './define.ts';

/** Scans with a loaded config and prints the result; shared by `scan` and `demo`. */
export async function scanAndReport(
  config: Config,
  out: string,
  output: OutputOptions,
  delivery: DeliveryOptions,
  judged: ReturnType<typeof judgeFromArgs>,
): Promise<number> {
  const onProgress = progressPrinter(output);
  const { statements, advisories } = judged.inputs;
  const reachability = await reachabilityFromConsole(config, delivery);
  const {
    result,
    runDir,
    reports: written,
  } = await runScan({
    config,
    outDir: out,
    probes: PROBES,
    judge: judged.judge,
    ...(config.signing?.agentId ? { agentId: config.signing.agentId } : {}),
    ...(statements ? { statements } : {}),
    ...(advisories ? { advisories } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(reachability === undefined ? {} : { reachability }),
  });
  const log = progressLog(output);
  const delivered = await deliverRun(runDir, delivery, log ? { log } : {});
  const reports = delivered.signedFile ? writeSignedRunReports(runDir, delivered.signedFile) : written;
  reportDelivery(delivered, delivery);
  return emitResult(result, output, { runDir, reports });
}

export const scanCommand = defineCommand({
  command: 'scan',
  describe: 'scan the targets of a zone config and write a run directory',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'zone config (YAML)' })
      .option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' })
      .option('plan', { type: 'boolean', default: false, describe: 'print every connection and request kind per device, send nothing' })
      .options(SIGNING_OPTIONS)
      .options(UPLOAD_OPTIONS)
      .options(JUDGE_OPTIONS)
      .options(OUTPUT_OPTIONS),
  handler: async (a) => {
    const config = loadConfigFile(a.config);
    const holdsSecrets = config.probes.snmp.communities.length > 0 || config.probes.snmp.v3 !== undefined;
    const modeWarning = holdsSecrets ? readableByOthersWarning(a.config, 'a config with SNMP communities or keys') : undefined;
    if (modeWarning) process.stderr.write(`${modeWarning}\n`);
    if (a.plan) {
      const plan = planScan(config, PROBES);
      process.stdout.write(a.format === 'json' ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
      return;
    }
    // Statement files are validated with the config, before any packet is sent.
    const store = a.advisories ?? config.advisories?.store;
    const judged = judgeFromArgs({ ...a, advisories: store });
    process.exitCode = await scanAndReport(config, a.out, outputOptions(a), deliveryOptions(a, config), judged);
  },
});

import type { CommandModule } from 'yargs';
import { PROBES } from '../../probes/registry.ts';
import type { Config } from '../config.ts';
import { loadConfigFile } from '../config.ts';
import { loadJudge } from '../judge-loader.ts';
import { emitResult, OUTPUT_OPTIONS, type OutputOptions, outputOptions, progressPrinter } from '../output.ts';
import { runScan } from '../run-scan.ts';

/** Scans with a loaded config and prints the result; shared by `scan` and `demo`. */
export async function scanAndReport(config: Config, out: string, output: OutputOptions): Promise<number> {
  const onProgress = progressPrinter(output);
  const { result, runDir } = await runScan({ config, outDir: out, probes: PROBES, judge: loadJudge(), ...(onProgress ? { onProgress } : {}) });
  return emitResult(result, output, runDir);
}

export const scanCommand: CommandModule = {
  command: 'scan',
  describe: 'scan the targets of a zone config and write a run directory',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'zone config (YAML)' })
      .option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' })
      .options(OUTPUT_OPTIONS),
  handler: async (argv) => {
    const a = argv as unknown as { config: string; out: string; format: 'text' | 'json'; quiet: boolean; color?: boolean };
    process.exitCode = await scanAndReport(loadConfigFile(a.config), a.out, outputOptions(a));
  },
};

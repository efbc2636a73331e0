import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../report/result.ts';
import { renderSummary } from '../report/terminal.ts';
import type { ProgressEvent } from './collect.ts';
import { ConfigError, loadConfigFile, parseConfigText } from './config.ts';
import { judgeRun } from './judge.ts';
import { loadJudge, loadProbes } from './registry.ts';
import { readRunDir, RunDirError, serializeResult } from './rundir.ts';
import { runScan } from './run-scan.ts';

export const EXIT = { ok: 0, gaps: 1, usage: 2, nothing: 3 } as const;

export interface OutputOptions {
  readonly format: 'text' | 'json';
  readonly quiet: boolean;
  readonly color: boolean;
}

export type CliRequest =
  | { readonly command: 'scan'; readonly config: string; readonly out: string; readonly output: OutputOptions }
  | { readonly command: 'demo'; readonly out: string; readonly output: OutputOptions }
  | { readonly command: 'evaluate'; readonly run: string; readonly output: OutputOptions };

function progressPrinter(output: OutputOptions): ((e: ProgressEvent) => void) | undefined {
  if (output.quiet) return undefined;
  return (e) => {
    const line =
      e.type === 'device-start'
        ? undefined
        : e.type === 'discovered'
          ? e.open.length > 0
            ? `${e.address}: open TCP ${e.open.join(', ')}`
            : undefined
          : e.type === 'probe'
            ? `${e.address}: probing ${e.probe} on ${e.port}`
            : e.found
              ? `${e.address}: done`
              : undefined;
    if (line) process.stderr.write(`${line}\n`);
  };
}

function emit(result: Result, output: OutputOptions, runDir: string | undefined): number {
  if (output.format === 'json') process.stdout.write(serializeResult(result));
  else {
    process.stdout.write(renderSummary(result, { color: output.color, topGaps: 10 }));
    if (runDir) process.stdout.write(`\nRun directory: ${runDir}\n`);
  }
  if (result.devices.length === 0) return EXIT.nothing;
  return result.summary.gaps > 0 ? EXIT.gaps : EXIT.ok;
}

async function scanWith(configText: string | undefined, configFile: string, out: string, output: OutputOptions): Promise<number> {
  const config = configText === undefined ? loadConfigFile(configFile) : parseConfigText(configText, configFile);
  const onProgress = progressPrinter(output);
  const { result, runDir } = await runScan({ config, outDir: out, probes: loadProbes(), judge: loadJudge(), ...(onProgress ? { onProgress } : {}) });
  return emit(result, output, runDir);
}

async function demo(out: string, output: OutputOptions): Promise<number> {
  const { startDemoCell } = await import('../fixtures/cell.ts');
  if (!output.quiet) process.stderr.write('Starting the simulated cell on loopback (127.77.0.0/26)...\n');
  const cell = await startDemoCell();
  const dir = mkdtempSync(join(tmpdir(), 'cellcheck-demo-'));
  try {
    const file = join(dir, 'demo-cell.yaml');
    writeFileSync(file, cell.config);
    if (!output.quiet) process.stderr.write(`Demo config (${cell.devices.length} simulated devices):\n${cell.config}\n`);
    return await scanWith(undefined, file, out, output);
  } finally {
    await cell.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function evaluate(run: string, output: OutputOptions): number {
  const { run: facts } = readRunDir(run);
  return emit(judgeRun(facts, loadJudge()), output, undefined);
}

/** Runs one CLI command; every expected failure becomes a clear message and an exit code. */
export async function runCli(req: CliRequest): Promise<void> {
  try {
    process.exitCode =
      req.command === 'scan'
        ? await scanWith(undefined, req.config, req.out, req.output)
        : req.command === 'demo'
          ? await demo(req.out, req.output)
          : evaluate(req.run, req.output);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RunDirError) {
      process.stderr.write(`cellcheck: ${err.message}\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    throw err;
  }
}

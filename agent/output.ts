import type { Options } from 'yargs';
import type { Result } from '../report/result.ts';
import { renderSummary } from '../report/terminal.ts';
import { renderVulnerabilities } from '../report/vulnerabilities.ts';
import { renderDrift } from '../report/diff.ts';
import type { ProgressEvent } from './scan/collect.ts';
import { isLiveTerminal, progressReporter } from './scan/progress.ts';
import type { WrittenReports } from './run-dir/run-reports.ts';
import { resultPieces } from './run-dir/rundir.ts';
import { UserError } from '../profiles/user-error.ts';

export const EXIT = { ok: 0, gaps: 1, usage: 2, nothing: 3 } as const;

/** A failure the user can fix (bad config, bad run directory, bad file): printed, exit 2, no stack. */
export class UsageError extends UserError {
  override name = 'UsageError';
}

export interface OutputOptions {
  readonly format: 'text' | 'json';
  readonly quiet: boolean;
  readonly color: boolean;
}

/** Options shared by every command that prints a result. */
export const OUTPUT_OPTIONS = {
  format: { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: terminal summary; json: only the result document on stdout' },
  quiet: { type: 'boolean' as const, default: false, describe: 'no progress lines on stderr' },
  color: { type: 'boolean' as const, describe: 'colour the summary (default: on a terminal, unless NO_COLOR is set)' },
} satisfies Record<string, Options>;

export function outputOptions(argv: { format: 'text' | 'json'; quiet: boolean; color?: boolean | undefined }): OutputOptions {
  return { format: argv.format, quiet: argv.quiet, color: argv.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR) };
}

export function progressPrinter(output: OutputOptions): ((e: ProgressEvent) => void) | undefined {
  if (output.quiet) return undefined;
  const live = isLiveTerminal(process.stderr);
  return progressReporter(process.stderr, { live, color: live && output.color });
}

/** A scan's run directory, the report files written into it, and the drift against the previous run. */
export interface RunOutput {
  readonly runDir: string;
  readonly reports: WrittenReports;
}

/** Prints a result as asked and returns the exit code it stands for. */
export function emitResult(result: Result, output: OutputOptions, run?: RunOutput): number {
  // Piece by piece: a large zone's result (12 MB for 250 devices) is never one string plus its bytes in memory.
  if (output.format === 'json') for (const piece of resultPieces(result)) process.stdout.write(piece);
  else {
    process.stdout.write(renderSummary(result, { color: output.color, topGaps: 10 }));
    process.stdout.write(renderVulnerabilities(result, { color: output.color }));
    if (run?.reports.drift) process.stdout.write(`\n${renderDrift(run.reports.drift)}`);
    if (run) process.stdout.write(`\nRun directory: ${run.runDir}\nReports: ${Object.keys(run.reports.files).join(', ')}\n`);
  }
  if (result.devices.length === 0) return EXIT.nothing;
  // A path across the zone boundary that no conduit allows is a finding like a gap.
  return result.summary.gaps > 0 || (result.boundaryViolations?.length ?? 0) > 0 ? EXIT.gaps : EXIT.ok;
}

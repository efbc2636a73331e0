import type { Options } from 'yargs';
import type { Result } from '../report/result.ts';
import { renderSummary } from '../report/terminal.ts';
import type { ProgressEvent } from './collect.ts';
import { serializeResult } from './rundir.ts';

export const EXIT = { ok: 0, gaps: 1, usage: 2, nothing: 3 } as const;

/** A failure the user can fix (bad config, bad run directory, bad file): printed, exit 2, no stack. */
export class UsageError extends Error {
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
  return (e) => {
    let line: string | undefined;
    if (e.type === 'discovered' && e.open.length > 0) line = `${e.address}: open TCP ${e.open.join(', ')}`;
    else if (e.type === 'probe') line = `${e.address}: probing ${e.probe} on ${e.port}`;
    else if (e.type === 'device-done' && e.found) line = `${e.address}: done`;
    if (line) process.stderr.write(`${line}\n`);
  };
}

/** Prints a result as asked and returns the exit code it stands for. */
export function emitResult(result: Result, output: OutputOptions, runDir?: string): number {
  if (output.format === 'json') process.stdout.write(serializeResult(result));
  else {
    process.stdout.write(renderSummary(result, { color: output.color, topGaps: 10 }));
    if (runDir) process.stdout.write(`\nRun directory: ${runDir}\n`);
  }
  if (result.devices.length === 0) return EXIT.nothing;
  return result.summary.gaps > 0 ? EXIT.gaps : EXIT.ok;
}

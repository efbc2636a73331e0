import { diffResults, renderDrift } from '../../report/diff.ts';
import { readResult } from '../run-dir/rundir.ts';
import { defineCommand } from './define.ts';

/** Exit codes of `diff`: 0 not worse, 1 worse (2 stays a usage error, as for every command). */
const DIFF_EXIT = { same: 0, worse: 1 } as const;

export const diffCommand = defineCommand({
  command: 'diff <old> <new>',
  describe: 'what changed between two runs (run directories or result files); exit 1 when security got worse',
  builder: (y) =>
    y
      .positional('old', { type: 'string', demandOption: true, describe: 'earlier run directory or result.json' })
      .positional('new', { type: 'string', demandOption: true, describe: 'later run directory or result.json' })
      .option('format', {
        choices: ['text', 'json'] as const,
        default: 'text' as const,
        describe: 'text: changes as lines; json: only the drift document on stdout',
      }),
  handler: (a) => {
    const drift = diffResults(readResult(a.old), readResult(a.new));
    process.stdout.write(a.format === 'json' ? `${JSON.stringify(drift, null, 2)}\n` : renderDrift(drift));
    process.exitCode = drift.worse ? DIFF_EXIT.worse : DIFF_EXIT.same;
  },
});

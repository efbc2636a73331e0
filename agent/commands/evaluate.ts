import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../run-dir/atomic-file.ts';
import { judgeRun } from '../judge/judge.ts';
import { judgeFromArgs, REJUDGE_OPTIONS } from '../judge/judge-options.ts';
import { emitResult, OUTPUT_OPTIONS, outputOptions } from '../output.ts';
import { writeReports } from '../run-dir/run-reports.ts';
import { RUN_FILES, readRunDir, resultPieces } from '../run-dir/rundir.ts';
import { defineCommand } from './define.ts';

export const evaluateCommand = defineCommand({
  command: 'evaluate <run>',
  describe: 're-judge a past run directory offline with the current profiles (never touches a device); the same inputs give the same result.json',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'run directory' })
      .options(REJUDGE_OPTIONS)
      .option('out', {
        type: 'string',
        describe: 'also write the new result.json and its reports (HTML, CycloneDX, findings CSV) into this folder; the run directory is left as it is',
      })
      .options(OUTPUT_OPTIONS),
  handler: (a) => {
    const { judge, inputs } = judgeFromArgs(a);
    const result = judgeRun(readRunDir(a.run).run, judge, inputs);
    // Never into the run itself: its result.json may be signed, and a re-judged one is not.
    if (a.out !== undefined) {
      mkdirSync(a.out, { recursive: true });
      writeFileAtomic(join(a.out, RUN_FILES.result), resultPieces(result));
      writeReports(a.out, result, undefined);
    }
    process.exitCode = emitResult(result, outputOptions(a));
  },
});

import type { CommandModule } from 'yargs';
import { judgeRun } from '../judge.ts';
import { type JudgeArgs, judgeFromArgs, REJUDGE_OPTIONS } from '../judge-options.ts';
import { emitResult, OUTPUT_OPTIONS, outputOptions } from '../output.ts';
import { readRunDir } from '../rundir.ts';

export const evaluateCommand: CommandModule = {
  command: 'evaluate <run>',
  describe: 're-judge a past run directory offline with the current profiles (never touches a device); the same inputs give the same result.json',
  builder: (y) => y.positional('run', { type: 'string', demandOption: true, describe: 'run directory' }).options(REJUDGE_OPTIONS).options(OUTPUT_OPTIONS),
  handler: (argv) => {
    const a = argv as unknown as { run: string; format: 'text' | 'json'; quiet: boolean; color?: boolean } & JudgeArgs;
    const { judge, inputs } = judgeFromArgs(a);
    process.exitCode = emitResult(judgeRun(readRunDir(a.run).run, judge, inputs), outputOptions(a));
  },
};

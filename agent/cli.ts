#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT, type OutputOptions, runCli } from './commands.ts';

const output = {
  format: { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text: terminal summary; json: only the result document on stdout' },
  quiet: { type: 'boolean' as const, default: false, describe: 'no progress lines' },
  color: { type: 'boolean' as const, describe: 'colour the summary (default: when stdout is a terminal and NO_COLOR is unset)' },
};

function outputOptions(argv: { format: 'text' | 'json'; quiet: boolean; color?: boolean | undefined }): OutputOptions {
  const color = argv.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  return { format: argv.format, quiet: argv.quiet, color };
}

await yargs(hideBin(process.argv))
  .scriptName('cellcheck')
  .usage('$0 <command>\n\nRead-only IEC 62443-4-2 hardening checks for industrial control components.')
  .command(
    'scan',
    'scan the targets of a zone config and write a run directory',
    (y) =>
      y
        .option('config', { type: 'string', demandOption: true, describe: 'zone config (YAML)' })
        .option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' })
        .options(output),
    async (argv) => runCli({ command: 'scan', config: argv.config, out: argv.out, output: outputOptions(argv) }),
  )
  .command(
    'demo',
    'start the simulated cell on loopback, scan it with the built-in config, print the summary',
    (y) => y.option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' }).options(output),
    async (argv) => runCli({ command: 'demo', out: argv.out, output: outputOptions(argv) }),
  )
  .command(
    'evaluate <run>',
    're-judge a past run directory offline with the current profiles (never touches a device)',
    (y) => y.positional('run', { type: 'string', demandOption: true, describe: 'run directory' }).options(output),
    async (argv) => runCli({ command: 'evaluate', run: argv.run, output: outputOptions(argv) }),
  )
  .demandCommand(1, 'name a command: scan, demo or evaluate')
  .strict()
  .epilogue(
    `Exit codes: ${EXIT.ok} no gap, ${EXIT.gaps} gaps found, ${EXIT.usage} usage or config error, ${EXIT.nothing} nothing could be scanned.`,
  )
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`cellcheck: ${msg}\nRun 'cellcheck --help' for usage.\n`);
    process.exit(EXIT.usage);
  })
  .help()
  .version()
  .parseAsync();

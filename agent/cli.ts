#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { demoCommand } from './commands/demo.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { scanCommand } from './commands/scan.ts';
import { ConfigError } from './config.ts';
import { EXIT, UsageError } from './output.ts';
import { RunDirError } from './rundir.ts';

/** Every command, one module each (agent/commands/). */
const COMMANDS = [scanCommand, demoCommand, evaluateCommand];

/** Errors the user can act on: a clear message and exit 2, never a stack trace. */
const USER_ERRORS = [ConfigError, RunDirError, UsageError];

try {
  await yargs(hideBin(process.argv))
    .scriptName('cellcheck')
    .usage('$0 <command>\n\nRead-only IEC 62443-4-2 hardening checks for industrial control components.')
    .command(COMMANDS)
    .demandCommand(1, `name a command: ${COMMANDS.map((c) => String(c.command).split(' ')[0]).join(', ')}`)
    .strict()
    .epilogue(`Exit codes: ${EXIT.ok} no gap, ${EXIT.gaps} gaps found, ${EXIT.usage} usage or config error, ${EXIT.nothing} nothing could be scanned.`)
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`cellcheck: ${msg}\nRun 'cellcheck --help' for usage.\n`);
      process.exit(EXIT.usage);
    })
    .help()
    .version()
    .parseAsync();
} catch (err) {
  if (!USER_ERRORS.some((E) => err instanceof E)) throw err;
  process.stderr.write(`cellcheck: ${(err as Error).message}\n`);
  process.exitCode = EXIT.usage;
}

#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { attestCommand } from './commands/attest.ts';
import { demoCommand } from './commands/demo.ts';
import { diffCommand } from './commands/diff.ts';
import { evaluateCommand } from './commands/evaluate.ts';
import { explainCommand } from './commands/explain.ts';
import { scanCommand } from './commands/scan.ts';
import { consoleCommand } from './commands/console.ts';
import { keygenCommand } from './commands/keygen.ts';
import { uploadCommand } from './commands/upload.ts';
import { verifyCommand } from './commands/verify.ts';
import { UserError } from '../profiles/user-error.ts';
import { EXIT } from './output.ts';
import { advisoriesCommand } from './commands/advisories.ts';
import { agentCommand } from './commands/agent.ts';
import { AGENT_VERSION } from './scan/run-scan.ts';

/** Every command, one module each (agent/commands/). */
const COMMANDS = [
  scanCommand,
  demoCommand,
  evaluateCommand,
  diffCommand,
  explainCommand,
  attestCommand,
  keygenCommand,
  verifyCommand,
  uploadCommand,
  consoleCommand,
  advisoriesCommand,
  agentCommand,
];

// No top-level await: the single binary (scripts/build-binary.ts) is a CommonJS bundle.
async function main(): Promise<void> {
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
      // Explicit: in the single binary there is no package.json for yargs to find.
      .version(AGENT_VERSION)
      .parseAsync();
  } catch (err) {
    // An error the user can act on: a clear message and exit 2, never a stack trace.
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`cellcheck: ${(err as Error).message}\n`);
    process.exitCode = EXIT.usage;
  }
}

void main();

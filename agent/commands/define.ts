import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/**
 * A command whose handler takes the argument type its builder's options define (types, defaults,
 * choices, demandOption), so an option is declared once and no handler casts its arguments.
 */
export function defineCommand<U>(command: {
  readonly command: string;
  readonly describe: string;
  readonly builder: (y: Argv) => Argv<U>;
  readonly handler: (argv: ArgumentsCamelCase<U>) => void | Promise<void>;
}): CommandModule {
  // The one erasure: yargs hands the handler what this builder parsed, while a list of commands
  // (and `.command()`) is typed for no options at all.
  return command as unknown as CommandModule;
}

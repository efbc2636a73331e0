import type { Options } from 'yargs';
import type { Judge, JudgeInputs } from './judge.ts';
import { loadJudge } from './judge-loader.ts';
import { UsageError } from '../output.ts';
import { loadStatements } from './statements.ts';
import { loadStore } from '../advisories/store.ts';

/** Options of every command that judges (scan, demo, evaluate, explain, attest template). */
export const JUDGE_OPTIONS = {
  attestations: { type: 'string' as const, describe: 'attestation file (YAML; schema report/attestations.schema.json)' },
  exceptions: { type: 'string' as const, describe: 'compensating countermeasures file (YAML; schema report/exceptions.schema.json)' },
  catalog: { type: 'string' as const, describe: 'replace the bundled requirement catalog by a file of the same schema' },
  advisories: { type: 'string' as const, describe: 'advisory store (from `cellcheck advisories import`) to match device identities against' },
} satisfies Record<string, Options>;

/** Options of commands that re-judge a recorded run. */
export const REJUDGE_OPTIONS = {
  ...JUDGE_OPTIONS,
  at: { type: 'string' as const, describe: "judge expiries at this date or time (default: the run's collection time)" },
} satisfies Record<string, Options>;

export interface JudgeArgs {
  readonly attestations?: string | undefined;
  readonly exceptions?: string | undefined;
  readonly catalog?: string | undefined;
  readonly at?: string | undefined;
  readonly advisories?: string | undefined;
}

const AT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Loads the judge and the statement files named on the command line; a bad file is a user error. */
export function judgeFromArgs(a: JudgeArgs): { judge: Judge; inputs: JudgeInputs } {
  const judge = loadJudge(a.catalog);
  const statements = loadStatements({ attestations: a.attestations, exceptions: a.exceptions }, judge.profile.catalog);
  // One line for the blank entries of a template, rather than an error per field.
  for (const [file, list] of [
    [a.attestations, statements.attestations],
    [a.exceptions, statements.exceptions],
  ] as const) {
    if (list && list.blank > 0) process.stderr.write(`${file}: skipped ${list.blank} of ${list.blank + list.entries.length} entries, left blank\n`);
  }
  if (a.at !== undefined && (!AT.test(a.at) || Number.isNaN(Date.parse(a.at))))
    throw new UsageError(`--at: "${a.at}" is not a date (YYYY-MM-DD) or an ISO date-time`);
  const at = a.at === undefined ? undefined : new Date(a.at).toISOString();
  const advisories = a.advisories === undefined ? undefined : loadStore(a.advisories);
  return { judge, inputs: { statements, ...(at === undefined ? {} : { at }), ...(advisories ? { advisories } : {}) } };
}

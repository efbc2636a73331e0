import type { HostCommand } from './commands.ts';
import type { CommandRun } from './facts.ts';
import { HOST_PARSERS } from './parsers.ts';
import { clean } from './parse/text.ts';
import type { RawRun } from './session.ts';

const NOT_FOUND = /command not found|: not found|applet not found|No such file or directory.*\b(exec|execvp)\b/i;
const DENIED =
  /permission denied|must be root|may not view|operation not permitted|a password is required|not allowed to execute|access denied|are not allowed/i;
const MISSING_FILE = /No such file or directory/i;

/**
 * What a command's answer means, and its facts. Pure. The parser runs on whatever stdout came
 * back (commands like `cat a b` fail for one missing file yet print the others); only a command
 * that printed nothing is classified by its exit code and stderr.
 */
export function commandRun(cmd: HostCommand, sudo: boolean, raw: RawRun): CommandRun {
  const firstError = raw.stderr.split('\n').find((l) => l.trim() !== '');
  const base = {
    id: cmd.id,
    line: raw.line,
    sudo,
    durationMs: raw.durationMs,
    bytes: raw.stdout.length,
    truncated: raw.truncated,
    ...(raw.exitCode !== undefined ? { exitCode: raw.exitCode } : {}),
  };
  const withError = (status: CommandRun['status'], error: string | undefined): CommandRun => ({ ...base, status, ...(error ? { error: clean(error) } : {}) });
  if (raw.channelError !== undefined && !raw.timedOut) return withError('failed', raw.channelError);
  if (raw.timedOut && !raw.truncated) return withError('timeout', firstError);
  const text = raw.stdout.toString('utf8');
  const printed = text.trim() !== '';
  if (!printed) {
    if (raw.exitCode === 127 || NOT_FOUND.test(raw.stderr)) return withError('not-found', firstError);
    if (DENIED.test(raw.stderr)) return withError('denied', firstError);
    if (MISSING_FILE.test(raw.stderr)) return withError('empty', firstError);
    if (raw.exitCode !== 0) return withError('failed', firstError);
  }
  const parser = HOST_PARSERS[cmd.parser];
  if (!parser) return withError('failed', `no parser ${cmd.parser}`);
  const data = parser.parse({ text, truncated: raw.truncated });
  if (data === undefined) return withError(printed ? 'unrecognised' : 'empty', firstError);
  return { ...base, status: 'ok', data };
}

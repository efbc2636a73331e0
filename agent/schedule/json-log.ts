import { appendFileSync } from 'node:fs';

export type LogLevel = 'info' | 'warn' | 'error';

/** One structured event; fields never carry a secret (tokens and keys stay in the delivery code). */
export type AgentLog = (level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>) => void;

/**
 * JSON lines (`{"at","level","event",...}`), one per event, for journald, a SIEM or `jq`.
 * Each line is written whole and at once, so a crash never leaves half a line behind a full one.
 */
export function jsonLineLog(write: (line: string) => void, now: () => Date = () => new Date()): AgentLog {
  return (level, event, fields = {}) => write(`${JSON.stringify({ at: now().toISOString(), level, event, ...fields })}\n`);
}

/** Appends to a file (created with mode 0640), or writes to stderr when no file is given. */
export function logSink(file: string | undefined): (line: string) => void {
  if (file === undefined) return (line) => process.stderr.write(line);
  return (line) => appendFileSync(file, line, { mode: 0o640 });
}

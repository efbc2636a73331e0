/** A command's stdout as the parsers see it: decoded text, and whether the size limit cut it. */
export interface CommandOutput {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * Complete lines only: a line cut by the size limit is dropped so no parser reads half a value.
 * Carriage returns and NUL bytes from odd devices are removed.
 */
export function lines(out: CommandOutput): string[] {
  const all = out.text.replace(/\r/g, '').replace(/\0/g, '').split('\n');
  // The last piece is '' after a final newline, or a line the limit may have cut.
  const last = all.pop();
  if (last && !out.truncated) all.push(last);
  return all;
}

/** Lines without comments (`#` to end of line, or `;`-style when asked) and blank lines, trimmed. */
export function meaningful(out: CommandOutput, commentChars = '#'): string[] {
  const kept: string[] = [];
  for (const raw of lines(out)) {
    let line = raw;
    for (const c of commentChars) {
      const at = line.indexOf(c);
      if (at >= 0) line = line.slice(0, at);
    }
    line = line.trim();
    if (line !== '') kept.push(line);
  }
  return kept;
}

/** Text cut to `max` characters, printable characters only. */
export function clean(text: string, max = 200): string {
  return text.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?').slice(0, max);
}

/** `yes`/`no` style words of config files and systemd properties. */
export function yesNo(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (['yes', 'true', 'on', '1'].includes(v)) return true;
  if (['no', 'false', 'off', '0'].includes(v)) return false;
  return undefined;
}

/** Shell-style `KEY=value` / `KEY="value"` (os-release, systemd properties). */
export function assignment(line: string): [string, string] | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  let value = m[2];
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
  return [m[1], value];
}

/** A decimal integer, or undefined for anything else. */
export function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,12}$/.test(value.trim())) return undefined;
  return Number.parseInt(value.trim(), 10);
}

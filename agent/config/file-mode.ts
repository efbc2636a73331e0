import { statSync } from 'node:fs';

/**
 * A warning when a file holding secrets (a config with communities or keys, a key file) can be
 * read by users other than its owner and group; undefined when it cannot, or on Windows-like
 * file systems without POSIX modes.
 */
export function readableByOthersWarning(file: string, what: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o004) === 0) return undefined;
  return `warning: ${file}: ${what} is readable by every user on this machine (mode ${(mode & 0o777).toString(8)}); chmod o-r ${file}`;
}

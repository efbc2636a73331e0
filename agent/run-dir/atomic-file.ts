import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Marks a file being written, never a finished one; the writer's pid follows it in the name. */
export const TEMP_MARK = '.tmp-';

export interface AtomicWriteOptions {
  readonly mode?: number;
  /** Survive power loss too: fsync the file before publishing it and the folder after. */
  readonly durable?: boolean;
  /** Fail with EEXIST instead of replacing an existing file. */
  readonly exclusive?: boolean;
}

/** Makes a rename or removal in a folder durable. */
export function fsyncFolder(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes to a temporary name in the same folder, then publishes it whole (rename, or link when
 * exclusive): a reader, or a restart after kill -9, never sees half a file. `data` may come in
 * pieces (an iterable of strings), written one by one.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>, options: AtomicWriteOptions = {}): void {
  const tmp = join(dirname(file), `${basename(file)}${TEMP_MARK}${process.pid}-${randomBytes(3).toString('hex')}`);
  const fd = openSync(tmp, 'wx', options.mode ?? 0o640);
  try {
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      // Pieces (a large result or report) are written as they come, never joined in memory.
      else for (const piece of data) writeSync(fd, piece);
      if (options.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) linkSync(tmp, file);
    else renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  if (options.durable) fsyncFolder(dirname(file));
}

/** Whether a process of this host still runs (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes temp files in `dir` whose writer died (kill -9 mid-write): they were never published, so nothing is lost. */
export function removeAbandonedTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const at = name.lastIndexOf(TEMP_MARK);
    const pid = Number(name.slice(at + TEMP_MARK.length).split('-')[0]);
    if (at > 0 && Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(join(dir, name), { force: true });
  }
}

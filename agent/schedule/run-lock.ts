import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { isAlive, writeFileAtomic } from '../run-dir/atomic-file.ts';
import { readUserFileIfPresent } from '../config/user-file.ts';

/** Who holds the run lock: written whole (atomic exclusive publish), so a reader never sees half of it. */
const LockHolder = z.object({ pid: z.number().int(), host: z.string(), since: z.string(), token: z.string() });
export type LockHolder = z.infer<typeof LockHolder>;

export interface HeldLock {
  readonly holder: LockHolder;
  /** Removes the lock file, only if it is still this holder's. */
  release(): void;
}

export type LockAttempt = { readonly held: HeldLock } | { readonly busy: LockHolder | undefined };

export interface LockDeps {
  readonly now?: () => Date;
  readonly pid?: number;
  readonly host?: string;
  /** Whether a pid of this host still runs. */
  readonly alive?: (pid: number) => boolean;
}

function readHolder(file: string): LockHolder | undefined | 'absent' {
  const text = readUserFileIfPresent(file, { what: 'the run lock' })?.toString('utf8');
  if (text === undefined) return 'absent';
  try {
    return LockHolder.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock that keeps two scans of one agent from running at once, across processes (a
 * long-running `cellcheck agent` and a timer-started `--once`). A lock left by a dead process of
 * this host (kill -9, power cut) is taken over; one held by a live process or another host is not.
 */
export function tryRunLock(file: string, deps: LockDeps = {}): LockAttempt {
  const alive = deps.alive ?? isAlive;
  const holder: LockHolder = {
    pid: deps.pid ?? process.pid,
    host: deps.host ?? hostname(),
    since: (deps.now?.() ?? new Date()).toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileAtomic(file, text, { exclusive: true, durable: true });
      return {
        held: {
          holder,
          release: () => {
            const current = readHolder(file);
            if (current !== 'absent' && current?.token === holder.token) rmSync(file, { force: true });
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = readHolder(file);
    if (current === 'absent') continue;
    // Our own writes are atomic: an unreadable lock file is not a writer still at work.
    const stale = current === undefined || (current.host === holder.host && !alive(current.pid));
    if (!stale) return { busy: current };
    // Move the stale file aside, then make sure it was the one judged stale: another process may
    // have taken it over in between, and its fresh lock goes back.
    const aside = `${file}.stale-${holder.token}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readHolder(aside);
    if (current !== undefined && (moved === 'absent' || moved?.token !== current.token)) {
      renameSync(aside, file);
      return { busy: moved === 'absent' ? undefined : moved };
    }
    rmSync(aside, { force: true });
  }
  return { busy: undefined };
}

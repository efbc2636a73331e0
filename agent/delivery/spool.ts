import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { SignedResultHeader } from '../../report/sign.ts';
import { fsyncFolder, removeAbandonedTemps, writeFileAtomic } from '../run-dir/atomic-file.ts';
import { UserError } from '../../profiles/user-error.ts';

/** A spooled signed result waiting for the console's acknowledgement. */
export interface SpoolEntry {
  readonly name: string;
  /** The run id as it stands in the file name (characters unsafe in names replaced). */
  readonly runId: string;
  readonly bytes: number;
}

export interface SpoolStatus {
  readonly pending: number;
  readonly pendingBytes: number;
  /** Refused by the console for good; kept in rejected/ with the reason, never deleted. */
  readonly rejected: number;
}

export class SpoolError extends UserError {
  override name = 'SpoolError';
}

const ENTRY = /^(\d{8}T\d{6}(?:\d{3})?Z)_(.+)\.jws\.json$/;
const REJECTED = 'rejected';

/**
 * The outbox of signed results. An entry is published by an atomic durable rename, named by
 * collection time so the oldest goes first, and removed only after the console acknowledged it.
 */
export class Spool {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    try {
      mkdirSync(join(dir, REJECTED), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new SpoolError(`${dir}: cannot use as spool folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // A temp file of a dead writer was never published: its content still sits in the run directory.
    removeAbandonedTemps(dir);
  }

  /** Spools a signed result (idempotent per run id: an entry already waiting is kept as it is). */
  put(signedText: string): SpoolEntry {
    let header: SignedResultHeader;
    try {
      header = SignedResultHeader.parse(decodeProtectedHeader(JSON.parse(signedText) as { protected: string }));
    } catch {
      throw new SpoolError('not a signed cellcheck result; nothing spooled');
    }
    const runId = header.runId.replace(/[^0-9A-Za-z._-]/g, '_');
    const waiting = this.entries().find((e) => e.runId === runId);
    if (waiting) return waiting;
    const at = new Date(header.collectedAt);
    const stamp = Number.isNaN(at.getTime()) ? '00000000T000000Z' : at.toISOString().replace(/[-:]/g, '').replace('.', '');
    const name = `${stamp}_${runId}.jws.json`;
    writeFileAtomic(join(this.dir, name), signedText, { mode: 0o600, durable: true });
    return { name, runId, bytes: Buffer.byteLength(signedText) };
  }

  /** Waiting entries, oldest collection first. */
  entries(): SpoolEntry[] {
    return readdirSync(this.dir)
      .filter((n) => ENTRY.test(n))
      .sort()
      .map((name) => ({ name, runId: ENTRY.exec(name)?.[2] ?? name, bytes: statSync(join(this.dir, name)).size }));
  }

  read(entry: SpoolEntry): string {
    return readFileSync(join(this.dir, entry.name), 'utf8');
  }

  /** The console has the result: only now is the entry removed. */
  acknowledge(entry: SpoolEntry): void {
    rmSync(join(this.dir, entry.name), { force: true });
    fsyncFolder(this.dir);
  }

  /** The console refused it for good: moved aside with the reason, never deleted. */
  reject(entry: SpoolEntry, reason: string): void {
    writeFileAtomic(join(this.dir, REJECTED, `${entry.name}.reason.txt`), `${reason}\n`, { durable: true });
    renameSync(join(this.dir, entry.name), join(this.dir, REJECTED, entry.name));
    fsyncFolder(this.dir);
  }

  status(): SpoolStatus {
    const pending = this.entries();
    const rejected = readdirSync(join(this.dir, REJECTED)).filter((n) => ENTRY.test(n)).length;
    return { pending: pending.length, pendingBytes: pending.reduce((n, e) => n + e.bytes, 0), rejected };
  }
}

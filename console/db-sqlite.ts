import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { type Sql, type SqlDb, type SqlRow, type SqlValue, StoreError } from './db.ts';

/**
 * SQLite through node:sqlite (no native addon). One connection; every statement and transaction
 * is queued, so an async transaction never interleaves with another request's statements.
 */
class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite';
  readonly location: string;
  private readonly db: DatabaseSync;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly direct: Sql;

  constructor(db: DatabaseSync, location: string) {
    this.db = db;
    this.location = location;
    const args = (a: readonly SqlValue[] | undefined) => (a ?? []) as SQLInputValue[];
    this.direct = {
      all: async (sql, a) => this.db.prepare(sql).all(...args(a)) as SqlRow[],
      get: async (sql, a) => this.db.prepare(sql).get(...args(a)) as SqlRow | undefined,
      run: async (sql, a) => Number(this.db.prepare(sql).run(...args(a)).changes),
    };
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }

  all(sql: string, args?: readonly SqlValue[]) {
    return this.serial(() => this.direct.all(sql, args));
  }
  get(sql: string, args?: readonly SqlValue[]) {
    return this.serial(() => this.direct.get(sql, args));
  }
  run(sql: string, args?: readonly SqlValue[]) {
    return this.serial(() => this.direct.run(sql, args));
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      // IMMEDIATE takes the write lock up front, so another process's writer waits (busy_timeout) instead of failing mid-way.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await work(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  exclusive<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.transaction(work);
  }

  async close(): Promise<void> {
    await this.tail;
    if (this.db.isOpen) this.db.close();
  }
}

export function openSqlite(file: string): SqlDb {
  try {
    const db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    return new SqliteDb(db, file);
  } catch (err) {
    throw new StoreError(`${file}: cannot open as the console database: ${(err as Error).message}`);
  }
}

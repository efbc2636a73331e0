import { UserError } from '../profiles/user-error.ts';

/**
 * The one SQL surface the console store is written against. SQL is written once, with `?`
 * placeholders and only what SQLite and PostgreSQL both understand (ON CONFLICT, LIMIT, text
 * ids, no autoincrement); each adapter maps placeholders and runs it.
 */
export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface Sql {
  all(sql: string, args?: readonly SqlValue[]): Promise<SqlRow[]>;
  get(sql: string, args?: readonly SqlValue[]): Promise<SqlRow | undefined>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, args?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDb extends Sql {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data lives, fit for messages (never a password). */
  readonly location: string;
  /** One atomic unit of work; rolled back when `work` throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** A transaction that no other console instance on the same database runs at the same time (migrations). */
  exclusive<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A problem with the console's database or its data, named for the operator. */
export class StoreError extends UserError {
  override name = 'StoreError';
}

/** `postgres://` or `postgresql://` URLs select PostgreSQL; anything else is a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** Opens the database the location names; the driver of the other kind is never loaded. */
export async function openDb(location: string): Promise<SqlDb> {
  if (isPostgresUrl(location)) {
    const { openPostgres } = await import('./db-postgres.ts');
    return openPostgres(location);
  }
  const { openSqlite } = await import('./db-sqlite.ts');
  return openSqlite(location);
}

import pg from 'pg';
import { redactUrl, type Sql, type SqlDb, type SqlRow, type SqlValue, StoreError } from './db.ts';

/** Key of the advisory lock that serialises migrations across console instances ("cell"). */
const MIGRATION_LOCK = 1667591276;

/** `?` placeholders as PostgreSQL's `$1, $2, ...`; a `?` inside a quoted literal is left alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const c of sql) {
    if (c === "'") quoted = !quoted;
    out += c === '?' && !quoted ? `$${++n}` : c;
  }
  return out;
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: SqlRow[]; rowCount: number | null }>;
}

function sqlOn(q: Queryable): Sql {
  const exec = (sql: string, args: readonly SqlValue[] | undefined) => q.query(numberPlaceholders(sql), args ? [...args] : []);
  return {
    all: async (sql, args) => (await exec(sql, args)).rows,
    get: async (sql, args) => (await exec(sql, args)).rows[0],
    run: async (sql, args) => (await exec(sql, args)).rowCount ?? 0,
  };
}

/** PostgreSQL through a small pool; several console instances may share one database. */
class PostgresDb implements SqlDb {
  readonly dialect = 'postgres';
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly direct: Sql;

  constructor(pool: pg.Pool, location: string) {
    this.pool = pool;
    this.location = location;
    this.direct = sqlOn(pool);
  }

  all(sql: string, args?: readonly SqlValue[]) {
    return this.direct.all(sql, args);
  }
  get(sql: string, args?: readonly SqlValue[]) {
    return this.direct.get(sql, args);
  }
  run(sql: string, args?: readonly SqlValue[]) {
    return this.direct.run(sql, args);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>, lock?: number): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (lock !== undefined) await client.query('SELECT pg_advisory_xact_lock($1)', [lock]);
      const out = await work(sqlOn(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  exclusive<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return this.transaction(work, MIGRATION_LOCK);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export async function openPostgres(url: string): Promise<SqlDb> {
  const shown = redactUrl(url);
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
    });
  } catch (err) {
    throw new StoreError(`${shown}: not a usable PostgreSQL URL: ${(err as Error).message}`);
  }
  // A connection the server drops while idle must not take the console down; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreError(`${shown}: cannot connect to PostgreSQL: ${(err as Error).message}`);
  }
  return new PostgresDb(pool, shown);
}

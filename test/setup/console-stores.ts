import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresMissing, type RunningPostgres, startPostgres } from './postgres.ts';

/**
 * The console's two stores for tests that run the same cases on both: a SQLite file in a temp
 * folder, and a database in a PostgreSQL cluster started on the given loopback address.
 */
export interface StoreKind {
  readonly kind: 'sqlite' | 'postgres';
  /** Why this kind is skipped here, or undefined. */
  readonly skip: string | undefined;
  /** A fresh, empty database location (file path or URL). */
  fresh(name: string): Promise<string>;
  stop(): void;
}

export function storeKinds(pgHost: string, pgPort: number): StoreKind[] {
  const dir = mkdtempSync(join(tmpdir(), 'cellcheck-console-db-'));
  let cluster: RunningPostgres | undefined;
  const missing = postgresMissing();
  return [
    {
      kind: 'sqlite',
      skip: undefined,
      fresh: async (name) => join(dir, `${name}.db`),
      stop: () => rmSync(dir, { recursive: true, force: true }),
    },
    {
      kind: 'postgres',
      skip: missing,
      fresh: async (name) => {
        cluster ??= startPostgres(pgHost, pgPort);
        return cluster.createDatabase(name.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
      },
      stop: () => cluster?.stop(),
    },
  ];
}

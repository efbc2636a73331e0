import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests and benches: Debian's postgresql binaries
 * (/usr/lib/postgresql/<version>/bin), a data folder under the system temp folder, listening on
 * one loopback address only. As root the server runs as the `postgres` user (it refuses root).
 */
export interface RunningPostgres {
  /** A new, empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

const isRoot = () => process.getuid?.() === 0;

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  if (!binDir()) return '(skipped: no PostgreSQL server binaries under /usr/lib/postgresql; apt-get install postgresql)';
  if (isRoot()) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return '(skipped: running as root and there is no postgres user to run the server as)';
    }
  }
  return undefined;
}

function asServerUser(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/**
 * Starts a cluster on `host:port`. `durable: false` turns fsync off (tests); benches keep the
 * server's defaults so the figures compare with SQLite's synchronous=FULL.
 */
export function startPostgres(host: string, port: number, opts: { durable?: boolean } = {}): RunningPostgres {
  const bin = binDir();
  if (!bin) throw new Error(postgresMissing());
  const dir = mkdtempSync(join(tmpdir(), 'cellcheck-pg-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  asServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'cellcheck', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const settings = [
    `-c listen_addresses=${host}`,
    `-p ${port}`,
    `-k ${dir}`,
    '-c max_connections=100',
    ...(opts.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
  ];
  asServerUser(join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', settings.join(' ')]);
  const url = (db: string) => `postgres://cellcheck@${host}:${port}/${db}`;
  return {
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop() {
      try {
        asServerUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', '30']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

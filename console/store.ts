import { createHash, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';

/** A problem with the console's database file or its enrolment data, named for the operator. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export interface StoredRun {
  readonly runId: string;
  readonly agentId: string;
  readonly kid: string;
  readonly zone: string;
  readonly collectedAt: string;
  readonly receivedAt: string;
  readonly payloadSha256: string;
  readonly devices: readonly string[];
  readonly gaps: number;
  readonly verification: Verified;
}

/** How the console checked a stored document; only verified documents are ever stored. */
export interface Verified {
  readonly status: 'verified';
  readonly alg: string;
  readonly kid: string;
  readonly verifiedAt: string;
}

export interface RunFilter {
  readonly zone?: string;
  readonly device?: string;
  /** Collected at or after (ISO 8601). */
  readonly since?: string;
  readonly limit: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agent_keys (kid TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents(id), public_key_pem TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readers (name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, added_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
  run_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, kid TEXT NOT NULL, zone TEXT NOT NULL,
  collected_at TEXT NOT NULL, received_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
  gaps INTEGER NOT NULL, envelope TEXT NOT NULL, verification TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS result_devices (run_id TEXT NOT NULL REFERENCES results(run_id), address TEXT NOT NULL, PRIMARY KEY (run_id, address));
CREATE INDEX IF NOT EXISTS results_by_zone ON results(zone, collected_at);
CREATE INDEX IF NOT EXISTS results_by_time ON results(collected_at);
CREATE INDEX IF NOT EXISTS devices_by_address ON result_devices(address);
`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Times are stored in one ISO form so that text order is time order. */
export function isoTime(text: string): string {
  return new Date(text).toISOString();
}

type Row = Record<string, string | number | null>;

/**
 * The console's SQLite store (node:sqlite, no native addon). Tokens are kept only as SHA-256
 * hashes; an acknowledgement is given only after a FULL-synchronous commit.
 */
export class ConsoleStore {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    try {
      this.db = new DatabaseSync(file);
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new StoreError(`${file}: cannot open as the console database: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Enrols (or re-enrols) an agent with a public key; returns its new bearer token, shown once. */
  enrollAgent(agentId: string, publicKey: KeyObject, kid: string, at: Date): string {
    const owner = this.db.prepare('SELECT agent_id FROM agent_keys WHERE kid = ?').get(kid) as Row | undefined;
    if (owner && owner.agent_id !== agentId) throw new StoreError(`key ${kid} is already enrolled for agent ${owner.agent_id}`);
    const token = newToken();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.transaction(() => {
      this.db
        .prepare('INSERT INTO agents (id, token_sha256, enrolled_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET token_sha256 = excluded.token_sha256')
        .run(agentId, sha256(token), at.toISOString());
      this.db
        .prepare('INSERT OR IGNORE INTO agent_keys (kid, agent_id, public_key_pem, added_at) VALUES (?, ?, ?, ?)')
        .run(kid, agentId, pem, at.toISOString());
    });
    return token;
  }

  /** A token that may list and read stored results (not post them). */
  addReader(name: string, at: Date): string {
    const token = newToken();
    this.db
      .prepare('INSERT INTO readers (name, token_sha256, added_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET token_sha256 = excluded.token_sha256')
      .run(name, sha256(token), at.toISOString());
    return token;
  }

  agentOfToken(token: string): string | undefined {
    const row = this.db.prepare('SELECT id FROM agents WHERE token_sha256 = ?').get(sha256(token)) as Row | undefined;
    return row ? String(row.id) : undefined;
  }

  isReader(token: string): boolean {
    return this.db.prepare('SELECT 1 FROM readers WHERE token_sha256 = ?').get(sha256(token)) !== undefined;
  }

  /** The agent's enrolled public keys by key id. */
  agentKeys(agentId: string): Map<string, KeyObject> {
    const rows = this.db.prepare('SELECT kid, public_key_pem FROM agent_keys WHERE agent_id = ?').all(agentId) as Row[];
    return new Map(rows.map((r) => [String(r.kid), createPublicKey(String(r.public_key_pem))]));
  }

  /** Stores a verified document with its device list in one commit. */
  insertRun(run: StoredRun, envelope: string): void {
    this.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO results (run_id, agent_id, kid, zone, collected_at, received_at, payload_sha256, gaps, envelope, verification) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          run.runId,
          run.agentId,
          run.kid,
          run.zone,
          isoTime(run.collectedAt),
          run.receivedAt,
          run.payloadSha256,
          run.gaps,
          envelope,
          JSON.stringify(run.verification),
        );
      const device = this.db.prepare('INSERT OR IGNORE INTO result_devices (run_id, address) VALUES (?, ?)');
      for (const address of run.devices) device.run(run.runId, address);
    });
  }

  run(runId: string): (StoredRun & { envelope: string }) | undefined {
    const row = this.db.prepare('SELECT * FROM results WHERE run_id = ?').get(runId) as Row | undefined;
    return row ? { ...this.toRun(row), envelope: String(row.envelope) } : undefined;
  }

  /** Stored runs, newest collection first. */
  listRuns(filter: RunFilter): StoredRun[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.zone !== undefined) {
      where.push('zone = ?');
      args.push(filter.zone);
    }
    if (filter.device !== undefined) {
      where.push('run_id IN (SELECT run_id FROM result_devices WHERE address = ?)');
      args.push(filter.device);
    }
    if (filter.since !== undefined) {
      where.push('collected_at >= ?');
      args.push(isoTime(filter.since));
    }
    const sql = `SELECT * FROM results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY collected_at DESC, run_id LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit) as Row[]).map((r) => this.toRun(r));
  }

  private toRun(row: Row): StoredRun {
    const devices = this.db.prepare('SELECT address FROM result_devices WHERE run_id = ? ORDER BY address').all(String(row.run_id)) as Row[];
    return {
      runId: String(row.run_id),
      agentId: String(row.agent_id),
      kid: String(row.kid),
      zone: String(row.zone),
      collectedAt: String(row.collected_at),
      receivedAt: String(row.received_at),
      payloadSha256: String(row.payload_sha256),
      devices: devices.map((d) => String(d.address)),
      gaps: Number(row.gaps),
      verification: JSON.parse(String(row.verification)) as Verified,
    };
  }

  private transaction(work: () => void): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

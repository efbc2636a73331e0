import { createHash, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Result } from '../report/result.ts';
import { Accounts, type SessionPolicy } from './accounts.ts';
import { bindZones } from './agent-zones.ts';
import { writeAudit } from './audit.ts';
import { openDb, type SqlDb, type SqlRow, StoreError } from './db.ts';
import { migrate } from './migrations.ts';
import { deviceColumns, isoTime, runColumns } from './payload.ts';
import { Proposals } from './proposals.ts';
import { writeRunBoundary } from './run-boundary.ts';

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

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The console's store over SQLite (node:sqlite, default) or PostgreSQL, one schema through one
 * migration set. Tokens are kept only as SHA-256 hashes; an acknowledgement is given only after
 * the commit (SQLite: synchronous=FULL; PostgreSQL: its own durable commit).
 */
export class ConsoleStore {
  readonly db: SqlDb;
  readonly accounts: Accounts;
  /** Changes people propose and others approve (four eyes). */
  readonly proposals: Proposals;

  /** Over an open, migrated database: use `ConsoleStore.open`. */
  constructor(db: SqlDb, policy?: SessionPolicy) {
    this.db = db;
    this.accounts = new Accounts(db, policy);
    this.proposals = new Proposals(db);
  }

  /** Opens (and migrates) the store: a SQLite file, or a `postgres://` URL. */
  static async open<S extends ConsoleStore>(this: new (db: SqlDb, policy?: SessionPolicy) => S, location: string, policy?: SessionPolicy): Promise<S> {
    const db = await openDb(location);
    try {
      await migrate(db, new Date());
    } catch (err) {
      await db.close();
      throw err instanceof StoreError ? err : new StoreError(`${db.location}: cannot prepare the console database: ${(err as Error).message}`);
    }
    return new this(db, policy);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /**
   * Enrols (or re-enrols) an agent with a public key; returns its new bearer token, shown once.
   * `zones` are the zones whose results it may post (`*`: every zone); they replace its earlier
   * ones. A new agent must be given at least one; a re-enrolment without zones keeps them.
   */
  async enrollAgent(
    agentId: string,
    publicKey: KeyObject,
    kid: string,
    at: Date,
    binding: { zones?: readonly string[]; actor?: string } = {},
  ): Promise<string> {
    const token = newToken();
    const actor = binding.actor ?? 'cli';
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const zones = [...new Set(binding.zones ?? [])];
    const badZone = zones.find((z) => z.trim() === '' || z.length > 200);
    if (badZone !== undefined) throw new StoreError(`zone ${JSON.stringify(badZone)}: a zone name is 1 to 200 characters, not blank`);
    await this.db.transaction(async (tx) => {
      const owner = await tx.get('SELECT agent_id FROM agent_keys WHERE kid = ?', [kid]);
      if (owner && owner.agent_id !== agentId) throw new StoreError(`key ${kid} is already enrolled for agent ${String(owner.agent_id)}`);
      const known = await tx.get('SELECT 1 AS one FROM agents WHERE id = ?', [agentId]);
      if (!known && zones.length === 0)
        throw new StoreError(`agent ${agentId} is new: name the zone(s) whose results it may post (--zone ZONE, repeatable; --zone '*' for every zone)`);
      await tx.run('INSERT INTO agents (id, token_sha256, enrolled_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET token_sha256 = excluded.token_sha256', [
        agentId,
        sha256(token),
        at.toISOString(),
      ]);
      await tx.run('INSERT INTO agent_keys (kid, agent_id, public_key_pem, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (kid) DO NOTHING', [
        kid,
        agentId,
        pem,
        at.toISOString(),
      ]);
      await writeAudit(tx, { at: at.toISOString(), actor, action: 'agent.enroll', subject: agentId, detail: `key ${kid}` });
      if (zones.length > 0) await bindZones(tx, agentId, zones, at, actor);
    });
    return token;
  }

  /** The zones an agent may post results of; `*` stands for every zone. */
  async agentZones(agentId: string): Promise<string[]> {
    const rows = await this.db.all('SELECT zone FROM agent_zones WHERE agent_id = ?', [agentId]);
    return rows.map((r) => String(r.zone)).sort();
  }

  /** A token that may list and read stored results (not post them). */
  async addReader(name: string, at: Date, actor = 'cli'): Promise<string> {
    const token = newToken();
    await this.db.transaction(async (tx) => {
      await tx.run(
        'INSERT INTO readers (name, token_sha256, added_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET token_sha256 = excluded.token_sha256',
        [name, sha256(token), at.toISOString()],
      );
      await writeAudit(tx, { at: at.toISOString(), actor, action: 'reader.enroll', subject: name, detail: '' });
    });
    return token;
  }

  async agentOfToken(token: string): Promise<string | undefined> {
    const row = await this.db.get('SELECT id FROM agents WHERE token_sha256 = ?', [sha256(token)]);
    return row ? String(row.id) : undefined;
  }

  async isReader(token: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 AS one FROM readers WHERE token_sha256 = ?', [sha256(token)])) !== undefined;
  }

  /** The agent's enrolled public keys by key id. */
  async agentKeys(agentId: string): Promise<Map<string, KeyObject>> {
    const rows = await this.db.all('SELECT kid, public_key_pem FROM agent_keys WHERE agent_id = ?', [agentId]);
    return new Map(rows.map((r) => [String(r.kid), createPublicKey(String(r.public_key_pem))]));
  }

  /**
   * Stores a verified document with its per-device rows in one commit. `exists` when the run id
   * was stored meanwhile (another request, or another console instance on the same database).
   */
  async insertRun(run: StoredRun, envelope: string, result: Result): Promise<'stored' | 'exists'> {
    const cols = runColumns(result);
    return this.db.transaction(async (tx) => {
      const inserted = await tx.run(
        `INSERT INTO results (run_id, agent_id, kid, zone, collected_at, received_at, payload_sha256, gaps, envelope, verification,
          finished_at, zone_sl_t, device_count, devices_meeting) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
        [
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
          cols.finishedAt,
          cols.zoneSlT,
          cols.deviceCount,
          cols.devicesMeeting,
        ],
      );
      if (inserted === 0) return 'exists';
      for (const d of deviceColumns(result))
        await tx.run(
          `INSERT INTO result_devices (run_id, address, zone, collected_at, name, role, meets_target, gaps, sl_t, demonstrated, ceiling)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, address) DO NOTHING`,
          [run.runId, d.address, d.zone, d.collectedAt, d.name, d.role, d.meetsTarget, d.gaps, d.slT, d.demonstrated, d.ceiling],
        );
      await writeRunBoundary(tx, result);
      return 'stored';
    });
  }

  async run(runId: string): Promise<(StoredRun & { envelope: string }) | undefined> {
    const row = await this.db.get('SELECT * FROM results WHERE run_id = ?', [runId]);
    if (!row) return undefined;
    const [run] = await this.withDevices([row]);
    return run && { ...run, envelope: String(row.envelope) };
  }

  /** Stored runs, newest collection first. */
  async listRuns(filter: RunFilter): Promise<StoredRun[]> {
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
    const sql = `SELECT run_id, agent_id, kid, zone, collected_at, received_at, payload_sha256, gaps, verification FROM results ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY collected_at DESC, run_id LIMIT ?`;
    return this.withDevices(await this.db.all(sql, [...args, filter.limit]));
  }

  /** Deletes a stored run (an engineer's decision, audited); false when there was none. */
  async deleteRun(runId: string, actor: string, at: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get('SELECT zone, agent_id FROM results WHERE run_id = ?', [runId]);
      if (!row) return false;
      await tx.run('DELETE FROM run_boundaries WHERE run_id = ?', [runId]);
      await tx.run('DELETE FROM result_devices WHERE run_id = ?', [runId]);
      await tx.run('DELETE FROM results WHERE run_id = ?', [runId]);
      await writeAudit(tx, {
        at: at.toISOString(),
        actor,
        action: 'run.delete',
        subject: runId,
        detail: `zone ${String(row.zone)}, agent ${String(row.agent_id)}`,
      });
      return true;
    });
  }

  /** Device lists of many runs in one query (not one per run). */
  private async withDevices(rows: SqlRow[]): Promise<StoredRun[]> {
    const ids = rows.map((r) => String(r.run_id));
    const devices = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const found = await this.db.all(`SELECT run_id, address FROM result_devices WHERE run_id IN (${chunk.map(() => '?').join(', ')})`, chunk);
      for (const d of found) devices.get(String(d.run_id))?.push(String(d.address));
    }
    // Sorted here, not in SQL: PostgreSQL would order by the database's collation, SQLite by bytes.
    for (const list of devices.values()) list.sort();
    return rows.map((row) => ({
      runId: String(row.run_id),
      agentId: String(row.agent_id),
      kid: String(row.kid),
      zone: String(row.zone),
      collectedAt: String(row.collected_at),
      receivedAt: String(row.received_at),
      payloadSha256: String(row.payload_sha256),
      devices: devices.get(String(row.run_id)) ?? [],
      gaps: Number(row.gaps),
      verification: JSON.parse(String(row.verification)) as Verified,
    }));
  }
}

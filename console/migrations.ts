import { bindZones } from './agent-zones.ts';
import type { Sql, SqlDb } from './db.ts';
import { deviceColumns, resultOfEnvelope, runColumns } from './payload.ts';
import { writeRunBoundary } from './run-boundary.ts';

/**
 * The console's schema, one ordered set for SQLite and PostgreSQL. Each step runs once, in one
 * transaction, recorded in schema_migrations; a step may carry a backfill written against `Sql`.
 */
interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
  readonly backfill?: (tx: Sql) => Promise<void>;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // IF NOT EXISTS: databases made before migrations were numbered already hold these tables.
    statements: [
      'CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL)',
      'CREATE TABLE IF NOT EXISTS agent_keys (kid TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents(id), public_key_pem TEXT NOT NULL, added_at TEXT NOT NULL)',
      'CREATE TABLE IF NOT EXISTS readers (name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, added_at TEXT NOT NULL)',
      `CREATE TABLE IF NOT EXISTS results (
        run_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, kid TEXT NOT NULL, zone TEXT NOT NULL,
        collected_at TEXT NOT NULL, received_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL,
        gaps INTEGER NOT NULL, envelope TEXT NOT NULL, verification TEXT NOT NULL)`,
      'CREATE TABLE IF NOT EXISTS result_devices (run_id TEXT NOT NULL REFERENCES results(run_id), address TEXT NOT NULL, PRIMARY KEY (run_id, address))',
      'CREATE INDEX IF NOT EXISTS results_by_zone ON results(zone, collected_at)',
      'CREATE INDEX IF NOT EXISTS results_by_time ON results(collected_at)',
      'CREATE INDEX IF NOT EXISTS devices_by_address ON result_devices(address)',
    ],
  },
  {
    version: 2,
    statements: [
      // What the fleet pages show without decoding every stored document.
      'ALTER TABLE results ADD COLUMN finished_at TEXT',
      'ALTER TABLE results ADD COLUMN zone_sl_t TEXT',
      'ALTER TABLE results ADD COLUMN device_count INTEGER',
      'ALTER TABLE results ADD COLUMN devices_meeting INTEGER',
      'ALTER TABLE result_devices ADD COLUMN zone TEXT',
      'ALTER TABLE result_devices ADD COLUMN collected_at TEXT',
      'ALTER TABLE result_devices ADD COLUMN name TEXT',
      'ALTER TABLE result_devices ADD COLUMN role TEXT',
      'ALTER TABLE result_devices ADD COLUMN meets_target INTEGER',
      'ALTER TABLE result_devices ADD COLUMN gaps INTEGER',
      'ALTER TABLE result_devices ADD COLUMN sl_t TEXT',
      'ALTER TABLE result_devices ADD COLUMN demonstrated TEXT',
      'ALTER TABLE result_devices ADD COLUMN ceiling TEXT',
      'CREATE INDEX device_history ON result_devices(zone, address, collected_at)',
      'CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL)',
      `CREATE TABLE sessions (id_sha256 TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        csrf TEXT NOT NULL, created_at TEXT NOT NULL, last_seen_at TEXT NOT NULL, expires_at TEXT NOT NULL)`,
      'CREATE TABLE login_throttle (throttle_key TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start TEXT NOT NULL)',
      'CREATE TABLE audit_log (id TEXT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)',
      'CREATE INDEX audit_by_time ON audit_log(at)',
    ],
    backfill: async (tx) => {
      for (const row of await tx.all('SELECT run_id, envelope FROM results')) {
        const result = resultOfEnvelope(String(row.envelope));
        const s = runColumns(result);
        await tx.run('UPDATE results SET finished_at = ?, zone_sl_t = ?, device_count = ?, devices_meeting = ? WHERE run_id = ?', [
          s.finishedAt,
          s.zoneSlT,
          s.deviceCount,
          s.devicesMeeting,
          String(row.run_id),
        ]);
        for (const d of deviceColumns(result))
          await tx.run(
            'UPDATE result_devices SET zone = ?, collected_at = ?, name = ?, role = ?, meets_target = ?, gaps = ?, sl_t = ?, demonstrated = ?, ceiling = ? WHERE run_id = ? AND address = ?',
            [d.zone, d.collectedAt, d.name, d.role, d.meetsTarget, d.gaps, d.slT, d.demonstrated, d.ceiling, String(row.run_id), d.address],
          );
      }
    },
  },
  {
    version: 3,
    statements: [
      // The zones each agent may post results of ('*': every zone).
      'CREATE TABLE agent_zones (agent_id TEXT NOT NULL REFERENCES agents(id), zone TEXT NOT NULL, PRIMARY KEY (agent_id, zone))',
    ],
    // Agents enrolled before zones were bound keep the zones they have posted for, and only those;
    // each binding is in the audit log for an admin to review. An agent that never posted gets none.
    backfill: async (tx) => {
      const at = new Date();
      const posted = new Map<string, string[]>();
      for (const row of await tx.all('SELECT DISTINCT r.agent_id, r.zone FROM results r JOIN agents a ON a.id = r.agent_id'))
        posted.set(String(row.agent_id), [...(posted.get(String(row.agent_id)) ?? []), String(row.zone)]);
      for (const [agent, zones] of posted) await bindZones(tx, agent, zones.sort(), at, 'migration');
    },
  },
  {
    version: 4,
    statements: [
      // Issue 20: changes people propose and others approve (four eyes); `kind` says what they change.
      `CREATE TABLE proposals (id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, payload TEXT, payload_sha256 TEXT NOT NULL,
        summary TEXT NOT NULL, replaces TEXT, expires TEXT, status TEXT NOT NULL, proposed_by TEXT NOT NULL, proposed_at TEXT NOT NULL,
        decided_by TEXT, decided_at TEXT, note TEXT)`,
      'CREATE INDEX proposals_by_subject ON proposals(kind, subject, status)',
      // Small evidence files kept with their answers (base64: one text column type in both databases).
      `CREATE TABLE evidence_files (sha256 TEXT PRIMARY KEY, zone TEXT NOT NULL, name TEXT NOT NULL, media_type TEXT NOT NULL,
        size INTEGER NOT NULL, content_base64 TEXT NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL)`,
    ],
  },
  {
    version: 5,
    statements: [
      // Issue 21: per run, what the zone pages, the zone map and the agents' reachability answer read (console/run-boundary.ts).
      `CREATE TABLE run_boundaries (run_id TEXT PRIMARY KEY REFERENCES results(run_id), zone TEXT NOT NULL, collected_at TEXT NOT NULL,
        services TEXT NOT NULL, tried INTEGER, violations TEXT NOT NULL, conduits TEXT NOT NULL, dual_homed TEXT NOT NULL)`,
      'CREATE INDEX run_boundaries_by_zone ON run_boundaries(zone, collected_at)',
    ],
    backfill: async (tx) => {
      for (const row of await tx.all('SELECT envelope FROM results')) await writeRunBoundary(tx, resultOfEnvelope(String(row.envelope)));
    },
  },
];

/** The newest step's version (steps are numbered by the change that needs them, not by position). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Brings the database up to the newest version; concurrent console instances wait for each other. */
export async function migrate(db: SqlDb, at: Date): Promise<number[]> {
  return db.exclusive(async (tx) => {
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set((await tx.all('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    if (newest > SCHEMA_VERSION)
      throw new Error(`the database is at schema version ${newest}, newer than this cellcheck (${SCHEMA_VERSION}); upgrade cellcheck`);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements) await tx.run(statement);
      await m.backfill?.(tx);
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [m.version, at.toISOString()]);
      applied.push(m.version);
    }
    return applied;
  });
}

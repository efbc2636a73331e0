import { scryptSync } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { keyId, newSigningKeyPair, parsePublicKey } from '../report/keys.ts';
import { signResult } from '../report/sign.ts';
import { parsePrivateKey } from '../report/keys.ts';
import { sampleResult } from '../test/sample-result.ts';
import { storeKinds } from '../test/setup/console-stores.ts';
import { THROTTLE } from './accounts.ts';
import { listAudit } from './audit.ts';
import { deviceHistory, zoneOverview } from './fleet.ts';
import { SCHEMA_VERSION } from './migrations.ts';
import { resultOfEnvelope } from './payload.ts';
import { ConsoleStore, type StoredRun } from './store.ts';
import { TEST_RANGES, testAddress } from '../test/addresses.ts';

const kinds = storeKinds(testAddress('consoleStore', 1), TEST_RANGES.consoleStore.port);
afterAll(() => {
  for (const k of kinds) k.stop();
});

const T0 = new Date('2026-03-01T10:00:00.000Z');
const pair = newSigningKeyPair();
const priv = parsePrivateKey(pair.privatePem, 'k');
const pub = parsePublicKey(pair.publicPem, 'p');

/** Stores a signed sample result the way the ingest route does. */
async function ingest(store: ConsoleStore, runId: string, zone: string, collectedAt: string, addresses: string[]) {
  const result = sampleResult({ runId, zone, collectedAt, addresses, agentId: 'edge-1' });
  const envelope = JSON.stringify(await signResult(result, priv));
  const run: StoredRun = {
    runId,
    agentId: 'edge-1',
    kid: await keyId(pub),
    zone,
    collectedAt,
    receivedAt: T0.toISOString(),
    payloadSha256: runId,
    devices: addresses,
    gaps: result.summary.gaps,
    verification: { status: 'verified', alg: 'EdDSA', kid: await keyId(pub), verifiedAt: T0.toISOString() },
  };
  return store.insertRun(run, envelope, result);
}

for (const k of kinds) {
  describe.skipIf(k.skip !== undefined)(`console store on ${k.kind} ${k.skip ?? ''}`, () => {
    it('migrates a new database to the newest schema once; opening again changes nothing', async () => {
      const location = await k.fresh('migrate');
      const a = await ConsoleStore.open(location);
      const versions = (await a.db.all('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
      expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      await a.close();
      const b = await ConsoleStore.open(location);
      expect((await b.db.all('SELECT version FROM schema_migrations')).length).toBe(SCHEMA_VERSION);
      await b.close();
    });

    // SQLite serves one console process (a second connection in the same process would wait on the first's lock, blocking the thread).
    it(`${k.kind === 'postgres' ? 'two console instances starting at once on one database migrate it once and both serve' : 'concurrent requests for one run id store it once'}`, async () => {
      const location = await k.fresh('twice');
      const [a, b]: [ConsoleStore, ConsoleStore] =
        k.kind === 'postgres'
          ? await Promise.all([ConsoleStore.open(location), ConsoleStore.open(location)])
          : await ConsoleStore.open(location).then((one) => [one, one]);
      expect((await a.db.all('SELECT version FROM schema_migrations')).length).toBe(SCHEMA_VERSION);
      // The same run id stored through both at the same moment: exactly one stores it.
      const outcomes = await Promise.all([
        ingest(a, 'race-1', 'Z', '2026-03-01T08:00:00.000Z', ['127.87.1.10']),
        ingest(b, 'race-1', 'Z', '2026-03-01T08:00:00.000Z', ['127.87.1.10']),
      ]);
      expect(outcomes.sort()).toEqual(['exists', 'stored']);
      expect((await b.listRuns({ limit: 10 })).map((r) => r.runId)).toEqual(['race-1']);
      await a.close();
      if (b !== a) await b.close();
    });

    it('stores runs with per-device rows, lists them, and deletes one with an audit entry', async () => {
      const store = await ConsoleStore.open(await k.fresh('runs'));
      await store.enrollAgent('edge-1', pub, await keyId(pub), T0, { zones: ['*'] });
      expect(await ingest(store, 'r1', 'Line 1', '2026-03-01T08:00:00.000Z', ['127.87.1.10', '127.87.1.9'])).toBe('stored');
      expect(await ingest(store, 'r2', 'Line 1', '2026-03-02T08:00:00.000Z', ['127.87.1.10'])).toBe('stored');
      expect(await ingest(store, 'r3', 'Line 2', '2026-03-01T09:00:00.000Z', ['127.87.1.20'])).toBe('stored');
      expect((await store.listRuns({ limit: 10 })).map((r) => r.runId)).toEqual(['r2', 'r3', 'r1']);
      expect((await store.run('r1'))?.devices).toEqual(['127.87.1.10', '127.87.1.9']);
      expect(resultOfEnvelope((await store.run('r3'))?.envelope ?? '{}').zone.name).toBe('Line 2');

      const zones = await zoneOverview(store.db);
      expect(zones.map((z) => [z.zone, z.latest.runId, z.runs, z.devices])).toEqual([
        ['Line 1', 'r2', 2, 1],
        ['Line 2', 'r3', 1, 1],
      ]);
      expect(zones[0]?.slT).toEqual([2, 2, 2, 2, 2, 2, 2]);
      expect(zones[0]?.frs[0]).toMatchObject({ fr: 1, devices: 1, worst: { address: '127.87.1.10', target: 2 } });
      expect((await zoneOverview(store.db, { q: 'line 2' })).map((z) => z.zone)).toEqual(['Line 2']);
      expect((await zoneOverview(store.db, { q: '%' })).map((z) => z.zone)).toEqual([]);
      expect((await deviceHistory(store.db, 'Line 1', '127.87.1.10', 10)).map((h) => h.runId)).toEqual(['r2', 'r1']);

      expect(await store.deleteRun('r2', 'erin', new Date(T0.getTime() + 1000))).toBe(true);
      expect(await store.deleteRun('r2', 'erin', T0)).toBe(false);
      expect((await zoneOverview(store.db, { zone: 'Line 1' }))[0]?.latest.runId).toBe('r1');
      const audit = await listAudit(store.db, { limit: 10 });
      expect(audit[0]).toMatchObject({ actor: 'erin', action: 'run.delete', subject: 'r2' });
      // Enrolment and its zone binding share one instant: their order in the log is not defined.
      expect(
        audit
          .slice(1)
          .map((e) => [e.actor, e.action, e.subject, e.detail.startsWith('key ') ? 'key' : e.detail])
          .sort(),
      ).toEqual([
        ['cli', 'agent.enroll', 'edge-1', 'key'],
        ['cli', 'agent.zones', 'edge-1', 'every zone (*): may post results of any zone'],
      ]);
      await store.close();
    });

    it('accounts: hashed passwords, roles, sessions that expire, throttled logins, all audited', async () => {
      const policy = { idleMs: 10 * 60_000, absoluteMs: 60 * 60_000 };
      const store = await ConsoleStore.open(await k.fresh('accounts'), policy);
      const acc = store.accounts;
      await acc.addUser('ada', 'correct horse battery', 'engineer', 'cli', T0);
      await expect(acc.addUser('ada', 'another long password', 'viewer', 'cli', T0)).rejects.toThrow('user ada already exists');
      await expect(acc.addUser('bob', 'short', 'viewer', 'cli', T0)).rejects.toThrow('at least 12 characters');
      await expect(acc.addUser('bad name', 'a long enough password', 'viewer', 'cli', T0)).rejects.toThrow('user name');
      const stored = await store.db.get('SELECT password_hash FROM users WHERE name = ?', ['ada']);
      expect(String(stored?.password_hash)).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(String(stored?.password_hash)).not.toContain('horse');

      expect(await acc.login('ada', 'wrong password!', '127.87.1.50', T0)).toEqual({ ok: false, reason: 'invalid' });
      expect(await acc.login('nobody', 'whatever it is', '127.87.1.50', T0)).toEqual({ ok: false, reason: 'invalid' });
      const ok = await acc.login('ada', 'correct horse battery', '127.87.1.50', T0);
      if (!ok.ok) throw new Error('login failed');
      expect(ok.session).toMatchObject({ user: 'ada', role: 'engineer' });
      const at = (ms: number) => new Date(T0.getTime() + ms);
      expect((await acc.session(ok.sessionId, at(5 * 60_000)))?.user).toBe('ada');
      // Used at 5 min, so still alive at 14 min; idle past 10 min after that, it ends.
      expect((await acc.session(ok.sessionId, at(14 * 60_000)))?.user).toBe('ada');
      expect(await acc.session(ok.sessionId, at(25 * 60_000))).toBeUndefined();
      expect(await acc.session('not-a-session', T0)).toBeUndefined();

      // Absolute expiry, even when used all the time.
      const again = await acc.login('ada', 'correct horse battery', '127.87.1.50', T0);
      if (!again.ok) throw new Error('login failed');
      for (let m = 9; m < 60; m += 9) expect(await acc.session(again.sessionId, at(m * 60_000))).toBeDefined();
      expect(await acc.session(again.sessionId, at(61 * 60_000))).toBeUndefined();

      // Throttling: after perUser failures the right password is refused too, until the window ends.
      for (let i = 0; i < THROTTLE.perUser; i++) await acc.login('ada', `wrong ${i} password`, '127.87.1.51', T0);
      expect(await acc.login('ada', 'correct horse battery', '127.87.1.51', at(60_000))).toMatchObject({ ok: false, reason: 'throttled' });
      expect((await acc.login('ada', 'correct horse battery', '127.87.1.51', at(THROTTLE.windowMs + 1000))).ok).toBe(true);

      // Deleting a user ends their sessions.
      const live = await acc.login('ada', 'correct horse battery', '127.87.1.52', T0);
      if (!live.ok) throw new Error('login failed');
      await acc.deleteUser('ada', 'root', T0);
      expect(await acc.session(live.sessionId, T0)).toBeUndefined();
      const actions = (await listAudit(store.db, { limit: 100 })).map((e) => e.action);
      expect(actions.filter((a) => a === 'login').length).toBe(4);
      expect(actions).toContain('login.failed');
      expect(actions).toContain('login.throttled');
      expect(actions).toContain('user.delete');
      expect(JSON.stringify(await listAudit(store.db, { limit: 100 }))).not.toContain('horse');
      await store.close();
    });

    it('throttles logins sent all at once exactly like logins sent one after the other', async () => {
      const store = await ConsoleStore.open(await k.fresh('parallel'));
      const acc = store.accounts;
      await acc.addUser('ada', 'correct horse battery', 'engineer', 'cli', T0);
      const wrong = Array.from({ length: 39 }, (_, i) => acc.login('ada', `wrong password ${i}`, '127.87.1.60', T0));
      const outcomes = await Promise.all([...wrong, acc.login('ada', 'correct horse battery', '127.87.1.60', T0)]);
      // The first perUser attempts are checked; every later one, the right password last among them, is refused unchecked.
      expect(outcomes.filter((o) => !o.ok && o.reason === 'invalid').length).toBe(THROTTLE.perUser);
      expect(outcomes.at(-1)).toMatchObject({ ok: false, reason: 'throttled' });
      const audit = await listAudit(store.db, { limit: 100 });
      expect(audit.filter((e) => e.action === 'login.failed').length).toBe(THROTTLE.perUser);
      expect(audit.filter((e) => e.action === 'login.throttled').length).toBe(40 - THROTTLE.perUser);
      // Per address too: names spread over many attempts from one client stop at perClient.
      const spread = await Promise.all(Array.from({ length: 30 }, (_, i) => acc.login(`user${i}`, 'some password', '127.87.1.61', T0)));
      expect(spread.filter((o) => !o.ok && o.reason === 'invalid').length).toBe(THROTTLE.perClient);
      await store.close();
    });

    it('raises a stored hash of a lower scrypt cost at the next successful login', async () => {
      const store = await ConsoleStore.open(await k.fresh('rehash'));
      const salt = Buffer.alloc(16, 7);
      const oldKey = scryptSync('correct horse battery', salt, 32, { N: 16384, r: 8, p: 1 });
      const oldHash = ['scrypt', 16384, 8, 1, salt.toString('base64url'), oldKey.toString('base64url')].join('$');
      await store.db.run('INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)', ['old', oldHash, 'viewer', T0.toISOString()]);
      expect(await store.accounts.login('old', 'not the password', '127.87.1.62', T0)).toEqual({ ok: false, reason: 'invalid' });
      expect(String((await store.db.get('SELECT password_hash FROM users WHERE name = ?', ['old']))?.password_hash)).toBe(oldHash);
      expect((await store.accounts.login('old', 'correct horse battery', '127.87.1.62', T0)).ok).toBe(true);
      const raised = String((await store.db.get('SELECT password_hash FROM users WHERE name = ?', ['old']))?.password_hash);
      expect(raised).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect((await store.accounts.login('old', 'correct horse battery', '127.87.1.62', T0)).ok).toBe(true);
      await store.close();
    });
  });
}

describe('console store: a database made before numbered migrations', () => {
  it('is migrated in place and its stored runs are backfilled for the fleet pages', async () => {
    const sqlite = kinds[0];
    if (!sqlite) throw new Error('no sqlite kind');
    const file = await sqlite.fresh('legacy');
    const result = sampleResult({ runId: 'old-1', zone: 'Legacy', addresses: ['127.87.1.30'], collectedAt: '2026-01-01T00:00:00.000Z' });
    const envelope = JSON.stringify(await signResult(result, priv));
    // The tables exactly as the first console release made them, with one stored run.
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE agents (id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL);
CREATE TABLE agent_keys (kid TEXT PRIMARY KEY, agent_id TEXT NOT NULL REFERENCES agents(id), public_key_pem TEXT NOT NULL, added_at TEXT NOT NULL);
CREATE TABLE readers (name TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, added_at TEXT NOT NULL);
CREATE TABLE results (run_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, kid TEXT NOT NULL, zone TEXT NOT NULL, collected_at TEXT NOT NULL, received_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL, gaps INTEGER NOT NULL, envelope TEXT NOT NULL, verification TEXT NOT NULL);
CREATE TABLE result_devices (run_id TEXT NOT NULL REFERENCES results(run_id), address TEXT NOT NULL, PRIMARY KEY (run_id, address));`);
    db.prepare('INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      'old-1',
      'a',
      'k',
      'Legacy',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:01:00.000Z',
      'x',
      0,
      envelope,
      '{"status":"verified","alg":"EdDSA","kid":"k","verifiedAt":"2026-01-01T00:01:00.000Z"}',
    );
    db.prepare('INSERT INTO result_devices VALUES (?, ?)').run('old-1', '127.87.1.30');
    for (const agent of ['a', 'never-posted']) db.prepare('INSERT INTO agents VALUES (?, ?, ?)').run(agent, `token-of-${agent}`, '2026-01-01T00:00:00.000Z');
    db.close();
    const store = await ConsoleStore.open(file);
    // Agents enrolled before zone binding keep the zones they posted for, and only those, audited.
    expect(await store.agentZones('a')).toEqual(['Legacy']);
    expect(await store.agentZones('never-posted')).toEqual([]);
    expect((await listAudit(store.db, { action: 'agent.zones', limit: 5 })).map((e) => [e.actor, e.subject, e.detail])).toEqual([
      ['migration', 'a', 'zones "Legacy"'],
    ]);
    const [zone] = await zoneOverview(store.db);
    expect(zone).toMatchObject({ zone: 'Legacy', slT: [2, 2, 2, 2, 2, 2, 2], devices: 1, latest: { runId: 'old-1' } });
    expect((await deviceHistory(store.db, 'Legacy', '127.87.1.30', 5))[0]).toMatchObject({ role: 'plc', slT: [2, 2, 2, 2, 2, 2, 2] });
    await store.close();
  });
});

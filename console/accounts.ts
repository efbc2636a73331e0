import { createHash, randomBytes } from 'node:crypto';
import { writeAudit } from './audit.ts';
import { type Sql, type SqlDb, StoreError } from './db.ts';
import { DECOY_HASH, hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.ts';

export const ROLES = ['viewer', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer reads, engineer also deletes runs, admin also manages users and reads the audit log. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

export const isRole = (text: string): text is Role => (ROLES as readonly string[]).includes(text);

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface SessionPolicy {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after login, used or not. */
  readonly absoluteMs: number;
}
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 };

/** Failed logins allowed per window, per user name and per client address (one address may try several names). */
export const THROTTLE = { windowMs: 15 * 60_000, perUser: 5, perClient: 20 } as const;

export interface Session {
  readonly user: string;
  readonly role: Role;
  readonly csrf: string;
  readonly expiresAt: string;
}

export type LoginOutcome = { ok: true; sessionId: string; session: Session } | { ok: false; reason: 'invalid' | 'throttled'; retryAfterS?: number };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Counts one login attempt against a key in a single statement (a window older than
 * THROTTLE.windowMs starts again at 1) and returns the count with its window's start. Both
 * databases run the upsert under the row's lock, so parallel attempts each get their own count.
 */
async function countAttempt(tx: Sql, key: string, at: Date): Promise<{ failures: number; windowStart: string }> {
  const stale = new Date(at.getTime() - THROTTLE.windowMs).toISOString();
  const row = await tx.get(
    `INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES (?, 1, ?)
      ON CONFLICT (throttle_key) DO UPDATE SET
        failures = CASE WHEN login_throttle.window_start <= ? THEN 1 ELSE login_throttle.failures + 1 END,
        window_start = CASE WHEN login_throttle.window_start <= ? THEN excluded.window_start ELSE login_throttle.window_start END
      RETURNING failures, window_start`,
    [key, at.toISOString(), stale, stale],
  );
  return { failures: Number(row?.failures), windowStart: String(row?.window_start) };
}

/**
 * People's accounts, separate from agent and reader tokens: scrypt password hashes, sessions
 * kept in the database (so several console instances share them), login throttling, audit.
 */
export class Accounts {
  readonly db: SqlDb;
  readonly policy: SessionPolicy;

  constructor(db: SqlDb, policy: SessionPolicy = DEFAULT_SESSION_POLICY) {
    this.db = db;
    this.policy = policy;
  }

  async addUser(name: string, password: string, role: Role, actor: string, at: Date): Promise<void> {
    if (!USER_NAME.test(name))
      throw new StoreError(`user name ${JSON.stringify(name)}: letters, digits and . _ @ - only, at most 64, starting with a letter or digit`);
    const problem = passwordProblem(password);
    if (problem) throw new StoreError(`password of ${name}: ${problem}`);
    const hash = await hashPassword(password);
    await this.db.transaction(async (tx) => {
      if (await tx.get('SELECT 1 FROM users WHERE name = ?', [name])) throw new StoreError(`user ${name} already exists`);
      await tx.run('INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)', [name, hash, role, at.toISOString()]);
      await writeAudit(tx, { at: at.toISOString(), actor, action: 'user.add', subject: name, detail: `role ${role}` });
    });
  }

  /** Removes a user and every session of theirs. */
  async deleteUser(name: string, actor: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM sessions WHERE user_name = ?', [name]);
      if ((await tx.run('DELETE FROM users WHERE name = ?', [name])) === 0) throw new StoreError(`no user ${name}`);
      await writeAudit(tx, { at: at.toISOString(), actor, action: 'user.delete', subject: name, detail: '' });
    });
  }

  async listUsers(): Promise<{ name: string; role: Role; createdAt: string }[]> {
    const rows = await this.db.all('SELECT name, role, created_at FROM users ORDER BY name');
    return rows.map((r) => ({ name: String(r.name), role: String(r.role) as Role, createdAt: String(r.created_at) }));
  }

  /**
   * Checks a password. The attempt is counted before the password is looked at, in one atomic
   * upsert per key (client first, then name), so attempts sent in parallel are throttled exactly
   * like attempts sent one after the other; a successful login takes its own count back.
   */
  async login(name: string, password: string, client: string, at: Date): Promise<LoginOutcome> {
    const keys = [
      { key: `client:${client}`, limit: THROTTLE.perClient },
      { key: `user:${name}`, limit: THROTTLE.perUser },
    ];
    const now = at.getTime();
    const retryAfterMs = await this.db.transaction(async (tx) => {
      for (const k of keys) {
        const row = await countAttempt(tx, k.key, at);
        if (row.failures > k.limit) return Math.max(1000, Date.parse(row.windowStart) + THROTTLE.windowMs - now);
      }
      return 0;
    });
    if (retryAfterMs > 0) {
      await writeAudit(this.db, { at: at.toISOString(), actor: '-', action: 'login.throttled', subject: name.slice(0, 64), detail: `client ${client}` });
      return { ok: false, reason: 'throttled', retryAfterS: Math.ceil(retryAfterMs / 1000) };
    }
    const user = await this.db.get('SELECT name, password_hash, role FROM users WHERE name = ?', [name]);
    const storedHash = user ? String(user.password_hash) : DECOY_HASH;
    if (!user || !(await verifyPassword(password, storedHash))) {
      await writeAudit(this.db, { at: at.toISOString(), actor: '-', action: 'login.failed', subject: name.slice(0, 64), detail: `client ${client}` });
      return { ok: false, reason: 'invalid' };
    }
    const rehashed = needsRehash(storedHash) ? await hashPassword(password) : undefined;
    const sessionId = randomBytes(32).toString('base64url');
    const session: Session = {
      user: String(user.name),
      role: String(user.role) as Role,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: new Date(now + this.policy.absoluteMs).toISOString(),
    };
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM login_throttle WHERE throttle_key = ?', [`user:${name}`]);
      await tx.run('UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = ? AND failures > 0', [`client:${client}`]);
      if (rehashed) await tx.run('UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?', [rehashed, session.user, storedHash]);
      await tx.run('DELETE FROM sessions WHERE expires_at <= ?', [at.toISOString()]);
      await tx.run('INSERT INTO sessions (id_sha256, user_name, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)', [
        sha256(sessionId),
        session.user,
        session.csrf,
        at.toISOString(),
        at.toISOString(),
        session.expiresAt,
      ]);
      await writeAudit(tx, {
        at: at.toISOString(),
        actor: session.user,
        action: 'login',
        subject: session.user,
        detail: `client ${client}${rehashed ? '; password hash raised to the current cost' : ''}`,
      });
    });
    return { ok: true, sessionId, session };
  }

  /** The live session behind a cookie value; its idle clock restarts. */
  async session(sessionId: string, at: Date): Promise<Session | undefined> {
    const row = await this.db.get(
      'SELECT s.user_name, s.csrf, s.last_seen_at, s.expires_at, u.role FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.id_sha256 = ?',
      [sha256(sessionId)],
    );
    if (!row) return undefined;
    const now = at.getTime();
    const lastSeen = Date.parse(String(row.last_seen_at));
    if (Date.parse(String(row.expires_at)) <= now || lastSeen + this.policy.idleMs <= now) {
      await this.db.run('DELETE FROM sessions WHERE id_sha256 = ?', [sha256(sessionId)]);
      return undefined;
    }
    // Written at most once a minute (or a quarter of the idle limit, when that is shorter).
    if (now - lastSeen > Math.min(60_000, this.policy.idleMs / 4))
      await this.db.run('UPDATE sessions SET last_seen_at = ? WHERE id_sha256 = ?', [at.toISOString(), sha256(sessionId)]);
    return { user: String(row.user_name), role: String(row.role) as Role, csrf: String(row.csrf), expiresAt: String(row.expires_at) };
  }

  async logout(sessionId: string, user: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM sessions WHERE id_sha256 = ?', [sha256(sessionId)]);
      await writeAudit(tx, { at: at.toISOString(), actor: user, action: 'logout', subject: user, detail: '' });
    });
  }
}

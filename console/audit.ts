import { randomBytes } from 'node:crypto';
import type { Sql } from './db.ts';

export const AUDIT_ACTIONS = [
  'agent.enroll',
  'agent.zones',
  'reader.enroll',
  'run.delete',
  'user.add',
  'user.delete',
  'login',
  'login.failed',
  'login.throttled',
  'logout',
  'proposal.propose',
  'proposal.approve',
  'proposal.reject',
  'proposal.withdraw',
  'proposal.expire',
  'evidence.upload',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  readonly at: string;
  /** A user name, `cli` for the command line, or `-` for an unknown caller. */
  readonly actor: string;
  readonly action: AuditAction;
  readonly subject: string;
  readonly detail: string;
}

/** Written inside the same transaction as the change it records, so neither exists without the other. */
export async function writeAudit(sql: Sql, entry: AuditEntry): Promise<void> {
  await sql.run('INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    `${entry.at}-${randomBytes(6).toString('hex')}`,
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    entry.detail,
  ]);
}

export async function listAudit(sql: Sql, filter: { action?: string; limit: number }): Promise<AuditEntry[]> {
  const rows = await sql.all(
    `SELECT at, actor, action, subject, detail FROM audit_log ${filter.action ? 'WHERE action = ?' : ''} ORDER BY at DESC, id DESC LIMIT ?`,
    filter.action ? [filter.action, filter.limit] : [filter.limit],
  );
  return rows.map((r) => ({
    at: String(r.at),
    actor: String(r.actor),
    action: String(r.action) as AuditAction,
    subject: String(r.subject),
    detail: String(r.detail),
  }));
}

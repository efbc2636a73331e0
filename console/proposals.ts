import { createHash, randomBytes } from 'node:crypto';
import { type Role, roleAtLeast } from './accounts.ts';
import { type AuditAction, writeAudit } from './audit.ts';
import { type Sql, type SqlDb, type SqlRow, StoreError } from './db.ts';

/**
 * Four eyes for any change people make in the console: an engineer proposes, another engineer or
 * an admin approves or rejects, and only approved changes are in force. `kind` says what a change
 * is about (`answer`, `countermeasure`, `zone-model`, ...), `subject` what it belongs to (a zone);
 * the payload is the caller's JSON, validated by the caller. Every step is audited in the same
 * transaction as the change.
 *
 * An edit is a new proposal that `replaces` an approved one: once approved, the older is
 * `superseded`. A proposal with a null payload retires what it replaces.
 */

export const PROPOSAL_STATUSES = ['proposed', 'approved', 'rejected', 'withdrawn', 'superseded', 'retired', 'expired'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Who acts: a signed-in person and their role. */
export interface Actor {
  readonly user: string;
  readonly role: Role;
}

export interface NewProposal {
  readonly kind: string;
  readonly subject: string;
  /** The change; null retires the approved proposal it replaces. */
  readonly payload: unknown;
  /** One line for the audit log and lists (e.g. `CR 1.3 satisfied, whole zone`). */
  readonly summary: string;
  /** The approved proposal this one changes or retires. */
  readonly replaces?: string;
  /** Last day (YYYY-MM-DD) the change is in force once approved; past it, `expireDue` ends it. */
  readonly expires?: string;
}

export interface Proposal {
  readonly id: string;
  readonly kind: string;
  readonly subject: string;
  readonly payload: unknown;
  /** SHA-256 of the payload's JSON text, as stored: names exactly what was approved. */
  readonly payloadSha256: string;
  readonly summary: string;
  readonly replaces?: string;
  readonly expires?: string;
  readonly status: ProposalStatus;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly note?: string;
}

export interface ProposalFilter {
  readonly kind: string;
  readonly subject?: string;
  readonly statuses?: readonly ProposalStatus[];
}

/** A four-eyes rule broken, or a proposal that is not (or no longer) in the state the step needs. */
export class ProposalError extends StoreError {
  override name = 'ProposalError';
}

const MAX_SUMMARY = 300;
const MAX_NOTE = 1000;

function proposalOf(r: SqlRow): Proposal {
  const opt = <K extends string>(key: K, v: unknown) => (v == null ? {} : ({ [key]: String(v) } as Record<K, string>));
  return {
    id: String(r.id),
    kind: String(r.kind),
    subject: String(r.subject),
    payload: r.payload == null ? null : (JSON.parse(String(r.payload)) as unknown),
    payloadSha256: String(r.payload_sha256),
    summary: String(r.summary),
    status: String(r.status) as ProposalStatus,
    proposedBy: String(r.proposed_by),
    proposedAt: String(r.proposed_at),
    ...opt('replaces', r.replaces),
    ...opt('expires', r.expires),
    ...opt('decidedBy', r.decided_by),
    ...opt('decidedAt', r.decided_at),
    ...opt('note', r.note),
  };
}

/** The UTC day (YYYY-MM-DD) of an instant: expiry days are compared with it. */
export const dayOf = (at: Date) => at.toISOString().slice(0, 10);

/**
 * The proposal as it stands on `at`'s day: an approved change past its expiry day reads as expired
 * even before expireDue (the console's sweep, or the next write) records it, so reads never write.
 */
export function asOf(p: Proposal, at: Date): Proposal {
  return p.status === 'approved' && p.expires !== undefined && p.expires < dayOf(at) ? { ...p, status: 'expired' } : p;
}

function mayDecide(actor: Actor, what: string): void {
  if (!roleAtLeast(actor.role, 'engineer')) throw new ProposalError(`${what} needs the engineer or admin role; ${actor.user} is ${actor.role}`);
}

export class Proposals {
  readonly db: SqlDb;

  constructor(db: SqlDb) {
    this.db = db;
  }

  /** Records a proposal (engineer or admin); returns it. */
  async propose(input: NewProposal, actor: Actor, at: Date): Promise<Proposal> {
    mayDecide(actor, 'proposing a change');
    if (input.summary.trim() === '' || input.summary.length > MAX_SUMMARY) throw new ProposalError(`summary: 1 to ${MAX_SUMMARY} characters`);
    if (input.expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(input.expires)) throw new ProposalError('expires: a date YYYY-MM-DD');
    if (input.payload === null && input.replaces === undefined) throw new ProposalError('a proposal without a change must name what it retires');
    const payload = input.payload === null ? null : JSON.stringify(input.payload);
    const id = `p${randomBytes(6).toString('hex')}`;
    return this.db.transaction(async (tx) => {
      await this.expireDueIn(tx, at);
      if (input.replaces !== undefined) {
        const old = await tx.get('SELECT kind, subject, status FROM proposals WHERE id = ?', [input.replaces]);
        if (!old || old.kind !== input.kind || old.subject !== input.subject)
          throw new ProposalError(`${input.replaces} is no ${input.kind} of ${input.subject}`);
        if (old.status !== 'approved') throw new ProposalError(`${input.replaces} is ${String(old.status)}: only an approved change can be changed or retired`);
      }
      await tx.run(
        `INSERT INTO proposals (id, kind, subject, payload, payload_sha256, summary, replaces, expires, status, proposed_by, proposed_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?)`,
        [
          id,
          input.kind,
          input.subject,
          payload,
          createHash('sha256')
            .update(payload ?? 'null')
            .digest('hex'),
          input.summary.trim(),
          input.replaces ?? null,
          input.expires ?? null,
          actor.user,
          at.toISOString(),
        ],
      );
      const what = input.payload === null ? `retire ${input.replaces}` : input.replaces ? `change ${input.replaces}` : 'new';
      await audit(tx, at, actor.user, 'proposal.propose', input, `${id} (${what}): ${input.summary.trim()}`);
      return (await this.getIn(tx, id)) as Proposal;
    });
  }

  /** Puts a proposal in force: another engineer or an admin, never its proposer. */
  async approve(id: string, actor: Actor, at: Date, note = ''): Promise<Proposal> {
    mayDecide(actor, 'approving a change');
    return this.decide(id, actor, at, note, 'approved', async (tx, p) => {
      if (p.proposedBy === actor.user) throw new ProposalError(`${id} was proposed by ${actor.user}: another engineer or an admin approves it (four eyes)`);
      if (p.replaces === undefined) return;
      const ended = await tx.run("UPDATE proposals SET status = ? WHERE id = ? AND status = 'approved'", [
        p.payload === null ? 'retired' : 'superseded',
        p.replaces,
      ]);
      if (ended === 0) throw new ProposalError(`${p.replaces}, which ${id} changes, is no longer approved; propose the change again`);
    });
  }

  /** Turns a proposal down: another engineer or an admin (its proposer withdraws it instead). */
  async reject(id: string, actor: Actor, at: Date, note = ''): Promise<Proposal> {
    mayDecide(actor, 'rejecting a change');
    return this.decide(id, actor, at, note, 'rejected', async (_tx, p) => {
      if (p.proposedBy === actor.user) throw new ProposalError(`${id} is your own proposal: withdraw it instead`);
    });
  }

  /** Takes back one's own open proposal. */
  async withdraw(id: string, actor: Actor, at: Date): Promise<Proposal> {
    return this.decide(id, actor, at, '', 'withdrawn', async (_tx, p) => {
      if (p.proposedBy !== actor.user) throw new ProposalError(`${id} was proposed by ${p.proposedBy}: only they withdraw it`);
    });
  }

  /** Ends approved changes whose expiry day is before `at`'s day, each audited; returns them. */
  expireDue(at: Date): Promise<Proposal[]> {
    return this.db.transaction((tx) => this.expireDueIn(tx, at));
  }

  /** expireDue inside a write's transaction, so a change or approval never acts on an answer that has lapsed unrecorded. */
  private async expireDueIn(tx: Sql, at: Date): Promise<Proposal[]> {
    const due = (await tx.all("SELECT * FROM proposals WHERE status = 'approved' AND expires IS NOT NULL AND expires < ?", [dayOf(at)])).map(proposalOf);
    const ended: Proposal[] = [];
    for (const p of due) {
      // A concurrent write or sweep may have ended it first: audit only the end this transaction records.
      if ((await tx.run("UPDATE proposals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'approved'", [at.toISOString(), p.id])) === 0)
        continue;
      await audit(tx, at, 'console', 'proposal.expire', p, `${p.id}: expired after ${p.expires}: ${p.summary}`);
      ended.push({ ...p, status: 'expired' });
    }
    return ended;
  }

  get(id: string): Promise<Proposal | undefined> {
    return this.getIn(this.db, id);
  }

  /** Proposals of a kind (and subject, and statuses), oldest first. */
  async list(filter: ProposalFilter): Promise<Proposal[]> {
    const where = ['kind = ?'];
    const args: string[] = [filter.kind];
    if (filter.subject !== undefined) {
      where.push('subject = ?');
      args.push(filter.subject);
    }
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      args.push(...filter.statuses);
    }
    const rows = await this.db.all(`SELECT * FROM proposals WHERE ${where.join(' AND ')} ORDER BY proposed_at, id`, args);
    return rows.map(proposalOf);
  }

  private async getIn(sql: Sql, id: string): Promise<Proposal | undefined> {
    const row = await sql.get('SELECT * FROM proposals WHERE id = ?', [id]);
    return row ? proposalOf(row) : undefined;
  }

  /** Moves an open proposal to its decision, once: a second decision (or a concurrent one) is refused. */
  private async decide(
    id: string,
    actor: Actor,
    at: Date,
    note: string,
    status: 'approved' | 'rejected' | 'withdrawn',
    rule: (tx: Sql, p: Proposal) => Promise<void>,
  ): Promise<Proposal> {
    if (note.length > MAX_NOTE) throw new ProposalError(`note: at most ${MAX_NOTE} characters`);
    return this.db.transaction(async (tx) => {
      await this.expireDueIn(tx, at);
      const p = await this.getIn(tx, id);
      if (!p) throw new ProposalError(`no proposal ${id}`);
      if (p.status !== 'proposed') throw new ProposalError(`${id} is already ${p.status}`);
      await rule(tx, p);
      const changed = await tx.run("UPDATE proposals SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'proposed'", [
        status,
        actor.user,
        at.toISOString(),
        note.trim() || null,
        id,
      ]);
      if (changed === 0) throw new ProposalError(`${id} was decided meanwhile`);
      const action: AuditAction = status === 'approved' ? 'proposal.approve' : status === 'rejected' ? 'proposal.reject' : 'proposal.withdraw';
      await audit(tx, at, actor.user, action, p, `${id}${note.trim() ? ` (${note.trim()})` : ''}: ${p.summary}`);
      return (await this.getIn(tx, id)) as Proposal;
    });
  }
}

const audit = (tx: Sql, at: Date, actor: string, action: AuditAction, p: { kind: string; subject: string }, detail: string) =>
  writeAudit(tx, { at: at.toISOString(), actor, action, subject: `${p.kind} ${p.subject}`, detail });

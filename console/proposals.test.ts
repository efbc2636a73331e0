import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RANGES, testAddress } from '../test/addresses.ts';
import { storeKinds } from '../test/setup/console-stores.ts';
import { listAudit } from './audit.ts';
import { zoneAnswers } from './assessment.ts';
import { type Actor, asOf } from './proposals.ts';
import { startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';

const kinds = storeKinds(testAddress('proposalsStore', 1), TEST_RANGES.proposalsStore.port);
afterAll(() => {
  for (const k of kinds) k.stop();
});

const T0 = new Date('2026-11-02T10:00:00.000Z');
const eric: Actor = { user: 'eric', role: 'engineer' };
const erin: Actor = { user: 'erin', role: 'engineer' };
const ada: Actor = { user: 'ada', role: 'admin' };
const vera: Actor = { user: 'vera', role: 'viewer' };
const answer = (statement: string) => ({ kind: 'answer', subject: 'Line 1', payload: { requirement: 'CR 1.3', statement }, summary: `CR 1.3: ${statement}` });

for (const k of kinds) {
  describe.skipIf(k.skip !== undefined)(`four-eyes proposals on ${k.kind} ${k.skip ?? ''}`, () => {
    let store: ConsoleStore;
    beforeAll(async () => {
      store = await ConsoleStore.open(await k.fresh('proposals'));
    });
    afterAll(async () => {
      await store?.close();
    });

    it('an engineer proposes, the proposer cannot approve, another engineer does; a viewer can do neither', async () => {
      const p = await store.proposals.propose(answer('procedure OT-7'), eric, T0);
      expect(p).toMatchObject({ status: 'proposed', proposedBy: 'eric', payload: { statement: 'procedure OT-7' } });
      expect(p.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
      await expect(store.proposals.propose(answer('x'), vera, T0)).rejects.toThrow(/engineer or admin role; vera is viewer/);
      await expect(store.proposals.approve(p.id, eric, T0)).rejects.toThrow(/proposed by eric: another engineer or an admin approves it/);
      await expect(store.proposals.approve(p.id, vera, T0)).rejects.toThrow(/vera is viewer/);
      expect(await store.proposals.approve(p.id, erin, T0, 'checked OT-7')).toMatchObject({ status: 'approved', decidedBy: 'erin', note: 'checked OT-7' });
      await expect(store.proposals.approve(p.id, ada, T0)).rejects.toThrow(/already approved/);
      expect((await store.proposals.list({ kind: 'answer', subject: 'Line 1', statuses: ['approved'] })).map((x) => x.id)).toEqual([p.id]);
      expect(await store.proposals.list({ kind: 'answer', subject: 'Line 2' })).toEqual([]);
    });

    it('rejection is another person’s, withdrawal the proposer’s; both are final', async () => {
      const a = await store.proposals.propose(answer('a'), eric, T0);
      await expect(store.proposals.reject(a.id, eric, T0)).rejects.toThrow(/your own proposal: withdraw it instead/);
      expect(await store.proposals.reject(a.id, ada, T0, 'no evidence')).toMatchObject({ status: 'rejected', decidedBy: 'ada' });
      await expect(store.proposals.approve(a.id, erin, T0)).rejects.toThrow(/already rejected/);
      const b = await store.proposals.propose(answer('b'), eric, T0);
      await expect(store.proposals.withdraw(b.id, erin, T0)).rejects.toThrow(/only they withdraw it/);
      expect(await store.proposals.withdraw(b.id, eric, T0)).toMatchObject({ status: 'withdrawn' });
    });

    it('an edit replaces the approved change once approved; a retirement ends it; a stale edit is refused', async () => {
      const first = await store.proposals.approve((await store.proposals.propose(answer('v1'), eric, T0)).id, ada, T0);
      const edit = await store.proposals.propose({ ...answer('v2'), replaces: first.id }, erin, T0);
      const rival = await store.proposals.propose({ ...answer('v2b'), replaces: first.id }, eric, T0);
      expect((await store.proposals.get(first.id))?.status).toBe('approved');
      await store.proposals.approve(edit.id, eric, T0);
      expect((await store.proposals.get(first.id))?.status).toBe('superseded');
      await expect(store.proposals.approve(rival.id, erin, T0)).rejects.toThrow(/no longer approved; propose the change again/);
      expect((await store.proposals.get(rival.id))?.status).toBe('proposed');
      await expect(store.proposals.propose({ ...answer('v3'), replaces: first.id }, eric, T0)).rejects.toThrow(/is superseded: only an approved change/);
      await expect(store.proposals.propose({ ...answer('v3'), subject: 'Line 2', replaces: edit.id }, eric, T0)).rejects.toThrow(/no answer of Line 2/);
      const retire = await store.proposals.propose({ ...answer('ignored'), payload: null, replaces: edit.id }, eric, T0);
      await store.proposals.approve(retire.id, ada, T0);
      expect((await store.proposals.get(edit.id))?.status).toBe('retired');
      await expect(store.proposals.propose({ ...answer('x'), payload: null }, eric, T0)).rejects.toThrow(/must name what it retires/);
    });

    it('an approved change past its expiry day ends, once, audited', async () => {
      const p = await store.proposals.propose({ ...answer('short'), expires: '2026-11-30' }, eric, T0);
      await store.proposals.approve(p.id, ada, T0);
      expect(await store.proposals.expireDue(new Date('2026-11-30T23:00:00Z'))).toEqual([]);
      const ended = await store.proposals.expireDue(new Date('2026-12-01T00:00:01Z'));
      expect(ended.map((x) => [x.id, x.status])).toEqual([[p.id, 'expired']]);
      expect(await store.proposals.expireDue(new Date('2026-12-02T00:00:00Z'))).toEqual([]);
      await expect(store.proposals.propose({ ...answer('x'), expires: '30.11.2026' }, eric, T0)).rejects.toThrow(/expires: a date/);
    });

    it('reading a zone’s answers writes nothing: a lapsed answer reads as expired at once, the next write records its end', async () => {
      const p = await store.proposals.propose({ ...answer('lapsing'), subject: 'Line 3', expires: '2026-11-10' }, eric, T0);
      await store.proposals.approve(p.id, ada, T0);
      const later = new Date('2026-11-11T08:00:00Z');
      const expiries = async () => (await listAudit(store.db, { action: 'proposal.expire', limit: 50 })).filter((e) => e.detail.startsWith(p.id));
      expect((await zoneAnswers(store.proposals, 'Line 3', undefined, T0)).approved).toBe(1);
      expect(await zoneAnswers(store.proposals, 'Line 3', undefined, later)).toMatchObject({ approved: 0, pending: [] });
      const stored = await store.proposals.get(p.id);
      expect(stored?.status).toBe('approved');
      expect(stored && asOf(stored, later).status).toBe('expired');
      expect(await expiries()).toHaveLength(0);
      await store.proposals.propose({ ...answer('renewed'), subject: 'Line 3' }, eric, later);
      expect((await store.proposals.get(p.id))?.status).toBe('expired');
      expect(await expiries()).toHaveLength(1);
    });

    it('the console ends expired changes on its own sweep, audited, without a page being opened', async () => {
      const p = await store.proposals.propose({ ...answer('swept'), expires: '2026-11-05' }, eric, T0);
      await store.proposals.approve(p.id, ada, T0);
      const svc = await startConsole({
        store,
        host: testAddress('proposalsStore', 2),
        port: 0,
        now: () => new Date('2026-11-07T00:00:00Z'),
        expirySweepMs: 20,
      });
      try {
        await expect.poll(async () => (await store.proposals.get(p.id))?.status, { timeout: 5000 }).toBe('expired');
      } finally {
        await svc.close();
      }
      expect((await listAudit(store.db, { action: 'proposal.expire', limit: 50 })).filter((e) => e.detail.startsWith(p.id))).toHaveLength(1);
    });

    it('concurrent approvals of one proposal: exactly one wins', async () => {
      const p = await store.proposals.propose(answer('race'), eric, T0);
      const outcomes = await Promise.allSettled([store.proposals.approve(p.id, erin, T0), store.proposals.approve(p.id, ada, T0)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect((await listAudit(store.db, { action: 'proposal.approve', limit: 100 })).filter((e) => e.detail.startsWith(p.id))).toHaveLength(1);
    });

    it('writes every step to the audit log with actor, kind and subject', async () => {
      const entries = await listAudit(store.db, { limit: 500 });
      const actions = new Set(entries.filter((e) => e.subject === 'answer Line 1').map((e) => e.action));
      expect([...actions].sort()).toEqual(['proposal.approve', 'proposal.expire', 'proposal.propose', 'proposal.reject', 'proposal.withdraw']);
      expect(entries.find((e) => e.action === 'proposal.reject')).toMatchObject({ actor: 'ada', detail: expect.stringContaining('(no evidence)') });
      expect(entries.find((e) => e.action === 'proposal.expire')).toMatchObject({
        actor: 'console',
        detail: expect.stringContaining('expired after 2026-11-30'),
      });
    });
  });
}

import { describe, expect, it } from 'vitest';
import { applyAttestations, compensate } from './apply-statements.ts';
import type { Gap, RequirementResult } from './model.ts';
import { Attestation, Exception } from './statements.ts';

const row = (id: string, over: Partial<RequirementResult> = {}): RequirementResult => ({
  id,
  componentType: 'HDR',
  fr: 1,
  sl: 1,
  status: 'not-assessed',
  decidedBy: 'none',
  observation: 'none',
  checks: [],
  ...over,
});
const attest = (over: Record<string, unknown>) =>
  Attestation.parse({ requirement: 'CR 1.3', statement: 'done', by: 'me', date: '2026-01-10', evidence: 'T-1', ...over });
const AT = '2026-06-01T08:00:00.000Z';
const dev = { address: '127.81.1.5', name: 'panel' };

describe('applyAttestations', () => {
  it('decides an open row, by address or config name', () => {
    for (const devices of [undefined, ['127.81.1.5'], ['panel']]) {
      const { rows, used } = applyAttestations([row('CR 1.3')], [attest(devices ? { devices } : {})], dev, AT);
      expect(rows[0]).toMatchObject({ status: 'satisfied', decidedBy: 'attested', attestation: { state: 'applied', by: 'me', evidence: 'T-1' } });
      expect([...used]).toEqual([0]);
    }
    expect(applyAttestations([row('CR 1.3')], [attest({ devices: ['other'] })], dev, AT)).toMatchObject({
      rows: [{ status: 'not-assessed' }],
      used: new Set(),
    });
  });

  it('with a consistent observation confirms a partial requirement; a refuting one flags the attestation and keeps the gap', () => {
    const [consistent] = applyAttestations([row('CR 1.1', { observation: 'consistent', checks: ['c'] })], [attest({ requirement: 'CR 1.1' })], dev, AT).rows;
    expect(consistent).toMatchObject({ status: 'satisfied', decidedBy: 'attested', observation: 'consistent' });
    const [refuted] = applyAttestations(
      [row('CR 1.1', { status: 'not-satisfied', decidedBy: 'observed', observation: 'refuted' })],
      [attest({ requirement: 'CR 1.1' })],
      dev,
      AT,
    ).rows;
    expect(refuted).toMatchObject({ status: 'not-satisfied', decidedBy: 'observed', attestation: { state: 'contradicted' } });
  });

  it('ignores an expired attestation but shows it; expiry is inclusive of its day', () => {
    const [expired] = applyAttestations([row('CR 1.3')], [attest({ expires: '2026-05-31' })], dev, AT).rows;
    expect(expired).toMatchObject({ status: 'not-assessed', decidedBy: 'none', attestation: { state: 'expired', expires: '2026-05-31' } });
    expect(applyAttestations([row('CR 1.3')], [attest({ expires: '2026-06-01' })], dev, AT).rows[0]?.status).toBe('satisfied');
    const both = applyAttestations([row('CR 1.3')], [attest({ expires: '2026-01-31' }), attest({ by: 'renewed' })], dev, AT);
    expect(both.rows[0]).toMatchObject({ status: 'satisfied', attestation: { by: 'renewed' } });
  });

  it('records why a row does not apply, and never overrides a catalog decision', () => {
    const [na] = applyAttestations([row('NDR 1.6')], [attest({ requirement: 'NDR 1.6', status: 'not-applicable', statement: 'no radio' })], dev, AT).rows;
    expect(na).toMatchObject({ status: 'not-applicable', decidedBy: 'attested', reason: 'no radio' });
    const [catalog] = applyAttestations([row('CR 5.1', { status: 'not-applicable', decidedBy: 'catalog' })], [attest({ requirement: 'CR 5.1' })], dev, AT).rows;
    expect(catalog).toMatchObject({ status: 'not-applicable', decidedBy: 'catalog', attestation: { state: 'superseded' } });
  });

  it('limits an attestation to one component type when it names one', () => {
    const { rows } = applyAttestations([row('CR 1.3'), row('CR 1.3', { componentType: 'SAR' })], [attest({ componentType: 'SAR' })], dev, AT);
    expect(rows.map((r) => r.status)).toEqual(['not-assessed', 'satisfied']);
  });
});

describe('compensate', () => {
  const gap = (requirement: string): Gap => ({ requirement, componentTypes: ['EDR'], fr: 3, sl: 1, levelsBelowTarget: 2, causes: ['s7.x'], frsBlocked: 1 });
  const exception = (over: Record<string, unknown>) =>
    Exception.parse({
      requirement: 'CR 3.1',
      countermeasure: 'firewall',
      justification: 'legacy',
      approvedBy: 'pso',
      approved: '2026-01-01',
      expires: '2026-12-31',
      ...over,
    });

  it('moves a covered gap to compensated and leaves the rest', () => {
    const r = compensate([gap('CR 3.1'), gap('CR 4.1')], [exception({ devices: ['panel'] })], dev, AT);
    expect(r.compensated).toMatchObject([{ requirement: 'CR 3.1', exception: { state: 'active', countermeasure: 'firewall' } }]);
    expect(r.gaps.map((g) => g.requirement)).toEqual(['CR 4.1']);
    expect([...r.used]).toEqual([0]);
  });

  it('an expired exception is a gap again, with the lapse visible', () => {
    const r = compensate([gap('CR 3.1')], [exception({ expires: '2026-05-01' })], dev, AT);
    expect(r.compensated).toEqual([]);
    expect(r.gaps).toMatchObject([{ requirement: 'CR 3.1', exception: { state: 'expired', expires: '2026-05-01' } }]);
  });
});

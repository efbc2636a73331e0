import { describe, expect, it } from 'vitest';
import { CHECK_INSTANCES } from './bundled.ts';
import { type PlanDevice, REMEDIATION_ACTIONS, actionPlan, type RemediationAction } from './plan.ts';

const T2 = [2, 2, 2, 2, 2, 2, 2];

type Check = PlanDevice['checks'][number];
const fail = (id: string, ...requirements: string[]): Check => ({ id, status: 'fail', requirements, remediation: `Fix ${id}.` });
const pass = (id: string, ...requirements: string[]): Check => ({ id, status: 'pass', requirements, remediation: `Fix ${id}.` });

/**
 * A device whose rows are refuted by its failing checks: each requirement is `id@fr.sl`.
 * Rows refuted by no failing check are not-assessed, so the ceiling is what failing checks cap.
 */
function device(address: string, checks: Check[], rows: string[], extra: Partial<PlanDevice> = {}): PlanDevice {
  const requirements = rows.map((r) => {
    const [id = '', where = ''] = r.split('@');
    const [fr, sl] = where.split('.').map(Number);
    const refuted = checks.some((c) => c.status === 'fail' && c.requirements.includes(id));
    return { id, componentType: 'EDR' as const, fr: fr ?? 1, sl: sl ?? 1, status: refuted ? ('not-satisfied' as const) : ('not-assessed' as const) };
  });
  const ceiling = [1, 2, 3, 4, 5, 6, 7].map((fr) =>
    Math.min(4, ...requirements.filter((r) => r.fr === fr && r.status === 'not-satisfied').map((r) => r.sl - 1)),
  );
  const gaps = requirements
    .filter((r) => r.status === 'not-satisfied' && r.sl <= (T2[r.fr - 1] ?? 0))
    .map((r) => ({ requirement: r.id, causes: checks.filter((c) => c.status === 'fail' && c.requirements.includes(r.id)).map((c) => c.id) }));
  return { address, slT: T2, requirements, checks, gaps, slC: { ceiling }, ...extra };
}

const ACTIONS: RemediationAction[] = [
  { id: 'disable-telnet', effort: 'configuration', does: 'Disable Telnet', checks: ['telnet.absent'] },
  { id: 'restrict-modbus', effort: 'network-change', does: 'Restrict Modbus', checks: ['modbus.a', 'modbus.b'] },
  { id: 'cheap', effort: 'configuration', does: 'Cheap change', checks: ['x.cheap'] },
  { id: 'costly', effort: 'replacement', does: 'Costly change', checks: ['x.costly'] },
];

describe('action plan', () => {
  it('merges one change across devices and across the checks it fixes, and says what it closes', () => {
    const plan = actionPlan(
      [
        device('10.0.0.20', [fail('telnet.absent', 'CR 4.1', 'CR 3.1')], ['CR 4.1@4.1', 'CR 3.1@3.1'], { name: 'hmi' }),
        device('10.0.0.40', [fail('telnet.absent', 'CR 4.1')], ['CR 4.1@4.1']),
        device('10.0.0.30', [fail('modbus.a', 'CR 1.2'), fail('modbus.b', 'CR 2.1')], ['CR 1.2@1.1', 'CR 2.1@2.2']),
      ],
      ACTIONS,
    );
    expect(plan.map((e) => [e.rank, e.id, e.action, e.devices, e.checks, e.requirements])).toEqual([
      [1, 'disable-telnet', 'Disable Telnet on 10.0.0.20 (hmi) and 10.0.0.40', ['10.0.0.20', '10.0.0.40'], ['telnet.absent'], ['CR 3.1', 'CR 4.1']],
      [2, 'restrict-modbus', 'Restrict Modbus on 10.0.0.30', ['10.0.0.30'], ['modbus.a', 'modbus.b'], ['CR 1.2', 'CR 2.1']],
    ]);
    expect(plan[0]?.closes).toEqual([
      { device: '10.0.0.20', requirement: 'CR 4.1' },
      { device: '10.0.0.20', requirement: 'CR 3.1' },
      { device: '10.0.0.40', requirement: 'CR 4.1' },
    ]);
    // Three (device, FR) ceilings rise to the target: FR3 and FR4 on .20, FR4 on .40.
    expect(plan[0]?.frsRaised).toBe(3);
    expect(plan[0]?.ceilingAfter).toEqual({ '10.0.0.20': [4, 4, 4, 4, 4, 4, 4], '10.0.0.40': [4, 4, 4, 4, 4, 4, 4] });
  });

  it('ranks by FR ceilings raised, then devices, then gaps closed, then the cheaper effort', () => {
    const d = device(
      '10.0.0.1',
      [fail('x.costly', 'A'), fail('x.cheap', 'B'), fail('modbus.a', 'C'), fail('modbus.b', 'C')],
      ['A@1.1', 'B@2.1', 'C@3.3'], // C is above the target: fixing it raises no ceiling toward SL-T
    );
    expect(actionPlan([d], ACTIONS).map((e) => [e.id, e.frsRaised])).toEqual([
      ['cheap', 1],
      ['costly', 1],
      ['restrict-modbus', 0],
    ]);
  });

  it('shows the ceiling after the plan up to each action, so changes needed together are visible', () => {
    // Requirement A (FR1) is refuted by two checks of two actions: neither alone raises FR1 or closes A, both together do.
    const d = device('10.0.0.1', [fail('x.cheap', 'A'), fail('x.costly', 'A')], ['A@1.1']);
    const plan = actionPlan([d], ACTIONS);
    expect(plan.map((e) => [e.id, e.frsRaised, e.ceilingAfter['10.0.0.1']?.[0], e.closes.length])).toEqual([
      ['cheap', 0, 0, 0],
      ['costly', 1, 4, 1],
    ]);
  });

  it('adds firmware updates for affected advisories with a fix: high CVSS first among equals, others after configuration changes', () => {
    const vuln = (id: string, score: number) => ({
      status: 'affected' as const,
      advisory: { id, version: '1', title: id, releaseDate: '2025-01-01', publisher: 'CISA' },
      cve: `CVE-2025-${score * 10}`,
      cvss: { version: '3.1', baseScore: score, vector: 'v' },
      fixedVersion: 'V2.9',
      remediations: [{ category: 'vendor_fix', details: 'update' }],
    });
    const d = device('10.0.0.1', [fail('x.cheap', 'A')], ['A@3.3'], { vulnerabilities: [vuln('ICSA-1', 9.8), vuln('ICSA-2', 5.0)] });
    const plan = actionPlan([d], ACTIONS);
    expect(plan.map((e) => [e.id, e.effort])).toEqual([
      ['firmware:ICSA-1', 'firmware-update'],
      ['cheap', 'configuration'],
      ['firmware:ICSA-2', 'firmware-update'],
    ]);
    expect(plan[0]).toMatchObject({
      action: 'Update the firmware (advisory ICSA-1, fixed in V2.9) on 10.0.0.1',
      advisory: { cves: ['CVE-2025-98'], cvss: 9.8 },
    });
  });

  it('leaves out passing checks and devices without failures, and words an unlisted check by its own remediation', () => {
    const plan = actionPlan(
      [device('10.0.0.1', [pass('telnet.absent', 'A'), fail('vendor.own-check', 'B')], ['A@1.1', 'B@1.1']), device('10.0.0.2', [], [])],
      ACTIONS,
    );
    expect(plan.map((e) => [e.id, e.action])).toEqual([['check-vendor.own-check', 'Fix vendor.own-check on 10.0.0.1']]);
  });

  it('covers every bundled check with exactly one action, and names only checks that exist', () => {
    const ids = (CHECK_INSTANCES as { id: string }[]).map((c) => c.id);
    const listed = REMEDIATION_ACTIONS.flatMap((a) => a.checks);
    expect(listed.filter((id, i) => listed.indexOf(id) !== i)).toEqual([]);
    expect(ids.filter((id) => !listed.includes(id))).toEqual([]);
    expect(listed.filter((id) => !ids.includes(id))).toEqual([]);
  });
});

describe('check wording', () => {
  it('every bundled check words the problem it finds, apart from the state it expects', () => {
    const instances = CHECK_INSTANCES as { id: string; title: string; problem?: string }[];
    expect(instances.filter((c) => !c.problem || c.problem === c.title).map((c) => c.id)).toEqual([]);
  });
});

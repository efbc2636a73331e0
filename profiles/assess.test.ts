import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DeviceObservation } from '../probes/observation.ts';
import { assessDevice } from './assess.ts';
import { loadCatalog } from './catalog.ts';
import { loadCheckSet, ProfileError } from './check-set.ts';
import { type CheckStatus, defineCheckKind } from './checks/types.ts';
import { DeviceView } from './device-view.ts';
import { loadMapping } from './mapping.ts';

/** A kind whose verdict is named by its parameter: lets the table below drive every combination. */
const fixed = defineCheckKind({
  id: 'fixed',
  params: z.object({ status: z.enum(['pass', 'fail', 'unknown', 'not-applicable', 'error']) }),
  evaluate: (_d, p) => ({ status: p.status as CheckStatus, observed: p.status }),
});
const throwing = defineCheckKind({
  id: 'throwing',
  params: z.object({}),
  evaluate: () => {
    throw new Error('boom');
  },
});

const catalog = loadCatalog({
  name: 't',
  version: '1',
  requirements: [
    { id: 'CR 1.1', kind: 'requirement', fr: 1, title: 'a', sl: 1, appliesTo: ['EDR', 'HDR', 'SAR'], assessment: 'partial' },
    { id: 'CR 3.1', kind: 'requirement', fr: 3, title: 'b', sl: 1, appliesTo: ['EDR', 'HDR'], assessment: 'automated' },
    { id: 'CR 4.1', kind: 'requirement', fr: 4, title: 'c', sl: 1, appliesTo: ['EDR', 'HDR'], assessment: 'automated' },
    { id: 'CR 7.7', kind: 'requirement', fr: 7, title: 'd', sl: 1, appliesTo: ['EDR', 'HDR'], assessment: 'manual' },
    { id: 'EDR 3.10', kind: 'requirement', fr: 3, title: 'e', sl: 1, appliesTo: ['EDR'], assessment: 'partial' },
    { id: 'CR 5.1', kind: 'requirement', fr: 5, title: 'f', sl: 1, appliesTo: ['EDR', 'HDR'], assessment: 'not-applicable' },
  ],
});

function profileWith(statuses: Record<string, CheckStatus | 'throw'>, mapping: Record<string, { combine?: 'all' | 'any'; checks: string[] }>) {
  const instances = Object.entries(statuses).map(([id, status]) =>
    status === 'throw' ? { id, kind: 'throwing', title: id, remediation: 'r' } : { id, kind: 'fixed', title: id, params: { status }, remediation: 'r' },
  );
  const checks = loadCheckSet([fixed, throwing], instances);
  return { catalog, checks, mapping: loadMapping({ requirements: mapping }, catalog, checks) };
}

const device = new DeviceView({ address: '127.0.0.1', services: [], outcomes: [] } satisfies DeviceObservation);
const statusOf = (a: ReturnType<typeof assessDevice>, id: string) => a.requirements.find((r) => r.id === id);

describe('assessDevice', () => {
  const base = {
    'CR 1.1': { checks: ['t.a'] },
    'CR 3.1': { checks: ['t.b', 't.c'] },
    'CR 4.1': { combine: 'any' as const, checks: ['t.d', 't.e'] },
    'EDR 3.10': { checks: ['t.f'] },
  };

  it('a failing check refutes a partial requirement; passing checks never confirm it', () => {
    const refuted = assessDevice(profileWith({ 't.a': 'fail', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base), device, [
      'EDR',
    ]);
    expect(statusOf(refuted, 'CR 1.1')).toMatchObject({ status: 'not-satisfied', decidedBy: 'observed', observation: 'refuted' });
    const consistent = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base), device, [
      'EDR',
    ]);
    expect(statusOf(consistent, 'CR 1.1')).toMatchObject({ status: 'not-assessed', decidedBy: 'none', observation: 'consistent' });
  });

  it('an automated requirement is satisfied only when all its checks pass', () => {
    const all = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base), device, ['EDR']);
    expect(statusOf(all, 'CR 3.1')).toMatchObject({ status: 'satisfied', decidedBy: 'observed' });
    const oneUnknown = assessDevice(
      profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'unknown', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base),
      device,
      ['EDR'],
    );
    expect(statusOf(oneUnknown, 'CR 3.1')).toMatchObject({ status: 'not-assessed', observation: 'none' });
  });

  it('`any` needs one pass, and refutes only when every check decided and failed', () => {
    const one = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'fail', 't.e': 'pass', 't.f': 'pass' }, base), device, ['EDR']);
    expect(statusOf(one, 'CR 4.1')?.status).toBe('satisfied');
    const undecided = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'fail', 't.e': 'unknown', 't.f': 'pass' }, base), device, [
      'EDR',
    ]);
    expect(statusOf(undecided, 'CR 4.1')?.status).toBe('not-assessed');
    const none = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'fail', 't.e': 'fail', 't.f': 'pass' }, base), device, ['EDR']);
    expect(statusOf(none, 'CR 4.1')?.status).toBe('not-satisfied');
  });

  it('checks that are not applicable leave a requirement not assessed', () => {
    const a = assessDevice(
      profileWith({ 't.a': 'not-applicable', 't.b': 'not-applicable', 't.c': 'not-applicable', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base),
      device,
      ['EDR'],
    );
    expect(statusOf(a, 'CR 1.1')).toMatchObject({ status: 'not-assessed', observation: 'none' });
    expect(statusOf(a, 'CR 3.1')).toMatchObject({ status: 'not-assessed', observation: 'none' });
  });

  it('only judges requirements of the component type, and runs only their checks', () => {
    const hdr = assessDevice(profileWith({ 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'fail' }, base), device, ['HDR']);
    expect(hdr.requirements.map((r) => r.id)).not.toContain('EDR 3.10');
    expect(hdr.checks.map((c) => c.id)).not.toContain('t.f');
    expect(statusOf(hdr, 'CR 7.7')).toMatchObject({ status: 'not-assessed', checks: [] });
    expect(statusOf(hdr, 'CR 5.1')).toMatchObject({ status: 'not-applicable', decidedBy: 'catalog' });
  });

  it('judges a host as HDR and SAR rows from the same checks', () => {
    const host = assessDevice(profileWith({ 't.a': 'fail', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base), device, [
      'HDR',
      'SAR',
    ]);
    expect(host.requirements.filter((r) => r.id === 'CR 1.1')).toMatchObject([
      { componentType: 'HDR', status: 'not-satisfied' },
      { componentType: 'SAR', status: 'not-satisfied' },
    ]);
    expect(host.checks.filter((c) => c.id === 't.a')).toHaveLength(1);
  });

  it('a check that throws is an error, never a pass', () => {
    const a = assessDevice(profileWith({ 't.a': 'throw', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' }, base), device, ['EDR']);
    expect(a.checks.find((c) => c.id === 't.a')).toMatchObject({ status: 'error', reason: 'check t.a failed: boom' });
    expect(statusOf(a, 'CR 1.1')?.status).toBe('not-assessed');
  });
});

describe('profile integrity', () => {
  const statuses = { 't.a': 'pass', 't.b': 'pass', 't.c': 'pass', 't.d': 'pass', 't.e': 'pass', 't.f': 'pass' } as const;
  it.each([
    [
      'an automated requirement without checks',
      { 'CR 1.1': { checks: ['t.a'] }, 'EDR 3.10': { checks: ['t.f'] }, 'CR 4.1': { checks: ['t.d'] } },
      'CR 3.1 is declared automated but no check is mapped',
    ],
    ['checks on a manual requirement', { 'CR 7.7': { checks: ['t.a'] } }, 'which the catalog declares manual'],
    ['an unknown check', { 'CR 1.1': { checks: ['t.zz'] } }, 'unknown check t.zz'],
    ['an unknown requirement', { 'CR 9.9': { checks: ['t.a'] } }, 'not in the catalog'],
  ])('refuses %s', (_l, mapping, message) => {
    expect(() => profileWith(statuses, mapping)).toThrow(message);
  });

  it('refuses a check that is neither mapped nor informational', () => {
    expect(() =>
      profileWith(
        { ...statuses, 't.z': 'pass' },
        { 'CR 1.1': { checks: ['t.a'] }, 'CR 3.1': { checks: ['t.b'] }, 'CR 4.1': { checks: ['t.c', 't.d', 't.e'] }, 'EDR 3.10': { checks: ['t.f'] } },
      ),
    ).toThrow('check t.z is neither mapped');
  });

  it('refuses check instances with an unknown kind or bad params', () => {
    expect(() => loadCheckSet([fixed], [{ id: 'x.y', kind: 'nope', title: 't', remediation: 'r' }])).toThrow(ProfileError);
    expect(() => loadCheckSet([fixed], [{ id: 'x.y', kind: 'fixed', title: 't', params: { status: 'maybe' }, remediation: 'r' }])).toThrow('bad params');
  });
});

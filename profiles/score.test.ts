import { describe, expect, it } from 'vitest';
import { applicableTo, bundledCatalog, COMPONENT_TYPES, type ComponentType } from './catalog.ts';
import type { RequirementStatus } from './model.ts';
import { score } from './score.ts';

const req = (id: string, fr: number, sl: number, status: RequirementStatus, componentType: ComponentType = 'EDR') => ({ id, componentType, fr, sl, status });
const SLT2 = [2, 2, 2, 2, 2, 2, 2];

describe('score', () => {
  it('a requirement missing at SL2 caps its FR at 1', () => {
    const s = score([req('CR 1.1', 1, 1, 'satisfied'), req('CR 1.8', 1, 2, 'not-satisfied'), req('CR 1.1 RE(2)', 1, 3, 'satisfied')], SLT2);
    expect(s.slC.demonstrated[0]).toBe(1);
    expect(s.slC.ceiling[0]).toBe(1);
    expect(s.gaps).toEqual([{ requirement: 'CR 1.8', componentTypes: ['EDR'], fr: 1, sl: 2, levelsBelowTarget: 1, causes: [], frsBlocked: 1 }]);
    expect(s.frs[0]?.blockers).toEqual(['CR 1.8']);
  });

  it('not-assessed items lift the ceiling but not the demonstrated level', () => {
    const s = score([req('CR 3.1', 3, 1, 'satisfied'), req('CR 3.1 RE(1)', 3, 2, 'not-assessed'), req('CR 3.3 RE(1)', 3, 4, 'not-assessed')], SLT2);
    expect(s.slC.demonstrated[2]).toBe(1);
    expect(s.slC.ceiling[2]).toBe(4);
    expect(s.gaps).toEqual([]);
    expect(s.frs[2]?.toAssess).toEqual(['CR 3.1 RE(1)']);
  });

  it('ranks gaps by levels below target, then by how many FRs their causes block', () => {
    const checks = [
      { id: 'x.cleartext', status: 'fail' as const, requirements: ['CR 3.1', 'CR 4.1'] },
      { id: 'x.banner', status: 'fail' as const, requirements: ['CR 1.12'] },
      { id: 'x.ok', status: 'pass' as const, requirements: ['CR 1.12'] },
    ];
    const s = score(
      [req('CR 1.12', 1, 1, 'not-satisfied'), req('CR 4.1', 4, 1, 'not-satisfied'), req('CR 3.1', 3, 1, 'not-satisfied'), req('CR 1.8', 1, 2, 'not-satisfied')],
      SLT2,
      checks,
    );
    expect(s.gaps.map((g) => [g.requirement, g.frsBlocked, g.causes])).toEqual([
      ['CR 3.1', 2, ['x.cleartext']],
      ['CR 4.1', 2, ['x.cleartext']],
      ['CR 1.12', 1, ['x.banner']],
      ['CR 1.8', 1, []],
    ]);
  });

  it('an FR without requirements, or with only not-applicable ones, reaches 4', () => {
    const s = score([req('NDR 1.6', 1, 1, 'not-applicable', 'NDR')], SLT2);
    expect(s.slC.demonstrated).toEqual([4, 4, 4, 4, 4, 4, 4]);
  });

  it('requirements above the target are no gaps, but still cap the vector', () => {
    const s = score([req('CR 2.7', 2, 3, 'not-satisfied')], [1, 1, 1, 1, 1, 1, 1]);
    expect(s.gaps).toEqual([]);
    expect(s.slC.ceiling[1]).toBe(2);
  });

  it('uses the target of each FR from a vector', () => {
    const s = score([req('CR 1.8', 1, 2, 'not-satisfied'), req('CR 7.8', 7, 2, 'not-satisfied')], [2, 2, 2, 1, 2, 1, 1]);
    expect(s.gaps.map((g) => g.requirement)).toEqual(['CR 1.8']);
  });

  it('scores each component type of a host, the device reaching per FR only its weakest type, one gap per requirement', () => {
    const rows = [
      req('CR 1.1', 1, 1, 'satisfied', 'HDR'),
      req('CR 1.1', 1, 1, 'satisfied', 'SAR'),
      req('SAR 2.4', 2, 1, 'not-assessed', 'SAR'),
      req('HDR 2.4', 2, 1, 'satisfied', 'HDR'),
      req('CR 4.1', 4, 1, 'not-satisfied', 'HDR'),
      req('CR 4.1', 4, 1, 'not-satisfied', 'SAR'),
    ];
    const s = score(rows, SLT2);
    expect(s.byType.HDR?.demonstrated).toEqual([4, 4, 4, 0, 4, 4, 4]);
    expect(s.byType.SAR?.demonstrated).toEqual([4, 0, 4, 0, 4, 4, 4]);
    expect(s.slC.demonstrated).toEqual([4, 0, 4, 0, 4, 4, 4]);
    expect(s.slC.ceiling).toEqual([4, 4, 4, 0, 4, 4, 4]);
    expect(s.gaps).toMatchObject([{ requirement: 'CR 4.1', componentTypes: ['HDR', 'SAR'] }]);
    expect(s.frs[1]?.toAssess).toEqual(['SAR 2.4']);
  });
});

/** Every FR of every component type of the bundled catalog: satisfy everything up to L, refute the first row above. */
describe('score over the bundled catalog', () => {
  const cases = COMPONENT_TYPES.flatMap((type) => [1, 2, 3, 4, 5, 6, 7].map((fr) => [type, fr] as const));
  it.each(cases)('%s FR%i: demonstrated and ceiling follow the lowest refused and the lowest open level', (type, fr) => {
    const entries = applicableTo(bundledCatalog, type);
    const levels = [...new Set(entries.filter((e) => e.fr === fr).map((e) => e.sl))].sort();
    expect(levels.length, `${type} FR${fr} has requirements`).toBeGreaterThan(0);
    for (const level of [1, 2, 3, 4]) {
      const rows = entries.map((e) =>
        req(e.id, e.fr, e.sl, e.fr !== fr || e.sl < level ? 'satisfied' : e.sl === level ? 'not-satisfied' : 'not-assessed', type),
      );
      const s = score(rows, [level, level, level, level, level, level, level]);
      // The first level at or above L holds a refused (== L) or an open (> L) row: both stop `demonstrated`.
      const firstOpen = levels.find((l) => l >= level);
      expect(s.slC.demonstrated[fr - 1], `level ${level}`).toBe(firstOpen === undefined ? 4 : firstOpen - 1);
      expect(s.slC.ceiling[fr - 1], `level ${level}`).toBe(levels.includes(level) ? level - 1 : 4);
      expect(s.gaps.every((g) => g.fr === fr && g.sl === level && g.levelsBelowTarget === 1)).toBe(true);
      expect(s.gaps.length > 0).toBe(levels.includes(level));
      for (let other = 1; other <= 7; other++) if (other !== fr) expect(s.slC.demonstrated[other - 1]).toBe(4);
    }
  });
});

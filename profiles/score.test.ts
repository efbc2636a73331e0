import { describe, expect, it } from 'vitest';
import type { RequirementStatus } from './model.ts';
import { score } from './score.ts';

const req = (id: string, fr: number, sl: number, status: RequirementStatus) => ({ id, fr, sl, status });
const SLT2 = [2, 2, 2, 2, 2, 2, 2];

describe('score', () => {
  it('a requirement missing at SL2 caps its FR at 1', () => {
    const s = score([req('CR 1.1', 1, 1, 'satisfied'), req('CR 1.8', 1, 2, 'not-satisfied'), req('CR 1.1 RE(2)', 1, 3, 'satisfied')], SLT2);
    expect(s.slC.demonstrated[0]).toBe(1);
    expect(s.slC.ceiling[0]).toBe(1);
    expect(s.gaps).toEqual([{ requirement: 'CR 1.8', fr: 1, sl: 2, levelsBelowTarget: 1 }]);
    expect(s.frs[0]?.blockers).toEqual(['CR 1.8']);
  });

  it('not-assessed items lift the ceiling but not the demonstrated level', () => {
    const s = score([req('CR 3.1', 3, 1, 'satisfied'), req('CR 3.1 RE(1)', 3, 2, 'not-assessed'), req('CR 3.3 RE(1)', 3, 4, 'not-assessed')], SLT2);
    expect(s.slC.demonstrated[2]).toBe(1);
    expect(s.slC.ceiling[2]).toBe(4);
    expect(s.gaps).toEqual([]);
    expect(s.frs[2]?.toAssess).toEqual(['CR 3.1 RE(1)']);
  });

  it('a failing SL1 requirement gives 0 and is the gap furthest below target', () => {
    const s = score([req('CR 4.1', 4, 1, 'not-satisfied'), req('CR 4.2', 4, 2, 'not-satisfied'), req('CR 1.8', 1, 2, 'not-satisfied')], SLT2);
    expect(s.slC.demonstrated[3]).toBe(0);
    expect(s.slC.ceiling[3]).toBe(0);
    expect(s.gaps.map((g) => g.requirement)).toEqual(['CR 4.1', 'CR 1.8', 'CR 4.2']);
  });

  it('an FR without requirements, or with only not-applicable ones, reaches 4', () => {
    const s = score([req('NDR 1.6', 1, 1, 'not-applicable')], SLT2);
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
});

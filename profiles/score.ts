import type { FrScore, Gap, RequirementResult, SlVector } from './model.ts';

const MAX_SL = 4;

export interface Score {
  readonly slC: { readonly demonstrated: SlVector; readonly ceiling: SlVector };
  readonly frs: readonly FrScore[];
  /** Not-satisfied requirements at or below the target, furthest below target first. */
  readonly gaps: readonly Gap[];
}

type Result = Pick<RequirementResult, 'id' | 'fr' | 'sl' | 'status'>;

/** Highest level L (0..4) such that every requirement of the FR with sl <= L has an accepted status. */
function highestLevel(reqs: readonly Result[], accepted: (r: Result) => boolean): number {
  const lowestRefused = Math.min(MAX_SL + 1, ...reqs.filter((r) => !accepted(r)).map((r) => r.sl));
  return lowestRefused - 1;
}

/**
 * The SL-C vector of one component from its applicable requirements' statuses, and its gaps
 * against the target. `demonstrated` counts only satisfied (or not-applicable) requirements;
 * `ceiling` is what it would be if every not-assessed one turned out satisfied.
 */
export function score(requirements: readonly Result[], slT: SlVector): Score {
  const demonstrated: number[] = [];
  const ceiling: number[] = [];
  const frs: FrScore[] = [];
  const gaps: Gap[] = [];
  for (let fr = 1; fr <= 7; fr++) {
    const reqs = requirements.filter((r) => r.fr === fr);
    const target = slT[fr - 1] ?? 0;
    const d = highestLevel(reqs, (r) => r.status === 'satisfied' || r.status === 'not-applicable');
    const c = highestLevel(reqs, (r) => r.status !== 'not-satisfied');
    demonstrated.push(d);
    ceiling.push(c);
    const inScope = reqs.filter((r) => r.sl <= target);
    const blockers = inScope.filter((r) => r.status === 'not-satisfied');
    frs.push({
      fr,
      target,
      demonstrated: d,
      ceiling: c,
      blockers: blockers.map((r) => r.id),
      toAssess: inScope.filter((r) => r.status === 'not-assessed').map((r) => r.id),
    });
    for (const r of blockers) gaps.push({ requirement: r.id, fr, sl: r.sl, levelsBelowTarget: target - (r.sl - 1) });
  }
  gaps.sort((a, b) => b.levelsBelowTarget - a.levelsBelowTarget || a.fr - b.fr || a.sl - b.sl || a.requirement.localeCompare(b.requirement));
  return { slC: { demonstrated, ceiling }, frs, gaps };
}

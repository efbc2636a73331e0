import type { JudgedType } from './catalog.ts';
import type { CheckResult, FrScore, Gap, RequirementResult, SlVector } from './model.ts';

const MAX_SL = 4;

export interface SlC {
  readonly demonstrated: SlVector;
  readonly ceiling: SlVector;
}

export interface Score {
  /** The device as a whole: per FR the lowest level of its component types. */
  readonly slC: SlC;
  /** Per component type judged (a host: HDR and SAR). */
  readonly byType: Partial<Record<JudgedType, SlC>>;
  readonly frs: readonly FrScore[];
  /** Not-satisfied requirements at or below the target, ranked: furthest below target, then most FRs helped by fixing them. */
  readonly gaps: readonly Gap[];
}

export type ScoredRow = Pick<RequirementResult, 'id' | 'componentType' | 'fr' | 'sl' | 'status'>;
type Check = Pick<CheckResult, 'id' | 'status' | 'requirements'>;

/** Highest level L (0..4) such that every requirement of the FR with sl <= L has an accepted status. */
function highestLevel(reqs: readonly ScoredRow[], accepted: (r: ScoredRow) => boolean): number {
  const lowestRefused = Math.min(MAX_SL + 1, ...reqs.filter((r) => !accepted(r)).map((r) => r.sl));
  return lowestRefused - 1;
}

/** Demonstrated and ceiling per FR of a set of requirement rows (all component types together: the weakest caps). */
export function slcOf(rows: readonly ScoredRow[]): SlC {
  const demonstrated: number[] = [];
  const ceiling: number[] = [];
  for (let fr = 1; fr <= 7; fr++) {
    const reqs = rows.filter((r) => r.fr === fr);
    demonstrated.push(highestLevel(reqs, (r) => r.status === 'satisfied' || r.status === 'not-applicable'));
    ceiling.push(highestLevel(reqs, (r) => r.status !== 'not-satisfied'));
  }
  return { demonstrated, ceiling };
}

const unique = (ids: readonly string[]) => [...new Set(ids)];

/**
 * The SL-C vector of one component from its applicable requirements' statuses, and its gaps
 * against the target. `demonstrated` counts only satisfied (or not-applicable) requirements;
 * `ceiling` is what it would be if every not-assessed one turned out satisfied. A device judged
 * as several component types scores each, and as a whole reaches per FR only its weakest type.
 */
export function score(requirements: readonly ScoredRow[], slT: SlVector, checks: readonly Check[] = []): Score {
  const types = unique(requirements.map((r) => r.componentType)) as JudgedType[];
  const byType: Partial<Record<JudgedType, SlC>> = {};
  for (const t of types) byType[t] = slcOf(requirements.filter((r) => r.componentType === t));
  // The minimum over types equals the vector of all rows together: one refused row caps its FR.
  const slC = slcOf(requirements);
  const frs: FrScore[] = [];
  const gaps: Omit<Gap, 'frsBlocked'>[] = [];
  for (let fr = 1; fr <= 7; fr++) {
    const target = slT[fr - 1] ?? 0;
    const inScope = requirements.filter((r) => r.fr === fr && r.sl <= target);
    const blockers = inScope.filter((r) => r.status === 'not-satisfied');
    frs.push({
      fr,
      target,
      demonstrated: slC.demonstrated[fr - 1] ?? 0,
      ceiling: slC.ceiling[fr - 1] ?? 0,
      blockers: unique(blockers.map((r) => r.id)),
      toAssess: unique(inScope.filter((r) => r.status === 'not-assessed').map((r) => r.id)),
    });
    for (const id of unique(blockers.map((r) => r.id))) {
      const rows = blockers.filter((r) => r.id === id);
      const sl = rows[0]?.sl ?? 0;
      const causes = checks.filter((c) => c.status === 'fail' && c.requirements.includes(id)).map((c) => c.id);
      gaps.push({ requirement: id, componentTypes: rows.map((r) => r.componentType), fr, sl, levelsBelowTarget: target - (sl - 1), causes });
    }
  }
  const ranked = gaps.map(
    (g): Gap => ({ ...g, frsBlocked: new Set(gaps.filter((o) => o === g || o.causes.some((c) => g.causes.includes(c))).map((o) => o.fr)).size }),
  );
  ranked.sort(compareGaps);
  return { slC, byType, frs, gaps: ranked };
}

/** Gap order: furthest below target first, then the one whose failing checks block most FRs. */
export function compareGaps(a: Gap, b: Gap): number {
  return b.levelsBelowTarget - a.levelsBelowTarget || b.frsBlocked - a.frsBlocked || a.fr - b.fr || a.sl - b.sl || a.requirement.localeCompare(b.requirement);
}

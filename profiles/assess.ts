import type { Catalog, JudgedType } from './catalog.ts';
import { applicableTo } from './catalog.ts';
import type { LoadedCheck } from './check-set.ts';
import type { Verdict } from './checks/types.ts';
import type { DeviceView } from './device-view.ts';
import type { Mapping, MappingEntry } from './mapping.ts';
import type { CheckResult, RequirementResult } from './model.ts';

export interface Profile {
  readonly catalog: Catalog;
  readonly checks: ReadonlyMap<string, LoadedCheck>;
  readonly mapping: Mapping;
}

export interface DeviceAssessment {
  readonly checks: CheckResult[];
  readonly requirements: RequirementResult[];
}

function runCheck(check: LoadedCheck, device: DeviceView): Verdict {
  try {
    return check.kind.evaluate(device, check.instance.params);
  } catch (err) {
    return { status: 'error', reason: `check ${check.instance.id} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Folds the verdicts of a requirement's checks into what observation says about it. Checks that
 * could not decide (unknown, error) block a conclusion that would need them.
 */
function observe(entry: MappingEntry | undefined, results: ReadonlyMap<string, CheckResult>): 'refuted' | 'confirmed' | 'none' {
  if (!entry) return 'none';
  const statuses = entry.checks.map((id) => results.get(id)?.status ?? 'not-applicable');
  const pass = statuses.includes('pass');
  const fail = statuses.includes('fail');
  const undecided = statuses.some((s) => s === 'unknown' || s === 'error');
  if (entry.combine === 'all') {
    if (fail) return 'refuted';
    return pass && !undecided ? 'confirmed' : 'none';
  }
  if (pass) return 'confirmed';
  return fail && !undecided ? 'refuted' : 'none';
}

/**
 * Judges one device against every requirement that applies to its component types (a host: HDR
 * rows for the platform and SAR rows for the application it runs; the same checks feed both).
 * Observation decides a requirement only as far as the catalog says a probe can see it: a partial
 * requirement can be refuted by a failing check, never confirmed by passing ones.
 */
export function assessDevice(profile: Profile, device: DeviceView, componentTypes: readonly JudgedType[]): DeviceAssessment {
  const rows = componentTypes.flatMap((componentType) => applicableTo(profile.catalog, componentType).map((entry) => ({ componentType, entry })));
  const applicable = [...new Map(rows.map((r) => [r.entry.id, r.entry])).values()];
  const checkIds = new Set([...applicable.flatMap((r) => profile.mapping.requirements.get(r.id)?.checks ?? []), ...profile.mapping.informational.keys()]);
  const results = new Map<string, CheckResult>();
  for (const id of [...checkIds].sort()) {
    const check = profile.checks.get(id);
    if (!check) continue;
    const v = runCheck(check, device);
    // A check about a protocol the device does not speak says nothing: leave it out of the result.
    if (v.status === 'not-applicable' && (v.evidence ?? []).length === 0) continue;
    const result: CheckResult = {
      id,
      kind: check.kind.id,
      title: check.instance.title,
      status: v.status,
      requirements: applicable.filter((r) => profile.mapping.requirements.get(r.id)?.checks.includes(id)).map((r) => r.id),
      evidence: [...(v.evidence ?? [])],
      remediation: check.instance.remediation,
    };
    if (check.instance.problem !== undefined) result.problem = check.instance.problem;
    if (v.observed !== undefined) result.observed = v.observed;
    if (v.expected !== undefined) result.expected = v.expected;
    if (v.reason !== undefined) result.reason = v.reason;
    const informational = profile.mapping.informational.get(id);
    if (informational !== undefined) result.informational = informational;
    results.set(id, result);
  }
  const requirements = rows.map(({ componentType, entry: r }): RequirementResult => {
    const entry = profile.mapping.requirements.get(r.id);
    const seen = observe(entry, results);
    const base = {
      id: r.id,
      componentType,
      fr: r.fr,
      sl: r.sl,
      checks: entry?.checks ?? [],
      observation: seen === 'confirmed' ? ('consistent' as const) : seen,
    };
    if (r.assessment === 'not-applicable')
      return { ...base, status: 'not-applicable', decidedBy: 'catalog', reason: 'the catalog declares it outside what a networked component can have' };
    if (seen === 'refuted') return { ...base, status: 'not-satisfied', decidedBy: 'observed' };
    if (seen === 'confirmed' && r.assessment === 'automated') return { ...base, status: 'satisfied', decidedBy: 'observed' };
    return { ...base, status: 'not-assessed', decidedBy: 'none' };
  });
  return { checks: [...results.values()], requirements };
}

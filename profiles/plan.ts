import { z } from 'zod';
import type { VulnerabilityFinding } from './advisories/model.ts';
import actionsData from './data/actions.json' with { type: 'json' };
import { type CheckResult, type Gap, SlVector } from './model.ts';
import { type ScoredRow, slcOf } from './score.ts';

/**
 * The action plan: what to change, in what order, to bring a zone's devices to their SL-T.
 * Failing checks are grouped by the change that fixes them (profiles/data/actions.json), merged
 * across devices, and ranked by what each change buys. Pure: computed from the judged devices.
 */

/** How much work a change is, in the order ties are broken (cheapest first). */
export const EFFORTS = ['configuration', 'firmware-update', 'network-change', 'replacement'] as const;
export type Effort = (typeof EFFORTS)[number];

/** One change a technician makes, and the checks it fixes wherever they fail. */
export const RemediationAction = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  effort: z.enum(EFFORTS),
  /** What to do, as an imperative phrase; the plan adds the devices. */
  does: z.string().min(1).max(160),
  checks: z.array(z.string()).min(1),
});
export type RemediationAction = z.infer<typeof RemediationAction>;

export const REMEDIATION_ACTIONS: readonly RemediationAction[] = z.array(RemediationAction).parse(actionsData);

/** At or above this CVSS base score, a firmware update ranks before configuration changes of equal benefit. */
export const HIGH_CVSS = 7;

export const PlanEntry = z.object({
  rank: z.number().int().min(1),
  /** The action's id, or `firmware:<advisory id>` for a vendor fix. */
  id: z.string(),
  /** What to do, on which devices. */
  action: z.string(),
  effort: z.enum(EFFORTS),
  devices: z.array(z.string()),
  /** The failing checks it fixes. */
  checks: z.array(z.string()),
  /** The requirements its checks refute on these devices (open gaps it works toward). */
  requirements: z.array(z.string()),
  /** Gaps this action closes, on top of those ranked before it. */
  closes: z.array(z.object({ device: z.string(), requirement: z.string() })),
  /** (device, FR) pairs whose ceiling this action raises toward SL-T, on top of those ranked before it: what ranks it. */
  frsRaised: z.number().int(),
  /** Each device's SL-C ceiling once this action and every one ranked before it are done. */
  ceilingAfter: z.record(z.string(), SlVector),
  /** For a firmware update: the advisory, its CVEs, highest CVSS and the first fixed version. */
  advisory: z.object({ id: z.string(), cves: z.array(z.string()), cvss: z.number().optional(), fixedVersion: z.string().optional() }).optional(),
});
export type PlanEntry = z.infer<typeof PlanEntry>;

/** What the planner reads of a judged device. */
export interface PlanDevice {
  readonly address: string;
  readonly name?: string | undefined;
  readonly slT: readonly number[];
  readonly requirements: readonly ScoredRow[];
  readonly checks: readonly Pick<CheckResult, 'id' | 'status' | 'requirements' | 'remediation'>[];
  readonly gaps: readonly Pick<Gap, 'requirement' | 'causes'>[];
  readonly slC: { readonly ceiling: readonly number[] };
  readonly vulnerabilities?: readonly Pick<VulnerabilityFinding, 'status' | 'advisory' | 'cve' | 'cvss' | 'fixedVersion' | 'remediations'>[] | undefined;
}

interface Candidate {
  readonly id: string;
  readonly does: string;
  readonly effort: Effort;
  /** Per device address, the failing checks this action fixes there. */
  readonly fixes: ReadonlyMap<string, ReadonlySet<string>>;
  readonly advisory?: PlanEntry['advisory'];
}

const label = (d: PlanDevice) => (d.name ? `${d.address} (${d.name})` : d.address);

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  const shown = items.length > 4 ? [...items.slice(0, 3), `${items.length - 3} more`] : items;
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/** Per device, the failing checks refuting each requirement: computed once, asked for every candidate in every round. */
const causesCache = new WeakMap<PlanDevice, Map<string, string[]>>();
function causesOf(d: PlanDevice, requirement: string): readonly string[] {
  let byRequirement = causesCache.get(d);
  if (!byRequirement) {
    byRequirement = new Map();
    for (const c of d.checks) if (c.status === 'fail') for (const r of c.requirements) byRequirement.set(r, [...(byRequirement.get(r) ?? []), c.id]);
    causesCache.set(d, byRequirement);
  }
  return byRequirement.get(requirement) ?? [];
}

/** The device's requirement rows once the given failing checks are fixed: a row refuted only by them is open again. */
function rowsWithout(d: PlanDevice, fixed: ReadonlySet<string>): ScoredRow[] {
  return d.requirements.map((r) => {
    if (r.status !== 'not-satisfied') return r;
    const causes = causesOf(d, r.id);
    return causes.length > 0 && causes.every((id) => fixed.has(id)) ? { ...r, status: 'not-assessed' } : r;
  });
}

const ceilingWithout = (d: PlanDevice, fixed: ReadonlySet<string>) => slcOf(rowsWithout(d, fixed)).ceiling;
const gapsClosed = (d: PlanDevice, fixed: ReadonlySet<string>) => d.gaps.filter((g) => g.causes.length > 0 && g.causes.every((c) => fixed.has(c)));

/** FRs whose ceiling rises from `before` toward (not beyond) the target. */
function frsRaisedBy(d: PlanDevice, before: readonly number[], after: readonly number[]): number {
  return d.slT.filter((t, i) => Math.min(after[i] ?? 0, t) > Math.min(before[i] ?? 0, t)).length;
}

function configurationCandidates(devices: readonly PlanDevice[], actions: readonly RemediationAction[]): Candidate[] {
  const byCheck = new Map(actions.flatMap((a) => a.checks.map((c) => [c, a] as const)));
  const candidates = new Map<string, { id: string; does: string; effort: Effort; fixes: Map<string, Set<string>> }>();
  for (const d of devices)
    for (const c of d.checks) {
      if (c.status !== 'fail') continue;
      // A check no action lists (an operator's own catalog) is its own action, worded by its remediation.
      const a = byCheck.get(c.id) ?? { id: `check-${c.id}`, effort: 'configuration' as const, does: c.remediation.replace(/\.$/, '') };
      const entry = candidates.get(a.id) ?? { id: a.id, does: a.does, effort: a.effort, fixes: new Map() };
      candidates.set(a.id, entry);
      const fixed = entry.fixes.get(d.address) ?? new Set<string>();
      entry.fixes.set(d.address, fixed.add(c.id));
    }
  return [...candidates.values()];
}

/** One firmware update per advisory with a vendor fix or a fixed version, across the devices it affects. */
function firmwareCandidates(devices: readonly PlanDevice[]): Candidate[] {
  const byAdvisory = new Map<string, { devices: Set<string>; cves: Set<string>; cvss?: number; fixedVersion?: string }>();
  for (const d of devices)
    for (const v of d.vulnerabilities ?? []) {
      if (v.status !== 'affected' || !(v.fixedVersion || v.remediations.some((r) => r.category === 'vendor_fix'))) continue;
      const a = byAdvisory.get(v.advisory.id) ?? { devices: new Set<string>(), cves: new Set<string>() };
      byAdvisory.set(v.advisory.id, a);
      a.devices.add(d.address);
      if (v.cve) a.cves.add(v.cve);
      if (v.cvss && (a.cvss === undefined || v.cvss.baseScore > a.cvss)) a.cvss = v.cvss.baseScore;
      if (a.fixedVersion === undefined && v.fixedVersion) a.fixedVersion = v.fixedVersion;
    }
  return [...byAdvisory].map(([id, a]) => ({
    id: `firmware:${id}`,
    does: `Update the firmware (advisory ${id}${a.fixedVersion ? `, fixed in ${a.fixedVersion}` : ''})`,
    effort: 'firmware-update',
    fixes: new Map([...a.devices].map((address) => [address, new Set<string>()])),
    advisory: { id, cves: [...a.cves].sort(), ...(a.cvss === undefined ? {} : { cvss: a.cvss }), ...(a.fixedVersion ? { fixedVersion: a.fixedVersion } : {}) },
  }));
}

interface Ranked {
  readonly c: Candidate;
  readonly frsRaised: number;
  readonly gapsClosed: number;
}

/** Higher benefit first; among equal FR benefit a high-CVSS update first, other updates after the configuration changes. */
function compareRanked(a: Ranked, b: Ranked): number {
  const tier = (r: Ranked) => (r.c.advisory ? ((r.c.advisory.cvss ?? 0) >= HIGH_CVSS ? 0 : 2) : 1);
  return (
    b.frsRaised - a.frsRaised ||
    tier(a) - tier(b) ||
    b.c.fixes.size - a.c.fixes.size ||
    b.gapsClosed - a.gapsClosed ||
    EFFORTS.indexOf(a.c.effort) - EFFORTS.indexOf(b.c.effort) ||
    a.c.id.localeCompare(b.c.id)
  );
}

/**
 * The ranked plan for a zone's devices. Greedy: each next action is the one that buys most on top
 * of those ranked before it (FR ceilings raised toward SL-T, then devices, then gaps closed, then
 * the cheaper effort), so `frsRaised`, `closes` and `ceilingAfter` all read as "after doing the
 * plan up to here".
 */
export function actionPlan(devices: readonly PlanDevice[], actions: readonly RemediationAction[] = REMEDIATION_ACTIONS): PlanEntry[] {
  const done = new Map(devices.map((d) => [d.address, new Set<string>()]));
  const ceiling = new Map(devices.map((d) => [d.address, [...d.slC.ceiling]]));
  const closed = new Set<string>();
  const key = (address: string, requirement: string) => `${address} ${requirement}`;
  let remaining = [...configurationCandidates(devices, actions), ...firmwareCandidates(devices)];
  const plan: PlanEntry[] = [];
  while (remaining.length > 0) {
    const weighed = remaining.map((c): Ranked & { after: Map<string, number[]> } => {
      let frsRaised = 0;
      let gaps = 0;
      const after = new Map<string, number[]>();
      for (const d of devices) {
        const fixes = c.fixes.get(d.address);
        if (!fixes) continue;
        const fixed = new Set([...(done.get(d.address) ?? []), ...fixes]);
        const next = [...ceilingWithout(d, fixed)];
        after.set(d.address, next);
        frsRaised += frsRaisedBy(d, ceiling.get(d.address) ?? [], next);
        gaps += gapsClosed(d, fixed).filter((g) => !closed.has(key(d.address, g.requirement))).length;
      }
      return { c, frsRaised, gapsClosed: gaps, after };
    });
    const best = weighed.sort(compareRanked)[0];
    if (!best) break;
    const { c } = best;
    remaining = remaining.filter((r) => r !== c);
    const touched = devices.filter((d) => c.fixes.has(d.address));
    for (const d of touched) for (const id of c.fixes.get(d.address) ?? []) done.get(d.address)?.add(id);
    for (const [address, next] of best.after) ceiling.set(address, next);
    const closes = touched.flatMap((d) =>
      gapsClosed(d, done.get(d.address) ?? new Set())
        .filter((g) => !closed.has(key(d.address, g.requirement)))
        .map((g) => ({ device: d.address, requirement: g.requirement })),
    );
    for (const g of closes) closed.add(key(g.device, g.requirement));
    plan.push({
      rank: plan.length + 1,
      id: c.id,
      action: `${c.does} on ${listText(touched.map(label))}`,
      effort: c.effort,
      devices: touched.map((d) => d.address),
      checks: [...new Set([...c.fixes.values()].flatMap((f) => [...f]))].sort(),
      requirements: [
        ...new Set(touched.flatMap((d) => d.gaps.filter((g) => g.causes.some((x) => c.fixes.get(d.address)?.has(x))).map((g) => g.requirement))),
      ].sort(),
      closes,
      frsRaised: best.frsRaised,
      ceilingAfter: Object.fromEntries(touched.map((d) => [d.address, ceiling.get(d.address) ?? []])),
      ...(c.advisory ? { advisory: c.advisory } : {}),
    });
  }
  return plan;
}

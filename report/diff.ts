import { z } from 'zod';
import { currentCheckId, isRenamedCheckId } from '../profiles/check-aliases.ts';
import { CheckStatus } from '../profiles/checks/types.ts';
import { IDENTITY_FIELDS, IdentityField } from '../profiles/identity.ts';
import { SlVector } from '../profiles/model.ts';
import type { DeviceResult, Result } from './result.ts';
import { wrap } from './text-wrap.ts';

/** A check as it stood in one run; `absent` when that run had no such check (e.g. its protocol was not there). */
const CheckState = z.union([CheckStatus, z.literal('absent')]);
type CheckState = z.infer<typeof CheckState>;

const RunRef = z.object({ runId: z.string(), collectedAt: z.string() });

const DeviceRef = z.object({ address: z.string(), name: z.string().optional() });

/** What made the newer run worse; each kind is rendered to text by `renderDrift`, never stored as prose. */
export const Regression = z.object({
  address: z.string(),
  kind: z.enum(['sl-drop', 'check-failing', 'new-gap', 'service-opened', 'new-device-with-gaps', 'boundary-violation']),
  /** FR number (sl-drop), check id, requirement id, service label, or the TCP port of a path out of the zone (boundary-violation, `address` its destination). */
  subject: z.string(),
});
export type Regression = z.infer<typeof Regression>;

export const DeviceDrift = z.object({
  ...DeviceRef.shape,
  identity: z.array(z.object({ field: IdentityField, old: z.string().optional(), new: z.string().optional() })),
  servicesOpened: z.array(z.string()),
  servicesClosed: z.array(z.string()),
  checks: z.array(z.object({ id: z.string(), title: z.string(), old: CheckState, new: CheckState })),
  slC: z.array(
    z.object({
      fr: z.number().int(),
      old: z.object({ demonstrated: z.number().int(), ceiling: z.number().int() }),
      new: z.object({ demonstrated: z.number().int(), ceiling: z.number().int() }),
    }),
  ),
  gapsOpened: z.array(z.string()),
  gapsClosed: z.array(z.string()),
});
export type DeviceDrift = z.infer<typeof DeviceDrift>;

/** drift.json: what changed between two runs of a zone. */
export const Drift = z.object({
  old: RunRef,
  new: RunRef,
  slT: z.object({ old: SlVector, new: SlVector }).optional(),
  appeared: z.array(DeviceRef.extend({ services: z.array(z.string()), gaps: z.array(z.string()) })),
  disappeared: z.array(DeviceRef),
  changed: z.array(DeviceDrift),
  /** Paths out of the zone no conduit allows, `host TCP port`: new in the newer run, and gone from it (only when either run checked the boundary). */
  boundary: z.object({ opened: z.array(z.string()), closed: z.array(z.string()) }).optional(),
  regressions: z.array(Regression),
  /** True when any regression was found: `cellcheck diff` exits 1. */
  worse: z.boolean(),
});
export type Drift = z.infer<typeof Drift>;

export function serviceLabel(s: DeviceResult['services'][number]): string {
  return `${s.protocol} ${s.transport}/${s.port}`;
}

const ref = (d: DeviceResult) => (d.name === undefined ? { address: d.address } : { address: d.address, name: d.name });

function compareDevice(a: DeviceResult, b: DeviceResult, checkId: (id: string) => string): DeviceDrift {
  const identity = IDENTITY_FIELDS.flatMap((field) => {
    const o = a.identity[field]?.value;
    const n = b.identity[field]?.value;
    if (o === n) return [];
    return [{ field, ...(o === undefined ? {} : { old: o }), ...(n === undefined ? {} : { new: n }) }];
  });
  const oldServices = new Set(a.services.map(serviceLabel));
  const newServices = new Set(b.services.map(serviceLabel));
  const oldChecks = new Map(a.checks.map((c) => [checkId(c.id), c]));
  const newChecks = new Map(b.checks.map((c) => [checkId(c.id), c]));
  const checkIds = [...new Set([...oldChecks.keys(), ...newChecks.keys()])].sort();
  const checks = checkIds.flatMap((id) => {
    const o = oldChecks.get(id);
    const n = newChecks.get(id);
    const old: CheckState = o?.status ?? 'absent';
    const now: CheckState = n?.status ?? 'absent';
    return old === now ? [] : [{ id, title: (n ?? o)?.title ?? id, old, new: now }];
  });
  const slC = [0, 1, 2, 3, 4, 5, 6].flatMap((i) => {
    const old = { demonstrated: a.slC.demonstrated[i] ?? 0, ceiling: a.slC.ceiling[i] ?? 0 };
    const now = { demonstrated: b.slC.demonstrated[i] ?? 0, ceiling: b.slC.ceiling[i] ?? 0 };
    return old.demonstrated === now.demonstrated && old.ceiling === now.ceiling ? [] : [{ fr: i + 1, old, new: now }];
  });
  const oldGaps = new Set(a.gaps.map((g) => g.requirement));
  const newGaps = new Set(b.gaps.map((g) => g.requirement));
  return {
    ...ref(b),
    identity,
    servicesOpened: [...newServices].filter((s) => !oldServices.has(s)),
    servicesClosed: [...oldServices].filter((s) => !newServices.has(s)),
    checks,
    slC,
    gapsOpened: [...newGaps].filter((g) => !oldGaps.has(g)),
    gapsClosed: [...oldGaps].filter((g) => !newGaps.has(g)),
  };
}

function isEmpty(d: DeviceDrift): boolean {
  return (
    d.identity.length + d.servicesOpened.length + d.servicesClosed.length + d.checks.length + d.slC.length + d.gapsOpened.length + d.gapsClosed.length === 0
  );
}

/**
 * Worse means: a level went down (demonstrated or ceiling), a check started failing, a gap
 * opened, a service opened, a new device brought gaps, or a path out of the zone that no conduit
 * allows opened. A device that disappeared or a service
 * that closed is reported but is not a regression: fewer exposed services never lower security.
 */
function regressionsOf(drift: Pick<Drift, 'appeared' | 'changed' | 'boundary'>, newer: Result): Regression[] {
  const out: Regression[] = [];
  for (const v of newer.boundaryViolations ?? [])
    if (drift.boundary?.opened.includes(pathLabel(v))) out.push({ address: v.host, kind: 'boundary-violation', subject: String(v.port) });
  for (const d of drift.appeared) for (const g of d.gaps) out.push({ address: d.address, kind: 'new-device-with-gaps', subject: g });
  for (const d of drift.changed) {
    for (const s of d.slC)
      if (s.new.demonstrated < s.old.demonstrated || s.new.ceiling < s.old.ceiling) out.push({ address: d.address, kind: 'sl-drop', subject: `FR${s.fr}` });
    for (const c of d.checks) if (c.new === 'fail') out.push({ address: d.address, kind: 'check-failing', subject: c.id });
    for (const g of d.gapsOpened) out.push({ address: d.address, kind: 'new-gap', subject: g });
    for (const s of d.servicesOpened) out.push({ address: d.address, kind: 'service-opened', subject: s });
  }
  return out;
}

const pathLabel = (v: { host: string; port: number }) => `${v.host} TCP ${v.port}`;

function boundaryDrift(older: Result, newer: Result): Drift['boundary'] {
  if (!older.boundary && !newer.boundary) return undefined;
  const before = new Set((older.boundaryViolations ?? []).map(pathLabel));
  const after = new Set((newer.boundaryViolations ?? []).map(pathLabel));
  return { opened: [...after].filter((p) => !before.has(p)), closed: [...before].filter((p) => !after.has(p)) };
}

const usesRenamedIds = (r: Result) => r.devices.some((d) => d.checks.some((c) => isRenamedCheckId(c.id)));

/**
 * Compares two results of the same zone; devices are matched by address, checks by their current
 * id. Two runs that both predate a rename keep their old ids, so a signed drift.json between them
 * still verifies.
 */
export function diffResults(older: Result, newer: Result): Drift {
  const checkId = usesRenamedIds(older) && usesRenamedIds(newer) ? (id: string) => id : currentCheckId;
  const before = new Map(older.devices.map((d) => [d.address, d]));
  const after = new Map(newer.devices.map((d) => [d.address, d]));
  const appeared = newer.devices
    .filter((d) => !before.has(d.address))
    .map((d) => ({ ...ref(d), services: d.services.map(serviceLabel), gaps: d.gaps.map((g) => g.requirement) }));
  const disappeared = older.devices.filter((d) => !after.has(d.address)).map(ref);
  const changed = newer.devices.flatMap((d) => {
    const old = before.get(d.address);
    if (!old) return [];
    const drift = compareDevice(old, d, checkId);
    return isEmpty(drift) ? [] : [drift];
  });
  const boundary = boundaryDrift(older, newer);
  const regressions = regressionsOf({ appeared, changed, ...(boundary ? { boundary } : {}) }, newer);
  const slTChanged = older.zone.slT.some((v, i) => v !== newer.zone.slT[i]);
  return {
    old: { runId: older.runId, collectedAt: older.collectedAt },
    new: { runId: newer.runId, collectedAt: newer.collectedAt },
    ...(slTChanged ? { slT: { old: older.zone.slT, new: newer.zone.slT } } : {}),
    appeared,
    disappeared,
    changed,
    ...(boundary ? { boundary } : {}),
    regressions,
    worse: regressions.length > 0,
  };
}

const REGRESSION_TEXT: Record<Regression['kind'], (subject: string) => string> = {
  'sl-drop': (s) => `SL-C dropped in ${s}`,
  'check-failing': (s) => `check ${s} now fails`,
  'new-gap': (s) => `new gap ${s}`,
  'service-opened': (s) => `service opened: ${s}`,
  'new-device-with-gaps': (s) => `new device with gap ${s}`,
  'boundary-violation': (s) => `reachable from the zone on TCP ${s}, and no conduit allows it`,
};

export function regressionText(r: Regression): string {
  return REGRESSION_TEXT[r.kind](r.subject);
}

const label = (d: { address: string; name?: string | undefined }) => (d.name ? `${d.address} (${d.name})` : d.address);

/** Drift as plain text lines, wrapped to `width` columns (terminal and `cellcheck diff`). */
export function renderDrift(drift: Drift, width = 100): string {
  const lines: string[] = [];
  lines.push(`Drift from run ${drift.old.runId} (${drift.old.collectedAt}) to ${drift.new.runId} (${drift.new.collectedAt})`);
  if (drift.slT) lines.push(`  zone SL-T changed: ${drift.slT.old.join(' ')} -> ${drift.slT.new.join(' ')}`);
  for (const d of drift.appeared) lines.push(`  + ${label(d)} appeared: ${d.services.join(', ') || 'no service'}; ${d.gaps.length} gap(s)`);
  for (const d of drift.disappeared) lines.push(`  - ${label(d)} disappeared`);
  for (const d of drift.changed) {
    lines.push(`  ~ ${label(d)}`);
    for (const i of d.identity) lines.push(`      ${i.field}: ${i.old ?? '(none)'} -> ${i.new ?? '(none)'}`);
    for (const s of d.servicesOpened) lines.push(`      service opened: ${s}`);
    for (const s of d.servicesClosed) lines.push(`      service closed: ${s}`);
    for (const s of d.slC) lines.push(`      FR${s.fr} SL-C ${s.old.demonstrated}/${s.old.ceiling} -> ${s.new.demonstrated}/${s.new.ceiling}`);
    for (const c of d.checks) lines.push(`      ${c.id}: ${c.old} -> ${c.new}`);
    for (const g of d.gapsOpened) lines.push(`      gap opened: ${g}`);
    for (const g of d.gapsClosed) lines.push(`      gap closed: ${g}`);
  }
  for (const p of drift.boundary?.opened ?? []) lines.push(`  ! path out of the zone no conduit allows: ${p}`);
  for (const p of drift.boundary?.closed ?? []) lines.push(`  path out of the zone closed: ${p}`);
  const boundaryChanges = (drift.boundary?.opened.length ?? 0) + (drift.boundary?.closed.length ?? 0);
  if (drift.appeared.length + drift.disappeared.length + drift.changed.length + boundaryChanges === 0 && !drift.slT) lines.push('  no change');
  lines.push(drift.worse ? `Security got worse: ${drift.regressions.length} regression(s).` : 'Security did not get worse.');
  // Wrapped, not cut: a long name or id stays readable; continuation lines indent under their line.
  return `${lines.flatMap((l) => wrap(l, width, (/^ */.exec(l)?.[0].length ?? 0) + 4)).join('\n')}\n`;
}

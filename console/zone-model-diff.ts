import type { Conduit, ZoneModel } from '../profiles/zone-model.ts';

/**
 * What a proposed zone model changes against the one in force, line by line, so the person who
 * approves it reads the change and not two whole documents. Pure.
 */
export interface ModelChange {
  readonly kind: 'added' | 'removed' | 'changed';
  readonly text: string;
}

const conduitText = (zone: string, c: Conduit) => `conduit ${zone} → ${c.to}: TCP ${c.ports.join(', ')} (${c.purpose}${c.owner ? `, owner ${c.owner}` : ''})`;
const slText = (slT: ZoneModel['zones'][number]['slT']) => (slT === undefined ? 'none' : Array.isArray(slT) ? slT.join('·') : String(slT));

/** Items by key in both lists: which are only in the new, only in the old. */
function byKey<T>(older: readonly T[], newer: readonly T[], key: (t: T) => string) {
  const old = new Map(older.map((t) => [key(t), t]));
  const cur = new Map(newer.map((t) => [key(t), t]));
  return {
    added: [...cur].filter(([k]) => !old.has(k)).map(([, t]) => t),
    removed: [...old].filter(([k]) => !cur.has(k)).map(([, t]) => t),
    both: [...cur].flatMap(([k, t]) => {
      const o = old.get(k);
      return o === undefined ? [] : [{ old: o, new: t }];
    }),
  };
}

export function modelChanges(older: ZoneModel | undefined, newer: ZoneModel): ModelChange[] {
  const out: ModelChange[] = [];
  const zones = byKey(older?.zones ?? [], newer.zones, (z) => z.name);
  for (const z of zones.added) {
    out.push({ kind: 'added', text: `zone ${z.name}: ranges ${z.ranges.join(', ') || 'none'}, SL-T ${slText(z.slT)}` });
    for (const c of z.conduits) out.push({ kind: 'added', text: conduitText(z.name, c) });
  }
  for (const z of zones.removed) out.push({ kind: 'removed', text: `zone ${z.name} with its ${z.conduits.length} conduit(s)` });
  for (const { old, new: cur } of zones.both) {
    if (old.ranges.join(',') !== cur.ranges.join(','))
      out.push({ kind: 'changed', text: `zone ${cur.name}: ranges ${old.ranges.join(', ') || 'none'} → ${cur.ranges.join(', ') || 'none'}` });
    if (slText(old.slT) !== slText(cur.slT)) out.push({ kind: 'changed', text: `zone ${cur.name}: SL-T ${slText(old.slT)} → ${slText(cur.slT)}` });
    const conduits = byKey(old.conduits, cur.conduits, (c) => JSON.stringify(c));
    for (const c of conduits.added) out.push({ kind: 'added', text: conduitText(cur.name, c) });
    for (const c of conduits.removed) out.push({ kind: 'removed', text: conduitText(cur.name, c) });
  }
  const networks = byKey(older?.externalNetworks ?? [], newer.externalNetworks ?? [], (n) => JSON.stringify(n));
  for (const n of networks.added) out.push({ kind: 'added', text: `external network ${n.name}: ${n.ranges.join(', ')}` });
  for (const n of networks.removed) out.push({ kind: 'removed', text: `external network ${n.name}: ${n.ranges.join(', ')}` });
  const canaries = byKey(older?.canaries ?? [], newer.canaries ?? [], (c) => JSON.stringify(c));
  for (const c of canaries.added) out.push({ kind: 'added', text: `canary ${c.host} in ${c.zone}: TCP ${c.ports.join(', ')}` });
  for (const c of canaries.removed) out.push({ kind: 'removed', text: `canary ${c.host} in ${c.zone}: TCP ${c.ports.join(', ')}` });
  return out;
}

import type { Catalog, JudgedType } from '../profiles/catalog.ts';
import { STATEMENTS_VERSION } from '../profiles/statements.ts';
import type { Result } from './result.ts';

/** YAML double-quoted scalars share JSON's escapes, so JSON.stringify quotes any text safely. */
const q = (text: string) => JSON.stringify(text);

const TYPE_NAMES: Record<JudgedType, string> = {
  EDR: 'embedded devices',
  HDR: 'host platforms',
  NDR: 'network devices',
  SAR: 'software applications',
  common: 'devices of unknown role, judged on the rows common to every type',
};

/** One entry: a requirement left open on these devices, all judged as this component type. */
interface Group {
  readonly id: string;
  readonly type: JudgedType;
  readonly fr: number;
  readonly sl: number;
  readonly devices: string[];
  /** Devices whose checks observed nothing against it. */
  readonly consistent: string[];
}

/**
 * A pre-filled attestation file listing every not-assessed requirement, one entry per requirement
 * and component type with the devices it is open on, for a technician to complete: a statement is
 * usually about a kind of device, not one device. Entries left blank are skipped when the file is
 * read; a partly filled one is refused. Devices are named by their config name when they have one
 * (it survives address changes), else by address.
 */
export function renderAttestationTemplate(result: Result, catalog: Catalog): string {
  const order = new Map(catalog.entries.map((e, i) => [e.id, i]));
  const groups = new Map<string, Group>();
  for (const d of result.devices) {
    const ref = d.name ?? d.address;
    for (const r of d.requirements) {
      if (r.status !== 'not-assessed') continue;
      const key = `${r.componentType} ${r.id}`;
      const group = groups.get(key) ?? { id: r.id, type: r.componentType, fr: r.fr, sl: r.sl, devices: [], consistent: [] };
      groups.set(key, group);
      if (!group.devices.includes(ref)) group.devices.push(ref);
      if (r.observation === 'consistent' && !group.consistent.includes(ref)) group.consistent.push(ref);
    }
  }
  const out = [
    `# cellcheck attestations: template from run ${result.runId}, zone ${q(result.zone.name)} (SL-T ${result.zone.slT.join(' ')}).`,
    '# Every entry is a requirement left "not assessed" (no probe can see it, or observation can only refute it),',
    '# once per component type, on the devices listed. For each one you can vouch for, fill in statement, by,',
    '# date (YYYY-MM-DD) and evidence (ticket, document or photo id); optionally expires. status: satisfied, or',
    '# not-applicable (say why in the statement). Remove a device from an entry to leave it out.',
    '# Entries left blank are skipped; a partly filled one is refused. Schema: report/attestations.schema.json',
    `# Check it: cellcheck evaluate <run directory> --attestations <this file>`,
    `schemaVersion: ${STATEMENTS_VERSION}`,
    `site: ${q(result.zone.name)}`,
    'attestations:',
  ];
  const byType = Map.groupBy(groups.values(), (g) => g.type);
  for (const type of [...byType.keys()].sort()) {
    const entries = (byType.get(type) ?? []).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    const refs = new Set(entries.flatMap((g) => g.devices));
    const devices = result.devices.map((d) => d.name ?? d.address).filter((ref) => refs.has(ref));
    out.push(`  # --- ${type}, ${TYPE_NAMES[type]}: ${entries.length} not assessed on ${devices.join(', ')}`);
    for (const g of entries) {
      const hint = g.consistent.length > 0 ? ` · observation consistent on ${g.consistent.join(', ')}` : '';
      out.push(`  - requirement: ${g.id}${' '.repeat(Math.max(1, 14 - g.id.length))}# FR${g.fr} SL${g.sl} ${catalog.byId.get(g.id)?.title ?? ''}${hint}`);
      out.push(`    componentType: ${type}`, `    devices: [${g.devices.map(q).join(', ')}]`);
      out.push('    status: satisfied', '    statement: ""', '    by: ""', '    date: ""', '    evidence: ""');
    }
  }
  if (groups.size === 0) out.push('  []  # nothing is left not assessed');
  return `${out.join('\n')}\n`;
}

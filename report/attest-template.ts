import type { JudgedType } from '../profiles/catalog.ts';
import { STATEMENTS_VERSION } from '../profiles/statements.ts';
import type { Result } from './result.ts';

/** YAML double-quoted scalars share JSON's escapes, so JSON.stringify quotes any text safely. */
const q = (text: string) => JSON.stringify(text);

/**
 * A pre-filled attestation file listing every not-assessed requirement of each device, for a
 * technician to complete. Blank fields fail validation, so an unfinished entry can never be
 * mistaken for an attestation. Devices are named by their config name when they have one (it
 * survives address changes), else by address.
 */
export function renderAttestationTemplate(result: Result, titleOf: (id: string) => string | undefined): string {
  const out = [
    `# cellcheck attestations: template from run ${result.runId}, zone ${q(result.zone.name)} (SL-T ${result.zone.slT.join(' ')}).`,
    '# Every entry is a requirement left "not assessed": no probe can see it, or observation can only refute it.',
    '# For each one you can vouch for, fill in statement, by, date (YYYY-MM-DD) and evidence (ticket, document',
    '# or photo id); optionally expires. status: satisfied, or not-applicable (say why in the statement).',
    '# Delete the entries you cannot attest: a blank field is refused. Schema: report/attestations.schema.json',
    `# Check it: cellcheck evaluate <run directory> --attestations <this file>`,
    `schemaVersion: ${STATEMENTS_VERSION}`,
    `site: ${q(result.zone.name)}`,
    'attestations:',
  ];
  let count = 0;
  for (const d of result.devices) {
    const open = d.requirements.filter((r) => r.status === 'not-assessed');
    const ids = [...new Set(open.map((r) => r.id))];
    const ref = d.name ?? d.address;
    out.push(`  # --- ${ref}${d.name ? ` (${d.address})` : ''}: ${d.role}, ${d.componentTypes.join(' + ')}; ${ids.length} not assessed`);
    for (const id of ids) {
      const rows = d.requirements.filter((r) => r.id === id);
      const openTypes = open.filter((r) => r.id === id).map((r) => r.componentType);
      const first = rows[0];
      const hint = first?.observation === 'consistent' ? ' · observation consistent' : '';
      out.push(`  - requirement: ${id}${' '.repeat(Math.max(1, 14 - id.length))}# FR${first?.fr} SL${first?.sl} ${titleOf(id) ?? ''}${hint}`);
      out.push(`    devices: [${q(ref)}]`);
      if (openTypes.length < rows.length) out.push(`    componentType: ${openTypes[0] as JudgedType}`);
      out.push('    status: satisfied', '    statement: ""', '    by: ""', '    date: ""', '    evidence: ""');
      count++;
    }
  }
  if (count === 0) out.push('  []  # nothing is left not assessed');
  return `${out.join('\n')}\n`;
}

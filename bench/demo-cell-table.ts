/**
 * The demo cell scanned with the example attestations and exceptions (examples/), as a Markdown
 * table: per device and FR, SL-C demonstrated/ceiling against SL-T, and the exact requirements
 * holding each FR below target (refuted by observation, or still not assessed).
 *   node_modules/.bin/node bench/demo-cell-table.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfigText } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { loadStatements } from '../agent/judge/statements.ts';
import { startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';

const ROOT = resolve(import.meta.dirname, '..');
const cell = await startCell({ prefix: '127.81.1' });
const out = mkdtempSync(join(tmpdir(), 'cellcheck-table-'));
try {
  const judge = loadJudge();
  const statements = loadStatements(
    { attestations: join(ROOT, 'examples/demo-cell-attestations.yaml'), exceptions: join(ROOT, 'examples/demo-cell-exceptions.yaml') },
    judge.profile.catalog,
  );
  const { result } = await runScan({ config: parseConfigText(cell.config, 'demo cell'), outDir: out, probes: PROBES, judge, statements });
  const s = result.summary;
  console.log(
    `Zone "${result.zone.name}", SL-T ${result.zone.slT.join(' ')}: ${s.devicesMeetingTarget} of ${s.devicesFound} devices meet it · ${s.gaps} gaps · ${s.compensated} compensated`,
  );
  console.log('Cells: demonstrated/ceiling; ✓ meets SL-T. "refuted" = observation failed it; "open" = not assessed (no probe sees it, no attestation).\n');
  console.log('| device | role (types) | FR1 | FR2 | FR3 | FR4 | FR5 | FR6 | FR7 | holding it back |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const d of result.devices) {
    const cells = d.frs.map((f) => `${f.demonstrated}/${f.ceiling}${f.demonstrated >= f.target ? ' ✓' : ''}`);
    const held = d.frs
      .filter((f) => f.demonstrated < f.target)
      .map(
        (f) =>
          `FR${f.fr}: ${[f.blockers.length ? `refuted ${f.blockers.join(', ')}` : '', f.toAssess.length ? `open ${f.toAssess.join(', ')}` : ''].filter(Boolean).join('; ')}`,
      );
    if (d.compensated.length) held.push(`compensated (SL-C not raised): ${d.compensated.map((g) => g.requirement).join(', ')}`);
    console.log(`| ${d.name ?? d.address} | ${d.role} (${d.componentTypes.join('+')}) | ${cells.join(' | ')} | ${held.join('<br>') || '-'} |`);
  }
  console.log(`\nWorst device per FR: ${s.worstDevices.map((w) => `FR${w.fr} ${w.demonstrated} (${w.devices.length} device(s))`).join(' · ')}`);
  const flagged = result.devices.flatMap((d) =>
    d.requirements
      .filter((r) => r.attestation && r.attestation.state !== 'applied' && r.attestation.state !== 'superseded')
      .map((r) => `${d.name} ${r.id} ${r.componentType}: ${r.attestation?.state}`),
  );
  console.log(`Attestations not applied: ${[...new Set(flagged)].join(' · ') || 'none'}`);
} finally {
  await cell.close();
  rmSync(out, { recursive: true, force: true });
}

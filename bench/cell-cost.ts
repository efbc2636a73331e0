/**
 * What one scan of the simulated cell costs each device, per protocol, as counted by the devices
 * themselves (fixture request logs), and the wall time of the scan. Prints a table.
 *   npm run bench:cell            (opt-ins off, then on)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';

const cell = await startCell({ prefix: '127.78.0' });
const out = mkdtempSync(join(tmpdir(), 'cellcheck-bench-'));
try {
  for (const optIns of [false, true]) {
    const doc = parse(cell.config) as Record<string, unknown>;
    if (!optIns) delete doc.probes;
    const before = cell.devices.flatMap((d) => d.fixtures.map((f) => ({ c: f.log.connections, r: f.log.requests.length })));
    const started = performance.now();
    const { result } = await runScan({ config: parseConfig(doc, 'cell'), outDir: out, probes: PROBES, judge: loadJudge() });
    const wall = performance.now() - started;
    console.log(
      `\n## Scan of the simulated cell, opt-ins ${optIns ? 'on' : 'off'}: ${result.devices.length} devices on ${result.summary.addressesPlanned} addresses, ${(wall / 1000).toFixed(2)} s wall`,
    );
    console.log('| device | service | connections | requests | request kinds |');
    console.log('|---|---|---|---|---|');
    let i = 0;
    for (const d of cell.devices) {
      for (const f of d.fixtures) {
        const b = before[i++] ?? { c: 0, r: 0 };
        const reqs = f.log.requests.slice(b.r);
        const kinds = [...new Set(reqs.map((r) => r.kind))].join(', ');
        console.log(`| ${d.device.name} | ${f.name} | ${f.log.connections - b.c} | ${reqs.length} | ${kinds.slice(0, 90)} |`);
      }
    }
  }
} finally {
  await cell.close();
  rmSync(out, { recursive: true, force: true });
}

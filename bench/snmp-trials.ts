/**
 * What the SNMP opt-ins cost on the simulated cell: the plain scan (no opt-in) against the scan
 * with every SNMP opt-in (three communities, one of them right for the community switch, and the
 * v3 user), in one process, alternating, median of the runs. The target (issue 16): the SNMP
 * scan within 1.3x the plain one.
 *   node bench/snmp-trials.ts [runs]      (default 3)
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

const runs = Number(process.argv[2] ?? 3);
const cell = await startCell({ prefix: '127.78.1' });
const out = mkdtempSync(join(tmpdir(), 'cellcheck-bench-snmp-'));

function config(snmpOptIns: boolean) {
  const doc = parse(cell.config) as { probes?: { snmp?: { communities?: string[] } } };
  const snmp = doc.probes?.snmp;
  delete doc.probes;
  if (snmpOptIns && snmp) doc.probes = { snmp: { ...snmp, communities: ['private', 'plant-ro', 'public'] } };
  return parseConfig(doc, 'cell');
}

async function wallMs(snmpOptIns: boolean): Promise<number> {
  const started = performance.now();
  await runScan({ config: config(snmpOptIns), outDir: out, probes: PROBES, judge: loadJudge() });
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
try {
  const plain: number[] = [];
  const snmp: number[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(await wallMs(false));
    snmp.push(await wallMs(true));
  }
  const p = median(plain);
  const s = median(snmp);
  console.log(`plain scan (no opt-in):            ${(p / 1000).toFixed(2)} s   runs: ${plain.map((x) => (x / 1000).toFixed(2)).join(' ')}`);
  console.log(`every SNMP opt-in (3 communities, v3): ${(s / 1000).toFixed(2)} s   runs: ${snmp.map((x) => (x / 1000).toFixed(2)).join(' ')}`);
  console.log(`ratio: ${(s / p).toFixed(2)}x (target <= 1.3x)`);
} finally {
  await cell.close();
  rmSync(out, { recursive: true, force: true });
}

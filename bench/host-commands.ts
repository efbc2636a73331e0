/**
 * What a credentialed host scan sends and how long each command takes: scans the demo's replayed
 * Linux hosts (fixtures/host) once and prints every command line with its status, bytes and time.
 * Run: node_modules/.bin/node bench/host-commands.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { HOST_CELL_DEVICES, startCell } from '../fixtures/cell.ts';
import { HostFacts } from '../probes/host/facts.ts';
import { PROBES } from '../probes/registry.ts';

const cell = await startCell({ prefix: '127.80.7', devices: HOST_CELL_DEVICES });
const out = mkdtempSync(join(tmpdir(), 'cellcheck-bench-host-'));
try {
  const started = performance.now();
  const { runDir } = await runScan({ config: parseConfigText(cell.config, 'demo'), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'bench' });
  const wall = performance.now() - started;
  const observations = JSON.parse(readFileSync(join(runDir, 'observations.json'), 'utf8')) as {
    address: string;
    outcomes: { probe: string; status: string; durationMs: number; facts?: unknown }[];
  }[];
  for (const o of observations) {
    const outcome = o.outcomes.find((x) => x.probe === 'host.commands');
    if (outcome?.status !== 'ok') continue;
    const facts = HostFacts.parse(outcome.facts);
    const name = cell.devices.find((d) => d.host === o.address)?.device.name ?? o.address;
    console.log(`\n${o.address} ${name}: ${facts.commands.length} commands in one session, probe ${outcome.durationMs} ms`);
    console.log(`${'ms'.padStart(5)}  ${'status'.padEnd(12)} ${'bytes'.padStart(7)}  line`);
    for (const c of facts.commands)
      console.log(
        `${String(c.durationMs).padStart(5)}  ${c.status.padEnd(12)} ${String(c.bytes).padStart(7)}  ${c.line.length > 90 ? `${c.line.slice(0, 87)}...` : c.line}`,
      );
  }
  console.log(`\nwhole scan of ${cell.devices.length} hosts (discovery, SSH probes, login, commands): ${Math.round(wall)} ms`);
} finally {
  await cell.close();
  rmSync(out, { recursive: true, force: true });
}

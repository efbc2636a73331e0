import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { type RunningCell, startCell } from '../fixtures/cell.ts';
import { HARDENED_V3_USER } from '../fixtures/snmp/agent.ts';
import { DISCOVERY_OPS, DISCOVERY_PROBE } from '../probes/discovery.ts';
import { PROBES } from '../probes/registry.ts';
import { TranscriptEntry } from '../probes/transcript.ts';

/** A credentialed scan of the whole simulated cell with every opt-in on: the run that could leak or overstep most. */
const PREFIX = '127.84.1';
const PLANT_COMMUNITY = 'Pl4nt-S3cret-community';
const SECRETS = [PLANT_COMMUNITY, HARDENED_V3_USER.authKey, HARDENED_V3_USER.privKey, HARDENED_V3_USER.user];

let cell: RunningCell;
let runDir: string;
const progress: string[] = [];
const out = mkdtempSync(join(tmpdir(), 'cellcheck-safety-'));

beforeAll(async () => {
  cell = await startCell({ prefix: PREFIX });
  const doc = parse(cell.config) as { probes: { snmp: Record<string, unknown> }; scan: Record<string, unknown> };
  doc.probes.snmp = { communities: ['public', PLANT_COMMUNITY], v3: HARDENED_V3_USER };
  // The devices share this test's event loop and see a close later than a real device would; a
  // wider gap between packets keeps "one connection at a time" measurable when the machine is busy.
  doc.scan.minGapMs = 50;
  const scanned = await runScan({
    config: parseConfig(doc, 'cell.yaml'),
    outDir: out,
    probes: PROBES,
    judge: loadJudge(),
    runId: 'credentialed',
    onProgress: (e) => progress.push(JSON.stringify(e)),
  });
  runDir = scanned.runDir;
}, 120_000);

afterAll(async () => {
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function transcriptEntries(): TranscriptEntry[] {
  const dir = join(runDir, 'transcripts');
  return readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => TranscriptEntry.parse(JSON.parse(line))),
  );
}

describe('strict replay of a credentialed scan of the whole cell', () => {
  it('every operation sent is on the allow-list its probe declares', () => {
    const allowed = new Map<string, readonly string[]>([[DISCOVERY_PROBE, DISCOVERY_OPS], ...PROBES.map((p) => [p.id, p.ops] as const)]);
    const sent = transcriptEntries().filter((e) => e.dir === 'tx');
    expect(sent.length).toBeGreaterThan(100);
    const outside = sent.filter((e) => !allowed.get(e.probe)?.includes(e.op)).map((e) => `${e.probe}: ${e.op}`);
    expect(outside).toEqual([]);
  });

  it('the gate refused nothing: no probe even tried an address, operation or packet outside its limits', () => {
    const refused = transcriptEntries().filter((e) => e.op === 'probe.unavailable' && /^(denied|budget):/.test(e.text ?? ''));
    expect(refused.map((e) => `${e.probe}: ${e.text}`)).toEqual([]);
  });

  it('the devices saw zero write or control operations, and never two connections at once', () => {
    for (const d of cell.devices)
      for (const f of d.fixtures) {
        expect(f.log.count('write'), `${d.device.name} ${f.name}: ${f.log.kinds('write').join(', ')}`).toBe(0);
        expect(f.log.maxConcurrent, `${d.device.name} ${f.name}`).toBeLessThanOrEqual(1);
      }
  });
});

describe('the Niagara stations of the credentialed scan', () => {
  it('saw the hello and nothing else, one per Fox probe: in clear on 1911, inside TLS on 4911', () => {
    const fox = cell.devices.filter((d) => d.device.services.some((s) => s === 'fox' || s === 'fox-tls'));
    expect(fox.map((d) => d.device.name).sort()).toEqual(['jace-hardened', 'jace-weak']);
    for (const d of fox) for (const f of d.fixtures) expect(f.log.kinds(), `${d.device.name} ${f.name}`).toEqual(['hello']);
    const sent = transcriptEntries().filter((e) => e.probe === 'fox.hello-tls' && e.dir === 'tx');
    expect(sent.map((e) => e.op)).toEqual(['tls.client-hello', 'fox.hello']);
    const hardened = fox.find((d) => d.device.name === 'jace-hardened')?.host;
    const observations = JSON.parse(readFileSync(join(runDir, 'observations.json'), 'utf8'));
    const hello = observations.find((o: { address: string }) => o.address === hardened)?.outcomes.find((o: { probe: string }) => o.probe === 'fox.hello-tls');
    expect(hello?.facts?.stationName).toBe('AHU_4_Plant');
  });
});

describe('secrets of a credentialed run', () => {
  it('the scan really used them (the hardened switch was read over SNMPv3)', () => {
    const host = cell.devices.find((d) => d.device.name === 'switch-hardened')?.host;
    const observations = readFileSync(join(runDir, 'observations.json'), 'utf8');
    expect(
      JSON.parse(observations)
        .find((o: { address: string }) => o.address === host)
        ?.outcomes.find((o: { probe: string }) => o.probe === 'snmp.system')?.facts.readVia,
    ).toBe('v3');
  });

  it('no output file of the run and no progress line holds a secret, as text or as hex', () => {
    const files = filesUnder(runDir);
    expect(files.length).toBeGreaterThan(4);
    const sources = [...files.map((f) => ({ where: f, text: readFileSync(f, 'latin1') })), { where: 'progress events', text: progress.join('\n') }];
    for (const { where, text } of sources)
      for (const secret of SECRETS) {
        expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
        expect(text.includes(Buffer.from(secret).toString('hex')), `${secret} as hex in ${where}`).toBe(false);
      }
  });
});

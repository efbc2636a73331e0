import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CELL_DEVICES, type RunningCell, startCell } from '../../fixtures/cell.ts';
import { HARDENED_V3_USER } from '../../fixtures/snmp/agent.ts';
import { PROBES } from '../../probes/registry.ts';
import { renderCycloneDx } from '../../report/cyclonedx.ts';
import { type DeviceResult, Result } from '../../report/result.ts';
import { cycloneDx16Validator } from '../../test/cyclonedx-schema.ts';
import { parseConfig } from '../config/config.ts';
import { judgeRun } from '../judge/judge.ts';
import { loadJudge } from '../judge/judge-loader.ts';
import { runScan } from '../scan/run-scan.ts';
import { readRunDir } from '../run-dir/rundir.ts';
import { importDocuments, loadStore } from './store.ts';
import { runCli } from '../../test/run-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PREFIX = '127.85.0';
const DEVICES = ['plc-weak', 'modbus-io', 'switch-weak', 'switch-hardened'];
const out = mkdtempSync(join(tmpdir(), 'cellcheck-advisories-scan-'));
const store = join(out, 'store');
let cell: RunningCell;
let demo: Result;
let demoDir: string;
let withV3: Result;

const cli = (args: string[]) => runCli(args, out);

function device(result: Result, name: string): DeviceResult {
  const d = result.devices.find((x) => x.name === name);
  if (!d) throw new Error(`${name} not in the result`);
  return d;
}

beforeAll(async () => {
  const imported = importDocuments(store, [join(ROOT, 'fixtures/csaf/cisa'), join(ROOT, 'fixtures/csaf/crafted')]);
  expect(imported.rejected).toEqual([]);
  cell = await startCell({ prefix: PREFIX, devices: CELL_DEVICES.filter((d) => DEVICES.includes(d.name)) });
  const doc = parse(cell.config) as { probes: { snmp: Record<string, unknown> } };
  // The demo config reads the hardened switch over SNMPv3; the first scan goes without that key.
  const { v3: _key, ...withoutV3 } = doc.probes.snmp;
  doc.probes.snmp = withoutV3;
  const scanned = await runScan({
    config: parseConfig(doc, 'cell.yaml'),
    outDir: out,
    probes: PROBES,
    judge: loadJudge(),
    runId: 'demo',
    advisories: loadStore(store),
  });
  demo = scanned.result;
  demoDir = scanned.runDir;
  doc.probes.snmp.v3 = { ...HARDENED_V3_USER };
  withV3 = (
    await runScan({ config: parseConfig(doc, 'cell.yaml'), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'v3', advisories: loadStore(store) })
  ).result;
}, 120_000);

afterAll(async () => {
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('a scan of the simulated cell with the sample advisories imported', () => {
  it('lists the RUGGEDCOM advisory for the switch running the affected firmware, with CVE, CVSS, fix and why', () => {
    const sw = device(demo, 'switch-weak');
    expect(sw.identity.model?.value).toBe('RUGGEDCOM RS900G');
    expect(sw.vulnerabilityCoverage?.outcome).toBe('matched');
    const f = sw.vulnerabilities?.find((x) => x.advisory.id === 'ICSA-23-222-08');
    expect(f).toMatchObject({
      cve: 'CVE-2023-39269',
      status: 'affected',
      cvss: { baseScore: 7.5, version: '3.1' },
      fixedVersion: 'V4.3.8',
      belowFixedVersion: true,
      match: {
        confidence: 'medium',
        nameOnly: true,
        basis: 'product-name',
        deviceField: 'model',
        version: { rule: 'vers:all/<V4.3.8', deviceVersion: 'v4.3.7', verdict: 'in-range' },
      },
    });
    expect(f?.remediations.map((r) => r.category)).toContain('vendor_fix');
    expect(demo.advisories).toMatchObject({ store, advisories: 7, devicesAffected: 1, findingsAffected: 1 });
  });

  it('says why the other devices have no findings, and the findings leave SL-C alone', () => {
    // SNMPv3-only without credentials: only the SSH software is known, no vendor or firmware.
    const hardened = device(demo, 'switch-hardened');
    expect(hardened.identity.vendor, JSON.stringify(hardened.identity)).toBeUndefined();
    expect(hardened.vulnerabilityCoverage).toEqual({
      outcome: 'no-match',
      reason: 'vendor unknown, so product names were not compared; no advisory lists its order or model number',
    });
    expect(device(demo, 'plc-weak').vulnerabilityCoverage).toMatchObject({ outcome: 'no-match' });
    expect(device(demo, 'plc-weak').vulnerabilityCoverage?.reason).toMatch(/advisories for "Siemens" checked/);
    expect(device(demo, 'modbus-io').vulnerabilityCoverage?.reason).toBe(
      'no feed for its vendor: no advisory in the store names "Simulated I/O GmbH" and none lists its order or model number',
    );
    const plain = judgeRun(readRunDir(demoDir).run, loadJudge());
    expect(plain.devices.map((d) => d.slC)).toEqual(demo.devices.map((d) => d.slC));
    expect(plain.devices.every((d) => d.vulnerabilities === undefined)).toBe(true);
  });

  it('does not call the switch on the fixed firmware affected once its identity can be read (SNMPv3)', () => {
    const hardened = device(withV3, 'switch-hardened');
    expect(hardened.identity.firmware?.value).toBe('V4.3.8');
    const f = hardened.vulnerabilities?.filter((x) => x.advisory.id === 'ICSA-23-222-08');
    expect(f?.map((x) => [x.status, x.match.version.verdict])).toEqual([['fixed', 'out-of-range']]);
    expect(withV3.advisories?.devicesAffected).toBe(1);
  });

  it('keeps the findings in result.json, the HTML report and the CycloneDX VEX section', () => {
    const written = Result.parse(JSON.parse(readFileSync(join(demoDir, 'result.json'), 'utf8')));
    expect(device(written, 'switch-weak').vulnerabilities).toEqual(device(demo, 'switch-weak').vulnerabilities);
    const html = readFileSync(join(demoDir, 'report.html'), 'utf8');
    expect(html).toMatch(/<tr class="vuln affected"><td>affected<\/td><td>ICSA-23-222-08<\/td><td>CVE-2023-39269<\/td><td>7.5<\/td><td>V4.3.8<\/td>/);
    const bom = JSON.parse(readFileSync(join(demoDir, 'inventory.cdx.json'), 'utf8'));
    expect(cycloneDx16Validator()(bom)).toEqual([]);
    const host = device(demo, 'switch-weak').address;
    expect(
      bom.vulnerabilities.find((v: { id: string; affects: { ref: string }[] }) => v.id === 'CVE-2023-39269' && v.affects[0]?.ref === `device:${host}:firmware`),
    ).toMatchObject({
      ratings: [{ score: 7.5, severity: 'high', method: 'CVSSv31' }],
      affects: [{ versions: [{ version: 'v4.3.7', status: 'affected' }] }],
      analysis: { state: 'exploitable' },
    });
    const fixed = renderCycloneDx(withV3).vulnerabilities?.find((v) => v.affects[0]?.ref === `device:${device(withV3, 'switch-hardened').address}:firmware`);
    expect(fixed).toMatchObject({
      id: 'CVE-2023-39269',
      analysis: { state: 'resolved' },
      affects: [{ versions: [{ version: 'V4.3.8', status: 'unaffected' }] }],
    });
  });

  it('re-matches a past run with `evaluate --advisories` without touching a device', async () => {
    const before = cell.devices.flatMap((d) => d.fixtures.map((f) => f.log.requests.length));
    const run = await cli(['evaluate', demoDir, '--advisories', store, '--format', 'json']);
    expect(run.stderr).toBe('');
    const result = Result.parse(JSON.parse(run.stdout));
    expect(device(result, 'switch-weak').vulnerabilities).toEqual(device(demo, 'switch-weak').vulnerabilities);
    expect(cell.devices.flatMap((d) => d.fixtures.map((f) => f.log.requests.length))).toEqual(before);
  });

  it('takes the store from the config, relative to the config file', async () => {
    writeFileSync(join(out, 'zone.yaml'), `${cell.config}advisories: { store: store }\n`, { mode: 0o600 });
    const run = await cli(['scan', '--config', join(out, 'zone.yaml'), '--out', join(out, 'cli-runs'), '--format', 'json', '--quiet']);
    expect(run.stderr).toBe('');
    const result = Result.parse(JSON.parse(run.stdout));
    expect(result.advisories?.store).toBe(store);
    expect(device(result, 'switch-weak').vulnerabilities?.some((f) => f.advisory.id === 'ICSA-23-222-08' && f.status === 'affected')).toBe(true);
  });
});

/**
 * Golden result of the simulated demo cell, scanned with the shipped example attestations and
 * exceptions. Values that change from run to run (times, run id, durations, certificates minted
 * at fixture start, transcript positions, the address prefix, ports moved up when not root) are
 * normalised before the comparison.
 *
 * After an intended change of checks, mapping, catalog or result model, regenerate the golden file:
 *   UPDATE_GOLDEN=1 npm test -- test/golden.test.ts
 * and review its diff like code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { loadStatements } from '../agent/judge/statements.ts';
import { type RunningCell, startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';
import type { Result } from '../report/result.ts';
import { runCli } from './run-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PREFIX = '127.81.0';
const GOLDEN = join(ROOT, 'test/golden/demo-cell.result.json');
const ATTESTATIONS = join(ROOT, 'examples/demo-cell-attestations.yaml');
const EXCEPTIONS = join(ROOT, 'examples/demo-cell-exceptions.yaml');
const out = mkdtempSync(join(tmpdir(), 'cellcheck-golden-'));
let cell: RunningCell;
let result: Result;
let runDir: string;

/** Keys whose values differ between two scans of the same cell. */
const VARYING = new Set([
  'runId',
  'collectedAt',
  'finishedAt',
  'agent',
  'at',
  'durationMs',
  'fingerprint256',
  'notBefore',
  'notAfter',
  'readRoundTripMs',
  'clockDriftMs',
  'transcript',
]);
/** Without root the cell's services below 1024 listen 10000 higher (fixtures/cell.ts). */
const standardPort = (p: number) => (p > 10_000 && p < 11_024 ? p - 10_000 : p);

function normalise(value: unknown, key = ''): unknown {
  if (VARYING.has(key)) return '<varies>';
  if (typeof value === 'string') return value.split(`${PREFIX}.`).join('CELL.');
  if (typeof value === 'number') return key === 'port' ? standardPort(value) : value;
  if (Array.isArray(value)) return value.map((v) => (key === 'ports' && typeof v === 'number' ? standardPort(v) : normalise(v)));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  return value;
}

const cli = (args: string[]) => runCli(args, out);

beforeAll(async () => {
  cell = await startCell({ prefix: PREFIX });
  const judge = loadJudge();
  const statements = loadStatements({ attestations: ATTESTATIONS, exceptions: EXCEPTIONS }, judge.profile.catalog);
  const scanned = await runScan({ config: parseConfigText(cell.config, 'demo cell'), outDir: out, probes: PROBES, judge, statements, runId: 'golden' });
  result = scanned.result;
  runDir = scanned.runDir;
}, 120_000);

afterAll(async () => {
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

const device = (name: string) => {
  const d = result.devices.find((x) => x.name === name);
  if (!d) throw new Error(`no device ${name}`);
  return d;
};

describe('golden result of the demo cell with the example attestations and exceptions', () => {
  it('matches the committed golden file', () => {
    const text = `${JSON.stringify(normalise(result), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('hardened devices reach SL-T in every FR their observed evidence allows; what holds the rest back is named', () => {
    for (const name of ['opcua-hardened', 'hmi-hardened', 'plc-hardened', 'switch-hardened']) {
      for (const fr of device(name).frs) {
        if (fr.ceiling >= fr.target) expect(fr.demonstrated, `${name} FR${fr.fr}`).toBeGreaterThanOrEqual(fr.target);
        else expect(fr.blockers.length, `${name} FR${fr.fr}`).toBeGreaterThan(0);
      }
    }
    expect(device('opcua-hardened').meetsTarget).toBe(true);
    expect(device('switch-hardened').meetsTarget).toBe(true);
    expect(device('hmi-hardened').frs[0]?.blockers).toEqual(['CR 1.8']);
    expect(device('plc-weak').gaps.map((g) => g.requirement)).toEqual(expect.arrayContaining(['CR 1.1', 'CR 2.1', 'CR 3.1', 'CR 4.1']));
  });

  it('flags attestations the scan contradicts, shows expired ones, and compensates without raising SL-C', () => {
    expect(device('hmi-hardened').requirements.find((r) => r.id === 'CR 1.8')).toMatchObject({
      status: 'not-satisfied',
      attestation: { state: 'contradicted' },
    });
    expect(device('switch-weak').requirements.find((r) => r.id === 'CR 7.6')).toMatchObject({ status: 'not-assessed', attestation: { state: 'expired' } });
    const plc = device('plc-hardened');
    expect(plc.compensated.map((g) => g.requirement).sort()).toEqual(['CR 1.2', 'CR 3.1', 'CR 3.1 RE(1)']);
    expect(plc.gaps).toEqual([]);
    expect(plc.slC.demonstrated[2]).toBe(0);
    expect(device('plc-weak').gaps.find((g) => g.requirement === 'CR 4.1')?.exception?.state).toBe('expired');
    expect(device('switch-hardened').requirements.find((r) => r.id === 'NDR 1.6')).toMatchObject({
      status: 'not-applicable',
      decidedBy: 'attested',
      reason: expect.stringContaining('no wireless'),
    });
  });

  it('`evaluate` with the same files reproduces result.json byte for byte', async () => {
    const r = await cli(['evaluate', runDir, '--attestations', ATTESTATIONS, '--exceptions', EXCEPTIONS, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(join(runDir, 'result.json'), 'utf8'));
    const later = await cli(['evaluate', runDir, '--attestations', ATTESTATIONS, '--exceptions', EXCEPTIONS, '--format', 'json', '--at', '2027-12-01']);
    const opcua = (JSON.parse(later.stdout) as Result).devices.find((d) => d.name === 'opcua-hardened');
    expect(opcua?.meetsTarget, 'the hardened attestations expire on 2027-10-15').toBe(false);
  });

  it('`explain` walks a failing requirement down to the bytes that refuted it', async () => {
    const r = await cli(['explain', runDir, 'plc-hardened', 'CR 3.1', '--attestations', ATTESTATIONS, '--exceptions', EXCEPTIONS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('EDR: not-satisfied · decided by observed · observation refuted');
    expect(r.stdout).toContain('attestation (contradicted)');
    expect(r.stdout).toContain('exception (active)');
    expect(r.stdout).toContain('► check s7.access-authenticated: fail');
    expect(r.stdout).toMatch(/#\d+ tx s7\.cotp-connect 22 byte\(s\)\n\s+03 00 00 16 11 e0/);
  });

  it('`explain` shows what an attested, observation-consistent requirement rests on', async () => {
    const r = await cli(['explain', runDir, `${PREFIX}.41`, 'CR 1.12', '--attestations', ATTESTATIONS, '--format', 'json']);
    const x = JSON.parse(r.stdout) as {
      rows: { status: string; decidedBy: string; observation: string }[];
      checks: { check: { id: string; status: string }; decisive: boolean; evidence: { entries: { hex?: string }[] }[] }[];
    };
    expect(x.rows).toEqual([expect.objectContaining({ status: 'satisfied', decidedBy: 'attested', observation: 'consistent' })]);
    const banner = x.checks.find((c) => c.check.id === 'ssh.login-banner-present');
    expect(banner).toMatchObject({ decisive: true, check: { status: 'pass' } });
    expect(banner?.evidence[0]?.entries.some((e) => (e.hex ?? '').length > 0)).toBe(true);
    const unknown = await cli(['explain', runDir, 'nobody', 'CR 1.12']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('device "nobody" is not in run golden');
  });

  it('`attest template` lists what is still open once per requirement and component type; blank entries are skipped', async () => {
    const template = join(out, 'template.yaml');
    const r = await cli(['attest', 'template', '--run', runDir, '--out', template, '--attestations', ATTESTATIONS]);
    expect(r.code).toBe(0);
    const text = readFileSync(template, 'utf8');
    expect(text).toContain('# --- NDR, network devices:');
    expect(text).toMatch(
      /- requirement: CR 2\.9 +# FR2 SL1 Audit storage capacity\n {4}componentType: NDR\n {4}devices: \["switch-weak"\]\n {4}status: satisfied\n {4}statement: ""/,
    );
    // One entry per requirement and type, never one per device.
    const entries = [...text.matchAll(/- requirement: (.+?) +#.*\n {4}componentType: (\S+)\n {4}devices: (.*)/g)].map((m) => ({
      key: `${m[2]} ${m[1]}`,
      requirement: m[1] ?? '',
      devices: JSON.parse(m[3] ?? '[]') as string[],
    }));
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
    // A requirement no probe sees is open on every embedded device: one entry lists them all.
    const run = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as Result;
    const embedded = run.devices.filter((d) => d.componentTypes.includes('EDR')).map((d) => d.name ?? d.address);
    expect(embedded).toEqual(expect.arrayContaining(['bms-bacnet', 'modbus-io', 'plc-enip', 'plc-hardened', 'plc-weak']));
    const shared = entries.findIndex((e) => e.key.startsWith('EDR ') && e.devices.length === embedded.length);
    const entry = entries[shared];
    expect(entry?.devices.sort()).toEqual(embedded.sort());
    // A fresh template, as its header suggests checking it: every entry skipped, in one line.
    const fresh = await cli(['evaluate', runDir, '--attestations', template, '--quiet']);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toBe(`${template}: skipped ${entries.length} of ${entries.length} entries, left blank\n`);
    // One entry filled in attests every device it lists; a partly filled one is refused at its place in the file.
    const lines = text.split('\n');
    const at = lines.findIndex((l, i) => l.startsWith(`  - requirement: ${entry?.requirement} `) && lines[i + 1] === '    componentType: EDR');
    lines.splice(at + 4, 4, '    statement: "Every engineering login is personal"', '    by: "A. Tech"', '    date: "2026-11-02"', '    evidence: "OT-7"');
    writeFileSync(join(out, 'filled.yaml'), lines.join('\n'));
    const judged = await cli(['evaluate', runDir, '--attestations', join(out, 'filled.yaml'), '--format', 'json']);
    const attested = (JSON.parse(judged.stdout) as Result).devices.filter((d) =>
      d.requirements.some((row) => row.id === entry?.requirement && row.componentType === 'EDR' && row.attestation?.state === 'applied'),
    );
    expect(attested.map((d) => d.name ?? d.address).sort()).toEqual(embedded.sort());
    lines[at + 5] = '    by: ""';
    writeFileSync(join(out, 'partly.yaml'), lines.join('\n'));
    const partly = await cli(['evaluate', runDir, '--attestations', join(out, 'partly.yaml')]);
    expect(partly.code).toBe(2);
    expect(partly.stderr).toBe(`cellcheck: ${join(out, 'partly.yaml')}: attestations[${shared}].by: by must not be empty\n`);
    expect((await cli(['attest', 'template', '--run', runDir, '--out', template])).code, 'never overwrites').toBe(2);
  });
});

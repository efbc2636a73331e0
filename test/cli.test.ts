import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../fixtures/fixture.ts';
import { startOpcuaFixture } from '../fixtures/opcua/server.ts';
import { Result } from '../report/result.ts';
import { runCli, runProcess } from './run-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-cli-'));
let opcua: RunningFixture;

const cli = (args: string[]) => runCli(args, dir);

function config(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  opcua = await startOpcuaFixture({ host: '127.72.0.10', port: 4840, posture: 'weak' });
});
afterAll(async () => {
  await opcua?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cellcheck CLI', () => {
  it('refuses a broken config before sending anything, naming file and key (exit 2)', async () => {
    const file = config('bad.yaml', 'zone: {name: z, slT: [2,2,2]}\ntargets: [{host: 127.72.0.10}]\n');
    const before = opcua.log.connections;
    const r = await cli(['scan', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: zone.slT: a target vector has exactly 7 levels`);
    expect(r.stdout).toBe('');
    expect(opcua.log.connections).toBe(before);
  });

  it('refuses an address that is not one, in hosts and ranges, before --plan shows it (exit 2)', async () => {
    const file = config(
      'addresses.yaml',
      'zone: {name: z, slT: 2, cidrs: [10.0.0.0/33]}\ntargets: [{host: 999.0.0.1}, {cidr: 999.0.0.0/24}, {host: "::1"}]\ndeny: [10.0.0.256]\n',
    );
    const r = await cli(['scan', '--config', file, '--plan']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `cellcheck: ${file}: zone.cidrs[0]: "10.0.0.0/33" is not a valid CIDR: prefix /33 is longer than 32`,
      `${file}: targets[0].host: "999.0.0.1" is not an IPv4/IPv6 address`,
      `${file}: targets[1].cidr: "999.0.0.0/24" is not a valid CIDR: 999.0.0.0 is not an IPv4 address`,
      `${file}: deny[0]: "10.0.0.256" is neither an IP address nor a CIDR`,
    ]);
  });

  it.each([
    ['[2,2,2,2,2,2,2,2]', 'a target vector has exactly 7 levels 1-4 (FR1..FR7); this one has 8'],
    ['[2,2,2,2,2,2]', 'a target vector has exactly 7 levels 1-4 (FR1..FR7); this one has 6'],
    ['"two"', '"two" is not a security level: expected one level 1-4 for every FR, or a target vector of exactly 7 levels 1-4 (FR1..FR7)'],
    ['[2,2,2,"high",2,2,2]', 'FR4 is "high": a security level is 1 to 4'],
  ])('says what is wrong with an SL-T of %s, for the zone and a target (exit 2)', async (slT, message) => {
    const file = config('slt.yaml', `zone: {name: z, slT: ${slT}}\ntargets: [{host: 127.72.0.10, slT: ${slT}}]\n`);
    const r = await cli(['scan', '--config', file, '--plan']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`cellcheck: ${file}: zone.slT: ${message}`, `${file}: targets[0].slT: ${message}`]);
  });

  it('prints only the result document with --format json, and exits 1 on gaps', async () => {
    const file = config('one.yaml', 'zone: {name: cli, slT: 2}\ntargets: [{host: 127.72.0.10}]\nscan: {connectTimeoutMs: 300, stepTimeoutMs: 1000}\n');
    const r = await cli(['scan', '--config', file, '--format', 'json', '--out', join(dir, 'runs')]);
    expect(r.code).toBe(1);
    const doc = Result.parse(JSON.parse(r.stdout));
    expect(doc.devices.map((d) => d.address)).toEqual(['127.72.0.10']);
    expect(doc.summary.gaps).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'runs'))).toEqual([doc.runId]);
  });

  it("the README's `npm run -s cellcheck -- ... --format json` prints only JSON, with no npm banner", async () => {
    const file = config('plan.yaml', 'zone: {name: cli, slT: 2}\ntargets: [{host: 127.72.0.10}]\n');
    const r = await runProcess('npm', ['run', '-s', 'cellcheck', '--', 'scan', '--config', file, '--plan', '--format', 'json'], {
      cwd: resolve(import.meta.dirname, '..'),
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('{')).toBe(true);
    expect((JSON.parse(r.stdout) as { devices: { addresses: string[] }[] }).devices[0]?.addresses).toEqual(['127.72.0.10']);
  });

  it('exits 3 when nothing answers', async () => {
    const file = config('empty.yaml', 'zone: {name: cli, slT: 1}\ntargets: [{cidr: 127.72.1.0/30}]\n');
    const r = await cli(['scan', '--config', file, '--out', join(dir, 'runs2'), '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('No device answered');
  });

  it('re-evaluates a run directory and reports a missing one clearly', async () => {
    const runs = join(dir, 'runs');
    const [run] = readdirSync(runs);
    const again = await cli(['evaluate', join(runs, run ?? ''), '--format', 'json']);
    expect(again.code).toBe(1);
    expect(Result.parse(JSON.parse(again.stdout)).runId).toBe(run);
    // --out writes the re-judged result and its reports elsewhere, never into the run.
    const out = join(dir, 'rejudged');
    const written = await cli(['evaluate', join(runs, run ?? ''), '--format', 'json', '--out', out]);
    expect(written.code).toBe(1);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(written.stdout);
    expect(readdirSync(out).sort()).toEqual(['findings.csv', 'inventory.cdx.json', 'plan.csv', 'report.html', 'result.json']);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(`<dd>${run}</dd>`);
    const missing = await cli(['evaluate', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`cellcheck: ${join(dir, 'nope')}: no such folder; expected a run directory (the folder a scan wrote)\n`);
  });

  it('says in words what a path is when a run directory was expected: a file, nothing, an empty folder (exit 2)', async () => {
    expect((await cli(['keygen', '--out', 'keys'])).code).toBe(0);
    const [run] = readdirSync(join(dir, 'runs'));
    const runDir = join(dir, 'runs', run ?? '');
    const file = join(runDir, 'result.json');
    const missing = join(dir, 'missing');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const RUN_DIR = 'a run directory (the folder a scan wrote)';
    const cases: [string[], string][] = [
      [['evaluate', file], `${file} is a file; expected ${RUN_DIR}`],
      [['evaluate', missing], `${missing}: no such folder; expected ${RUN_DIR}`],
      [['evaluate', empty], `${empty}: not ${RUN_DIR}: it has no run.json`],
      [['explain', file, 'x', 'CR 1.1'], `${file} is a file; expected ${RUN_DIR}`],
      [['explain', empty, 'x', 'CR 1.1'], `${empty}: not ${RUN_DIR}: it has no run.json`],
      [['attest', 'template', '--run', file], `${file} is a file; expected ${RUN_DIR}`],
      [['attest', 'template', '--run', missing], `${missing}: no such folder; expected ${RUN_DIR}`],
      [['diff', missing, runDir], `${missing}: no such file or folder; expected result.json or ${RUN_DIR}`],
      [['diff', runDir, empty], `${empty}: not ${RUN_DIR}: it has no result.json`],
      [['verify', missing, '--key', 'keys/signing.pub'], `${missing}: no such file or folder; expected result.signed.json or ${RUN_DIR}`],
      [['verify', empty, '--key', 'keys/signing.pub'], `${empty}: not ${RUN_DIR}: it has no result.signed.json`],
      [['verify', runDir, '--key', 'keys/signing.pub'], `${runDir}: the run directory has no result.signed.json`],
      [['evaluate', runDir, '--attestations', empty], `${empty}: cannot read: a folder, not a file`],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: `cellcheck: ${message}\n` });
    }
  });

  it('rejects an unknown command with usage help (exit 2)', async () => {
    const r = await cli(['scna']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cellcheck:');
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../fixtures/fixture.ts';
import { startFtpFixture } from '../fixtures/it-services/servers.ts';
import { Drift } from '../report/diff.ts';
import { Result } from '../report/result.ts';
import { craftedRuns } from './crafted-runs.ts';
import { runProcess } from './run-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-report-cli-'));
let ftp: RunningFixture;

/** Runs the CLI with stdout and stderr as pipes (never a terminal), colour not switched off by the environment. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.NO_COLOR;
  return runProcess(process.execPath, [join(ROOT, 'agent/cli.ts'), ...args], { cwd: dir, env });
}

const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

beforeAll(async () => {
  ftp = await startFtpFixture({ host: '127.83.4.10', posture: 'weak' });
});
afterAll(async () => {
  await ftp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('scan output with reports and drift', () => {
  it('names the report files, diffs the second scan against the first, fits 100 columns, no colour in a pipe', async () => {
    const config = write(
      'zone.yaml',
      `zone: {name: cli-reports, slT: 2}\ntargets: [{host: 127.83.4.10, ports: {ftp: ${ftp.ports.ftp}}}]\nscan: {connectTimeoutMs: 300, stepTimeoutMs: 800}\n`,
    );
    const out = join(dir, 'runs');
    const one = await cli(['scan', '--config', config, '--out', out, '--quiet']);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe('');
    expect(one.stdout).toContain('Reports: report.html, inventory.cdx.json, findings.csv, plan.csv\n');
    expect(one.stdout).not.toContain('Drift from run');

    const two = await cli(['scan', '--config', config, '--out', out]);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('127.83.4.10: probing ftp.banner');
    expect(two.stdout).toMatch(/Drift from run \S+ \(.+\) to \S+/);
    expect(two.stdout).toContain('Reports: report.html, inventory.cdx.json, findings.csv, plan.csv, drift.json\n');
    expect(two.stdout).not.toContain('\u001b[');
    for (const line of two.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100);

    const three = await cli(['scan', '--config', config, '--out', out, '--format', 'json']);
    expect(Result.parse(JSON.parse(three.stdout)).devices).toHaveLength(1);

    const runs = readdirSync(out).sort();
    expect(runs).toHaveLength(3);
    expect(readFileSync(join(out, runs[0] ?? '', 'report.html'), 'utf8')).toMatch(/id="signature"[^>]*>not signed</);
    const between = await cli(['diff', join(out, runs[0] ?? ''), join(out, runs[1] ?? ''), '--format', 'json']);
    expect(Drift.parse(JSON.parse(between.stdout)).old.runId).toBe(runs[0]);
  }, 60_000);
});

describe('signature status in the HTML report', () => {
  it('shows a run signed with --key as signed', async () => {
    expect((await cli(['keygen', '--out', join(dir, 'keys')])).code).toBe(0);
    const config = write(
      'signed.yaml',
      `zone: {name: cli-signed, slT: 2}\ntargets: [{host: 127.83.4.10, ports: {ftp: ${ftp.ports.ftp}}}]\nscan: {connectTimeoutMs: 300, stepTimeoutMs: 800}\n`,
    );
    const out = join(dir, 'signed-runs');
    const r = await cli(['scan', '--config', config, '--out', out, '--quiet', '--key', join(dir, 'keys', 'signing.key')]);
    expect(r.code).toBe(1);
    const [run] = readdirSync(out);
    expect(readFileSync(join(out, run ?? '', 'report.html'), 'utf8')).toMatch(/id="signature"[^>]*>signed: result.signed.json/);
  }, 30_000);
});

describe('cellcheck diff', () => {
  const { older, newer } = craftedRuns();
  const oldFile = write('old.json', JSON.stringify(older));
  const newFile = write('new.json', JSON.stringify(newer));

  it('exits 1 when security got worse and lists what changed', async () => {
    const r = await cli(['diff', oldFile, newFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('firmware: V1.4.2 -> V1.5.0');
    expect(r.stdout).toContain('service opened: telnet tcp/23');
    expect(r.stdout).toContain('Security got worse');
    expect(r.stderr).toBe('');
  });

  it('exits 0 when nothing got worse', async () => {
    const r = await cli(['diff', oldFile, oldFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no change');
  });

  it('--format json prints only the drift document; the way back is worse only for the device that reappears', async () => {
    const r = await cli(['diff', newFile, oldFile, '--format', 'json']);
    const drift = Drift.parse(JSON.parse(r.stdout));
    expect(drift.changed.find((d) => d.address === '127.83.2.10')?.servicesClosed).toEqual(['telnet tcp/23']);
    expect(drift.regressions.length).toBeGreaterThan(0);
    expect(drift.regressions.every((g) => g.address === '127.83.2.11' && g.kind === 'new-device-with-gaps')).toBe(true);
    expect(r.code).toBe(1);
  });

  it('refuses a missing or foreign file with exit 2, naming it', async () => {
    const missing = await cli(['diff', join(dir, 'nope.json'), newFile]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'nope.json')}: no such file or folder; expected result.json or a run directory (the folder a scan wrote)`);
    const foreign = await cli(['diff', write('foreign.json', '{"hello": 1}'), newFile]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('foreign.json: not a cellcheck result');
    expect(foreign.stdout).toBe('');
  });
});

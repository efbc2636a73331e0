import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { CELL_DEVICES, HOST_CELL_DEVICES, type RunningCell, startCell } from '../fixtures/cell.ts';
import { HostFacts } from '../probes/host/facts.ts';
import { PROBES } from '../probes/registry.ts';
import type { DeviceResult, Result } from '../report/result.ts';

const PREFIX = '127.80.0';
let cell: RunningCell;
const out = mkdtempSync(join(tmpdir(), 'cellcheck-host-e2e-'));
let withLogin: Result;
let withoutLogin: Result;
let runDir: string;

/** The cell's config; `login: false` drops the host opt-in but keeps the credentials entries. */
function config(login: boolean) {
  const doc = parse(cell.config) as { probes: Record<string, unknown> };
  if (!login) doc.probes.host = { login: false };
  return parseConfig(doc, 'cell.yaml');
}

beforeAll(async () => {
  const switchHardened = CELL_DEVICES.find((d) => d.name === 'switch-hardened');
  cell = await startCell({ prefix: PREFIX, devices: [...HOST_CELL_DEVICES, ...(switchHardened ? [switchHardened] : [])] });
  withoutLogin = (await runScan({ config: config(false), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'no-login' })).result;
  const scanned = await runScan({ config: config(true), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'login' });
  withLogin = scanned.result;
  runDir = scanned.runDir;
}, 60_000);

afterAll(async () => {
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

const device = (r: Result, name: string): DeviceResult => {
  const host = cell.devices.find((d) => d.device.name === name)?.host;
  const d = r.devices.find((x) => x.address === host);
  if (!d) throw new Error(`no device ${name}`);
  return d;
};
const status = (d: DeviceResult, id: string) => d.checks.find((c) => c.id === id)?.status;
const requirement = (d: DeviceResult, id: string) => d.requirements.find((r) => r.id === id);

describe('credentialed scan of the simulated Linux hosts', () => {
  it('shows logging, time and account verdicts for the weak panel, with gaps at SL-T 2', () => {
    const d = device(withLogin, 'linux-panel-weak');
    for (const id of [
      'host.log-persistent',
      'host.log-forwarding',
      'host.time-sync',
      'host.no-extra-uid0',
      'host.no-passwordless-accounts',
      'host.password-min-length',
      'host.login-lockout',
      'host.listening-cleartext',
      'host.firewall-default-deny',
    ]) {
      expect(status(d, id), id).toBe('fail');
    }
    expect(status(d, 'host.logging-active')).toBe('pass');
    expect(d.checks.find((c) => c.id === 'host.default-accounts')).toMatchObject({ status: 'fail', requirements: ['CR 1.1 RE(1)', 'CR 1.3'] });
    const gaps = d.gaps.map((g) => g.requirement);
    expect(gaps).toEqual(expect.arrayContaining(['CR 1.3', 'CR 1.4', 'CR 1.7', 'CR 1.11', 'CR 2.9', 'CR 2.11 RE(1)', 'CR 3.4', 'CR 5.1', 'CR 6.2', 'CR 7.7']));
    expect(requirement(d, 'CR 2.9')).toMatchObject({ status: 'not-satisfied', decidedBy: 'observed', observation: 'refuted' });
    expect(d.identity.product?.value).toBe('Ubuntu 18.04.6 LTS');
  });

  it('every failing check of every device names its requirements, or why it decides none', () => {
    const failing = withLogin.devices.flatMap((d) => d.checks.filter((c) => c.status === 'fail').map((c) => ({ device: d.address, ...c })));
    expect(failing.length).toBeGreaterThan(10);
    for (const c of failing) expect(c.requirements.length > 0 || (c.informational ?? '').length > 0, `${c.device} ${c.id}`).toBe(true);
    expect(failing.filter((c) => c.informational !== undefined).map((c) => c.id)).toContain('host.sshd-password-auth');
  });

  it('passes the hardened SCADA server, which stays not assessed (a probe never confirms these alone)', () => {
    const d = device(withLogin, 'linux-scada-hardened');
    const hostChecks = d.checks.filter((c) => c.id.startsWith('host.'));
    expect(hostChecks.length).toBeGreaterThan(15);
    expect(hostChecks.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.status}`)).toEqual([]);
    expect(requirement(d, 'CR 2.9')).toMatchObject({ status: 'not-assessed', observation: 'consistent' });
    expect(d.gaps.filter((g) => ['CR 2.8', 'CR 2.9', 'CR 6.1', 'CR 6.2'].includes(g.requirement))).toEqual([]);
  });

  it('lowers the weak panel ceilings that observation refuted, compared with the scan without login', () => {
    const before = device(withoutLogin, 'linux-panel-weak');
    const after = device(withLogin, 'linux-panel-weak');
    expect(before.checks.some((c) => c.id.startsWith('host.'))).toBe(false);
    expect(after.slC.ceiling[1]).toBeLessThan(before.slC.ceiling[1] ?? 0);
    expect(after.slC.ceiling[5]).toBeLessThan(before.slC.ceiling[5] ?? 0);
    const hardenedBefore = device(withoutLogin, 'linux-scada-hardened');
    expect(device(withLogin, 'linux-scada-hardened').slC).toEqual(hardenedBefore.slC);
  });

  it('logs in only where a credentials entry matches, once per device, and runs only allow-listed lines', () => {
    const sw = device(withLogin, 'switch-hardened');
    expect(sw.probes.map((p) => p.id)).not.toContain('host.commands');
    for (const name of ['linux-panel-weak', 'linux-scada-hardened']) {
      const d = cell.devices.find((x) => x.device.name === name);
      const log = d?.fixtures[0]?.log;
      expect(log?.count('write'), name).toBe(0);
      expect(log?.maxConcurrent, name).toBe(1);
      expect(log?.kinds('session'), name).toEqual(['ssh.login']);
    }
  });

  it('keeps the key out of the run directory and records every command with its time', () => {
    const key = readFileSync(parse(cell.config).credentials[0].ssh.keyFile, 'utf8');
    const body = key.split('\n')[1] ?? '';
    expect(body.length).toBeGreaterThan(20);
    for (const file of ['run.json', 'observations.json', 'result.json', ...readdirSync(join(runDir, 'transcripts')).map((f) => join('transcripts', f))]) {
      expect(readFileSync(join(runDir, file), 'utf8'), file).not.toContain(body);
    }
    const observations = JSON.parse(readFileSync(join(runDir, 'observations.json'), 'utf8')) as {
      address: string;
      outcomes: { probe: string; facts?: unknown }[];
    }[];
    const weak = observations.find((o) => o.address === `${PREFIX}.50`)?.outcomes.find((o) => o.probe === 'host.commands');
    const facts = HostFacts.parse(weak?.facts);
    expect(facts.commands.every((c) => c.durationMs >= 0 && c.line.length > 0)).toBe(true);
    expect(facts.commands.find((c) => c.id === 'account-status')).toMatchObject({ sudo: true, status: 'ok', line: 'sudo -n passwd -S -a' });
  });
});

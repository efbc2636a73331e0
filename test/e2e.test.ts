import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { type RunningCell, startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';
import type { DeviceResult, Result } from '../report/result.ts';
import { Result as ResultSchema } from '../report/result.ts';

const PREFIX = '127.71.0';
let cell: RunningCell;
const out = mkdtempSync(join(tmpdir(), 'cellcheck-e2e-'));

/** The cell's own config, with or without its opt-ins (sessions, logins, community guessing). */
function config(withOptIns: boolean) {
  const doc = parse(cell.config) as Record<string, unknown>;
  if (!withOptIns) delete doc.probes;
  return parseConfig(doc, 'cell.yaml');
}

function logsSnapshot() {
  return cell.devices.flatMap((d) =>
    d.fixtures.map((f) => ({ device: d.device.name, fixture: f.name, requests: f.log.requests.length, connections: f.log.connections })),
  );
}

let plain: Result;
let plainDir: string;
let plainRequests: { device: string; fixture: string; kinds: string[]; classes: string[]; connections: number; maxConcurrent: number }[];
let full: Result;
let fullConnections: ReturnType<typeof logsSnapshot>;

beforeAll(async () => {
  cell = await startCell({ prefix: PREFIX });
  const before = logsSnapshot();
  const scanned = await runScan({ config: config(false), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'plain' });
  plain = scanned.result;
  plainDir = scanned.runDir;
  plainRequests = cell.devices.flatMap((d) =>
    d.fixtures.map((f, i) => {
      const since = before.find((b) => b.device === d.device.name && b.fixture === f.name)?.requests ?? 0;
      const requests = f.log.requests.slice(since);
      return {
        device: d.device.name,
        fixture: `${f.name}#${i}`,
        kinds: requests.map((r) => r.kind),
        classes: requests.map((r) => r.class),
        connections: f.log.connections,
        maxConcurrent: f.log.maxConcurrent,
      };
    }),
  );
  const beforeFull = logsSnapshot();
  full = (await runScan({ config: config(true), outDir: out, probes: PROBES, judge: loadJudge(), runId: 'full' })).result;
  fullConnections = logsSnapshot().map((f, i) => ({ ...f, connections: f.connections - (beforeFull[i]?.connections ?? 0) }));
}, 120_000);

afterAll(async () => {
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

const device = (r: Result, name: string): DeviceResult => {
  const host = cell.devices.find((d) => d.device.name === name)?.host;
  const d = r.devices.find((x) => x.address === host);
  if (!d) throw new Error(`no device ${name} (${host}) in the result`);
  return d;
};
const failing = (d: DeviceResult) => d.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const gapIds = (d: DeviceResult) => d.gaps.map((g) => g.requirement);

describe('scan of the simulated cell', () => {
  it('finds exactly the simulated devices and none on empty addresses', () => {
    expect(plain.devices.map((d) => d.address).sort()).toEqual(cell.devices.map((d) => d.host).sort());
    // The /26 (62 addresses), plus the devices named beyond it: hmi-windows and scada-windows (octets 64, 65).
    expect(plain.summary.addressesPlanned).toBe(62 + cell.devices.filter((d) => Number(d.host.split('.')[3]) > 63).length);
    expect(ResultSchema.safeParse(plain).success).toBe(true);
  });

  it('fails the weak OPC UA server in FR1, FR3 and FR4 at SL-T 2, with evidence', () => {
    const d = device(plain, 'opcua-weak');
    expect(failing(d)).toEqual(
      expect.arrayContaining([
        'opcua.anonymous-token-absent',
        'opcua.none-mode-absent',
        'opcua.policies-current',
        'opcua.cleartext-password-absent',
        'opcua.certificate-key-strong',
        'opcua.certificate-signature-hash-current',
        'opcua.certificate-ca-issued',
      ]),
    );
    expect(gapIds(d)).toEqual(expect.arrayContaining(['CR 1.1', 'CR 3.1', 'CR 4.1', 'CR 4.3']));
    expect(d.slC.ceiling.slice(0, 4)).toEqual([0, 0, 0, 0]);
    const anonymous = d.checks.find((c) => c.id === 'opcua.anonymous-token-absent');
    expect(anonymous?.evidence[0]).toMatchObject({ probe: 'opcua.endpoints', port: cell.devices.find((x) => x.device.name === 'opcua-weak')?.ports.opcua });
  });

  it('finds nothing to fail on the hardened OPC UA server', () => {
    const d = device(plain, 'opcua-hardened');
    expect(failing(d)).toEqual([]);
    expect(d.gaps).toEqual([]);
    expect(d.checks.find((c) => c.id === 'opcua.none-mode-absent')?.status).toBe('pass');
    expect(d.slC.demonstrated).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('fails every cleartext and unauthenticated service of the weak HMI, and none of the hardened one', () => {
    const weakHmiChecks = [
      'telnet.absent',
      'ftp.absent',
      'http.absent',
      'http.cleartext-login-absent',
      'vnc.absent',
      'vnc.auth-required',
      'tls.old-versions-refused',
      'tls.certificate-key-strong',
    ];
    expect(failing(device(plain, 'hmi-weak'))).toEqual(expect.arrayContaining(weakHmiChecks));
    const hardened = failing(device(plain, 'hmi-hardened'));
    for (const id of weakHmiChecks) expect(hardened).not.toContain(id);
  });

  it('reads PLC identity over S7 and Modbus and fails the unprotected CPU only', () => {
    const weak = device(plain, 'plc-weak');
    expect(weak.identity.vendor?.value).toBe('Siemens');
    expect(weak.identity.orderNumber?.value).toMatch(/^6ES7 /);
    expect(weak.identity.firmware?.source).toBe('s7.szl');
    expect(failing(weak)).toEqual(expect.arrayContaining(['s7.write-access-protected', 's7.access-authenticated', 'modbus.access-authenticated']));
    const hardened = device(plain, 'plc-hardened');
    expect(failing(hardened)).not.toContain('s7.write-access-protected');
    expect(device(plain, 'modbus-io').identity.vendor).toEqual({ value: 'Simulated I/O GmbH', source: 'modbus.device-id' });
  });

  it('judges the Windows hosts over SMB: one connection without opt-ins; with them the NTLM name and OS, SMB1 refusal, null session and guest access', () => {
    const weak = device(plain, 'hmi-windows');
    expect(failing(weak)).toContain('smb.signing-required');
    // Without the opt-in the server's SMB2 choice says nothing of SMB1; with it, the second connection shows it accepted.
    expect(weak.checks.find((c) => c.id === 'smb.smb1-disabled')?.status).toBe('unknown');
    expect(failing(device(full, 'hmi-windows'))).toEqual(expect.arrayContaining(['smb.smb1-disabled', 'smb.signing-required', 'smb.anonymous-refused']));
    expect(weak.checks.find((c) => c.id === 'smb.anonymous-refused')?.status).toBe('unknown');
    const smb = plainRequests.find((r) => r.device === 'hmi-windows' && r.kinds.includes('negotiate-smb1'));
    expect(smb?.kinds).toEqual(['negotiate-smb1', 'negotiate-smb2']);
    expect(smb?.connections).toBe(1);
    // With the null-session opt-in: one connection for negotiation, challenge and both logins, one for the SMB1 question; no file, pipe or other share.
    const smbLog = cell.devices.find((d) => d.device.name === 'hmi-windows')?.fixtures.find((f) => f.log.kinds().includes('session-setup-anonymous'))?.log;
    expect(smbLog?.kinds().slice(smb?.kinds.length)).toEqual([
      'negotiate-smb1',
      'negotiate-smb2',
      'session-setup-ntlm',
      'session-setup-anonymous',
      'tree-connect-ipc',
      'tree-disconnect',
      'logoff',
      'session-setup-ntlm',
      'session-setup-authenticate',
      'negotiate-smb1',
    ]);
    expect((smbLog?.connections ?? 0) - (smb?.connections ?? 0)).toBe(2);
    expect(smbLog?.count('write')).toBe(0);
    const hardened = device(full, 'scada-windows');
    expect(Object.fromEntries(hardened.checks.filter((c) => c.id.startsWith('smb.')).map((c) => [c.id, c.status]))).toEqual({
      'smb.smb1-disabled': 'pass',
      'smb.signing-required': 'pass',
      'smb.anonymous-refused': 'pass',
    });
    expect(hardened.identity.os).toEqual({ value: 'Windows NT 10.0.17763 (Windows 10 1809 / Server 2019)', source: 'smb.null-session' });
    expect(hardened.identity.name?.value).toBe('scada01.plant.example');
  });

  it('judges network devices over SNMP and SSH', () => {
    const weak = device(full, 'switch-weak');
    expect(weak.componentType).toBe('NDR');
    expect(failing(weak)).toEqual(
      expect.arrayContaining([
        'snmp.default-community-rejected',
        'snmp.v1v2c-disabled',
        'snmp.single-zone',
        'ssh.kex-algorithms-current',
        'ssh.cipher-algorithms-current',
        'telnet.absent',
      ]),
    );
    const hardened = device(full, 'switch-hardened');
    expect(failing(hardened)).toEqual([]);
    expect(hardened.checks.find((c) => c.id === 'ssh.login-banner-present')?.status).toBe('pass');
  });

  it('runs opt-in probes only when the config opts in', () => {
    expect(device(plain, 'hmi-weak').checks.find((c) => c.id === 'ftp.anonymous-rejected')?.status).toBe('unknown');
    expect(device(full, 'hmi-weak').checks.find((c) => c.id === 'ftp.anonymous-rejected')?.status).toBe('fail');
    expect(device(full, 'opcua-weak').identity.vendor?.source).toBe('opcua.session');
  });

  it('writes a run directory whose observations re-judge to the same result', async () => {
    expect(readdirSync(plainDir)).toEqual(expect.arrayContaining(['observations.json', 'result.json', 'run.json', 'transcripts']));
    const { readRunDir, serializeResult } = await import('../agent/run-dir/rundir.ts');
    const { judgeRun } = await import('../agent/judge/judge.ts');
    expect(serializeResult(judgeRun(readRunDir(plainDir).run, loadJudge()))).toBe(readFileSync(join(plainDir, 'result.json'), 'utf8'));
  });
});

describe('what the devices received', () => {
  it('no fixture received a write or control request', () => {
    for (const f of plainRequests)
      expect(
        f.classes.filter((c) => c === 'write'),
        `${f.device} ${f.fixture}: ${f.kinds.join(', ')}`,
      ).toEqual([]);
    for (const d of cell.devices) for (const f of d.fixtures) expect(f.log.count('write'), `${d.device.name} ${f.name}`).toBe(0);
  });

  it('without opt-ins, no session, login or community was sent to any device', () => {
    for (const f of plainRequests)
      expect(
        f.classes.filter((c) => c === 'session' || c === 'auth'),
        `${f.device} ${f.fixture}: ${f.kinds.join(', ')}`,
      ).toEqual([]);
  });

  it('with the opt-ins on, the anonymous FTP login shares the greeting’s one connection', () => {
    const ftp = fullConnections.filter((f) => f.fixture.startsWith('ftp-'));
    expect(ftp.length).toBeGreaterThan(0);
    for (const f of ftp) expect(f.connections, `${f.device} ${f.fixture}`).toBe(1);
  });

  it('with the opt-ins off, every service cost one connection (TLS: one handshake per version range; RDP requiring NLA: two)', () => {
    const others = plainRequests.filter((f) => !f.fixture.startsWith('tls-'));
    expect(others.length).toBeGreaterThan(10);
    // The one Connection Request that decides NLA is refused by a server requiring it; a second,
    // offering CredSSP, only reads its certificate (probes/rdp/probe.ts).
    for (const f of others) expect(f.connections, `${f.device} ${f.fixture}`).toBe(f.fixture.startsWith('rdp-nla-required') ? 2 : 1);
  });

  it('no device ever had two connections open from the agent on one service', () => {
    for (const f of plainRequests) expect(f.maxConcurrent, `${f.device} ${f.fixture}`).toBeLessThanOrEqual(1);
  });
});

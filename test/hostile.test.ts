import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../agent/config.ts';
import { loadJudge } from '../agent/judge-loader.ts';
import { runScan } from '../agent/run-scan.ts';
import type { RunningFixture } from '../fixtures/fixture.ts';
import { startHostileFixture } from '../fixtures/hostile.ts';
import { startModbusSpecFixture } from '../fixtures/modbus/spec-server.ts';
import { startS7SpecFixture } from '../fixtures/s7/spec-server.ts';
import { startSnmpFixture } from '../fixtures/snmp/agent.ts';
import { startRawSshFixture } from '../fixtures/ssh/raw-server.ts';
import type { DeviceObservation } from '../probes/observation.ts';
import { PROBES } from '../probes/registry.ts';
import type { Result } from '../report/result.ts';

/**
 * One scan of a cell of hostile devices and one normal device: every hostile one must end typed
 * within its budget, memory must stay bounded, and the normal one must still be judged.
 */
const HOST = {
  silent: '127.84.2.10',
  drip: '127.84.2.11',
  reset: '127.84.2.12',
  endless: '127.84.2.13',
  huge: '127.84.2.14',
  hugeLists: '127.84.2.15',
  loopingSnmp: '127.84.2.16',
  endlessSsh: '127.84.2.17',
  normal: '127.84.2.20',
} as const;
const PORTS = { ftp: 15021, ssh: 15022, telnet: 15023, http: 15080, s7: 15102, modbus: 15502, snmp: 15161 };
const BUDGET_MS = 6000;
const IDENTITY = { 0: 'Normal Automation GmbH', 1: 'NA-100', 2: 'V3.1.4' };

const fixtures: RunningFixture[] = [];
let result: Result;
let observations: readonly DeviceObservation[];
let wallMs: number;
let rssGrowthMb: number;
const out = mkdtempSync(join(tmpdir(), 'cellcheck-hostile-'));

beforeAll(async () => {
  const start = async (f: Promise<RunningFixture>) => fixtures.push(await f);
  await start(startModbusSpecFixture({ host: HOST.silent, port: PORTS.modbus, objects: IDENTITY, behaviour: 'silent' }));
  await start(startS7SpecFixture({ host: HOST.silent, port: PORTS.s7, profile: 'weak', behaviour: 'silent' }));
  await start(startRawSshFixture({ host: HOST.silent, port: PORTS.ssh, behaviour: { kind: 'silent' } }));
  for (const port of [PORTS.ssh, PORTS.ftp, PORTS.http]) await start(startHostileFixture({ host: HOST.drip, port, behaviour: 'drip' }));
  for (const port of [PORTS.modbus, PORTS.s7, PORTS.http]) await start(startHostileFixture({ host: HOST.reset, port, behaviour: 'reset' }));
  for (const port of [PORTS.telnet, PORTS.http, PORTS.modbus, PORTS.s7]) await start(startHostileFixture({ host: HOST.endless, port, behaviour: 'endless' }));
  await start(startRawSshFixture({ host: HOST.endlessSsh, port: PORTS.ssh, behaviour: { kind: 'endless-lines' } }));
  await start(startModbusSpecFixture({ host: HOST.huge, port: PORTS.modbus, objects: IDENTITY, behaviour: 'oversized' }));
  await start(startS7SpecFixture({ host: HOST.huge, port: PORTS.s7, profile: 'weak', behaviour: 'oversized' }));
  await start(startRawSshFixture({ host: HOST.huge, port: PORTS.ssh, behaviour: { kind: 'huge-length' } }));
  await start(startRawSshFixture({ host: HOST.hugeLists, port: PORTS.ssh, behaviour: { kind: 'huge-list' } }));
  await start(startS7SpecFixture({ host: HOST.hugeLists, port: PORTS.s7, profile: 'weak', behaviour: 'endless-followup' }));
  await start(startSnmpFixture({ host: HOST.loopingSnmp, port: PORTS.snmp, posture: 'weak', quirk: 'looping-table' }));
  await start(startModbusSpecFixture({ host: HOST.normal, port: PORTS.modbus, objects: IDENTITY }));
  await start(startS7SpecFixture({ host: HOST.normal, port: PORTS.s7, profile: 'weak' }));

  const config = parseConfig(
    {
      zone: { name: 'Hostile cell', slT: 2 },
      targets: Object.values(HOST).map((host) => ({ host, ports: PORTS })),
      probes: { snmp: { communities: ['public'] }, ftp: { anonymous: true }, ssh: { authNone: true } },
      // The devices share this test's busy event loop, so they see a close later than a real device
      // would; a wider gap between packets keeps "one connection at a time" measurable here.
      scan: { concurrency: 8, connectTimeoutMs: 300, stepTimeoutMs: 600, deviceBudgetMs: BUDGET_MS, minGapMs: 50 },
    },
    'hostile.yaml',
  );
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  const scanned = await runScan({ config, outDir: out, probes: PROBES, judge: loadJudge(), runId: 'hostile' });
  wallMs = performance.now() - t0;
  rssGrowthMb = (process.memoryUsage().rss - rss) / 2 ** 20;
  result = scanned.result;
  const { readRunDir } = await import('../agent/rundir.ts');
  observations = readRunDir(scanned.runDir).run.observations;
}, 60_000);

afterAll(async () => {
  for (const f of fixtures) await f.close().catch(() => undefined);
  rmSync(out, { recursive: true, force: true });
});

const outcomesOf = (host: string) => observations.find((o) => o.address === host)?.outcomes ?? [];
const kinds = (host: string) => Object.fromEntries(outcomesOf(host).map((o) => [o.probe, o.status === 'ok' ? 'ok' : o.failure.kind]));

describe('a scan of hostile devices', () => {
  it('completes within one device budget (all devices run side by side), with bounded memory', () => {
    expect(wallMs).toBeLessThan(BUDGET_MS + 3000);
    // Endless peers push tens of MB a second; reads are capped, so the agent holds almost none of it.
    expect(rssGrowthMb).toBeLessThan(150);
  });

  it('ends every probe of every hostile device typed, never as an unexplained error, within the budget', () => {
    for (const host of Object.values(HOST)) {
      const outcomes = outcomesOf(host);
      expect(outcomes.length, host).toBeGreaterThan(0);
      for (const o of outcomes) {
        expect(o.status === 'unavailable' && o.failure.kind, `${host} ${o.probe}`).not.toBe('error');
        expect(o.durationMs, `${host} ${o.probe}`).toBeLessThanOrEqual(BUDGET_MS);
      }
    }
  });

  it('names why: silence, dripping, resets, endless data, huge lengths and looping tables', () => {
    // Two probes in a row without an answer open the circuit breaker: the rest never connect.
    expect(kinds(HOST.silent)).toMatchObject({ 'ssh.kexinit': 'timeout', 'ssh.hostkey': 'timeout', 's7.szl': 'budget', 'modbus.device-id': 'budget' });
    const breaker = outcomesOf(HOST.silent).find((o) => o.probe === 's7.szl');
    expect(breaker?.status === 'unavailable' && breaker.failure.detail).toMatch(/circuit breaker/);
    expect(kinds(HOST.drip)).toMatchObject({ 'ftp.banner': 'timeout', 'ftp.anonymous': 'timeout', 'ssh.kexinit': 'budget' });
    expect(kinds(HOST.reset)).toMatchObject({
      's7.szl': expect.stringMatching(/^(reset|closed|refused)$/),
      'modbus.device-id': expect.stringMatching(/^(reset|closed|malformed)$/),
    });
    expect(kinds(HOST.endless)).toMatchObject({ 'http.banner': 'protocol-mismatch', 's7.szl': 'malformed', 'modbus.device-id': 'malformed' });
    expect(kinds(HOST.endlessSsh)).toMatchObject({ 'ssh.kexinit': 'malformed', 'ssh.hostkey': 'timeout' });
    expect(kinds(HOST.huge)).toMatchObject({ 'ssh.kexinit': 'malformed', 's7.szl': 'malformed', 'modbus.device-id': 'malformed' });
    expect(kinds(HOST.hugeLists)['ssh.kexinit']).toBe('malformed');
    const snmp = outcomesOf(HOST.loopingSnmp).find((o) => o.probe === 'snmp.system');
    expect(snmp?.status).toBe('ok');
    expect(JSON.stringify(snmp?.status === 'ok' ? snmp.facts : {})).toContain('oid-not-increasing');
  });

  it('still judges the normal device', () => {
    expect(kinds(HOST.normal)).toMatchObject({ 's7.szl': 'ok', 'modbus.device-id': 'ok' });
    const normal = result.devices.find((d) => d.address === HOST.normal);
    const status = (id: string) => normal?.checks.find((c) => c.id === id)?.status;
    expect([status('modbus.unauthenticated-protocol'), status('s7.write-protection')]).toEqual(['fail', 'fail']);
  });

  it('sent no write to any device and never held two connections to one', () => {
    for (const f of fixtures) {
      expect(f.log.count('write'), f.name).toBe(0);
      expect(f.log.maxConcurrent, `${f.name} ${f.host}`).toBeLessThanOrEqual(1);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModbusSpecFixture } from '../../fixtures/modbus/spec-server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { RequestLog } from '../../fixtures/request-log.ts';
import { serveTcp } from '../../fixtures/tcp-server.ts';
import { modbusDeviceIdProbe } from '../../probes/modbus/probe.ts';
import type { ProbeDefinition } from '../../probes/types.ts';
import { s7SzlProbe } from '../../probes/s7/probe.ts';
import { sshKexProbe } from '../../probes/ssh/probe.ts';
import { TcpSession } from '../../probes/tcp-session.ts';
import { testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { ProbeUnavailable } from '../../probes/types.ts';
import { collect } from './collect.ts';
import { parseConfig } from '../config/config.ts';
import { planTargets } from './targets.ts';
import { DeviceGate, PacketRate, type TrafficLimits } from './traffic.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = {
  normal: testAddress('traffic', 1),
  denied: testAddress('traffic', 2),
  silent: testAddress('traffic', 3),
  other: testAddress('traffic', 4),
} as const;
const LIMITS: TrafficLimits = { requestBudget: 100, minGapMs: 0, packetsPerSecond: 100_000, breakerAfter: 2 };
const OPS = new Map([['p', new Set(['tcp.connect', 'x.read'])]]);

function gate(overrides: Partial<TrafficLimits> = {}, denied: (a: string) => boolean = () => false) {
  return new DeviceGate({
    address: HOST.normal,
    allowedOps: OPS,
    limits: { ...LIMITS, ...overrides },
    rate: new PacketRate(100_000),
    signal: new AbortController().signal,
    denied,
  });
}
const send = (op = 'x.read', address: string = HOST.normal) => ({ probe: 'p', op, address, port: 1 });
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => (err instanceof ProbeUnavailable ? { kind: err.kind, detail: err.message } : { kind: 'thrown', detail: String(err) }),
  );
const timeoutOutcome = {
  probe: 'p',
  version: 1,
  port: 1,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: '' },
  transcript: [1, 1],
  durationMs: 1,
} as const satisfies ProbeOutcome;

/** A TCP peer that accepts and never says anything, on each port; one log counts the connections of all. */
async function startSilentPeer(host: string, ports: readonly number[]): Promise<RunningFixture> {
  const log = new RequestLog();
  const served = await Promise.all(
    ports.map((port) =>
      serveTcp({ name: 'silent-peer', protocol: String(port), host, port, log }, (socket) => socket.on('data', (d) => log.record(`bytes:${d.length}`, 'read'))),
    ),
  );
  return {
    name: 'silent-peer',
    host,
    ports: Object.fromEntries(ports.map((p) => [String(p), p])),
    log,
    close: async () => {
      await Promise.all(served.map((f) => f.close()));
    },
  };
}

describe('DeviceGate', () => {
  it('lets only the planned address and the probe’s declared operations through', async () => {
    const g = gate();
    expect(await refusal(g.pass(send()))).toBeUndefined();
    expect(await refusal(g.pass(send('x.read', HOST.other)))).toMatchObject({ kind: 'denied', detail: expect.stringContaining('never contacted') });
    expect(await refusal(g.pass(send('x.write')))).toMatchObject({ kind: 'denied', detail: expect.stringContaining('x.write') });
    expect(await refusal(g.pass({ ...send(), probe: 'unknown' }))).toMatchObject({ kind: 'denied' });
    expect(g.sent).toBe(1);
  });

  it('refuses a denied address even when it is the planned one', async () => {
    expect(await refusal(gate({}, (a) => a === HOST.normal).pass(send()))).toMatchObject({ kind: 'denied', detail: expect.stringContaining('deny list') });
  });

  it('spends the request budget and then refuses', async () => {
    const g = gate({ requestBudget: 3 });
    for (let i = 0; i < 3; i += 1) await g.pass(send());
    expect(await refusal(g.pass(send()))).toMatchObject({ kind: 'budget', detail: expect.stringContaining('request budget of 3') });
  });

  it('keeps the minimum gap between packets to one device, even when asked concurrently', async () => {
    const g = gate({ minGapMs: 40 });
    const times: number[] = [];
    await Promise.all([0, 1, 2, 3].map(() => g.pass(send()).then(() => times.push(performance.now()))));
    for (let i = 1; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(38);
  });

  it('opens the circuit breaker after probes in a row got no answer, and an answer resets the count', async () => {
    const g = gate({ breakerAfter: 2 });
    g.observe(timeoutOutcome);
    g.observe({ ...timeoutOutcome, failure: { kind: 'refused', detail: '' } });
    g.observe(timeoutOutcome);
    expect(g.open).toBe(false);
    g.observe(timeoutOutcome);
    expect(g.open).toBe(true);
    expect(await refusal(g.pass(send()))).toMatchObject({ kind: 'budget', detail: expect.stringContaining('circuit breaker') });
  });

  it('gives up waiting when the device budget is spent', async () => {
    const ctrl = new AbortController();
    const g = new DeviceGate({
      address: HOST.normal,
      allowedOps: OPS,
      limits: { ...LIMITS, minGapMs: 10_000 },
      rate: new PacketRate(100_000),
      signal: ctrl.signal,
      denied: () => false,
    });
    await g.pass(send());
    const second = refusal(g.pass(send()));
    ctrl.abort();
    expect(await second).toMatchObject({ kind: 'budget' });
  });
});

describe('PacketRate', () => {
  it('allows a burst of a twentieth of a second, then spaces packets at the ceiling', () => {
    let now = 0;
    const rate = new PacketRate(100, () => now);
    expect([rate.reserve(), rate.reserve(), rate.reserve(), rate.reserve(), rate.reserve()]).toEqual([0, 0, 0, 0, 0]);
    expect(rate.reserve()).toBeCloseTo(10);
    expect(rate.reserve()).toBeCloseTo(20);
    now = 1000;
    expect(rate.reserve()).toBe(0);
  });
});

describe('the gate at the socket layer', () => {
  let silent: Awaited<ReturnType<typeof startSilentPeer>>;
  let denied: Awaited<ReturnType<typeof startSilentPeer>>;
  let normal: RunningFixture;
  const ports = { modbus: 15020, s7: 15021, ssh: 15022 };

  beforeAll(async () => {
    silent = await startSilentPeer(HOST.silent, Object.values(ports));
    denied = await startSilentPeer(HOST.denied, [ports.modbus]);
    normal = await startModbusSpecFixture({ host: HOST.normal, port: ports.modbus, objects: { 0: 'Normal GmbH', 1: 'N-1', 2: 'V1.0' } });
  });
  afterAll(async () => {
    for (const f of [silent, denied, normal]) await f?.close();
  });

  it('a socket to an address the device did not plan (a learnt second interface) is never opened', async () => {
    const ctx = testContext(HOST.denied, ports.modbus, { stepTimeoutMs: 500, gate: gate() });
    expect(await refusal(TcpSession.open(ctx, 'p'))).toMatchObject({ kind: 'denied' });
    expect(denied.log.connections).toBe(0);
    expect(ctx.transcript.sentOps()).toEqual([]);
  });

  it('collect: denied addresses get no packet, a dead device trips the breaker, the rest is judged', async () => {
    const probes: ProbeDefinition[] = [modbusDeviceIdProbe, s7SzlProbe, sshKexProbe];
    const config = parseConfig(
      {
        zone: { name: 'gate', slT: 2 },
        targets: [HOST.normal, HOST.denied, HOST.silent].map((host) => ({ host, ports: { modbus: ports.modbus, s7: ports.s7, ssh: ports.ssh } })),
        deny: [`${testAddress('traffic', 2)}/32`],
        scan: { connectTimeoutMs: 300, stepTimeoutMs: 300, breakerAfter: 2 },
      },
      'gate.yaml',
    );
    const targets = planTargets(config);
    expect(targets.map((t) => t.address)).toEqual([HOST.normal, HOST.silent]);
    const { observations } = await collect(targets, config, { probes, now: () => new Date(0) });
    expect(denied.log.connections).toBe(0);
    const dead = observations.find((o) => o.address === HOST.silent);
    const kinds = dead?.outcomes.map((o) => (o.status === 'unavailable' ? o.failure.kind : 'ok'));
    expect(kinds).toEqual(['timeout', 'timeout']);
    // Each probe that timed out ran on discovery's connection; with the breaker open after two,
    // the third port is not even connected to.
    expect(silent.log.connections).toBe(2);
    const ok = observations.find((o) => o.address === HOST.normal);
    expect(ok?.outcomes.find((o) => o.probe === 'modbus.device-id')?.status).toBe('ok');
  });
});

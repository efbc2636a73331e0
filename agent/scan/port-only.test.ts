import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodesysPortFixture } from '../../fixtures/codesys/server.ts';
import { startDnp3Fixture } from '../../fixtures/dnp3/server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startIec104Fixture } from '../../fixtures/iec104/server.ts';
import { PROBES } from '../../probes/registry.ts';
import { untilClosed } from '../../probes/test-kit.ts';
import { testAddress } from '../../test/addresses.ts';
import { parseConfig } from '../config/config.ts';
import { collect } from './collect.ts';
import { planTargets } from './targets.ts';

// The agent's own discovery and probes against the services whose open port is the fact, on their standard ports.
const RTU = testAddress('portOnlyScan', 1);
const OUTSTATION = testAddress('portOnlyScan', 2);
const CODESYS_V3 = testAddress('portOnlyScan', 3);
let fixtures: RunningFixture[] = [];
beforeAll(async () => {
  fixtures = [
    await startIec104Fixture({ host: RTU }),
    await startDnp3Fixture({ host: OUTSTATION, address: 10 }),
    await startCodesysPortFixture({ host: CODESYS_V3, protocol: 'codesys-v3' }),
    await startCodesysPortFixture({ host: CODESYS_V3, protocol: 'codesys-gateway' }),
  ];
});
afterAll(async () => {
  for (const f of fixtures) await f.close();
});

async function scan(probes: Record<string, unknown>) {
  const before = fixtures.map((f) => ({ connections: f.log.connections, bytes: f.log.bytesReceived, requests: f.log.requests.length }));
  const config = parseConfig(
    { zone: { name: 'telecontrol', slT: 2 }, targets: [{ host: RTU }, { host: OUTSTATION }, { host: CODESYS_V3 }], probes, scan: { stepTimeoutMs: 500 } },
    'test.yaml',
  );
  const collected = await collect(planTargets(config), config, { probes: PROBES, now: () => new Date() });
  for (const f of fixtures) await untilClosed(f.log);
  const delta = fixtures.map((f, i) => ({
    connections: f.log.connections - (before[i]?.connections ?? 0),
    bytes: f.log.bytesReceived - (before[i]?.bytes ?? 0),
    requests: f.log.kinds().slice(before[i]?.requests ?? 0),
  }));
  return { collected, rtu: delta[0], outstation: delta[1], codesys: delta.slice(2) };
}

describe('CODESYS V3 in a scan', () => {
  it('discovery connects once to the runtime (11740) and once to the gateway (1217), and sends neither a byte', async () => {
    const { collected, codesys } = await scan({});
    expect(codesys).toEqual([
      { connections: 1, bytes: 0, requests: [] },
      { connections: 1, bytes: 0, requests: [] },
    ]);
    const v3 = collected.observations.find((o) => o.address === CODESYS_V3);
    expect(v3?.services.map((s) => [s.protocol, s.port])).toEqual([
      ['codesys-gateway', 1217],
      ['codesys-v3', 11740],
    ]);
    expect(v3?.outcomes.filter((o) => o.port === 1217 || o.port === 11740)).toEqual([]);
  });
});

describe('IEC 104 and DNP3 in a scan', () => {
  it('by default: discovery connects once and closes, and not one byte reaches either station', async () => {
    const { collected, rtu, outstation } = await scan({});
    expect(rtu).toEqual({ connections: 1, bytes: 0, requests: [] });
    expect(outstation).toEqual({ connections: 1, bytes: 0, requests: [] });
    const services = collected.observations.map((o) => o.services.map((s) => [s.protocol, s.port, s.confirmed]));
    expect(services.slice(0, 2)).toEqual([[['iec104', 2404, false]], [['dnp3', 20000, false]]]);
    // Only the UDP probes of a named host ran (they ask on their own ports); nothing on 2404 or 20000.
    expect(collected.observations.flatMap((o) => o.outcomes).filter((x) => x.port === 2404 || x.port === 20000)).toEqual([]);
  });

  it('with the opt-ins: one TESTFR act and one Request Link Status, on discovery’s connection', async () => {
    const { collected, rtu, outstation } = await scan({ iec104: { identify: true }, dnp3: { identify: true } });
    expect(rtu).toEqual({ connections: 1, bytes: 6, requests: ['testfr-act'] });
    expect(outstation).toEqual({ connections: 1, bytes: 10, requests: ['request-link-status'] });
    const outcomes = collected.observations.flatMap((o) => o.outcomes.filter((x) => x.port === 2404 || x.port === 20000).map((x) => [x.probe, x.status]));
    expect(outcomes).toEqual([
      ['iec104.testfr', 'ok'],
      ['dnp3.link-status', 'ok'],
    ]);
    expect(collected.observations[1]?.outcomes.find((x) => x.port === 20000)).toMatchObject({ facts: { outstationAddress: 10 } });
  });
});

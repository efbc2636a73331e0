import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnp3Fixture } from '../../fixtures/dnp3/server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startIec104Fixture } from '../../fixtures/iec104/server.ts';
import { PROBES } from '../../probes/registry.ts';
import { untilClosed } from '../../probes/test-kit.ts';
import { testAddress } from '../../test/addresses.ts';
import { parseConfig } from '../config/config.ts';
import { collect } from './collect.ts';
import { planTargets } from './targets.ts';

// The agent's own discovery and probes against the two telecontrol stations, on their standard ports.
const RTU = testAddress('telecontrolScan', 1);
const OUTSTATION = testAddress('telecontrolScan', 2);
let fixtures: RunningFixture[] = [];
beforeAll(async () => {
  fixtures = [await startIec104Fixture({ host: RTU }), await startDnp3Fixture({ host: OUTSTATION, address: 10 })];
});
afterAll(async () => {
  for (const f of fixtures) await f.close();
});

async function scan(probes: Record<string, unknown>) {
  const before = fixtures.map((f) => ({ connections: f.log.connections, bytes: f.log.bytesReceived, requests: f.log.requests.length }));
  const config = parseConfig(
    { zone: { name: 'telecontrol', slT: 2 }, targets: [{ host: RTU }, { host: OUTSTATION }], probes, scan: { stepTimeoutMs: 500 } },
    'test.yaml',
  );
  const collected = await collect(planTargets(config), config, { probes: PROBES, now: () => new Date() });
  for (const f of fixtures) await untilClosed(f.log);
  const delta = fixtures.map((f, i) => ({
    connections: f.log.connections - (before[i]?.connections ?? 0),
    bytes: f.log.bytesReceived - (before[i]?.bytes ?? 0),
    requests: f.log.kinds().slice(before[i]?.requests ?? 0),
  }));
  return { collected, rtu: delta[0], outstation: delta[1] };
}

describe('IEC 104 and DNP3 in a scan', () => {
  it('by default: discovery connects once and closes, and not one byte reaches either station', async () => {
    const { collected, rtu, outstation } = await scan({});
    expect(rtu).toEqual({ connections: 1, bytes: 0, requests: [] });
    expect(outstation).toEqual({ connections: 1, bytes: 0, requests: [] });
    const services = collected.observations.map((o) => o.services.map((s) => [s.protocol, s.port, s.confirmed]));
    expect(services).toEqual([[['iec104', 2404, false]], [['dnp3', 20000, false]]]);
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startFinsFixture } from '../../fixtures/fins/server.ts';
import { PROBES } from '../../probes/registry.ts';
import { testAddress } from '../../test/addresses.ts';
import { parseConfig } from '../config/config.ts';
import { collect } from './collect.ts';
import { planTargets } from './targets.ts';

// The agent's discovery and FINS probes on the standard port 9600: a CPU with FINS/TCP and FINS/UDP, and one with FINS/UDP only.
const BOTH = testAddress('finsScan', 1);
const UDP_ONLY = testAddress('finsScan', 2);
let fixtures: RunningFixture[] = [];
beforeAll(async () => {
  fixtures = [await startFinsFixture({ host: BOTH }), await startFinsFixture({ host: UDP_ONLY, transports: ['udp'] })];
});
afterAll(async () => {
  for (const f of fixtures) await f.close();
});

describe('the FINS transport a scan uses', () => {
  it('reads over FINS/TCP where discovery found TCP 9600 open and then never asks FINS/UDP; over FINS/UDP where TCP 9600 is closed', async () => {
    const config = parseConfig({ zone: { name: 'fins', slT: 2 }, targets: [{ host: BOTH }, { host: UDP_ONLY }], scan: { stepTimeoutMs: 500 } }, 'test.yaml');
    const collected = await collect(planTargets(config), config, { probes: PROBES, now: () => new Date() });
    const of = (host: string) => collected.observations.find((o) => o.address === host);
    const finsOutcomes = (host: string) =>
      of(host)
        ?.outcomes.filter((o) => o.probe.startsWith('fins.'))
        .map((o) => [o.probe, o.status]);

    expect(finsOutcomes(BOTH)).toEqual([['fins.controller-data', 'ok']]);
    expect(of(BOTH)?.services.filter((s) => s.protocol === 'fins')).toEqual([{ port: 9600, transport: 'tcp', protocol: 'fins', confirmed: true }]);
    // One connection (discovery's, taken over by the probe): the node address exchange and one read, nothing over UDP.
    expect(fixtures[0]?.log.connections).toBe(1);
    expect(fixtures[0]?.log.kinds()).toEqual(['fins.node-address', 'fins.controller-data-read']);

    expect(finsOutcomes(UDP_ONLY)).toEqual([['fins.controller-data-udp', 'ok']]);
    expect(of(UDP_ONLY)?.services.filter((s) => s.protocol === 'fins')).toEqual([{ port: 9600, transport: 'udp', protocol: 'fins', confirmed: true }]);
    expect(fixtures[1]?.log.kinds()).toEqual(['fins.controller-data-read']);
    for (const f of fixtures) expect(f.log.count('write'), f.name).toBe(0);
  });
});

// A CPU whose TCP 9600 accepts while FINS/TCP refuses or drops the node address exchange, and whose
// FINS/UDP answers: one fixture per transport on the same address, so each counts its own traffic.
const FALLBACKS = [
  ['refuses the node address exchange', 'protected', 'ok'],
  ['closes the connection at the node address request', 'tcp-drops', 'unavailable'],
] as const;

describe('FINS/UDP after a FINS/TCP run without an answer', () => {
  it.each(FALLBACKS)('reads over FINS/UDP once where FINS/TCP %s: one TCP connection, one datagram', async (_, behaviour, tcpStatus) => {
    const host = testAddress('finsFallbackScan', 1 + FALLBACKS.findIndex((f) => f[1] === behaviour));
    const tcp = await startFinsFixture({ host, behaviour, transports: ['tcp'] });
    const udp = await startFinsFixture({ host, transports: ['udp'] });
    try {
      const config = parseConfig({ zone: { name: 'fins', slT: 2 }, targets: [{ host }], scan: { stepTimeoutMs: 500 } }, 'test.yaml');
      const collected = await collect(planTargets(config), config, { probes: PROBES, now: () => new Date() });
      const observation = collected.observations.find((o) => o.address === host);
      const fins = observation?.outcomes.filter((o) => o.probe.startsWith('fins.'));
      expect(fins?.map((o) => [o.probe, o.status])).toEqual([
        ['fins.controller-data', tcpStatus],
        ['fins.controller-data-udp', 'ok'],
      ]);
      expect(fins?.[1]).toMatchObject({ facts: { transport: 'udp', endCode: 0, controller: { model: 'CJ2M-CPU33' } } });
      expect(observation?.services.filter((s) => s.transport === 'udp')).toEqual([{ port: 9600, transport: 'udp', protocol: 'fins', confirmed: true }]);
      expect(tcp.log.connections).toBe(1);
      expect(tcp.log.kinds()).toEqual(['fins.node-address']);
      expect(udp.log.connections).toBe(1);
      expect(udp.log.kinds()).toEqual(['fins.controller-data-read']);
      for (const f of [tcp, udp]) expect(f.log.count('write'), f.name).toBe(0);
    } finally {
      await tcp.close();
      await udp.close();
    }
  });
});

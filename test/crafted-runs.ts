import { judgeRun } from '../agent/judge/judge.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import type { DeviceObservation } from '../probes/observation.ts';
import type { Result } from '../report/result.ts';

/** Facts as the Modbus device-identification probe records them, with a given firmware revision. */
function modbusOutcome(revision: string): DeviceObservation['outcomes'][number] {
  return {
    probe: 'modbus.device-id',
    version: 1,
    port: 502,
    status: 'ok',
    transcript: [1, 4],
    durationMs: 5,
    facts: {
      unitId: 255,
      modbusConfirmed: true,
      deviceIdSupported: true,
      conformityLevel: 130,
      objects: {
        vendorName: 'Simulated I/O GmbH',
        productCode: 'SIO-16DI',
        majorMinorRevision: revision,
        productName: 'SimIO 16DI',
        modelName: 'SIO-16DI-ETH',
        private: [],
        reserved: [],
      },
      categories: [{ category: 'basic', requests: 1, objectIds: [0, 1, 2] }],
      requestsSent: 1,
    },
  };
}

const telnetOutcome: DeviceObservation['outcomes'][number] = {
  probe: 'telnet.banner',
  version: 1,
  port: 23,
  status: 'ok',
  transcript: [5, 6],
  durationMs: 800,
  facts: { reachable: true, bytesReceived: 10, negotiation: [], banner: 'login:', bannerTruncated: false, loginPrompt: true, passwordPrompt: false },
};

const MODBUS = { port: 502, transport: 'tcp', protocol: 'modbus', confirmed: true } as const;
const TELNET = { port: 23, transport: 'tcp', protocol: 'telnet', confirmed: true } as const;

/** A result judged by the bundled profile from crafted observations (the same path a scan takes). */
export function judged(runId: string, collectedAt: string, observations: DeviceObservation[]): Result {
  return judgeRun(
    {
      runId,
      agent: { id: 'test-agent', version: '0.1.0' },
      collectedAt,
      finishedAt: collectedAt,
      zone: { name: 'Line 3', slT: [2, 2, 2, 2, 2, 2, 2], cidrs: ['127.83.2.0/24'] },
      addressesPlanned: observations.length,
      targets: Object.fromEntries(observations.map((o) => [o.address, { role: 'plc' as const, name: `plc-${o.address.split('.').pop()}` }])),
      observations,
    },
    loadJudge(),
  );
}

/**
 * Two runs of one zone: between them the PLC at .10 got new firmware and a Telnet service (so
 * FR7's ceiling drops), the device at .11 went away and one at .12 appeared.
 */
export function craftedRuns(): { older: Result; newer: Result } {
  const older = judged('run-old', '2026-03-01T08:00:00.000Z', [
    { address: '127.83.2.10', services: [MODBUS], outcomes: [modbusOutcome('V1.4.2')] },
    { address: '127.83.2.11', services: [MODBUS], outcomes: [modbusOutcome('V2.0.0')] },
  ]);
  const newer = judged('run-new', '2026-03-02T08:00:00.000Z', [
    { address: '127.83.2.10', services: [MODBUS, TELNET], outcomes: [modbusOutcome('V1.5.0'), telnetOutcome] },
    { address: '127.83.2.12', services: [MODBUS], outcomes: [modbusOutcome('V2.0.0')] },
  ]);
  return { older, newer };
}

import { boundaryViolations, conduitUse, type PathResult, type ZoneModel } from '../../profiles/zone-model.ts';
import type { ConsoleStore } from '../../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../../report/keys.ts';
import type { Result } from '../../report/result.ts';
import { uploadResult } from './console-fleet.ts';
import { sampleResult } from '../sample-result.ts';

/**
 * A two-zone plant for the console's zone tests (issue 21): the cell (.0/28) may reach the SCADA
 * zone (.16/28) on OPC UA 4840 only; a vendor network is external. Addresses are data of the
 * zoneDevices test range (127.102.3), never bound.
 */
export const PLANT_MODEL: ZoneModel = {
  zones: [
    {
      name: 'cell',
      slT: 2,
      ranges: ['127.102.3.0/28'],
      conduits: [
        { to: 'scada', ports: [4840], purpose: 'OPC UA to the historian', owner: 'OT team' },
        { to: 'vendor', ports: [22], purpose: 'remote support' },
      ],
    },
    { name: 'scada', slT: 3, ranges: ['127.102.3.16/28'], conduits: [] },
  ],
  externalNetworks: [{ name: 'vendor', ranges: ['127.102.3.64/28'] }],
  canaries: [{ zone: 'scada', host: '127.102.3.30', ports: [3389] }],
};

export interface PlantDevice {
  readonly address: string;
  readonly tcp: readonly number[];
  readonly udp?: readonly number[];
}

/** A judged result whose devices offer the given services (what a zone's latest run says it found). */
export function plantResult(run: { runId: string; zone: string; agentId: string; collectedAt: string; devices: readonly PlantDevice[] }): Result {
  const result = sampleResult({ ...run, addresses: run.devices.map((d) => d.address) });
  return {
    ...result,
    devices: result.devices.map((d) => {
      const spec = run.devices.find((x) => x.address === d.address);
      const services = [
        ...(spec?.tcp ?? []).map((port) => ({ port, transport: 'tcp' as const, protocol: 'unknown', confirmed: false })),
        ...(spec?.udp ?? []).map((port) => ({ port, transport: 'udp' as const, protocol: 'unknown', confirmed: false })),
      ];
      return { ...d, services };
    }),
  };
}

/** The cell's and the SCADA zone's runs: the cell agent also came across .22 in the SCADA range (never a destination for the cell). */
export const PLANT_RUNS = {
  cell: plantResult({
    runId: 'cell-1',
    zone: 'cell',
    agentId: 'agent-cell',
    collectedAt: '2026-03-01T08:00:00.000Z',
    devices: [
      { address: '127.102.3.10', tcp: [80, 502] },
      { address: '127.102.3.22', tcp: [8080] },
    ],
  }),
  scada: plantResult({
    runId: 'scada-1',
    zone: 'scada',
    agentId: 'agent-scada',
    collectedAt: '2026-03-01T09:00:00.000Z',
    devices: [
      { address: '127.102.3.20', tcp: [4840, 502] },
      { address: '127.102.3.21', tcp: [22], udp: [161] },
      { address: '127.102.3.23', tcp: [], udp: [161] },
    ],
  }),
};

/** The cell agent's reachability check: OPC UA to .20 open (the conduit), Modbus to .20 open too (no conduit), SSH refused, the canary filtered. */
export const CELL_PATHS: PathResult[] = [
  { host: '127.102.3.20', port: 502, zone: 'scada', state: 'reachable' },
  { host: '127.102.3.20', port: 4840, zone: 'scada', state: 'reachable' },
  { host: '127.102.3.21', port: 22, zone: 'scada', state: 'refused' },
  { host: '127.102.3.30', port: 3389, zone: 'scada', state: 'filtered' },
];

/** A zone's result with its reachability check judged by the shared judgement (profiles/zone-model.ts) against `model`. */
export function judgedBoundary(result: Result, model: ZoneModel, paths: readonly PathResult[]): Result {
  const zone = model.zones.find((z) => z.name === result.zone.name);
  if (!zone) throw new Error(`zone ${result.zone.name} is not in the model`);
  return {
    ...result,
    reachability: [...paths],
    boundaryViolations: boundaryViolations({ zone: zone.name, ranges: zone.ranges, conduits: zone.conduits }, paths, model),
    boundary: { source: 'console', conduits: conduitUse(zone.conduits, paths, model), unchecked: [], dualHomed: [] },
  };
}

/** A result whose device at `address` failed snmp.single-zone: an interface in `outside`, beyond the zone's ranges. */
export function withDualHomed(result: Result, address: string, outside: string[]): Result {
  return {
    ...result,
    devices: result.devices.map((d) =>
      d.address !== address
        ? d
        : {
            ...d,
            checks: [
              ...d.checks.filter((c) => c.id !== 'snmp.single-zone'),
              {
                id: 'snmp.single-zone',
                kind: 'snmp.single-zone',
                title: 'Interfaces in one zone',
                status: 'fail' as const,
                requirements: ['CR 5.1'],
                observed: { outside, addresses: [address, ...outside] },
                evidence: [],
                remediation: 'Disconnect the interface that reaches outside the zone',
              },
            ],
          },
    ),
  };
}

/** Enrols the result's agent, bound to the result's zone, and uploads the signed result as that agent; returns its token. */
export async function enrolAndUpload(store: ConsoleStore, consoleUrl: string, result: Result): Promise<string> {
  const pair = newSigningKeyPair();
  const pub = parsePublicKey(pair.publicPem, 'p');
  const token = await store.enrollAgent(result.agent.id, pub, await keyId(pub), new Date(), { zones: [result.zone.name] });
  const outcome = await uploadResult(consoleUrl, token, parsePrivateKey(pair.privatePem, 'k'), result);
  if (outcome.kind !== 'acknowledged' || outcome.duplicate) throw new Error(`upload of ${result.runId} failed: ${JSON.stringify(outcome)}`);
  return token;
}

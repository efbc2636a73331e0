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

/**
 * The six-zone plant of the zone map tests (a seventh box: the vendor VPN): long zone names, conduits
 * between neighbours on the map and across it, two violations out of line 1. Addresses are data of
 * the zoneDevices test range: zone i holds 127.102.3.(16 i)/28.
 */
export const MAP_ZONES = {
  line1: 'Packaging line 1 fillers and cappers',
  line2: 'Packaging line 2',
  scada: 'SCADA servers',
  dmz: 'Historian DMZ',
  utilities: 'Utilities',
  engineering: 'Engineering workstations',
};
const mapBlock = (i: number) => `127.102.3.${i * 16}/28`;
/** The address `last` in zone i's /28. */
export const mapHost = (i: number, last: number) => `127.102.3.${i * 16 + last}`;
const { line1, line2, scada, dmz, utilities, engineering } = MAP_ZONES;

export const MAP_PLANT_MODEL: ZoneModel = {
  zones: [
    {
      name: line1,
      slT: 2,
      ranges: [mapBlock(0)],
      conduits: [
        { to: scada, ports: [4840], purpose: 'OPC UA to SCADA' },
        { to: 'Vendor VPN', ports: [22], purpose: 'remote support' },
      ],
    },
    { name: line2, slT: 2, ranges: [mapBlock(1)], conduits: [{ to: scada, ports: [4840], purpose: 'OPC UA to SCADA' }] },
    { name: scada, slT: 3, ranges: [mapBlock(2)], conduits: [{ to: dmz, ports: [1433], purpose: 'historian replication' }] },
    { name: dmz, slT: 3, ranges: [mapBlock(3)], conduits: [] },
    { name: utilities, slT: 1, ranges: [mapBlock(4)], conduits: [] },
    { name: engineering, slT: 2, ranges: [mapBlock(5)], conduits: [{ to: line1, ports: [44818, 102], purpose: 'programming' }] },
  ],
  externalNetworks: [{ name: 'Vendor VPN', ranges: ['127.102.3.224/28'] }],
};

/** The latest runs of line 1 (its boundary checked: SCADA on its conduit, DMZ and Utilities open without one), SCADA and Utilities. */
export function mapPlantRuns(): Result[] {
  const run = (runId: string, zone: string, agentId: string, devices: PlantDevice[]) =>
    plantResult({ runId, zone, agentId, collectedAt: '2026-03-01T08:00:00.000Z', devices });
  const line1Paths: PathResult[] = [
    { host: mapHost(2, 1), port: 4840, zone: scada, state: 'reachable' },
    { host: mapHost(3, 1), port: 1433, zone: dmz, state: 'reachable' },
    { host: mapHost(4, 1), port: 502, zone: utilities, state: 'reachable' },
    { host: mapHost(4, 1), port: 80, zone: utilities, state: 'refused' },
  ];
  return [
    judgedBoundary(run('line1-1', line1, 'agent-line1', [{ address: mapHost(0, 1), tcp: [502] }]), MAP_PLANT_MODEL, line1Paths),
    run('scada-1', scada, 'agent-scada', [{ address: mapHost(2, 1), tcp: [4840, 443] }]),
    run('util-1', utilities, 'agent-util', [{ address: mapHost(4, 1), tcp: [502, 80] }]),
  ];
}

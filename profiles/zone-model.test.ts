import { describe, expect, it } from 'vitest';
import { boundaryViolations, conduitUse, destinationsFor, MAX_REACHABILITY_PAIRS, type PathResult, ZoneModel, zoneOfHost } from './zone-model.ts';

const plant = ZoneModel.parse({
  zones: [
    {
      name: 'cell',
      slT: 2,
      ranges: ['10.1.0.0/24'],
      conduits: [
        { to: 'scada', ports: [4840], purpose: 'OPC UA to the historian', owner: 'OT team' },
        { to: 'vendor-vpn', ports: [22], purpose: 'remote support' },
        { to: '10.9.0.0/29', ports: [123], purpose: 'time' },
      ],
    },
    { name: 'scada', ranges: ['10.2.0.0/24'], conduits: [] },
  ],
  externalNetworks: [{ name: 'vendor-vpn', ranges: ['192.168.50.0/24'] }],
  canaries: [{ zone: 'scada', host: '10.2.0.250', ports: [3389] }],
});
const [cell] = plant.zones as [ZoneModel['zones'][number]];
const view = { zone: cell.name, ranges: cell.ranges, conduits: cell.conduits };

describe('zone model schema', () => {
  it('refuses a conduit to an unknown name, a duplicate name and a canary outside its zone, naming the place', () => {
    const r = ZoneModel.safeParse({
      zones: [
        { name: 'a', ranges: ['10.0.0.0/24'], conduits: [{ to: 'nowhere', ports: [1], purpose: 'x' }] },
        { name: 'a', ranges: [], conduits: [] },
      ],
      canaries: [{ zone: 'a', host: '10.5.0.1', ports: [80] }],
    });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(messages).toContain('zones.0.conduits.0.to: "nowhere" is neither a zone, an external network nor a CIDR');
    expect(messages.some((m) => m.includes('"a" is used twice'))).toBe(true);
    expect(messages).toContain('canaries.0.host: 10.5.0.1 is not inside the ranges of zone "a"');
  });

  it('refuses bad ranges, ports and host addresses', () => {
    expect(ZoneModel.safeParse({ zones: [{ name: 'a', ranges: ['10.0.0.1/24'] }] }).success).toBe(false);
    expect(ZoneModel.safeParse({ zones: [{ name: 'a', ranges: [], conduits: [{ to: '10.0.0.0/8', ports: [70000], purpose: 'x' }] }] }).success).toBe(false);
    expect(ZoneModel.safeParse({ zones: [{ name: 'a', ranges: ['10.0.0.0/8'] }], canaries: [{ zone: 'a', host: 'plc.local', ports: [1] }] }).success).toBe(
      false,
    );
  });
});

describe('boundary violations', () => {
  const paths: PathResult[] = [
    { host: '10.2.0.10', port: 4840, zone: 'scada', state: 'reachable' },
    { host: '10.2.0.10', port: 502, zone: 'scada', state: 'reachable' },
    { host: '10.2.0.11', port: 502, zone: 'scada', state: 'refused' },
    { host: '10.2.0.12', port: 502, zone: 'scada', state: 'filtered' },
    { host: '192.168.50.7', port: 22, state: 'reachable' },
    { host: '10.9.0.3', port: 123, state: 'reachable' },
    { host: '10.1.0.5', port: 502, zone: 'cell', state: 'reachable' },
  ];

  it('flags only the reachable path no conduit allows, and says which ports the conduits to that zone allow', () => {
    expect(boundaryViolations(view, paths, plant)).toEqual([
      {
        host: '10.2.0.10',
        port: 502,
        zone: 'scada',
        reason: 'TCP 502 from zone "cell" to 10.2.0.10 in zone "scada" is reachable and no conduit allows it; the conduits to it allow TCP 4840 only',
        requirements: ['62443-3-3 SR 5.1', '62443-3-3 SR 5.2', '62443-4-2 CR 5.1 of 10.2.0.10'],
      },
    ]);
  });

  it('without the model an external network name cannot be resolved, so the path is a violation', () => {
    expect(boundaryViolations(view, paths).map((v) => `${v.host}:${v.port}`)).toEqual(['10.2.0.10:502', '192.168.50.7:22']);
  });

  it('reports each conduit as verified, unused or untested', () => {
    const closed: PathResult[] = [
      { host: '10.2.0.10', port: 4840, zone: 'scada', state: 'refused' },
      { host: '10.2.0.11', port: 4840, zone: 'scada', state: 'filtered' },
    ];
    expect(conduitUse(cell.conduits, paths, plant).map((u) => [u.conduit.purpose, u.use, u.tried])).toEqual([
      ['OPC UA to the historian', 'verified', 1],
      ['remote support', 'verified', 1],
      ['time', 'verified', 1],
    ]);
    expect(conduitUse(cell.conduits, closed, plant).map((u) => u.use)).toEqual(['unused', 'untested', 'untested']);
  });
});

describe('destinations for a zone', () => {
  it('keeps other zones only, merges ports per host, adds canaries of other zones', () => {
    const { view: v, cut } = destinationsFor(plant, 'cell', [
      { host: '10.2.0.10', ports: [502, 4840] },
      { host: '10.2.0.10', ports: [502, 80] },
      { host: '10.1.0.5', ports: [502] },
      { host: '172.16.0.1', ports: [80] },
    ]);
    expect(cut).toBe(0);
    expect(v.destinations).toEqual([
      { host: '10.2.0.10', ports: [80, 502, 4840], zone: 'scada' },
      { host: '10.2.0.250', ports: [3389], zone: 'scada' },
    ]);
    expect(v.conduits).toBe(cell.conduits);
    expect(zoneOfHost(plant, '192.168.50.9')).toBe('vendor-vpn');
  });

  it('never gives more than the bound of address × port pairs, and says how many were cut', () => {
    const devices = Array.from({ length: 200 }, (_, i) => ({ host: `10.2.0.${i + 1}`, ports: Array.from({ length: 30 }, (_, p) => 1000 + p) }));
    const { view: v, cut } = destinationsFor(plant, 'cell', devices);
    const pairs = v.destinations.reduce((n, d) => n + d.ports.length, 0);
    expect(pairs).toBe(MAX_REACHABILITY_PAIRS);
    expect(cut).toBe(200 * 30 + 1 - MAX_REACHABILITY_PAIRS);
  });
});

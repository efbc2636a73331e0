import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../probes/registry.ts';
import { parseConfig } from './config.ts';
import { planScan, renderPlan } from './plan.ts';

const config = parseConfig(
  {
    zone: { name: 'plan', slT: 2 },
    targets: [{ cidr: '127.84.4.0/29' }, { host: '127.84.4.3', safety: 'identify' }, { host: '127.84.4.20', ports: { modbus: 15502 } }],
    deny: ['127.84.4.5', '127.84.4.6/31'],
    probes: { ftp: { anonymous: true } },
  },
  'plan.yaml',
);

let connections = 0;
const server = net.createServer((s) => {
  connections += 1;
  s.destroy();
});
beforeAll(() => new Promise<void>((r) => server.listen(15502, '127.84.4.20', () => r())));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('scan --plan', () => {
  const plan = planScan(config, PROBES);
  const group = (address: string) => plan.devices.find((d) => d.addresses.includes(address));

  it('lists denied addresses apart and never plans them', () => {
    expect(plan.denied).toEqual(['127.84.4.5', '127.84.4.6']);
    expect(plan.devices.flatMap((d) => d.addresses).sort()).toEqual(['127.84.4.1', '127.84.4.2', '127.84.4.20', '127.84.4.3', '127.84.4.4']);
  });

  it('withholds what is above a target’s safety ceiling or lacks its opt-in, and says why', () => {
    const ftp = (address: string) => group(address)?.services.find((s) => s.protocol === 'ftp');
    expect(ftp('127.84.4.1')?.probes.map((p) => p.probe)).toEqual(['ftp.banner', 'ftp.anonymous']);
    expect(ftp('127.84.4.3')?.withheld).toEqual([{ probe: 'ftp.anonymous', reason: "read-session is above the target's safety ceiling identify" }]);
    const opcua = group('127.84.4.1')?.services.find((s) => s.protocol === 'opcua');
    expect(opcua?.withheld).toEqual([{ probe: 'opcua.session', reason: 'needs the opt-in probes.opcua.session' }]);
  });

  it('uses port overrides and asks UDP of named hosts always, of range addresses only when alive', () => {
    expect(group('127.84.4.20')?.services.find((s) => s.protocol === 'modbus')?.port).toBe(15502);
    expect(group('127.84.4.20')?.services.find((s) => s.transport === 'udp')?.when).toMatch(/always/);
    expect(group('127.84.4.1')?.services.find((s) => s.transport === 'udp')?.when).toMatch(/TCP service answered/);
  });

  it('lists only operation kinds from each probe’s allow-list, and sends nothing', () => {
    const declared = new Map(PROBES.map((p) => [p.definition.id, p.definition.ops]));
    for (const d of plan.devices) for (const s of d.services) for (const p of s.probes) expect(p.ops).toEqual(declared.get(p.probe));
    const text = renderPlan(plan);
    expect(text).toContain('modbus.device-id [identify]: tcp.connect, modbus.read-device-id');
    expect(text).toContain('Never contacted (deny list): 127.84.4.5, 127.84.4.6');
    expect(connections).toBe(0);
  });
});

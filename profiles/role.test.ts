import { describe, expect, it } from 'vitest';
import type { Service } from '../probes/observation.ts';
import { DeviceView } from './device-view.ts';
import { COMPONENT_TYPES_OF_ROLE, decideRole } from './role.ts';

const view = (...protocols: string[]) =>
  new DeviceView({
    address: '127.81.2.1',
    services: protocols.map((protocol, i): Service => ({ port: 1000 + i, transport: 'tcp', protocol, confirmed: true })),
    outcomes: [],
  });

describe('decideRole', () => {
  it('keeps the configured role', () => {
    expect(decideRole('hmi', view('s7'))).toEqual({ role: 'hmi', source: 'config', reason: 'role set in the config' });
  });

  it('infers from how the device describes itself, naming the source', () => {
    const d = decideRole('auto', view('ssh', 'http'), { product: { value: 'Industrial Ethernet Switch 8P', source: 'snmp.system' } });
    expect(d).toEqual({ role: 'network-device', source: 'inferred', reason: 'describes itself as "Industrial Ethernet Switch 8P" (snmp.system)' });
    expect(decideRole('auto', view('opcua'), { product: { value: 'Line SCADA historian', source: 'opcua.session' } }).role).toBe('scada-server');
  });

  it('a controller protocol outweighs a self-description', () => {
    expect(decideRole('auto', view('modbus'), { product: { value: 'Gateway', source: 'snmp.system' } }).role).toBe('plc');
  });

  it('judges hosts as platform and application', () => {
    expect(COMPONENT_TYPES_OF_ROLE.hmi).toEqual(['HDR', 'SAR']);
    expect(COMPONENT_TYPES_OF_ROLE['scada-server']).toEqual(['HDR', 'SAR']);
    expect(COMPONENT_TYPES_OF_ROLE.plc).toEqual(['EDR']);
  });
});

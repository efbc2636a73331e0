import { describe, expect, it } from 'vitest';
import type { ModbusDeviceIdFacts } from '../../probes/modbus/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import instances from '../data/checks/modbus.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { modbusCheckKinds, modbusIdentity } from './modbus.ts';

const IDENTIFIED: ModbusDeviceIdFacts = {
  unitId: 255,
  modbusConfirmed: true,
  deviceIdSupported: true,
  conformityLevel: 0x82,
  objects: {
    vendorName: 'ACME',
    productCode: '6ES7 000-0AA00-0AA0',
    majorMinorRevision: 'V2.7',
    productName: 'ACME PLC',
    modelName: 'P-1',
    private: [],
    reserved: [],
  },
  categories: [
    { category: 'basic', requests: 1, objectIds: [0, 1, 2] },
    { category: 'regular', requests: 1, objectIds: [4, 5] },
  ],
  requestsSent: 2,
};

const NO_FC43: ModbusDeviceIdFacts = {
  unitId: 255,
  modbusConfirmed: true,
  deviceIdSupported: false,
  objects: { private: [], reserved: [] },
  categories: [{ category: 'basic', requests: 1, objectIds: [], exception: { code: 1, name: 'illegal-function' } }],
  requestsSent: 1,
};

function ok(facts: ModbusDeviceIdFacts, port = 502): ProbeOutcome {
  return { probe: 'modbus.device-id', version: 1, port, status: 'ok', facts, transcript: [3, 8], durationMs: 12 };
}

function device(outcomes: ProbeOutcome[], modbusPortOpen = outcomes.length > 0): DeviceView {
  const services: DeviceObservation['services'] = modbusPortOpen ? [{ port: 502, transport: 'tcp', protocol: 'modbus', confirmed: outcomes.length > 0 }] : [];
  return new DeviceView({ address: '127.20.2.1', services, outcomes });
}

const TIMEOUT: ProbeOutcome = {
  probe: 'modbus.device-id',
  version: 1,
  port: 502,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to modbus.reply within 2000 ms' },
  transcript: [1, 4],
  durationMs: 2000,
};

const checks = loadCheckSet(modbusCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('modbus check instances', () => {
  it('load against their kinds', () => {
    expect([...checks.keys()]).toEqual(['modbus.access-authenticated', 'modbus.identity-hidden']);
  });
});

describe('modbus.access-authenticated', () => {
  const id = 'modbus.access-authenticated';

  it('fails whenever Modbus answered, also with exception 1', () => {
    for (const facts of [IDENTIFIED, NO_FC43]) {
      const v = evaluate(id, device([ok(facts)]));
      expect(v.status).toBe('fail');
      expect(v.observed).toEqual({ protocol: 'modbus-tcp', ports: [502], authentication: 'none', integrity: 'none', confidentiality: 'none' });
      expect(v.evidence).toEqual([{ probe: 'modbus.device-id', port: 502, transcript: [3, 8] }]);
    }
  });

  it('is not applicable without Modbus, and unknown when Modbus did not answer or was not probed', () => {
    expect(evaluate(id, device([])).status).toBe('not-applicable');
    const timeout = evaluate(id, device([TIMEOUT]));
    expect(timeout.status).toBe('unknown');
    expect(timeout.reason).toMatch(/timeout/);
    expect(evaluate(id, device([], true))).toMatchObject({ status: 'unknown', observed: { openPorts: [502] } });
  });
});

describe('modbus.identity-hidden', () => {
  const id = 'modbus.identity-hidden';

  it('fails when the listed objects are readable, naming them', () => {
    expect(evaluate(id, device([ok(IDENTIFIED)]))).toMatchObject({
      status: 'fail',
      observed: { readableWithoutAuthentication: ['productCode', 'majorMinorRevision'] },
      expected: { readableWithoutAuthentication: [] },
    });
  });

  it('passes on positive evidence only', () => {
    expect(evaluate(id, device([ok(NO_FC43)])).status).toBe('pass');
    const vendorOnly = { ...IDENTIFIED, objects: { vendorName: 'ACME', private: [], reserved: [] } };
    expect(evaluate(id, device([ok(vendorOnly)])).status).toBe('pass');
    const interrupted = { ...vendorOnly, interrupted: { kind: 'timeout' as const, detail: 'silent' } };
    expect(evaluate(id, device([ok(interrupted)])).status).toBe('unknown');
    const gateway = {
      ...NO_FC43,
      categories: [{ category: 'basic' as const, requests: 1, objectIds: [], exception: { code: 11, name: 'gateway-target-no-response' } }],
    };
    const { deviceIdSupported: _, ...gatewayFacts } = gateway;
    expect(evaluate(id, device([ok(gatewayFacts)])).status).toBe('unknown');
  });

  it('follows the absent and unavailable conventions', () => {
    expect(evaluate(id, device([])).status).toBe('not-applicable');
    expect(evaluate(id, device([TIMEOUT])).status).toBe('unknown');
  });
});

describe('modbusIdentity', () => {
  it('maps the identification objects to identity fields', () => {
    expect(modbusIdentity(device([ok(IDENTIFIED), ok(IDENTIFIED, 5020)]))).toEqual([
      { field: 'vendor', value: 'ACME', source: 'modbus.device-id' },
      { field: 'orderNumber', value: '6ES7 000-0AA00-0AA0', source: 'modbus.device-id' },
      { field: 'firmware', value: 'V2.7', source: 'modbus.device-id' },
      { field: 'product', value: 'ACME PLC', source: 'modbus.device-id' },
      { field: 'model', value: 'P-1', source: 'modbus.device-id' },
    ]);
    expect(modbusIdentity(device([ok(NO_FC43)]))).toEqual([]);
    expect(modbusIdentity(device([TIMEOUT]))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { SnmpFacts } from '../../probes/snmp/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import instances from '../data/checks/snmp.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { snmpCheckKinds, snmpIdentity } from './snmp.ts';

const ENGINE: SnmpFacts['engine'] = { state: 'answered', engineId: '8000b98380c0ffee', engineBoots: 3, engineTime: 100, enterprise: 47491 };
const NO_ENGINE: SnmpFacts['engine'] = { state: 'no-answer', detail: 'no SNMPv3 discovery answer within 300 ms' };

const HARDENED: SnmpFacts = {
  engine: ENGINE,
  communities: { state: 'tried', tried: 2, wellKnownTried: ['public', 'private'], accepted: [] },
  v3Access: { state: 'accepted', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes' },
  readVia: 'v3',
  system: { descr: 'Acme PLC-3000, firmware V2.1.4', name: 'plc-line-3' },
  entities: {
    rows: [
      {
        index: '1',
        class: 'chassis',
        manufacturer: 'Acme Automation',
        model: 'PLC-3000',
        serial: 'SN-1',
        hardwareRev: 'B',
        firmwareRev: 'V2.1.4',
        softwareRev: '2.1.4-77',
      },
      { index: '2', class: 'port', descr: 'X1', serial: 'port-serial' },
    ],
    stop: 'end',
  },
  addresses: { rows: [{ address: '10.10.3.5', family: 'ipv4', prefixLength: 24, source: 'ipAddrTable' }], ipAddrTable: 'end', ipAddressTable: 'end' },
  interfaces: { rows: [], stop: 'end' },
};

const WEAK: SnmpFacts = {
  ...HARDENED,
  engine: NO_ENGINE,
  communities: {
    state: 'tried',
    tried: 3,
    wellKnownTried: ['public', 'private'],
    accepted: [
      { community: 'public', wellKnown: true, versions: ['v2c', 'v1'] },
      { community: '#3', wellKnown: false, versions: ['v2c'] },
    ],
  },
  v3Access: { state: 'not-configured' },
  readVia: 'v2c',
  addresses: {
    rows: [
      { address: '10.10.3.5', family: 'ipv4', source: 'ipAddrTable' },
      { address: '192.168.50.10', family: 'ipv4', prefixLength: 24, source: 'ipAddrTable' },
      { address: '127.0.0.1', family: 'ipv4', source: 'ipAddrTable' },
    ],
    ipAddrTable: 'end',
    ipAddressTable: 'end',
  },
};

const NOT_OPTED_IN: SnmpFacts = { engine: ENGINE, communities: { state: 'not-tried' }, v3Access: { state: 'not-configured' }, readVia: 'none' };

function ok(facts: SnmpFacts): ProbeOutcome {
  return { probe: 'snmp.system', version: 1, port: 161, status: 'ok', facts, transcript: [1, 9], durationMs: 40 };
}
const TIMEOUT: ProbeOutcome = {
  probe: 'snmp.system',
  version: 1,
  port: 161,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no SNMP answer' },
  transcript: [1, 2],
  durationMs: 300,
};

const MALFORMED: ProbeOutcome = { ...TIMEOUT, failure: { kind: 'malformed', detail: 'reply is not BER' } };

const device = (...outcomes: ProbeOutcome[]) => new DeviceView({ address: '10.10.3.5', services: [], outcomes });
/** A device judged in a zone with these ranges (the agent passes them in the evaluation context). */
const inZone = (zoneCidrs: string[], ...outcomes: ProbeOutcome[]) =>
  new DeviceView({ address: '10.10.3.5', services: [], outcomes }, { at: '2026-01-01T00:00:00.000Z', zoneCidrs });
const checks = loadCheckSet(snmpCheckKinds, instances);

function evaluate(id: string, view: DeviceView, params?: Record<string, unknown>) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, { ...check.instance.params, ...params });
}

describe('snmp check instances', () => {
  it('load against their kinds', () => {
    expect([...checks.keys()]).toEqual([
      'snmp.default-community-rejected',
      'snmp.v1v2c-disabled',
      'snmp.v3-available',
      'snmp.single-zone',
      'snmp.event-forwarding',
    ]);
  });

  it('are not applicable without SNMP (no probe run, or silence), and unknown when a reply was broken', () => {
    for (const id of checks.keys()) {
      expect(evaluate(id, inZone(['10.10.3.0/24'])).status).toBe('not-applicable');
      expect(evaluate(id, inZone(['10.10.3.0/24'], TIMEOUT))).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('no SNMP answer') });
      const v = evaluate(id, inZone(['10.10.3.0/24'], MALFORMED));
      expect(v.status).toBe('unknown');
      expect(v.reason).toContain('malformed');
    }
  });
});

describe('snmp.default-community-rejected', () => {
  const id = 'snmp.default-community-rejected';

  it('fails naming only the well-known communities that answered', () => {
    const v = evaluate(id, device(ok(WEAK)));
    expect(v).toMatchObject({ status: 'fail', observed: { accepted: [{ community: 'public', versions: ['v2c', 'v1'] }] }, expected: { accepted: [] } });
    expect(v.evidence).toEqual([{ probe: 'snmp.system', port: 161, transcript: [1, 9] }]);
  });

  it('passes when the defaults were tried and the live agent ignored them', () => {
    expect(evaluate(id, device(ok(HARDENED)))).toMatchObject({ status: 'pass', observed: { tried: ['public', 'private'], accepted: [] } });
  });

  it('is unknown without the opt-in, without a default in the list, or without any SNMP answer', () => {
    expect(evaluate(id, device(ok(NOT_OPTED_IN))).status).toBe('unknown');
    const noDefaults: SnmpFacts = { ...HARDENED, communities: { state: 'tried', tried: 1, wellKnownTried: [], accepted: [] } };
    expect(evaluate(id, device(ok(noDefaults))).reason).toContain('no well-known default');
    const silent: SnmpFacts = { ...HARDENED, engine: NO_ENGINE, v3Access: { state: 'not-configured' } };
    expect(evaluate(id, device(ok(silent))).status).toBe('unknown');
  });
});

describe('snmp.v1v2c-disabled', () => {
  const id = 'snmp.v1v2c-disabled';

  it('fails on any accepted community, default or not, and lists the versions', () => {
    expect(evaluate(id, device(ok(WEAK)))).toMatchObject({ status: 'fail', observed: { versions: ['v1', 'v2c'], communities: ['public', '#3'] } });
  });

  it('passes when no configured community answered a live agent, unknown when not tried', () => {
    expect(evaluate(id, device(ok(HARDENED))).status).toBe('pass');
    expect(evaluate(id, device(ok(NOT_OPTED_IN))).status).toBe('unknown');
  });
});

describe('snmp.v3-available', () => {
  const id = 'snmp.v3-available';

  it('passes on an engine discovery answer and on rejected credentials (v3 is on)', () => {
    expect(evaluate(id, device(ok(NOT_OPTED_IN)))).toMatchObject({ status: 'pass', observed: { v3: 'answered' } });
    const rejected: SnmpFacts = { ...WEAK, v3Access: { state: 'rejected', reason: 'unknown-user' } };
    expect(evaluate(id, device(ok(rejected))).status).toBe('pass');
  });

  it('fails when the agent answers v1/v2c but not v3, unknown when the discovery answer was unusable', () => {
    expect(evaluate(id, device(ok(WEAK)))).toMatchObject({ status: 'fail', observed: { v3: 'no-answer' } });
    const garbled: SnmpFacts = { ...WEAK, engine: { state: 'malformed', detail: 'SNMP message: truncated header' } };
    expect(evaluate(id, device(ok(garbled))).status).toBe('unknown');
  });
});

describe('snmp.single-zone (dual-homed)', () => {
  const id = 'snmp.single-zone';

  it('fails on an address outside the zone, ignoring loopback', () => {
    const v = evaluate(id, inZone(['10.10.3.0/24'], ok(WEAK)));
    expect(v).toMatchObject({ status: 'fail', observed: { outside: ['192.168.50.10'], addresses: ['10.10.3.5', '192.168.50.10'] } });
  });

  it('passes when every address is inside one of the zone ranges', () => {
    expect(evaluate(id, inZone(['10.10.3.0/24', '192.168.50.0/24'], ok(WEAK))).status).toBe('pass');
    expect(evaluate(id, inZone(['10.10.0.0/16'], ok(HARDENED)))).toMatchObject({ status: 'pass', observed: { outside: [] } });
  });

  it('is unknown without zone ranges, without read access, with partial tables or routable IPv6', () => {
    expect(evaluate(id, device(ok(HARDENED))).reason).toContain('no address ranges');
    expect(evaluate(id, inZone(['10.10.3.0/24'], ok(NOT_OPTED_IN))).reason).toContain('not readable');
    const partial: SnmpFacts = {
      ...HARDENED,
      addresses: { ...(HARDENED.addresses as NonNullable<SnmpFacts['addresses']>), ipAddrTable: 'timeout', ipAddressTable: 'timeout' },
    };
    expect(evaluate(id, inZone(['10.10.3.0/24'], ok(partial))).status).toBe('unknown');
    const v6: SnmpFacts = {
      ...HARDENED,
      addresses: {
        rows: [
          { address: '10.10.3.5', family: 'ipv4', source: 'ipAddrTable' },
          { address: 'fe80::1', family: 'ipv6', source: 'ipAddressTable' },
          { address: 'fd00:50::10', family: 'ipv6', source: 'ipAddressTable' },
        ],
        ipAddrTable: 'end',
        ipAddressTable: 'end',
      },
    };
    expect(evaluate(id, inZone(['10.10.3.0/24'], ok(v6)))).toMatchObject({ status: 'unknown', observed: { ipv6: ['fd00:50::10'] } });
  });

  it('reports malformed zone ranges as an error', () => {
    expect(evaluate(id, inZone(['10.10.3.0/33'], ok(WEAK))).status).toBe('error');
  });
});

describe('snmp.event-forwarding', () => {
  const id = 'snmp.event-forwarding';
  const trap = { name: 'siem-trap', domain: '1.3.6.1.6.1.1', transport: 'udp' as const, address: '192.0.2.162:162', rowStatus: 'active' };
  const withTargets = (rows: NonNullable<SnmpFacts['notificationTargets']>['rows'], stop: 'end' | 'timeout' = 'end'): SnmpFacts => ({
    ...HARDENED,
    notificationTargets: { rows, stop },
  });

  it('passes with a notification target in service, naming its address', () => {
    expect(evaluate(id, device(ok(withTargets([trap, { ...trap, name: 'old', rowStatus: 'notInService' }]))))).toMatchObject({
      status: 'pass',
      observed: { notificationTargets: [{ name: 'siem-trap', transport: 'udp', address: '192.0.2.162:162' }] },
      expected: { notificationTargets: { atLeast: 1 } },
    });
    // A row whose status was not readable still names a configured receiver.
    const { rowStatus: _omitted, ...noStatus } = trap;
    expect(evaluate(id, device(ok(withTargets([noStatus])))).status).toBe('pass');
  });

  it('never fails: an empty, idle, partial or unreadable table is unknown, with the reason', () => {
    expect(evaluate(id, device(ok(withTargets([]))))).toMatchObject({ status: 'unknown', reason: 'snmpTargetAddrTable is empty or not in the MIB view' });
    expect(evaluate(id, device(ok(withTargets([], 'timeout')))).reason).toContain('walk ended: timeout');
    expect(evaluate(id, device(ok(withTargets([{ ...trap, rowStatus: 'notInService' }]))))).toMatchObject({
      status: 'unknown',
      reason: '1 notification target(s), none in service',
    });
    expect(evaluate(id, device(ok(HARDENED)))).toMatchObject({ status: 'unknown', reason: expect.stringContaining('not readable') });
    expect(evaluate(id, device(ok(NOT_OPTED_IN))).status).toBe('unknown');
  });
});

describe('snmpIdentity', () => {
  it('takes product and name from the system group and the rest from the chassis entity', () => {
    expect(snmpIdentity(device(ok(HARDENED)))).toEqual([
      { field: 'product', value: 'Acme PLC-3000, firmware V2.1.4', source: 'snmp.system' },
      { field: 'name', value: 'plc-line-3', source: 'snmp.system' },
      { field: 'vendor', value: 'Acme Automation', source: 'snmp.system' },
      { field: 'model', value: 'PLC-3000', source: 'snmp.system' },
      { field: 'serial', value: 'SN-1', source: 'snmp.system' },
      { field: 'hardware', value: 'B', source: 'snmp.system' },
      { field: 'firmware', value: 'V2.1.4', source: 'snmp.system' },
      { field: 'firmware', value: '2.1.4-77', source: 'snmp.system' },
    ]);
  });

  it('claims nothing without facts', () => {
    expect(snmpIdentity(device(TIMEOUT))).toEqual([]);
    expect(snmpIdentity(device(ok(NOT_OPTED_IN)))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSnmpFixture } from '../../fixtures/snmp/agent.ts';
import { HARDENED_TRAP_TARGET, HARDENED_V3_USER, SNMP_UDP_DOMAIN, startSnmpFixture, udpTAddress } from '../../fixtures/snmp/agent.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { SnmpFacts } from './facts.ts';
import { notificationTargetRows, targetAddress } from './notification-targets.ts';
import { SNMP_LIMITS, snmpProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const PORT = 16161;
const HOST = {
  hardened: testAddress('snmpNotificationTargets', 1),
  weak: testAddress('snmpNotificationTargets', 2),
  many: testAddress('snmpNotificationTargets', 3),
} as const;
const nameIndex = (name: string) => [...name].map((c) => c.charCodeAt(0)).join('.');

describe('snmpTargetAddrTable rows', () => {
  it('decodes the implied name, the UDP/IPv4 address and port, and the row status', () => {
    const rows = new Map([[nameIndex('nms-1'), [SNMP_UDP_DOMAIN, Buffer.from('c000023200a2', 'hex'), 1]]]);
    expect(notificationTargetRows(rows)).toEqual([
      { name: 'nms-1', domain: SNMP_UDP_DOMAIN, transport: 'udp', address: '192.0.2.50:162', rowStatus: 'active' },
    ]);
  });

  it('reads IPv6 and TCP domains and keeps what it does not understand as hex', () => {
    const v6 = Buffer.concat([Buffer.from('20010db8000000000000000000000001', 'hex'), Buffer.from([0x27, 0x11])]);
    expect(targetAddress('1.3.6.1.2.1.100.1.2', v6)).toBe('[2001:db8::1]:10001');
    expect(targetAddress('1.3.6.1.2.1.100.1.5', udpTAddress('10.0.0.9', 6514))).toBe('10.0.0.9:6514');
    // A 6-byte IPv4 domain with 5 bytes, an unknown domain, a missing domain: never guessed.
    expect(targetAddress(SNMP_UDP_DOMAIN, Buffer.from('0a000009a2', 'hex'))).toBe('hex:0a000009a2');
    expect(targetAddress('1.3.6.1.4.1.9.9.9', udpTAddress('10.0.0.9', 162))).toBe('hex:0a00000900a2');
    expect(targetAddress(undefined, udpTAddress('10.0.0.9', 162))).toBe('hex:0a00000900a2');
    expect(targetAddress(SNMP_UDP_DOMAIN, 162)).toBeUndefined();
  });

  it('keeps a row with missing or odd columns, naming a binary index by its arcs', () => {
    expect(notificationTargetRows(new Map([['1.200.3', [undefined, undefined, 7]]]))).toEqual([{ name: '1.200.3', transport: 'other', rowStatus: '7' }]);
  });
});

let hardened: RunningSnmpFixture;
let weak: RunningSnmpFixture;
let many: RunningSnmpFixture;

beforeAll(async () => {
  hardened = await startSnmpFixture({ host: HOST.hardened, port: PORT, posture: 'hardened' });
  weak = await startSnmpFixture({ host: HOST.weak, port: PORT, posture: 'weak' });
  const targets = Array.from({ length: SNMP_LIMITS.maxRowsPerTable + 5 }, (_, i) => ({
    name: `t${String(i).padStart(3, '0')}`,
    domain: SNMP_UDP_DOMAIN,
    address: udpTAddress('192.0.2.1', 1000 + i),
    rowStatus: i % 2 ? 1 : 2,
  }));
  many = await startSnmpFixture({ host: HOST.many, port: PORT, posture: 'weak', notificationTargets: targets });
});

afterAll(async () => {
  for (const f of [hardened, weak, many]) await f?.close();
});

async function targets(host: string, options: Record<string, unknown>): Promise<{ facts: SnmpFacts; ops: string[] }> {
  const ctx = testContext(host, PORT, { stepTimeoutMs: 300, options });
  const outcome = await runProbe(snmpProbe, ctx);
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
  return { facts: outcome.facts as SnmpFacts, ops: ctx.transcript.sentOps() };
}

describe('snmp.system reads the notification targets', () => {
  it('finds the hardened device trap receiver over v3 authPriv', async () => {
    const { facts } = await targets(HOST.hardened, { v3: HARDENED_V3_USER });
    expect(facts.notificationTargets).toEqual({
      method: 'getbulk',
      rows: [{ name: HARDENED_TRAP_TARGET.name, domain: SNMP_UDP_DOMAIN, transport: 'udp', address: '192.0.2.162:162', rowStatus: 'active' }],
      stop: 'end',
    });
  });

  it('reports an empty table on a device without targets, and nothing without read access', async () => {
    expect((await targets(HOST.weak, { communities: ['public'] })).facts.notificationTargets).toEqual({ rows: [], stop: 'end', method: 'getbulk' });
    expect((await targets(HOST.hardened, {})).facts.notificationTargets).toBeUndefined();
  });

  it('stops a long table at the row limit, with reads only', async () => {
    const baseline = weak.log.requests.length;
    await targets(HOST.weak, { communities: ['public'] });
    const withoutTargets = weak.log.requests.length - baseline;
    const before = many.log.requests.length;
    const { facts, ops } = await targets(HOST.many, { communities: ['public'] });
    expect(facts.notificationTargets?.stop).toBe('row-limit');
    expect(facts.notificationTargets?.rows).toHaveLength(SNMP_LIMITS.maxRowsPerTable);
    expect(facts.notificationTargets?.rows.slice(0, 2)).toMatchObject([
      { name: 't000', address: '192.0.2.1:1000', rowStatus: 'notInService' },
      { name: 't001', address: '192.0.2.1:1001', rowStatus: 'active' },
    ]);
    expect(ops.every((op) => ['snmp.discovery', 'snmp.get', 'snmp.getbulk', 'snmp.getnext'].includes(op))).toBe(true);
    expect(many.log.count('write')).toBe(0);
    // Each GETBULK brings several rows per column (net-snmp's agent sends 2-3 here), and the walk ends at the row limit.
    expect(many.log.requests.length - before - withoutTargets).toBeLessThanOrEqual(SNMP_LIMITS.maxRowsPerTable / 2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { RunningSnmpFixture } from '../../fixtures/snmp/agent.ts';
import { FIXTURE_IDENTITY, HARDENED_V3_USER, startSnmpFixture, WEAK_FOREIGN_ADDRESS, WEAK_FOREIGN_IPV6 } from '../../fixtures/snmp/agent.ts';
import { startRawUdpPeer } from '../../fixtures/snmp/raw-peer.ts';
import { RoundTrips } from '../round-trip.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { ProbeContext, ProbeOutcome } from '../types.ts';
import { OID, type SnmpFacts } from './facts.ts';
import { snmpProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const PORT = 16161;
const HOST = {
  weak: testAddress('snmpProbe', 1),
  hardened: testAddress('snmpProbe', 2),
  looping: testAddress('snmpProbe', 3),
  silent: testAddress('snmpProbe', 4),
  garbage: testAddress('snmpProbe', 5),
  oversized: testAddress('snmpProbe', 6),
  plantCommunity: testAddress('snmpProbe', 7),
  /** Nothing bound: the host answers ICMP port unreachable. */
  noAgent: testAddress('snmpProbe', 8),
  bulkMultiColumn: testAddress('snmpProbe', 9),
  bulkTooBig: testAddress('snmpProbe', 10),
  bulkNever: testAddress('snmpProbe', 11),
  otherPort: testAddress('snmpBrokenBulk', 1),
  late: testAddress('snmpBrokenBulk', 2),
} as const;
const READ_OPS = new Set(['snmp.discovery', 'snmp.get', 'snmp.getnext', 'snmp.getbulk']);
const OPT_IN = (communities: string[]) => ({ communities });

let weak: RunningSnmpFixture;
let hardened: RunningSnmpFixture;
let looping: RunningSnmpFixture;
let plantCommunity: RunningSnmpFixture;
let garbage: RunningFixture;
let oversized: RunningFixture;
let silent: RunningFixture;
let otherPort: RunningSnmpFixture;
let late: RunningSnmpFixture;
let bulkMultiColumn: RunningSnmpFixture;
let bulkTooBig: RunningSnmpFixture;
let bulkNever: RunningSnmpFixture;

beforeAll(async () => {
  weak = await startSnmpFixture({ host: HOST.weak, port: PORT, posture: 'weak' });
  hardened = await startSnmpFixture({ host: HOST.hardened, port: PORT, posture: 'hardened' });
  looping = await startSnmpFixture({ host: HOST.looping, port: PORT, posture: 'weak', quirk: 'looping-table' });
  plantCommunity = await startSnmpFixture({ host: HOST.plantCommunity, port: PORT, posture: 'weak', communities: ['plant7-ro'] });
  garbage = await startRawUdpPeer({ host: HOST.garbage, port: PORT, name: 'snmp-garbage', answer: () => Buffer.from('not an snmp message at all') });
  // Announces a 2 GiB message in a 6-byte datagram.
  oversized = await startRawUdpPeer({ host: HOST.oversized, port: PORT, name: 'snmp-oversized', answer: () => Buffer.from('30847fffffff', 'hex') });
  silent = await startRawUdpPeer({ host: HOST.silent, port: PORT, name: 'snmp-silent', answer: () => undefined });
  otherPort = await startSnmpFixture({ host: HOST.otherPort, port: PORT, posture: 'hardened', quirk: 'answers-from-other-port' });
  late = await startSnmpFixture({ host: HOST.late, port: PORT, posture: 'weak', communities: ['public'], answerDelayMs: 250 });
  const brokenBulk = (host: string, status: 'genErr' | 'tooBig', when: 'multi-column' | 'repetitions-over-2' | 'any') =>
    startSnmpFixture({ host, port: PORT, posture: 'weak', communities: ['public'], brokenBulk: { under: OID.ipAddrEntry, status, when } });
  bulkMultiColumn = await brokenBulk(HOST.bulkMultiColumn, 'genErr', 'multi-column');
  bulkTooBig = await brokenBulk(HOST.bulkTooBig, 'tooBig', 'repetitions-over-2');
  bulkNever = await brokenBulk(HOST.bulkNever, 'genErr', 'any');
});

afterAll(async () => {
  for (const f of [weak, hardened, looping, plantCommunity, garbage, oversized, silent, otherPort, late, bulkMultiColumn, bulkTooBig, bulkNever])
    await f?.close();
});

function context(host: string, options: Record<string, unknown> = {}, stepTimeoutMs = 400, signal: AbortSignal = new AbortController().signal): ProbeContext {
  return testContext(host, PORT, { stepTimeoutMs, signal, options });
}

async function probe(ctx: ProbeContext): Promise<{ outcome: ProbeOutcome; facts: SnmpFacts }> {
  const outcome = await runProbe(snmpProbe, ctx);
  return { outcome, facts: (outcome.status === 'ok' ? outcome.facts : undefined) as SnmpFacts };
}

/** Requests that carried a community string, as the fixture classified them. */
const communityRequests = (f: RunningFixture) => f.log.kinds().filter((k) => /\.v1$|\.v2c$|community/.test(k));

function expectSecretsAbsent(ctx: ProbeContext, outcome: ProbeOutcome, secrets: string[]): void {
  const text = JSON.stringify({ entries: ctx.transcript.entries(), outcome });
  for (const s of secrets) {
    expect(text).not.toContain(s);
    expect(text).not.toContain(Buffer.from(s).toString('hex'));
  }
}

describe('snmp.system against the hardened device', () => {
  it('proves v3 by engine discovery and sends no community without the opt-in', async () => {
    const before = hardened.log.count();
    const ctx = context(HOST.hardened, {});
    const { outcome, facts } = await probe(ctx);
    expect(outcome.status).toBe('ok');
    expect(facts.engine).toMatchObject({ state: 'answered', engineId: hardened.engineId });
    expect(facts.communities).toEqual({ state: 'not-tried' });
    expect(facts.readVia).toBe('none');
    expect(ctx.transcript.sentOps()).toEqual(['snmp.discovery']);
    expect(hardened.log.kinds().slice(before)).toEqual(['snmp.report.unknown-engine-id']);
  });

  it('reads identity, entities and addresses with SHA/AES authPriv credentials, which never leave the probe', async () => {
    const ctx = context(HOST.hardened, { v3: HARDENED_V3_USER });
    const { outcome, facts } = await probe(ctx);
    expect(facts.v3Access).toEqual({ state: 'accepted', level: 'authPriv', authProtocol: 'sha', privProtocol: 'aes' });
    expect(facts.readVia).toBe('v3');
    expect(facts.system).toMatchObject({ descr: FIXTURE_IDENTITY.descr, name: FIXTURE_IDENTITY.name, objectId: FIXTURE_IDENTITY.objectId });
    expect(facts.entities?.rows[0]).toMatchObject({
      firmwareRev: 'V2.1.4',
      serial: 'SN-0012345',
      manufacturer: 'Acme Automation',
      model: 'PLC-3000',
      class: 'chassis',
    });
    expect(facts.addresses?.rows.map((r) => r.address)).toEqual([HOST.hardened]);
    expect(facts.interfaces?.rows.map((r) => r.operStatus)).toEqual(['up', 'down']);
    expect(ctx.transcript.sentOps().every((op) => READ_OPS.has(op))).toBe(true);
    expectSecretsAbsent(ctx, outcome, [HARDENED_V3_USER.authKey, HARDENED_V3_USER.privKey, HARDENED_V3_USER.user]);
  });

  it('tells a wrong key from an unknown user', async () => {
    const before = hardened.log.count();
    // net-snmp's agent drops a message with a wrong key silently (Debian snmpd reports wrongDigest).
    const wrongKey = await probe(context(HOST.hardened, { v3: { ...HARDENED_V3_USER, authKey: 'not-the-right-key' } }, 200));
    expect(wrongKey.facts.v3Access).toMatchObject({ state: 'no-answer' });
    expect(wrongKey.facts.readVia).toBe('none');
    expect(hardened.log.kinds().slice(before)).toContain('snmp.v3-auth-failed');
    const unknownUser = await probe(context(HOST.hardened, { v3: { ...HARDENED_V3_USER, user: 'nobody-here' } }));
    expect(unknownUser.facts.v3Access).toEqual({ state: 'rejected', reason: 'unknown-user' });
  });

  it('finds no default community when opted in, with the agent alive on v3', async () => {
    const { facts } = await probe(context(HOST.hardened, OPT_IN(['public', 'private']), 200));
    expect(facts.communities).toEqual({ state: 'tried', tried: 2, wellKnownTried: ['public', 'private'], accepted: [] });
    expect(hardened.log.kinds().filter((k) => k === 'snmp.community-rejected')).toHaveLength(4);
  });
});

describe('snmp.system against the weak device', () => {
  it('gets no answer and sends no community without the opt-in', async () => {
    const ctx = context(HOST.weak, {}, 200);
    const { outcome } = await probe(ctx);
    expect(outcome.status).toBe('unavailable');
    if (outcome.status === 'unavailable') expect(outcome.failure.kind).toBe('timeout');
    expect(communityRequests(weak)).toEqual([]);
  });

  it('with the opt-in: names the default communities, reads identity and lists both addresses', async () => {
    const ctx = context(HOST.weak, OPT_IN(['public', 'private']), 300);
    const { outcome, facts } = await probe(ctx);
    expect(outcome.status).toBe('ok');
    expect(facts.engine.state).toBe('no-answer');
    expect(facts.communities).toEqual({
      state: 'tried',
      tried: 2,
      wellKnownTried: ['public', 'private'],
      accepted: [
        { community: 'public', wellKnown: true, versions: ['v2c', 'v1'] },
        { community: 'private', wellKnown: true, versions: ['v2c', 'v1'] },
      ],
    });
    expect(facts.readVia).toBe('v2c');
    expect(facts.system?.descr).toBe(FIXTURE_IDENTITY.descr);
    expect(facts.entities?.stop).toBe('end');
    expect(facts.addresses?.rows).toEqual([
      { address: HOST.weak, family: 'ipv4', prefixLength: 16, ifIndex: 1, source: 'ipAddrTable' },
      { address: WEAK_FOREIGN_ADDRESS, family: 'ipv4', prefixLength: 24, ifIndex: 2, source: 'ipAddrTable' },
      { address: WEAK_FOREIGN_IPV6, family: 'ipv6', prefixLength: 64, ifIndex: 2, source: 'ipAddressTable' },
    ]);
    expect(ctx.transcript.sentOps().every((op) => READ_OPS.has(op))).toBe(true);
    expect(ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'snmp.reply')).toBe(true);
  });

  it('names a non-default community only by its position and never records it', async () => {
    const ctx = context(HOST.plantCommunity, OPT_IN(['public', 'plant7-ro']), 200);
    const { outcome, facts } = await probe(ctx);
    expect(facts.communities).toMatchObject({ accepted: [{ community: '#2', wellKnown: false, versions: ['v2c', 'v1'] }] });
    expectSecretsAbsent(ctx, outcome, ['plant7-ro']);
  });

  it('ends a table whose GETNEXT answer does not increase, quickly and with a typed reason', async () => {
    const ctx = context(HOST.looping, OPT_IN(['public']), 1000);
    const { outcome, facts } = await probe(ctx);
    expect(facts.interfaces?.stop).toBe('oid-not-increasing');
    expect(facts.entities?.stop).toBe('end');
    // The discovery to the v3-less device is the only step that waits for its timeout.
    expect(outcome.durationMs).toBeLessThan(1000 + 500);
  });
});

describe('snmp.system against agents that break GETBULK on one table', () => {
  it.each([
    { device: 'bulkMultiColumn', broken: 'genErr to GETBULK over several columns', method: 'getbulk-per-column', refused: 2 },
    { device: 'bulkTooBig', broken: 'tooBig to GETBULK of more than two rows', method: 'getbulk-fewer', refused: 1 },
    { device: 'bulkNever', broken: 'genErr to every GETBULK', method: 'getnext-per-column', refused: 3 },
  ] as const)('$broken: ipAddrTable is read by $method, the other tables by GETBULK', async ({ device, method, refused }) => {
    const fixture = { bulkMultiColumn, bulkTooBig, bulkNever }[device];
    const refusedBefore = fixture.log.kinds().filter((k) => k.startsWith('snmp.getbulk-refused.')).length;
    const passed: string[] = [];
    const ctx: ProbeContext = { ...context(HOST[device], OPT_IN(['public']), 300), gate: { pass: async (send) => void passed.push(send.op) } };
    const { facts } = await probe(ctx);
    expect(facts.addresses?.ipAddrTable).toBe('end');
    expect(facts.addresses?.methods?.ipAddrTable).toBe(method);
    expect(facts.addresses?.rows.filter((r) => r.source === 'ipAddrTable').map((r) => r.address)).toEqual([HOST[device], WEAK_FOREIGN_ADDRESS]);
    expect(facts.addresses?.methods?.ipAddressTable).toBe('getbulk');
    expect(facts.entities).toMatchObject({ stop: 'end', method: 'getbulk' });
    expect(facts.interfaces?.rows).toHaveLength(2);
    // Every try, refused or not, passed the gate and was sent: the budget sees each one.
    expect(ctx.transcript.sentOps()).toEqual(passed);
    expect(fixture.log.kinds().filter((k) => k.startsWith('snmp.getbulk-refused.')).length - refusedBefore).toBe(refused);
  });
});

describe('snmp.system against peers that do not behave', () => {
  it('a silent UDP port ends in a timeout within the step budget', async () => {
    const { outcome } = await probe(context(HOST.silent, OPT_IN(['public']), 150));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('timeout');
    // Discovery plus v2c and v1 GET: three steps of 150 ms.
    expect(outcome.durationMs).toBeLessThan(3 * 150 + 400);
  });

  it('a host without an agent (port unreachable) ends as refused at once, with no community sent', async () => {
    const ctx = context(HOST.noAgent, OPT_IN(['public']), 2000);
    const { outcome } = await probe(ctx);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
    expect(outcome.durationMs).toBeLessThan(500);
    expect(ctx.transcript.sentOps()).toEqual(['snmp.discovery']);
  });

  it('stops at once when the device budget is spent', async () => {
    const { outcome } = await probe(context(HOST.silent, OPT_IN(['public']), 10_000, AbortSignal.timeout(150)));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('budget');
    expect(outcome.durationMs).toBeLessThan(1000);
  });

  it('garbage answers become malformed without waiting for timeouts', async () => {
    const { outcome } = await probe(context(HOST.garbage, OPT_IN(['public']), 5000));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('malformed');
    expect(outcome.durationMs).toBeLessThan(2000);
  });

  it('a huge announced length is cut off as malformed', async () => {
    const { outcome } = await probe(context(HOST.oversized, {}, 5000));
    expect(outcome.status === 'unavailable' && outcome.failure).toMatchObject({ kind: 'malformed' });
    expect(outcome.durationMs).toBeLessThan(1000);
  });
});

/** Source endpoints the fixture counted while `run` ran, and the connection each logged request came on. */
async function endpointsDuring(f: RunningFixture, run: () => Promise<unknown>): Promise<{ opened: number; connections: number[] }> {
  const connections = f.log.connections;
  const requests = f.log.requests.length;
  await run();
  return { opened: f.log.connections - connections, connections: f.log.requests.slice(requests).map((r) => r.connection) };
}

describe('one UDP socket (one source endpoint) per device run', () => {
  const v3AndCommunities = { ...OPT_IN(['public', 'private']), v3: HARDENED_V3_USER };
  it.each([
    { device: 'hardened', options: {}, readVia: 'none', least: 1 },
    // Engine discovery, four community trials, net-snmp's own discovery, authPriv GET and walks.
    { device: 'hardened', options: v3AndCommunities, readVia: 'v3', least: 10 },
    { device: 'weak', options: {}, readVia: undefined, least: 1 },
    // Engine discovery, v2c and v1 for two communities, then the system group and five tables.
    { device: 'weak', options: v3AndCommunities, readVia: 'v2c', least: 10 },
  ] as const)('$device with options $options: every request from one endpoint', async ({ device, options, readVia, least }) => {
    const fixture = device === 'weak' ? weak : hardened;
    let facts: SnmpFacts | undefined;
    const seen = await endpointsDuring(fixture, async () => {
      facts = (await probe(context(HOST[device], options, 200))).facts;
    });
    expect(facts?.readVia).toBe(readVia);
    expect(seen.opened).toBe(1);
    expect(seen.connections.length).toBeGreaterThanOrEqual(least);
    expect(new Set(seen.connections)).toEqual(new Set([fixture.log.connections]));
  });

  it('a silent device gets discovery and both community trials from one endpoint', async () => {
    const seen = await endpointsDuring(silent, () => probe(context(HOST.silent, OPT_IN(['public']), 100)));
    expect(seen).toEqual({ opened: 1, connections: [silent.log.connections, silent.log.connections, silent.log.connections] });
  });

  it('an answer from another source port is never taken (the socket is connected to the agent)', async () => {
    const ctx = context(HOST.otherPort, {}, 200);
    const { outcome } = await probe(ctx);
    // The agent did answer, from a second socket: the kernel drops it before the probe sees it.
    expect(otherPort.log.kinds()).toContain('snmp.report.unknown-engine-id');
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('timeout');
    expect(ctx.transcript.entries().filter((e) => e.dir === 'rx')).toEqual([]);
  });

  it('sends discovery and every community trial together: a device answering after the wait costs one wait, not one per trial', async () => {
    // Answers come 250 ms late with 200 ms waits: one after the other, the seven trials took 1.4 s.
    const ctx = context(HOST.late, OPT_IN(['public', 'private', 'plant-ro']), 200);
    const { outcome } = await probe(ctx);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('timeout');
    expect(ctx.transcript.sentOps()).toEqual(['snmp.discovery', ...Array(6).fill('snmp.get')]);
    expect(outcome.durationMs).toBeLessThan(400);
  });
});

describe('waits adapted to the device', () => {
  it('once the device has answered (a 2 ms round trip), waits max(floor, 8 x round trip) for a UDP answer, not the step timeout', async () => {
    const roundTrips = new RoundTrips();
    roundTrips.record(2);
    const ctx = { ...context(HOST.silent, OPT_IN(['public']), 5000), roundTrips };
    const { outcome } = await probe(ctx);
    expect(outcome.status === 'unavailable' && outcome.failure).toMatchObject({ kind: 'timeout', detail: expect.stringMatching(/within 250 ms/) });
    expect(outcome.durationMs).toBeLessThan(1000);
  });
});

describe('traffic discipline', () => {
  it('no fixture ever received a write, and one socket was in use at a time', () => {
    for (const f of [weak, hardened, looping, plantCommunity, otherPort, late, bulkMultiColumn, bulkTooBig, bulkNever]) {
      expect(f.log.count('write')).toBe(0);
      expect(f.log.maxConcurrent).toBeLessThanOrEqual(1);
    }
    expect(garbage.log.count('write') + oversized.log.count('write')).toBe(0);
  });
});

import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { type BacnetPosture, DEFAULT_BACNET_IDENTITY, startBacnetDevice } from '../../fixtures/bacnet/device.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, testContext, thrownUnavailable } from '../test-kit.ts';
import type { FailureKind, ProbeOutcome } from '../types.ts';
import { decodeMessage, decodeReadPropertyAck, decodeReadPropertyMultipleAck, encodeReadProperty, encodeReadPropertyMultiple, encodeWhoIs } from './codec.ts';
import type { BacnetFacts } from './facts.ts';
import { bacnetDeviceProbe } from './probe.ts';

const POSTURES = ['weak', 'rp-only', 'i-am-broadcast', 'truncated', 'bad-bvlc-length', 'reject', 'abort', 'error', 'silent', 'garbage'] as const;
const device = fixturesPerPosture<BacnetPosture, Awaited<ReturnType<typeof startBacnetDevice>>>(POSTURES, (posture) =>
  startBacnetDevice({ host: testAddress('bacnetProbe', POSTURES.indexOf(posture) + 1), posture }),
);

async function probe(posture: BacnetPosture, stepTimeoutMs = 1000): Promise<{ outcome: ProbeOutcome; ops: string[] }> {
  const f = device(posture);
  const ops: string[] = [];
  const ctx = testContext(f.host, f.ports.bacnet as number, { stepTimeoutMs, budgetMs: 10_000, gate: { pass: async (send) => void ops.push(send.op) } });
  return { outcome: await runProbe(bacnetDeviceProbe, ctx), ops };
}

function factsOf(outcome: ProbeOutcome): BacnetFacts {
  if (outcome.status !== 'ok') throw new Error(`probe failed: ${outcome.failure.kind} ${outcome.failure.detail}`);
  return outcome.facts as BacnetFacts;
}

const { instance, ...EXPECTED_PROPERTIES } = DEFAULT_BACNET_IDENTITY;
const vendorId = EXPECTED_PROPERTIES.vendorIdentifier;

describe('bacnet.device against a BACnet/IP device', () => {
  it('reads the Device object with a unicast Who-Is and one ReadPropertyMultiple, on one socket, writing nothing', async () => {
    const f = device('weak');
    const before = f.log.requests.length;
    const { outcome, ops } = await probe('weak');
    expect(factsOf(outcome)).toEqual({
      deviceInstance: instance,
      iAm: { vendorId, maxApdu: 1476, segmentation: 3 },
      readVia: 'read-property-multiple',
      properties: EXPECTED_PROPERTIES,
      unread: [],
    });
    const seen = f.log.requests.slice(before);
    expect(seen.map((r) => r.kind)).toEqual(['bacnet.who-is', 'bacnet.read-property-multiple']);
    expect(new Set(seen.map((r) => r.connection)).size).toBe(1);
    expect(seen.every((r) => r.class === 'read')).toBe(true);
    expect(f.log.kinds()).not.toContain('bacnet.broadcast');
    expect(ops).toEqual(['bacnet.who-is', 'bacnet.read-property-multiple']);
    expect(ops.every((op) => bacnetDeviceProbe.ops.includes(op))).toBe(true);
  });

  it('falls back to ReadProperty per property where ReadPropertyMultiple is rejected', async () => {
    const f = device('rp-only');
    const { outcome } = await probe('rp-only');
    expect(factsOf(outcome)).toMatchObject({ deviceInstance: instance, readVia: 'read-property', properties: EXPECTED_PROPERTIES, unread: [] });
    expect(f.log.kinds()).toEqual(['bacnet.who-is', 'bacnet.read-property-multiple', ...Array(9).fill('bacnet.read-property')]);
    expect(f.log.connections).toBe(1);
    expect(f.log.count('write')).toBe(0);
  });

  it('reads a device whose I-Am it cannot hear through the wildcard instance, and learns the instance from the answer', async () => {
    const { outcome } = await probe('i-am-broadcast', 300);
    const facts = factsOf(outcome);
    expect(facts.iAm).toBeUndefined();
    expect(facts.deviceInstance).toBe(instance);
    expect(facts.properties.modelName).toBe(DEFAULT_BACNET_IDENTITY.modelName);
  });

  const hostile: readonly (readonly [BacnetPosture, FailureKind])[] = [
    ['truncated', 'malformed'],
    ['bad-bvlc-length', 'malformed'],
    ['garbage', 'malformed'],
    ['reject', 'not-supported'],
    ['abort', 'not-supported'],
    ['error', 'not-supported'],
    ['silent', 'timeout'],
  ];
  it.each(hostile)('ends the %s posture as %s within its step budget, on one socket, writing nothing', async (posture, kind) => {
    const f = device(posture);
    const { outcome } = await probe(posture, 600);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe(kind);
    expect(outcome.durationMs).toBeLessThan(2000);
    // At most: Who-Is, ReadPropertyMultiple, one ReadProperty.
    expect(f.log.count()).toBeLessThanOrEqual(3);
    expect(f.log.connections).toBe(1);
    expect(f.log.count('write')).toBe(0);
  });

  it('ends as refused where nothing listens (ICMP port unreachable), after one datagram', async () => {
    const free = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => free.bind(0, testAddress('bacnetProbe', 20), resolve));
    const port = free.address().port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const ctx = testContext(testAddress('bacnetProbe', 20), port, { stepTimeoutMs: 2000 });
    const outcome = await runProbe(bacnetDeviceProbe, ctx);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
    expect(outcome.durationMs).toBeLessThan(1000);
    expect(ctx.transcript.entries().filter((e) => e.dir === 'tx')).toHaveLength(1);
  });
});

describe('BACnet codec', () => {
  it('builds only unicast Device-object requests', () => {
    expect(encodeWhoIs().toString('hex')).toBe('810a000801001008');
    expect(encodeReadProperty(7, 20_011, 'modelName').toString('hex')).toBe(`810a001101040005070c0c02004e2b1946`);
    const rpm = encodeReadPropertyMultiple(9, 1, ['objectName', 'vendorName']);
    expect(rpm.toString('hex')).toBe('810a001501040005090e0c020000011e094d09791f');
    for (const frame of [encodeWhoIs(), rpm]) expect(frame[1]).toBe(0x0a); // Original-Unicast-NPDU, never broadcast
  });

  it('decodes the I-Am and ReadProperty ACK examples of ASHRAE 135 Annex F', () => {
    const iAm = decodeMessage(Buffer.from('810a001401001000c40200000122 01e0910121 63'.replace(/\s/g, ''), 'hex'));
    expect(iAm.apdu).toEqual({ type: 'i-am', objectType: 8, instance: 1, maxApdu: 480, segmentation: 1, vendorId: 99 });
    const ack = decodeMessage(Buffer.from('810a001701003001 0c0c000000051955 3e444290999a3f'.replace(/\s/g, ''), 'hex'));
    expect(ack.apdu?.type === 'complex-ack' && decodeReadPropertyAck(ack.apdu.body)).toEqual({
      objectType: 0,
      instance: 5,
      results: [{ property: 85, value: { kind: 'other', tag: 4 } }],
    });
  });

  it('keeps a property error of a ReadPropertyMultiple ACK and strips control characters from text', () => {
    // Device 1: object-name "A\nB" (UTF-8), then description with Error property/unknown-property.
    const body = Buffer.from('0c020000011e294d4e74 00410a42 4f291c5e910291205f1f'.replace(/\s/g, ''), 'hex');
    expect(decodeReadPropertyMultipleAck(body).results).toEqual([
      { property: 77, value: { kind: 'text', text: 'A B' } },
      { property: 28, error: { errorClass: 2, errorCode: 32 } },
    ]);
  });

  it('refuses a tag longer than the datagram as malformed', () => {
    // A CharacterString announcing 256 octets in a body of 12.
    const failure = thrownUnavailable(() => decodeReadPropertyAck(Buffer.from('0c02000001194d3e75fe0100', 'hex')));
    expect(failure.kind).toBe('malformed');
  });
});

import { describe, expect, it } from 'vitest';
import { type EnipBehaviour, type EnipIdentityConfig, startEnipFixture } from '../../fixtures/enip/server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { testAddress } from '../../test/addresses.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, probeFixture, thrownUnavailable } from '../test-kit.ts';
import type { ProbeOutcome } from '../types.ts';
import { buildListRequest, type EnipCommand, parseCpfItems } from './encapsulation.ts';
import type { EnipListFacts } from './facts.ts';
import { enipListProbe } from './probe.ts';

/** A Rockwell EtherNet/IP bridge module as ListIdentity describes one (vendor 1, type 0x0C communications adapter). */
const EN2T: EnipIdentityConfig = {
  vendorId: 1,
  deviceType: 0x0c,
  productCode: 166,
  revision: [11, 2],
  status: 0x0030,
  serialNumber: 0x00c0ffee,
  productName: '1756-EN2T/D',
  state: 3,
};

const HOSTILE = ['truncated', 'wrong-length', 'huge-count', 'garbage', 'silent'] as const;
const fixture = fixturesPerPosture<EnipBehaviour, RunningFixture>(['spec', 'no-list-services', ...HOSTILE], (behaviour) =>
  startEnipFixture({ host: testAddress('enipProbe', 1 + ['spec', 'no-list-services', ...HOSTILE].indexOf(behaviour)), port: 0, identity: EN2T, behaviour }),
);

const probe = (f: RunningFixture) => probeFixture(enipListProbe, f, 'enip', { stepTimeoutMs: 400 });

const facts = (outcome: ProbeOutcome) => okFacts<EnipListFacts>(outcome);

describe('enip.list against the spec-exact server (weak posture: no CIP Security)', () => {
  it('reads identity and services with two requests on one connection, and writes nothing', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    expect(facts(run.outcome)).toEqual({
      identities: [
        {
          encapsulationVersion: 1,
          socketAddress: { address: f.host, port: f.ports.enip },
          vendorId: 1,
          deviceType: 0x0c,
          productCode: 166,
          revision: '11.2',
          status: 0x0030,
          serialNumber: '00c0ffee',
          productName: '1756-EN2T/D',
          state: 3,
        },
      ],
      services: [{ name: 'Communications', version: 1, capabilityFlags: 0x0120, cipOverTcp: true, cipOverUdp: true }],
      requestsSent: 2,
    });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.maxConcurrent).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['list-identity', 'list-services']);
    expect(f.log.count('write')).toBe(0);
    expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'enip.list-identity', 'enip.list-services']));
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op !== 'tcp.connect');
    expect(tx.map((e) => e.hex?.slice(0, 8))).toEqual(['63000000', '04000000']);
    expect(run.ctx.transcript.entries().filter((e) => e.dir === 'rx' && e.op === 'enip.reply')).toHaveLength(2);
    expect(run.ms).toBeLessThan(400);
  });

  it('keeps the identity when ListServices is refused with an encapsulation status', async () => {
    const f = fixture('no-list-services');
    const run = await probe(f);
    expect(facts(run.outcome)).toMatchObject({ identities: [{ productName: '1756-EN2T/D' }], listServicesStatus: 1, requestsSent: 2 });
    expect(facts(run.outcome).services).toBeUndefined();
    expect(f.log.count('write')).toBe(0);
  });
});

describe('enip.list against hostile postures', () => {
  itEndsHostilePostures(enipListProbe, 'enip', fixture, [
    ['truncated', 'closed'],
    ['wrong-length', 'timeout'],
    ['huge-count', 'malformed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes of a reply it cannot frame, and sends only ListIdentity before failing', async () => {
    const f = fixture('garbage');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'malformed' } });
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'enip.reply')).toBe(true);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['list-identity']);
    expect(f.log.count('write')).toBe(0);
  });
});

describe('the EtherNet/IP request builder and item parser', () => {
  it('builds only ListIdentity and ListServices', () => {
    const context = Buffer.alloc(8, 7);
    expect(buildListRequest('listIdentity', context).toString('hex')).toBe(`6300${'00'.repeat(10)}${'07'.repeat(8)}00000000`);
    expect(thrownUnavailable(() => buildListRequest('registerSession' as EnipCommand, context)).kind).toBe('denied');
  });

  it('refuses an item count the data cannot hold before reading any item', () => {
    expect(thrownUnavailable(() => parseCpfItems(Buffer.from('ffff0c000000', 'hex'))).message).toMatch(/item count 65535 cannot fit/);
  });
});

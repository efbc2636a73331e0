import { describe, expect, it } from 'vitest';
import { type CodesysV2Behaviour, type CodesysV2Identity, startCodesysV2Fixture, WAGO_750_880 } from '../../fixtures/codesys/server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { testAddress } from '../../test/addresses.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, probeFixture, thrownUnavailable } from '../test-kit.ts';
import type { ProbeOutcome } from '../types.ts';
import type { CodesysV2Facts } from './facts.ts';
import { codesysV2Probe } from './probe.ts';
import { type ByteOrder, buildIdentifyRequest, parseIdentifyReply, v2FrameLength } from './v2.ts';

/** A WAGO V2 runtime on Linux (little-endian) and an older PowerPC one (big-endian). */
const LITTLE = WAGO_750_880;
const BIG: CodesysV2Identity = { byteOrder: 'big', osName: 'VxWorks', osVersion: '5.5', productType: '3S-Smart Software Solutions' };

type Posture = CodesysV2Behaviour | 'big-endian';
const POSTURES: readonly Posture[] = ['spec', 'big-endian', 'truncated', 'garbage', 'silent'];
const fixture = fixturesPerPosture<Posture, RunningFixture>(POSTURES, (posture) =>
  startCodesysV2Fixture({
    host: testAddress('codesysProbe', 1 + POSTURES.indexOf(posture)),
    port: 0,
    identity: posture === 'big-endian' ? BIG : LITTLE,
    behaviour: posture === 'big-endian' ? 'spec' : posture,
  }),
);

const probe = (f: RunningFixture, stepTimeoutMs = 400) => probeFixture(codesysV2Probe, f, 'codesys-v2', { stepTimeoutMs });

const facts = (outcome: ProbeOutcome) => okFacts<CodesysV2Facts>(outcome);

describe('codesys.v2-identify against the spec-exact V2 runtime', () => {
  it('reads OS and product with one request on one connection, without a login, and writes nothing', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    expect(facts(run.outcome)).toEqual({
      byteOrder: 'little',
      osName: 'Linux',
      osVersion: '2.6.29.6-rt24',
      productType: 'WAGO 750-880',
      requestsSent: 1,
      replyBytes: 192,
    });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.maxConcurrent).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['identify-little']);
    expect(f.log.count('write')).toBe(0);
    expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'codesys.v2-identify']));
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op === 'codesys.v2-identify');
    expect(tx.map((e) => e.hex)).toEqual(['bbbb0100000001']);
    expect(run.ms).toBeLessThan(400);
  });

  it('asks a big-endian runtime that ignored the little-endian request once more, on the same connection', async () => {
    const f = fixture('big-endian');
    const run = await probe(f, 300);
    expect(facts(run.outcome)).toMatchObject({ byteOrder: 'big', osName: 'VxWorks', productType: '3S-Smart Software Solutions', requestsSent: 2 });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['identify-little', 'identify-big']);
    expect(f.log.count('write')).toBe(0);
  });
});

describe('codesys.v2-identify against hostile postures', () => {
  itEndsHostilePostures(codesysV2Probe, 'codesys-v2', fixture, [
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes of a reply that is no V2 reply, after the one request', async () => {
    const f = fixture('garbage');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'malformed' } });
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'codesys.v2-reply')).toBe(true);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['identify-little']);
  });
});

describe('the CoDeSys V2 request builder and reply parser', () => {
  it('builds only the two identification requests', () => {
    expect(buildIdentifyRequest('big').toString('hex')).toBe('bbbb0100000101');
    expect(thrownUnavailable(() => buildIdentifyRequest('login' as ByteOrder)).kind).toBe('denied');
  });

  it('waits for all three text fields, and refuses a reply that does not start with 0xbb', () => {
    expect(v2FrameLength(Buffer.from([0xbb, 0xbb]))).toBeUndefined();
    expect(v2FrameLength(Buffer.alloc(4096, 0xbb))).toBe(1024);
    expect(thrownUnavailable(() => v2FrameLength(Buffer.from('HTTP'))).kind).toBe('malformed');
  });

  it('reads a field that fills its 32 bytes without a NUL, and replaces unprintable bytes', () => {
    const reply = Buffer.alloc(160, 0x41);
    reply[0] = 0xbb;
    reply[96] = 0x07;
    expect(parseIdentifyReply(reply)).toEqual({ osName: 'A'.repeat(32), osVersion: `?${'A'.repeat(31)}`, productType: 'A'.repeat(32) });
  });
});

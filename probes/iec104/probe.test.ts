import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type Iec104Behaviour, startIec104Fixture } from '../../fixtures/iec104/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import { apciFrameLength, buildTestFrame, parseApci } from './apci.ts';
import { iec104TestFrameProbe } from './probe.ts';

const POSTURES: readonly Iec104Behaviour[] = ['spec', 'keepalive-first', 'truncated', 'bad-length', 'garbage', 'silent'];
const fixture = fixturesPerPosture<Iec104Behaviour, RunningFixture>(POSTURES, (behaviour) =>
  startIec104Fixture({ host: testAddress('iec104Probe', 1 + POSTURES.indexOf(behaviour)), port: 0, behaviour }),
);

async function probe(f: RunningFixture) {
  const before = { connections: f.log.connections, requests: f.log.requests.length, bytes: f.log.bytesReceived };
  const ctx = testContext(f.host, f.ports.iec104 ?? 0, { stepTimeoutMs: 400, options: { identify: true } });
  const started = performance.now();
  const outcome = await runProbe(iec104TestFrameProbe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  return { outcome, ctx, before, ms };
}

describe('iec104.testfr against the spec-exact station (opt-in)', () => {
  it('is opt-in: it runs only with probes.iec104.identify', () => {
    expect(iec104TestFrameProbe.optIn).toBe('iec104.identify');
  });

  it('sends one TESTFR act (6 bytes) and nothing that starts data transfer, and reads TESTFR con', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'ok', facts: { confirmed: true, before: [], requestsSent: 1 } });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['testfr-act']);
    expect(f.log.bytesReceived - run.before.bytes).toBe(6);
    expect(f.log.count('session') + f.log.count('write')).toBe(0);
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op === 'iec104.testfr-act');
    expect(tx.map((e) => e.hex)).toEqual(['680443000000']);
    expect(run.ms).toBeLessThan(400);
  });

  it("passes over the station's own TESTFR act without answering it", async () => {
    const f = fixture('keepalive-first');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'ok', facts: { confirmed: true, before: ['U testfr-act'] } });
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['testfr-act']);
  });
});

describe('iec104.testfr against hostile postures', () => {
  itEndsHostilePostures(iec104TestFrameProbe, 'iec104', fixture, [
    ['truncated', 'closed'],
    ['bad-length', 'malformed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);
});

describe('the IEC 104 APCI codec', () => {
  it('builds TESTFR act only, and reads U, S and I frames', () => {
    expect(buildTestFrame().toString('hex')).toBe('680443000000');
    expect(parseApci(Buffer.from('680483000000', 'hex'))).toEqual({ format: 'U', function: 'testfr-con' });
    expect(parseApci(Buffer.from('680401000200', 'hex'))).toEqual({ format: 'S' });
    expect(parseApci(Buffer.from('680e0000000064010600010000000014', 'hex'))).toEqual({ format: 'I', asduBytes: 10 });
  });

  it('refuses a start byte other than 0x68, a length byte below 4, and a U frame naming no function', () => {
    expect(thrownUnavailable(() => apciFrameLength(Buffer.from([0x16]))).kind).toBe('malformed');
    expect(thrownUnavailable(() => apciFrameLength(Buffer.from([0x68, 0x02]))).message).toMatch(/length 2 outside/);
    expect(thrownUnavailable(() => parseApci(Buffer.from('6804ff000000', 'hex'))).message).toMatch(/names no function/);
  });
});

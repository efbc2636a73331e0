import { describe, expect, it } from 'vitest';
import { type Dnp3Behaviour, startDnp3Fixture } from '../../fixtures/dnp3/server.ts';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import { buildRequestLinkStatus, dnp3Crc, linkFrameLength, parseLinkFrame } from './link.ts';
import { dnp3LinkStatusProbe } from './probe.ts';

const OUTSTATION = 1024;
const POSTURES: readonly Dnp3Behaviour[] = ['spec', 'no-self-address', 'unsolicited-first', 'truncated', 'bad-crc', 'garbage', 'silent'];
const fixture = fixturesPerPosture<Dnp3Behaviour, RunningFixture>(POSTURES, (behaviour) =>
  startDnp3Fixture({ host: testAddress('dnp3Probe', 1 + POSTURES.indexOf(behaviour)), port: 0, address: OUTSTATION, behaviour }),
);

async function probe(f: RunningFixture, options: Record<string, unknown> = {}) {
  const before = { connections: f.log.connections, requests: f.log.requests.length, bytes: f.log.bytesReceived };
  const ctx = testContext(f.host, f.ports.dnp3 ?? 0, { stepTimeoutMs: 400, options: { identify: true, ...options } });
  const outcome = await runProbe(dnp3LinkStatusProbe, ctx);
  await untilClosed(f.log);
  return { outcome, ctx, before };
}

describe('dnp3.link-status against the spec-exact outstation (opt-in)', () => {
  it('is opt-in: it runs only with probes.dnp3.identify', () => {
    expect(dnp3LinkStatusProbe.optIn).toBe('dnp3.identify');
  });

  it('sends one Request Link Status to the self address (10 bytes, no user data) and learns the outstation address', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({
      status: 'ok',
      facts: {
        askedAddress: 0xfffc,
        masterAddress: 1,
        function: 'link-status',
        outstationAddress: OUTSTATION,
        replyDestination: 1,
        stationFrames: 0,
        requestsSent: 1,
      },
    });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['request-link-status']);
    expect(f.log.bytesReceived - run.before.bytes).toBe(10);
    expect(f.log.count('session') + f.log.count('write')).toBe(0);
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op === 'dnp3.request-link-status');
    expect(tx.map((e) => e.hex?.slice(0, 16))).toEqual(['056405c9fcff0100']);
  });

  it('asks the configured address of an outstation without the self address, and times out on the self address', async () => {
    const f = fixture('no-self-address');
    expect(await probe(f, { outstation: OUTSTATION, master: 3 })).toMatchObject({
      outcome: { status: 'ok', facts: { outstationAddress: OUTSTATION, replyDestination: 3 } },
    });
    expect((await probe(f)).outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'timeout' } });
    expect(f.log.count('write')).toBe(0);
  });

  it("passes over the station's unsolicited response, counting it", async () => {
    const run = await probe(fixture('unsolicited-first'));
    expect(run.outcome).toMatchObject({ status: 'ok', facts: { function: 'link-status', stationFrames: 1 } });
  });
});

describe('dnp3.link-status against hostile postures', () => {
  itEndsHostilePostures(dnp3LinkStatusProbe, 'dnp3', fixture, [
    ['truncated', 'closed'],
    ['bad-crc', 'malformed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);
});

describe('the DNP3 link layer codec', () => {
  it('computes CRC-16/DNP (check value 0xEA82 for "123456789")', () => {
    expect(dnp3Crc(Buffer.from('123456789'))).toBe(0xea82);
  });

  it('builds Request Link Status and reads its own frame back', () => {
    const frame = buildRequestLinkStatus(10, 2);
    expect(linkFrameLength(frame)).toBe(10);
    expect(parseLinkFrame(frame)).toMatchObject({ fromMaster: true, primary: true, function: 'primary 9', destination: 10, source: 2, userDataBytes: 0 });
    expect(thrownUnavailable(() => buildRequestLinkStatus(70_000, 1)).kind).toBe('error');
  });

  it('sizes a frame with user data blocks, and refuses wrong start bytes and a LEN below 5', () => {
    expect(linkFrameLength(Buffer.from([0x05, 0x64, 5 + 20]))).toBe(10 + 20 + 4);
    expect(thrownUnavailable(() => linkFrameLength(Buffer.from([0x05, 0x65]))).kind).toBe('malformed');
    expect(thrownUnavailable(() => linkFrameLength(Buffer.from([0x05, 0x64, 4]))).message).toMatch(/LEN 4/);
  });
});

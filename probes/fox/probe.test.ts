import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type FoxBehaviour, JACE_STATION, startFoxFixture } from '../../fixtures/fox/server.ts';
import { startHostileFixture } from '../../fixtures/hostile.ts';
import { makeP256Certificate } from '../../fixtures/it-services/servers.ts';
import { testAddress } from '../../test/addresses.ts';
import type { ProbeOutcome } from '../types.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, probeFixture, thrownUnavailable } from '../test-kit.ts';
import type { FoxHelloFacts } from './facts.ts';
import { HELLO_REQUEST, MAX_FIELDS, parseHello } from './hello.ts';
import { foxHelloProbe, foxHelloTlsProbe } from './probe.ts';

let certificate: Awaited<ReturnType<typeof makeP256Certificate>>;
beforeAll(async () => {
  certificate = await makeP256Certificate('jace-ahu-3');
});

/** The same hello in clear on 1911 and inside TLS on 4911: what differs is how the connection opens. */
const CARRIERS = [
  { probe: foxHelloProbe, protocol: 'fox', range: 'foxProbe', opens: 'tcp.connect' },
  { probe: foxHelloTlsProbe, protocol: 'fox-tls', range: 'foxTls', opens: 'tls.client-hello' },
] as const;

const POSTURES = ['spec', 'error', 'truncated', 'garbage', 'endless', 'silent'] as const satisfies readonly FoxBehaviour[];

describe.each(CARRIERS)('$probe.id', ({ probe, protocol, range, opens }) => {
  const fixture = fixturesPerPosture<FoxBehaviour, RunningFixture>(POSTURES, (behaviour) =>
    startFoxFixture({
      host: testAddress(range, 1 + POSTURES.indexOf(behaviour)),
      port: 0,
      station: JACE_STATION,
      behaviour,
      ...(protocol === 'fox-tls' ? { tls: certificate } : {}),
    }),
  );
  const run = (f: RunningFixture) => probeFixture(probe, f, protocol, { stepTimeoutMs: 400 });

  it('reads the station hello with one request on one connection, and never logs in', async () => {
    const f = fixture('spec');
    const r = await run(f);
    const facts = okFacts<FoxHelloFacts>(r.outcome);
    expect(facts).toMatchObject({
      header: 'fox a 0 -1 fox hello',
      foxVersion: '1.0.1',
      stationName: 'AHU_3_Plant',
      appName: 'Station',
      appVersion: '4.8.0.110',
      brandId: 'vykon',
      vmName: 'Java HotSpot(TM) Embedded Client VM',
      vmVersion: '25.241-b07',
      osName: 'QNX',
      osVersion: '6.5.0',
      hostName: 'jace-ahu-3',
      hostAddress: '10.20.30.42',
      hostId: 'Qnx-NPM6-0000-1F0A-9B2C',
      requestsSent: 1,
    });
    expect(facts.fields.map((x) => x.name)).toEqual(JACE_STATION.map(([name]) => name));
    // The multi-line sysInfo object stays one field.
    expect(facts.fields.find((x) => x.name === 'sysInfo')?.value).toMatch(/^bog 61\[<bog version="1.0">\n.*\n<\/bog>\n\]$/s);
    expect(f.log.connections - r.before.connections).toBe(1);
    expect(f.log.kinds().slice(r.before.requests)).toEqual(['hello']);
    expect(f.log.count('auth') + f.log.count('write') + f.log.count('session')).toBe(0);
    expect(r.ctx.transcript.sentOps()).toEqual([opens, 'fox.hello']);
    // Inside TLS too, the transcript holds the hello request and reply in plaintext.
    const entries = r.ctx.transcript.entries();
    const tx = entries.find((e) => e.op === 'fox.hello');
    expect(Buffer.from(tx?.hex ?? '', 'hex').toString('latin1')).toBe(HELLO_REQUEST);
    const rx = entries.find((e) => e.dir === 'rx' && e.op === 'fox.reply');
    expect(Buffer.from(rx?.hex ?? '', 'hex').toString('latin1')).toMatch(/^fox a 0 -1 fox hello\n\{\n/);
    expect(r.ms).toBeLessThan(400);
  });

  it('refuses an error message in place of a hello as a protocol mismatch of Fox', async () => {
    const r = await run(fixture('error'));
    expect(r.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'protocol-mismatch', detail: expect.stringMatching(/fox error/) } });
  });

  // Inside TLS: the handshake completes, then the hello breaks.
  itEndsHostilePostures(probe, protocol, fixture, [
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['endless', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes it could not frame', async () => {
    const r = await run(fixture('garbage'));
    expect(r.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'fox.reply')).toBe(true);
  });
});

describe('fox.hello-tls against peers on the TLS port that never get as far as TLS', () => {
  const PEERS = ['plain-fox', 'plain-endless', 'client-certificate-required'] as const;
  const peer = fixturesPerPosture<(typeof PEERS)[number], RunningFixture>(PEERS, (kind) => {
    const host = testAddress('foxTls', 20 + PEERS.indexOf(kind));
    if (kind === 'plain-fox') return startFoxFixture({ host, port: 0, station: JACE_STATION });
    if (kind === 'plain-endless') return startHostileFixture({ host, port: 0, behaviour: 'endless' });
    return startFoxFixture({ host, port: 0, station: JACE_STATION, tls: { ...certificate, requireClientCertificate: true } });
  });

  it.each([
    ['plain-fox', 'timeout', /^no TLS handshake within 400 ms$/],
    ['plain-endless', 'protocol-mismatch', /^peer does not answer in TLS records/],
    ['client-certificate-required', 'not-supported', /^TLS handshake: ERR_SSL_.*(ALERT|HANDSHAKE_FAILURE)/],
  ] as const)('ends a %s peer as %s, naming TLS, on one connection, sending no hello', async (kind, failure, detail) => {
    const f = peer(kind);
    const port = Object.values(f.ports)[0] as number;
    const r = await probeFixture(foxHelloTlsProbe, { ...f, ports: { 'fox-tls': port } }, 'fox-tls', { stepTimeoutMs: 400 });
    expect(r.outcome).toMatchObject({ status: 'unavailable', failure: { kind: failure, detail: expect.stringMatching(detail) } });
    expect(r.ms).toBeLessThan(1000);
    expect(f.log.connections - r.before.connections).toBe(1);
    expect(r.ctx.transcript.sentOps()).toEqual(['tls.client-hello']);
    // Only the ClientHello reached the peer (the raw peer logs its bytes): no Fox message.
    expect(f.log.kinds().slice(r.before.requests)).not.toContain('hello');
    expect(f.log.count('write') + f.log.count('auth')).toBe(0);
  });
});

describe('fox.hello-tls after the TLS probe found no TLS on the port', () => {
  it("opens no connection and ends with the TLS probe's failure", async () => {
    const f = await startFoxFixture({ host: testAddress('foxTls', 30), port: 0, station: JACE_STATION });
    try {
      const earlier: ProbeOutcome = {
        probe: 'tls.handshake',
        version: 1,
        port: f.ports.fox as number,
        status: 'unavailable',
        failure: { kind: 'timeout', detail: 'no TLS handshake within 400 ms' },
        transcript: [0, 1],
        durationMs: 400,
      };
      const r = await probeFixture(foxHelloTlsProbe, { ...f, ports: { 'fox-tls': f.ports.fox as number } }, 'fox-tls', { earlier: [earlier] });
      expect(r.outcome).toMatchObject({
        status: 'unavailable',
        failure: { kind: 'timeout', detail: 'no TLS connection tried: tls.handshake on this port ended timeout: no TLS handshake within 400 ms' },
      });
      expect(f.log.connections).toBe(0);
      expect(r.ctx.transcript.sentOps()).toEqual([]);
    } finally {
      await f.close();
    }
  });
});

describe('the Fox hello parser', () => {
  const frame = (body: string) => Buffer.from(`fox a 0 -1 fox hello\n{\n${body}};;`, 'latin1');

  it('keeps at most MAX_FIELDS fields and refuses a frame without a header or braces', () => {
    const many = Array.from({ length: MAX_FIELDS + 10 }, (_, i) => `f${i}=i:${i}\n`).join('');
    expect(parseHello(frame(many)).fields).toHaveLength(MAX_FIELDS);
    expect(thrownUnavailable(() => parseHello(Buffer.from('fox hello\n{\n};;'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseHello(Buffer.from('fox a 0 -1 fox hello\nx=s:1\n};;'))).message).toMatch(/no "\{"/);
  });
});

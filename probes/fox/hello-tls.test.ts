import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type FoxBehaviour, JACE_STATION, startFoxFixture } from '../../fixtures/fox/server.ts';
import { startHostileFixture } from '../../fixtures/hostile.ts';
import { makeCertificate } from '../../fixtures/it-services/servers.ts';
import { testAddress } from '../../test/addresses.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, probeFixture } from '../test-kit.ts';
import type { FoxHelloFacts } from './facts.ts';
import { HELLO_REQUEST } from './hello.ts';
import { foxHelloTlsProbe } from './probe.ts';

type Certificate = Awaited<ReturnType<typeof makeCertificate>>;
let certificate: Certificate;
beforeAll(async () => {
  certificate = await makeCertificate(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'], 'sha256', 'jace-ahu-3');
});

const POSTURES = ['spec', 'error', 'truncated', 'garbage', 'endless', 'silent'] as const satisfies readonly FoxBehaviour[];
const fixture = fixturesPerPosture<FoxBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startFoxFixture({ host: testAddress('foxTls', 1 + POSTURES.indexOf(behaviour)), port: 0, station: JACE_STATION, behaviour, tls: certificate }),
);

/** Peers on the TLS port that never get as far as a TLS connection. */
const NOT_TLS = ['plain-fox', 'plain-endless', 'client-certificate-required'] as const;
const notTls = fixturesPerPosture<(typeof NOT_TLS)[number], RunningFixture>(NOT_TLS, (peer) => {
  const host = testAddress('foxTls', 20 + NOT_TLS.indexOf(peer));
  if (peer === 'plain-fox') return startFoxFixture({ host, port: 0, station: JACE_STATION });
  if (peer === 'plain-endless') return startHostileFixture({ host, port: 0, behaviour: 'endless' });
  return startFoxFixture({ host, port: 0, station: JACE_STATION, tls: { ...certificate, requireClientCertificate: true } });
});
const portOf = (f: RunningFixture) => Object.values(f.ports)[0] as number;

const probe = (f: RunningFixture) => probeFixture(foxHelloTlsProbe, f, 'fox-tls', { stepTimeoutMs: 400 });

describe('fox.hello-tls against a station offering Fox only in TLS', () => {
  it('reads the station hello inside one TLS connection with one request, and never logs in', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    const facts = okFacts<FoxHelloFacts>(run.outcome);
    expect(facts).toMatchObject({
      stationName: 'AHU_3_Plant',
      appVersion: '4.8.0.110',
      osName: 'QNX',
      vmName: 'Java HotSpot(TM) Embedded Client VM',
      requestsSent: 1,
    });
    expect(facts.fields.map((x) => x.name)).toEqual(JACE_STATION.map(([name]) => name));
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['hello']);
    expect(f.log.count('auth') + f.log.count('write')).toBe(0);
    expect(run.ctx.transcript.sentOps()).toEqual(['tls.client-hello', 'fox.hello']);
    // The transcript holds the plaintext of the TLS stream, as the 1911 probe's does.
    const entries = run.ctx.transcript.entries();
    const tx = entries.find((e) => e.op === 'fox.hello');
    expect(Buffer.from(tx?.hex ?? '', 'hex').toString('latin1')).toBe(HELLO_REQUEST);
    const rx = entries.find((e) => e.dir === 'rx' && e.op === 'fox.reply');
    expect(Buffer.from(rx?.hex ?? '', 'hex').toString('latin1')).toMatch(/^fox a 0 -1 fox hello\n\{\n/);
    expect(entries.find((e) => e.op === 'tls.server-hello')?.text).toMatch(/^TLSv1\.[23] /);
    expect(run.ms).toBeLessThan(400);
  });

  it('refuses an error message in place of a hello as a protocol mismatch of Fox, not of TLS', async () => {
    const run = await probe(fixture('error'));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'protocol-mismatch', detail: expect.stringMatching(/fox error/) } });
  });
});

describe('fox.hello-tls against hostile stations', () => {
  // Handshake, then a broken, garbled, endless or missing hello.
  itEndsHostilePostures(foxHelloTlsProbe, 'fox-tls', fixture, [
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['endless', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it.each([
    ['plain-fox', 'timeout', /^no TLS handshake within 400 ms$/],
    ['plain-endless', 'protocol-mismatch', /^peer does not answer in TLS records/],
    ['client-certificate-required', 'not-supported', /^TLS handshake: ERR_SSL_.*(ALERT|HANDSHAKE_FAILURE)/],
  ] as const)('ends a %s peer on the TLS port as %s, naming TLS, on one connection, sending no hello', async (peer, kind, detail) => {
    const f = notTls(peer);
    const run = await probeFixture(foxHelloTlsProbe, { ...f, ports: { 'fox-tls': portOf(f) } }, 'fox-tls', { stepTimeoutMs: 400 });
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind, detail: expect.stringMatching(detail) } });
    expect(run.ms).toBeLessThan(1000);
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(run.ctx.transcript.sentOps()).toEqual(['tls.client-hello']);
    // Only the ClientHello reached the peer (the raw peer logs its bytes): no Fox message.
    expect(f.log.kinds().slice(run.before.requests)).not.toContain('hello');
    expect(f.log.count('write') + f.log.count('auth')).toBe(0);
  });
});

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { TlsPosture } from '../../fixtures/it-services/servers.ts';
import { startTlsFixture } from '../../fixtures/it-services/servers.ts';
import { runProbe } from '../run.ts';
import type { TlsFacts } from './facts.ts';
import { testContext, untilClosed } from '../test-kit.ts';
import type { AttemptResult } from './tls.ts';
import { classifyTlsError, tlsProbe, versionResults } from './tls.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('tls', 1);
const cipher = { name: 'AES256-SHA', standardName: 'TLS_RSA_WITH_AES_256_CBC_SHA', version: 'TLSv1.0' };
const accepted = (protocol: 'TLSv1.3' | 'TLSv1.2' | 'TLSv1.1' | 'TLSv1'): AttemptResult => ({ kind: 'accepted', protocol, cipher, chain: [] });
const rejected: AttemptResult = { kind: 'rejected', detail: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', alert: true };
const errorWithCode = (code: string) => Object.assign(new Error(code), { code });

describe('TLS result mapping', () => {
  it('classifies handshake errors', () => {
    expect(classifyTlsError(errorWithCode('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'))).toMatchObject({ kind: 'rejected', alert: true });
    expect(classifyTlsError(errorWithCode('ECONNRESET'))).toMatchObject({ kind: 'rejected', alert: false });
    expect(classifyTlsError(errorWithCode('ERR_SSL_WRONG_VERSION_NUMBER'))).toMatchObject({ kind: 'stop', failure: { kind: 'protocol-mismatch' } });
    expect(classifyTlsError(errorWithCode('ECONNREFUSED'))).toMatchObject({ kind: 'stop', failure: { kind: 'refused' } });
    expect(classifyTlsError(errorWithCode('ERR_SSL_NO_PROTOCOLS_AVAILABLE'))).toMatchObject({ kind: 'not-tested' });
    expect(classifyTlsError(new Error('odd'))).toMatchObject({ kind: 'stop', failure: { kind: 'error' } });
  });

  it('reads TLS 1.0 chosen from 1.0..1.1 as 1.1 refused', () => {
    const v = versionResults([accepted('TLSv1.2'), rejected, accepted('TLSv1')]);
    expect(v.map((r) => `${r.version}:${r.status}`)).toEqual(['TLSv1.3:rejected', 'TLSv1.2:accepted', 'TLSv1.1:rejected', 'TLSv1:accepted']);
  });

  it('leaves 1.0 untold when the server chose 1.1, and untried versions not-tested', () => {
    expect(versionResults([accepted('TLSv1.2'), accepted('TLSv1.3'), accepted('TLSv1.1')]).map((r) => r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'not-tested',
    ]);
    const stopped = versionResults([accepted('TLSv1.2'), classifyTlsError(errorWithCode('ECONNREFUSED'))]);
    expect(stopped.map((r) => r.status)).toEqual(['no-answer', 'accepted', 'not-tested', 'not-tested']);
  });
});

describe('tlsProbe against fixtures', () => {
  const fixtures = new Map<TlsPosture, RunningFixture>();
  const postures: TlsPosture[] = ['weak', 'hardened', 'silent', 'drip', 'endless', 'garbage'];
  let closedPort = 0;
  beforeAll(async () => {
    for (const posture of postures) fixtures.set(posture, await startTlsFixture({ host: HOST, posture }));
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, HOST, resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    for (const f of fixtures.values()) await f.close();
  });
  const fixture = (p: TlsPosture) => fixtures.get(p) as RunningFixture;

  it('sees TLS 1.1 and the weak certificate, three handshakes one after the other', async () => {
    const f = fixture('weak');
    const ctx = testContext(HOST, f.ports.https as number);
    const outcome = await runProbe(tlsProbe, ctx);
    expect(outcome.status).toBe('ok');
    const facts = (outcome.status === 'ok' ? outcome.facts : undefined) as TlsFacts;
    expect(facts.acceptedVersions).toEqual(['TLSv1.3', 'TLSv1.2', 'TLSv1.1']);
    expect(facts.versions.find((v) => v.version === 'TLSv1')?.status).toBe('not-tested');
    expect(facts.negotiated.version).toBe('TLSv1.3');
    expect(facts.handshakes).toBe(3);
    expect(facts.observedAt).toBe('2026-01-02T03:04:05.000Z');
    expect(facts.certificates).toHaveLength(1);
    expect(facts.certificates[0]).toMatchObject({ keyType: 'rsa', keyBits: 1024, signatureHash: 'sha1', selfSigned: true, sanDns: ['simplc.local'] });
    expect(f.log.connections).toBe(3);
    expect(f.log.maxConcurrent).toBe(1);
    expect(f.log.kinds()).toEqual(['tls.handshake', 'tls.handshake', 'tls.handshake']);
    expect(ctx.transcript.sentOps()).toEqual(['tls.client-hello', 'tls.client-hello', 'tls.client-hello']);
    expect(ctx.transcript.entries().filter((e) => e.op === 'tls.certificate')).toHaveLength(1);
    await untilClosed(f.log);
  });

  it('sees TLS 1.0/1.1 refused and an EC certificate on the hardened posture', async () => {
    const f = fixture('hardened');
    const outcome = await runProbe(tlsProbe, testContext(HOST, f.ports.https as number));
    const facts = (outcome.status === 'ok' ? outcome.facts : undefined) as TlsFacts;
    expect(facts.versions.map((v) => `${v.version}:${v.status}`)).toEqual(['TLSv1.3:accepted', 'TLSv1.2:accepted', 'TLSv1.1:rejected', 'TLSv1:rejected']);
    expect(facts.certificates[0]).toMatchObject({ keyType: 'ec', keyBits: 256, signatureHash: 'sha256' });
    expect(facts.negotiated.keyExchange).toBeDefined();
    expect(f.log.maxConcurrent).toBe(1);
    await untilClosed(f.log);
  });

  it('stops after one connection when the port is closed', async () => {
    const ctx = testContext(HOST, closedPort);
    const outcome = await runProbe(tlsProbe, ctx);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
    expect(ctx.transcript.sentOps()).toEqual(['tls.client-hello']);
  });

  it.each([
    ['silent', ['timeout']],
    ['drip', ['timeout', 'protocol-mismatch']],
    ['endless', ['protocol-mismatch']],
    ['garbage', ['protocol-mismatch']],
  ] as const)('ends the %s posture after one connection as %s', async (posture, kinds) => {
    const f = fixture(posture);
    const outcome = await runProbe(tlsProbe, testContext(HOST, f.ports.https as number, { stepTimeoutMs: 600 }));
    expect(kinds).toContain(outcome.status === 'unavailable' && outcome.failure.kind);
    expect(outcome.durationMs).toBeLessThan(2000);
    expect(f.log.connections).toBe(1);
    await untilClosed(f.log);
  });
});

import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type RdpPosture, startRdpFixture } from '../../fixtures/rdp/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import type { RdpFacts } from './facts.ts';
import { rdpNegotiateProbe } from './probe.ts';
import { buildConnectionRequest, parseConnectionConfirm, type SecurityProtocol } from './x224.ts';

const POSTURES = ['tls-no-nla', 'nla-required', 'standard-only', 'legacy', 'tls-silent', 'truncated', 'huge-length', 'garbage', 'silent'] as const;
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startRdpFixture({ host: testAddress('rdpProbe', 1 + POSTURES.indexOf(posture)), port: 0, posture }),
);

async function probe(posture: RdpPosture, stepTimeoutMs = 1000) {
  const f = fixture(posture);
  const before = { connections: f.log.connections, requests: f.log.requests.length };
  const ctx = testContext(f.host, f.ports.rdp ?? 0, { stepTimeoutMs });
  const started = performance.now();
  const outcome = await runProbe(rdpNegotiateProbe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  const facts = () => {
    if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
    return outcome.facts as RdpFacts;
  };
  return { f, outcome, facts, ctx, ms, connections: f.log.connections - before.connections, kinds: f.log.kinds().slice(before.requests) };
}

describe('rdp.negotiate against the spec-exact server', () => {
  it('TLS without NLA: one connection, TLS accepted, the certificate read on the same connection', async () => {
    const run = await probe('tls-no-nla');
    const facts = run.facts();
    expect(facts).toMatchObject({
      negotiations: [{ offered: ['ssl'], result: 'selected', selected: 'ssl', flags: 0x0b }],
      standardSecurity: 'unknown',
      tlsWithoutNla: 'accepted',
      tls: { afterOffering: ['ssl'] },
      connections: 1,
    });
    expect(facts.tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(facts.certificates).toHaveLength(1);
    expect(facts.certificates[0]).toMatchObject({ subject: 'CN=SCADA01', selfSigned: true, keyBits: 2048 });
    expect(run.connections).toBe(1);
    expect(run.kinds).toEqual(['connection-request', 'tls.handshake']);
    expect(run.f.log.count('session') + run.f.log.count('write') + run.f.log.count('auth')).toBe(0);
    expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'rdp.connection-request', 'tls.client-hello']));
    const request = run.ctx.transcript.entries().find((e) => e.op === 'rdp.connection-request');
    expect(request?.hex).toBe('030000130ee000000000000100080001000000');
    expect(run.ms).toBeLessThan(1000);
  });

  it('NLA required: the refusal decides both layers; a second connection offering CredSSP reads the certificate and sends no CredSSP', async () => {
    const run = await probe('nla-required');
    const facts = run.facts();
    expect(facts).toMatchObject({
      negotiations: [
        { offered: ['ssl'], result: 'failure', failureCode: 5, failure: 'hybrid-required-by-server' },
        { offered: ['ssl', 'hybrid'], result: 'selected', selected: 'hybrid' },
      ],
      standardSecurity: 'refused',
      tlsWithoutNla: 'refused',
      tls: { afterOffering: ['ssl', 'hybrid'] },
      connections: 2,
    });
    expect(facts.certificates).toHaveLength(1);
    expect(run.connections).toBe(2);
    expect(run.f.log.maxConcurrent).toBe(1);
    expect(run.kinds).toEqual(['connection-request', 'connection-request', 'tls.handshake']);
    expect(run.f.log.count('session')).toBe(0);
  });

  it('standard RDP security only: ssl-not-allowed shows standard security accepted, no TLS tried', async () => {
    const run = await probe('standard-only');
    expect(run.facts()).toMatchObject({
      negotiations: [{ result: 'failure', failure: 'ssl-not-allowed-by-server' }],
      standardSecurity: 'accepted',
      tlsWithoutNla: 'refused',
      certificates: [],
      connections: 1,
    });
    expect(run.facts().tls).toBeUndefined();
    expect(run.ctx.transcript.sentOps()).not.toContain('tls.client-hello');
  });

  it('a server older than negotiation (no RDP_NEG_RSP) is standard RDP security only', async () => {
    const run = await probe('legacy');
    expect(run.facts()).toMatchObject({ negotiations: [{ result: 'none' }], standardSecurity: 'accepted', tlsWithoutNla: 'refused', connections: 1 });
  });

  it('keeps the negotiation when the TLS handshake after it is never answered', async () => {
    const run = await probe('tls-silent', 400);
    expect(run.facts()).toMatchObject({ tlsWithoutNla: 'accepted', certificates: [], tlsFailure: { kind: 'timeout' } });
    expect(run.ms).toBeLessThan(1500);
  });
});

describe('rdp.negotiate against hostile postures', () => {
  itEndsHostilePostures(rdpNegotiateProbe, 'rdp', fixture, [
    ['truncated', 'closed'],
    ['huge-length', 'malformed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);
});

describe('the X.224 request builder and Confirm parser', () => {
  it('builds only Connection Requests offering the known security protocols', () => {
    expect(buildConnectionRequest(['ssl', 'hybrid']).toString('hex')).toBe('030000130ee000000000000100080003000000');
    expect(thrownUnavailable(() => buildConnectionRequest(['mcs' as SecurityProtocol])).kind).toBe('denied');
  });

  it('refuses a Confirm whose length indicator disagrees with its frame', () => {
    expect(thrownUnavailable(() => parseConnectionConfirm(Buffer.from('030000130dd000001234000200080001000000', 'hex'))).message).toMatch(
      /length indicator 13/,
    );
    expect(parseConnectionConfirm(Buffer.from('0300000b06d00000123400', 'hex'))).toEqual({ kind: 'none' });
  });
});

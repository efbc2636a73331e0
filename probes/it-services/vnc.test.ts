import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { VncPosture } from '../../fixtures/it-services/servers.ts';
import { startVncFixture } from '../../fixtures/it-services/servers.ts';
import { runProbe } from '../run.ts';
import { ProbeUnavailable } from '../types.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, untilClosed } from '../test-kit.ts';
import { clientVersionFor, parseRfbVersion, parseSecurityMessage, rfbVersionLength, securityMessageLength, vncProbe } from './vnc.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('vnc', 1);
const buf = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('RFB parsing', () => {
  it('parses the version and picks the reply version', () => {
    expect(parseRfbVersion(buf('RFB 003.008\n'))).toEqual({ major: 3, minor: 8, text: '003.008' });
    expect(clientVersionFor(parseRfbVersion(buf('RFB 003.889\n')))).toBe('003.008');
    expect(clientVersionFor(parseRfbVersion(buf('RFB 004.001\n')))).toBe('003.008');
    expect(clientVersionFor(parseRfbVersion(buf('RFB 003.007\n')))).toBe('003.007');
    expect(clientVersionFor(parseRfbVersion(buf('RFB 003.005\n')))).toBe('003.003');
  });

  it('rejects a version that is not RFB, early and in full', () => {
    expect(() => rfbVersionLength(buf('SSH'))).toThrow(ProbeUnavailable);
    expect(rfbVersionLength(buf('RF'))).toBe(12);
    expect(() => parseRfbVersion(buf('RFB 3.8\n    '))).toThrow(ProbeUnavailable);
    expect(() => parseRfbVersion(buf('RFB 003.008'))).toThrow(ProbeUnavailable);
  });

  it('cuts and reads a 3.7/3.8 type list', () => {
    expect(securityMessageLength('003.008', buf([2, 1]))).toBe(3);
    expect(securityMessageLength('003.008', buf([]))).toBeUndefined();
    expect(parseSecurityMessage('003.008', buf([3, 1, 2, 19]))).toEqual({
      securityTypes: [
        { code: 1, name: 'None' },
        { code: 2, name: 'VNC Authentication' },
        { code: 19, name: 'VeNCrypt' },
      ],
    });
    expect(parseSecurityMessage('003.007', buf([2, 77, 200])).securityTypes.map((t) => t.name)).toEqual(['unassigned', 'RealVNC vendor']);
  });

  it('cuts and reads a 3.3 type', () => {
    expect(securityMessageLength('003.003', buf([0, 0]))).toBeUndefined();
    expect(securityMessageLength('003.003', buf([0, 0, 0, 2]))).toBe(4);
    expect(parseSecurityMessage('003.003', buf([0, 0, 0, 2]))).toEqual({ securityTypes: [{ code: 2, name: 'VNC Authentication' }] });
    expect(() => parseSecurityMessage('003.003', buf([0, 0, 1, 0]))).toThrow(ProbeUnavailable);
  });

  it('reads a refusal reason and bounds its announced length', () => {
    const refusal = buf([0, 0, 0, 0, 4], 'busy');
    expect(securityMessageLength('003.008', refusal)).toBe(9);
    expect(securityMessageLength('003.008', refusal.subarray(0, 3))).toBeUndefined();
    expect(parseSecurityMessage('003.008', refusal)).toEqual({ securityTypes: [], refusal: 'busy' });
    expect(securityMessageLength('003.003', buf([0, 0, 0, 0, 0, 0, 0, 1]))).toBe(9);
    expect(() => securityMessageLength('003.008', buf([0, 0xff, 0xff, 0xff, 0xff]))).toThrow(/reason of 4294967295/);
  });
});

describe('vncProbe against fixtures', () => {
  const fixture = fixturesPerPosture<VncPosture, RunningFixture>(['weak', 'hardened', 'rfb33', 'refusing', 'silent', 'drip', 'endless', 'garbage'], (posture) =>
    startVncFixture({ host: HOST, posture }),
  );

  it('reads the None security type of the weak posture and never chooses a type', async () => {
    const f = fixture('weak');
    const ctx = testContext(HOST, f.ports.vnc as number);
    const outcome = await runProbe(vncProbe, ctx);
    expect(outcome.status === 'ok' && outcome.facts).toEqual({
      serverVersion: '003.008',
      clientVersion: '003.008',
      securityTypes: [{ code: 1, name: 'None' }],
    });
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'vnc.client-version']);
    expect(f.log.kinds()).toEqual(['rfb.client-version']);
    expect(f.log.count('auth')).toBe(0);
    expect(f.log.connections).toBe(1);
    await untilClosed(f.log);
  });

  it('reads VeNCrypt of the hardened posture', async () => {
    const outcome = await runProbe(vncProbe, testContext(HOST, fixture('hardened').ports.vnc as number));
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({ securityTypes: [{ code: 19, name: 'VeNCrypt' }] });
  });

  it('speaks RFB 3.3 to a 3.3 server', async () => {
    const outcome = await runProbe(vncProbe, testContext(HOST, fixture('rfb33').ports.vnc as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({
      serverVersion: '003.003',
      clientVersion: '003.003',
      securityTypes: [{ code: 1, name: 'None' }],
    });
  });

  it('keeps the refusal reason as a fact', async () => {
    const outcome = await runProbe(vncProbe, testContext(HOST, fixture('refusing').ports.vnc as number));
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({ securityTypes: [], refusal: 'Too many security failures' });
  });

  itEndsHostilePostures(vncProbe, 'vnc', fixture, [
    ['silent', 'timeout'],
    ['drip', 'timeout'],
    ['endless', 'malformed'],
    ['garbage', 'protocol-mismatch'],
  ]);
});

import { describe, expect, it } from 'vitest';
import { startTelnetFixture } from '../../fixtures/it-services/servers.ts';
import { runProbe } from '../run.ts';
import { ProbeUnavailable } from '../types.ts';
import { parseTelnet, telnetFacts, telnetProbe } from './telnet.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, untilClosed } from '../test-kit.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('telnet', 1);
const bytes = (...parts: (number[] | string)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('parseTelnet', () => {
  it('separates negotiation from text', () => {
    const parsed = parseTelnet(bytes([255, 253, 24, 255, 251, 1], 'hello', [255, 250, 24, 1, 255, 240], ' world'));
    expect(parsed.negotiation).toEqual([
      { verb: 'DO', option: 24 },
      { verb: 'WILL', option: 1 },
      { verb: 'SB', option: 24 },
    ]);
    expect(parsed.data.toString('latin1')).toBe('hello world');
  });

  it('drops escaped 255, other two-byte commands and repeats', () => {
    const parsed = parseTelnet(bytes('a', [255, 255], 'b', [255, 241], 'c', [255, 253, 1, 255, 253, 1]));
    expect(parsed.data.toString('latin1')).toBe('a\xffbc');
    expect(parsed.negotiation).toEqual([{ verb: 'DO', option: 1 }]);
  });

  it('stops at sequences cut by the end of the read', () => {
    expect(parseTelnet(bytes('x', [255])).data.toString()).toBe('x');
    expect(parseTelnet(bytes('x', [255, 253])).negotiation).toEqual([]);
    expect(parseTelnet(bytes('x', [255, 250, 24, 1, 2])).data.toString()).toBe('x');
  });

  it('keeps at most 64 distinct negotiations', () => {
    const many = Buffer.from(Array.from({ length: 200 }, (_, i) => [255, 251, i]).flat());
    expect(parseTelnet(many).negotiation).toHaveLength(64);
  });
});

describe('telnetFacts', () => {
  it('sees login and password prompts', () => {
    const f = telnetFacts(bytes([255, 251, 1], '\r\nRouter X\r\nlogin: '));
    expect(f).toMatchObject({ banner: 'Router X\nlogin:', loginPrompt: true, passwordPrompt: false, bannerTruncated: false });
    expect(telnetFacts(bytes('\r\nPassword: ')).passwordPrompt).toBe(true);
  });

  it('bounds the banner text', () => {
    const f = telnetFacts(Buffer.from('A'.repeat(5000)));
    expect(f.banner).toHaveLength(1024);
    expect(f.bannerTruncated).toBe(true);
  });

  it('refuses binary bytes without negotiation as not telnet', () => {
    expect(() => telnetFacts(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x80, 0x90, 0xa0, 0x00]))).toThrow(ProbeUnavailable);
  });
});

describe('telnetProbe against fixtures', () => {
  const fixture = fixturesPerPosture(['weak', 'silent', 'drip', 'endless', 'garbage'] as const, (posture) => startTelnetFixture({ host: HOST, posture }));

  it('reads negotiation, banner and login prompt of the weak posture, sending nothing', async () => {
    const f = fixture('weak');
    const ctx = testContext(HOST, f.ports.telnet as number);
    const outcome = await runProbe(telnetProbe, ctx);
    expect(outcome.status).toBe('ok');
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({
      reachable: true,
      loginPrompt: true,
      banner: 'SimPLC-OS 4.2 (line3-plc)\n\nlogin:',
      negotiation: [
        { verb: 'DO', option: 24 },
        { verb: 'WILL', option: 1 },
        { verb: 'WILL', option: 3 },
        { verb: 'DO', option: 31 },
      ],
    });
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect']);
    expect(f.log.count()).toBe(0);
    expect(f.log.connections).toBe(1);
    await untilClosed(f.log);
  });

  itEndsHostilePostures(
    telnetProbe,
    'telnet',
    fixture,
    [
      ['silent', 'timeout'],
      ['garbage', 'protocol-mismatch'],
    ],
    { stepTimeoutMs: 500 },
  );

  it('stops reading an endless banner at its byte bound', async () => {
    const f = fixture('endless');
    const outcome = await runProbe(telnetProbe, testContext(HOST, f.ports.telnet as number));
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({ bytesReceived: 4096, bannerTruncated: true, loginPrompt: true });
    await untilClosed(f.log);
  });

  it('stops a drip at the step timeout with what arrived', async () => {
    const f = fixture('drip');
    const outcome = await runProbe(telnetProbe, testContext(HOST, f.ports.telnet as number, { stepTimeoutMs: 700 }));
    expect(outcome.status).toBe('ok');
    expect(outcome.durationMs).toBeLessThan(2500);
    await untilClosed(f.log);
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { FtpPosture } from '../../fixtures/legacy/servers.ts';
import { startFtpFixture } from '../../fixtures/legacy/servers.ts';
import { runProbe } from '../run.ts';
import { ProbeUnavailable } from '../types.ts';
import { ftpAnonymousProbe, ftpProbe, ftpReplyLength, parseFtpReply } from './ftp.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext } from './testing.ts';

const HOST = '127.60.2.1';
const buf = (s: string) => Buffer.from(s, 'latin1');

describe('FTP reply parsing', () => {
  it('cuts single-line and multi-line replies', () => {
    expect(ftpReplyLength(buf('220 ready\r\nextra'))).toBe(11);
    const multi = '220-Welcome\r\n220-second\r\n 220 indented is not the end\r\n220 done\r\n';
    expect(ftpReplyLength(buf(`${multi}221 next`))).toBe(multi.length);
    expect(parseFtpReply(buf(multi))).toEqual({ code: 220, text: 'Welcome\nsecond\n 220 indented is not the end\ndone' });
  });

  it('accepts a bare code and LF-only lines', () => {
    expect(ftpReplyLength(buf('220\n'))).toBe(4);
    expect(parseFtpReply(buf('220\n'))).toEqual({ code: 220, text: '' });
  });

  it('waits while truncated', () => {
    expect(ftpReplyLength(buf('22'))).toBeUndefined();
    expect(ftpReplyLength(buf('220 rea'))).toBeUndefined();
    expect(ftpReplyLength(buf('220-first\r\n220-second\r\n'))).toBeUndefined();
  });

  it('recognises a peer that is not FTP from its first bytes', () => {
    expect(() => ftpReplyLength(buf('SSH-2.0-OpenSSH'))).toThrow(ProbeUnavailable);
    expect(() => ftpReplyLength(buf('2x'))).toThrow(ProbeUnavailable);
    expect(() => ftpReplyLength(buf('2200 ready\r\n'))).toThrow(ProbeUnavailable);
    expect(() => parseFtpReply(buf('999 odd\r\n'))).toThrow(ProbeUnavailable);
  });

  it('keeps the greeting text printable and bounded', () => {
    const reply = parseFtpReply(buf(`220 \x1b[31m${'x'.repeat(3000)}\r\n`));
    expect(reply.text.startsWith('[31mxxx')).toBe(true);
    expect(reply.text.length).toBeLessThanOrEqual(1024);
  });
});

describe('FTP probes against fixtures', () => {
  const fixture = fixturesPerPosture<FtpPosture, RunningFixture>(['weak', 'hardened', 'silent', 'drip', 'endless', 'garbage'], (posture) =>
    startFtpFixture({ host: HOST, posture }),
  );

  it('reads a multi-line greeting, sends only QUIT, on one connection', async () => {
    const f = fixture('weak');
    const ctx = testContext(HOST, f.ports.ftp as number);
    const outcome = await runProbe(ftpProbe, ctx);
    expect(outcome.status === 'ok' && outcome.facts).toEqual({
      code: 220,
      greeting: 'Welcome to the SimPLC file service\nAuthorised use only\nSimFTPd/2.1 ready',
      softwareHint: 'SimFTPd/2.1',
      quitCode: 221,
    });
    expect(f.log.kinds()).toEqual(['QUIT']);
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'ftp.quit']);
    expect(f.log.connections).toBe(1);
    await vi.waitFor(() => expect(f.log.openConnections).toBe(0));
  });

  it('reads a single-line greeting without a software name', async () => {
    const outcome = await runProbe(ftpProbe, testContext(HOST, fixture('hardened').ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({ code: 220, greeting: 'Service ready', quitCode: 221 });
  });

  it('declares the anonymous login opt-in and read-session', () => {
    expect(ftpAnonymousProbe.optIn).toBe('ftp.anonymous');
    expect(ftpAnonymousProbe.safety).toBe('read-session');
  });

  it('records an accepted anonymous login, then QUIT, nothing else', async () => {
    const f = fixture('weak');
    const before = f.log.requests.length;
    const outcome = await runProbe(ftpAnonymousProbe, testContext(HOST, f.ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({ greetingCode: 220, userCode: 331, passCode: 230, loggedIn: true });
    expect(f.log.requests.slice(before).map((r) => `${r.kind}:${r.class}`)).toEqual(['USER:auth', 'PASS:auth', 'QUIT:read']);
    await vi.waitFor(() => expect(f.log.openConnections).toBe(0));
  });

  it('records a refused anonymous login', async () => {
    const outcome = await runProbe(ftpAnonymousProbe, testContext(HOST, fixture('hardened').ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({ greetingCode: 220, userCode: 331, passCode: 530, loggedIn: false });
  });

  itEndsHostilePostures(
    ftpProbe,
    'ftp',
    fixture,
    [
      ['silent', 'timeout'],
      ['drip', 'timeout'],
      ['endless', 'malformed'],
      ['garbage', 'protocol-mismatch'],
    ],
    { silentProbe: true },
  );
});

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { FtpPosture } from '../../fixtures/it-services/servers.ts';
import { startFtpFixture } from '../../fixtures/it-services/servers.ts';
import { runProbe } from '../run.ts';
import { type FailureKind, ProbeUnavailable } from '../types.ts';
import { ftpAnonymousProbe, ftpProbe, ftpReplyLength, parseFtpReply } from './ftp.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, untilClosed } from '../test-kit.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('ftp', 1);
/** Both probes wait for the greeting first, so a hostile server gets nothing from either. */
const HOSTILE_CASES = [
  ['silent', 'timeout'],
  ['drip', 'timeout'],
  ['endless', 'malformed'],
  ['garbage', 'protocol-mismatch'],
] as const satisfies readonly (readonly [FtpPosture, FailureKind])[];
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
    await untilClosed(f.log);
  });

  it('reads a single-line greeting without a software name', async () => {
    const outcome = await runProbe(ftpProbe, testContext(HOST, fixture('hardened').ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({ code: 220, greeting: 'Service ready', quitCode: 221 });
  });

  it('declares the anonymous login opt-in and read-session', () => {
    expect(ftpAnonymousProbe.optIn).toBe('ftp.anonymous');
    expect(ftpAnonymousProbe.safety).toBe('read-session');
  });

  it('reads the greeting and records an accepted anonymous login, then QUIT, on one connection', async () => {
    const f = fixture('weak');
    const before = { requests: f.log.requests.length, connections: f.log.connections };
    const outcome = await runProbe(ftpAnonymousProbe, testContext(HOST, f.ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({
      code: 220,
      greeting: 'Welcome to the SimPLC file service\nAuthorised use only\nSimFTPd/2.1 ready',
      softwareHint: 'SimFTPd/2.1',
      quitCode: 221,
      login: { status: 'answered', userCode: 331, passCode: 230, loggedIn: true },
    });
    expect(f.log.requests.slice(before.requests).map((r) => `${r.kind}:${r.class}`)).toEqual(['USER:auth', 'PASS:auth', 'QUIT:read']);
    expect(f.log.connections - before.connections).toBe(1);
    await untilClosed(f.log);
  });

  it('records a refused anonymous login', async () => {
    const outcome = await runProbe(ftpAnonymousProbe, testContext(HOST, fixture('hardened').ports.ftp as number));
    expect(outcome.status === 'ok' && outcome.facts).toEqual({
      code: 220,
      greeting: 'Service ready',
      quitCode: 221,
      login: { status: 'answered', userCode: 331, passCode: 530, loggedIn: false },
    });
  });

  itEndsHostilePostures(ftpAnonymousProbe, 'ftp', fixture, HOSTILE_CASES, { silentProbe: true });
  itEndsHostilePostures(ftpProbe, 'ftp', fixture, HOSTILE_CASES, { silentProbe: true });
});

describe('the anonymous login against odd servers', () => {
  const ODD_HOST = testAddress('ftpOddReplies', 1);
  /** A minimal FTP peer: sends `greeting`, logs each command line, answers USER with `userReply` (nothing when absent). */
  async function oddServer(greeting: string, userReply?: string) {
    const received: string[] = [];
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write(greeting);
      socket.on('data', (chunk) => {
        for (const line of chunk.toString('latin1').split('\r\n').filter(Boolean)) {
          received.push(line);
          if (line === 'QUIT') socket.end('221 Bye\r\n');
          else if (line.startsWith('USER') && userReply) socket.write(userReply);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, ODD_HOST, resolve));
    const port = (server.address() as net.AddressInfo).port;
    return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('never sends USER after a greeting other than 220, and keeps the greeting as facts', async () => {
    const s = await oddServer('421 Too many connections (SimFTPd/2.1)\r\n');
    try {
      const ctx = testContext(ODD_HOST, s.port);
      const outcome = await runProbe(ftpAnonymousProbe, ctx);
      expect(outcome.status === 'ok' && outcome.facts).toEqual({
        code: 421,
        greeting: 'Too many connections (SimFTPd/2.1)',
        softwareHint: 'SimFTPd/2.1',
        quitCode: 221,
        login: { status: 'not-tried' },
      });
      expect(s.received).toEqual(['QUIT']);
      expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'ftp.quit']);
    } finally {
      await s.close();
    }
  });

  it('keeps the greeting when USER gets no reply, and does not send QUIT after it', async () => {
    const s = await oddServer('220 ready\r\n');
    try {
      const outcome = await runProbe(ftpAnonymousProbe, testContext(ODD_HOST, s.port, { stepTimeoutMs: 300 }));
      expect(outcome.status === 'ok' && outcome.facts).toMatchObject({
        code: 220,
        greeting: 'ready',
        login: { status: 'unavailable', failure: { kind: 'timeout' } },
      });
      expect(outcome.status === 'ok' && outcome.facts).not.toHaveProperty('quitCode');
      expect(s.received).toEqual(['USER anonymous']);
    } finally {
      await s.close();
    }
  });

  it('takes a decision at USER without sending PASS', async () => {
    const s = await oddServer('220 ready\r\n', '530 Anonymous access denied\r\n');
    try {
      const outcome = await runProbe(ftpAnonymousProbe, testContext(ODD_HOST, s.port));
      expect(outcome.status === 'ok' && outcome.facts).toEqual({
        code: 220,
        greeting: 'ready',
        quitCode: 221,
        login: { status: 'answered', userCode: 530, loggedIn: false },
      });
      expect(s.received).toEqual(['USER anonymous', 'QUIT']);
    } finally {
      await s.close();
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FtpAnonymousFacts, FtpFacts, HttpFacts, TelnetFacts, TlsFacts, VncFacts } from '../../probes/it-services/facts.ts';
import type { Failure, ProbeOutcome } from '../../probes/types.ts';
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { itServicesCheckKinds, itServicesIdentity } from './it-services.ts';

type Row = { probe: string; port: number; facts: unknown } | { probe: string; port: number; failure: Failure };

function device(...rows: Row[]): DeviceView {
  const outcomes: ProbeOutcome[] = rows.map((r, i) => {
    const base = { probe: r.probe, version: 1, port: r.port, transcript: [i * 10 + 1, i * 10 + 5] as [number, number], durationMs: 3 };
    return 'facts' in r ? { ...base, status: 'ok', facts: r.facts } : { ...base, status: 'unavailable', failure: r.failure };
  });
  return new DeviceView({ address: '127.60.9.9', services: [], outcomes });
}

const kind = (id: string) => {
  const k = itServicesCheckKinds.find((c) => c.id === id);
  if (!k) throw new Error(id);
  return k;
};
const evaluate = (id: string, view: DeviceView, params: unknown = {}) => kind(id).evaluate(view, params);

const telnet: TelnetFacts = {
  reachable: true,
  bytesReceived: 40,
  negotiation: [{ verb: 'DO', option: 24 }],
  banner: 'SimPLC-OS 4.2\nlogin:',
  bannerTruncated: false,
  loginPrompt: true,
  passwordPrompt: false,
};
const ftp: FtpFacts = { code: 220, greeting: 'SimFTPd/2.1 ready', softwareHint: 'SimFTPd/2.1', quitCode: 221 };
const httpWeak: HttpFacts = {
  httpVersion: '1.1',
  status: 200,
  reason: 'OK',
  server: 'SimHMI-httpd/1.0',
  redirectsToHttps: false,
  authSchemes: [],
  passwordField: true,
  title: 'Login',
  bodyBytes: 300,
  bodyTruncated: false,
};
const httpRedirect: HttpFacts = {
  httpVersion: '1.1',
  status: 301,
  reason: 'Moved',
  location: 'https://plc/',
  redirectsToHttps: true,
  authSchemes: [],
  passwordField: false,
  bodyBytes: 0,
  bodyTruncated: false,
};
const httpPlain: HttpFacts = { ...httpWeak, passwordField: false };
const vnc = (...codes: number[]): VncFacts => ({
  serverVersion: '003.008',
  clientVersion: '003.008',
  securityTypes: codes.map((code) => ({ code, name: String(code) })),
});
const tls = (statuses: TlsFacts['versions'][number]['status'][]): TlsFacts => {
  const versions = (['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'] as const).map((version, i) => ({ version, status: statuses[i] ?? 'not-tested' }));
  return {
    versions,
    acceptedVersions: versions.filter((v) => v.status === 'accepted').map((v) => v.version),
    negotiated: { version: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' },
    certificates: [],
    handshakes: 3,
    observedAt: '2026-01-02T03:04:05.000Z',
  };
};

describe('service.absent', () => {
  it('is not applicable when the service is absent or refused', () => {
    expect(evaluate('service.absent', device(), { protocol: 'telnet' }).status).toBe('not-applicable');
    expect(
      evaluate('service.absent', device({ probe: 'telnet.banner', port: 23, failure: { kind: 'refused', detail: 'connection refused' } }), {
        protocol: 'telnet',
      }).status,
    ).toBe('not-applicable');
  });

  it('is unknown when the probe failed otherwise', () => {
    const v = evaluate('service.absent', device({ probe: 'telnet.banner', port: 23, failure: { kind: 'timeout', detail: 'silent' } }), { protocol: 'telnet' });
    expect(v).toMatchObject({ status: 'unknown', reason: 'timeout: silent' });
  });

  it('fails on confirmed telnet and FTP, with evidence', () => {
    const v = evaluate('service.absent', device({ probe: 'telnet.banner', port: 23, facts: telnet }), { protocol: 'telnet' });
    expect(v).toMatchObject({
      status: 'fail',
      observed: [{ port: 23, loginPrompt: true }],
      expected: { cleartext: false },
      evidence: [{ probe: 'telnet.banner', port: 23, transcript: [1, 5] }],
    });
    expect(evaluate('service.absent', device({ probe: 'ftp.banner', port: 21, facts: ftp }), { protocol: 'ftp' }).status).toBe('fail');
  });

  it('passes HTTP only when it redirects to https', () => {
    expect(evaluate('service.absent', device({ probe: 'http.banner', port: 80, facts: httpRedirect }), { protocol: 'http' }).status).toBe('pass');
    expect(evaluate('service.absent', device({ probe: 'http.banner', port: 80, facts: httpPlain }), { protocol: 'http' }).status).toBe('fail');
  });

  it('judges VNC by whether every offered type encrypts', () => {
    expect(evaluate('service.absent', device({ probe: 'vnc.rfb', port: 5900, facts: vnc(19) }), { protocol: 'vnc' }).status).toBe('pass');
    expect(evaluate('service.absent', device({ probe: 'vnc.rfb', port: 5900, facts: vnc(19, 2) }), { protocol: 'vnc' }).status).toBe('fail');
    expect(evaluate('service.absent', device({ probe: 'vnc.rfb', port: 5900, facts: vnc() }), { protocol: 'vnc' }).status).toBe('unknown');
  });

  it('rejects an unknown protocol parameter', () => {
    expect(() => evaluate('service.absent', device(), { protocol: 'ssh' })).toThrow();
  });
});

describe('ftp.anonymous-rejected', () => {
  const anon = (f: FtpAnonymousFacts) => ({ probe: 'ftp.anonymous', port: 21, facts: f });
  it('is unknown when FTP is there but the opt-in is off, not applicable without FTP', () => {
    expect(evaluate('ftp.anonymous-rejected', device({ probe: 'ftp.banner', port: 21, facts: ftp }))).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('opt-in'),
    });
    expect(evaluate('ftp.anonymous-rejected', device()).status).toBe('not-applicable');
  });

  const answered = (userCode: number, passCode?: number): FtpAnonymousFacts => ({
    ...ftp,
    login: { status: 'answered', userCode, ...(passCode === undefined ? {} : { passCode }), loggedIn: (passCode ?? userCode) === 230 },
  });

  it('fails on 230, passes on a 5xx refusal, is unknown on 4xx', () => {
    expect(evaluate('ftp.anonymous-rejected', device(anon(answered(331, 230))))).toMatchObject({
      status: 'fail',
      observed: [{ port: 21, loggedIn: true, code: 230 }],
      evidence: [{ probe: 'ftp.anonymous', port: 21 }],
    });
    expect(evaluate('ftp.anonymous-rejected', device(anon(answered(530)))).status).toBe('pass');
    expect(evaluate('ftp.anonymous-rejected', device(anon(answered(331, 421)))).status).toBe('unknown');
  });

  it('is unknown, naming why, when the login was not tried or got no answer', () => {
    const busy: FtpAnonymousFacts = { ...ftp, code: 421, login: { status: 'not-tried' } };
    expect(evaluate('ftp.anonymous-rejected', device(anon(busy)))).toMatchObject({
      status: 'unknown',
      observed: [{ port: 21, greetingCode: 421, login: 'not-tried' }],
      reason: expect.stringContaining('port 21 greeted with 421, not ready for a login'),
    });
    const silent: FtpAnonymousFacts = { ...ftp, login: { status: 'unavailable', failure: { kind: 'timeout', detail: 'no reply to USER' } } };
    expect(evaluate('ftp.anonymous-rejected', device(anon(silent)))).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('timeout: no reply to USER'),
    });
    // A login that succeeded on another port still fails the device.
    expect(evaluate('ftp.anonymous-rejected', device(anon(silent), { probe: 'ftp.anonymous', port: 2121, facts: answered(230) })).status).toBe('fail');
  });

  it('reads the banner facts of ftp.anonymous when it ran in place of ftp.banner', () => {
    const facts: FtpAnonymousFacts = { ...ftp, code: 421, login: { status: 'not-tried' } };
    expect(evaluate('service.absent', device(anon(facts)), { protocol: 'ftp' })).toMatchObject({
      status: 'fail',
      observed: [{ port: 21, code: 421 }],
      evidence: [{ probe: 'ftp.anonymous', port: 21 }],
    });
    expect(itServicesIdentity(device(anon(answered(530))))).toEqual([{ field: 'product', value: 'SimFTPd/2.1', source: 'ftp.anonymous' }]);
  });
});

describe('http.cleartext-login-absent', () => {
  const http = (f: HttpFacts) => device({ probe: 'http.banner', port: 80, facts: f });
  it('fails on a password form or Basic over cleartext', () => {
    expect(evaluate('http.cleartext-login-absent', http(httpWeak)).status).toBe('fail');
    expect(evaluate('http.cleartext-login-absent', http({ ...httpPlain, status: 401, authSchemes: ['basic'] })).status).toBe('fail');
  });

  it('passes on a redirect to https and is unknown when no login was seen', () => {
    expect(evaluate('http.cleartext-login-absent', http(httpRedirect)).status).toBe('pass');
    expect(evaluate('http.cleartext-login-absent', http(httpPlain)).status).toBe('unknown');
    expect(evaluate('http.cleartext-login-absent', device()).status).toBe('not-applicable');
  });
});

describe('vnc.auth-required', () => {
  const v = (f: VncFacts) => device({ probe: 'vnc.rfb', port: 5900, facts: f });
  it('fails on None, passes on authentication only, is unknown on a refusal', () => {
    expect(evaluate('vnc.auth-required', v(vnc(2, 1)))).toMatchObject({ status: 'fail', observed: [{ port: 5900, securityTypes: [2, 1] }] });
    expect(evaluate('vnc.auth-required', v(vnc(2))).status).toBe('pass');
    expect(evaluate('vnc.auth-required', v({ ...vnc(), refusal: 'busy' })).status).toBe('unknown');
  });
});

describe('tls.old-versions-refused', () => {
  const t = (f: TlsFacts) => device({ probe: 'tls.handshake', port: 443, facts: f });
  it('fails when a version below the minimum was accepted', () => {
    expect(evaluate('tls.old-versions-refused', t(tls(['accepted', 'accepted', 'accepted', 'not-tested'])), {})).toMatchObject({
      status: 'fail',
      observed: [{ port: 443, acceptedVersions: ['TLSv1.3', 'TLSv1.2', 'TLSv1.1'] }],
    });
    expect(evaluate('tls.old-versions-refused', t(tls(['accepted', 'accepted', 'rejected', 'rejected'])), { minimum: 'TLSv1.3' }).status).toBe('fail');
  });

  it('passes only when every older version was refused', () => {
    expect(evaluate('tls.old-versions-refused', t(tls(['accepted', 'accepted', 'rejected', 'rejected'])), {}).status).toBe('pass');
    expect(evaluate('tls.old-versions-refused', t(tls(['rejected', 'accepted', 'not-tested', 'not-tested'])), {})).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('TLSv1.1 not-tested'),
    });
  });
});

describe('IT service check instances', () => {
  it('load against the kinds', () => {
    const instances = JSON.parse(readFileSync(new URL('../data/checks/it-services.json', import.meta.url), 'utf8')) as unknown[];
    const set = loadCheckSet(itServicesCheckKinds, instances);
    expect([...set.keys()]).toEqual([
      'telnet.absent',
      'ftp.absent',
      'http.absent',
      'vnc.absent',
      'ftp.anonymous-rejected',
      'http.cleartext-login-absent',
      'vnc.auth-required',
      'tls.old-versions-refused',
    ]);
  });
});

describe('itServicesIdentity', () => {
  it('claims products from banners, never other fields', () => {
    const claims = itServicesIdentity(
      device(
        { probe: 'http.banner', port: 80, facts: httpWeak },
        { probe: 'ftp.banner', port: 21, facts: ftp },
        { probe: 'telnet.banner', port: 23, facts: telnet },
      ),
    );
    expect(claims).toEqual([
      { field: 'product', value: 'SimHMI-httpd/1.0', source: 'http.banner' },
      { field: 'product', value: 'SimFTPd/2.1', source: 'ftp.banner' },
      { field: 'product', value: 'SimPLC-OS 4.2', source: 'telnet.banner' },
    ]);
  });

  it('claims nothing from a bare login prompt or a greeting without a software name', () => {
    const bare = itServicesIdentity(
      device(
        { probe: 'telnet.banner', port: 23, facts: { ...telnet, banner: 'login:' } },
        { probe: 'ftp.banner', port: 21, facts: { code: 220, greeting: 'ready' } },
      ),
    );
    expect(bare).toEqual([]);
  });
});

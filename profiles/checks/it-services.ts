import { z } from 'zod';
import { FtpAnonymousFacts, FtpFacts, HttpFacts, TelnetFacts, TLS_VERSIONS, TlsFacts, TlsVersion, VncFacts } from '../../probes/it-services/facts.ts';
import type { VncSecurityType } from '../../probes/it-services/facts.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import type { RegisteredCheckKind, Verdict } from './types.ts';
import { defineCheckKind, failureText } from './types.ts';

/**
 * The verdict when a probe gave no facts: absent or refused means the service is not there,
 * any other failure leaves the question open.
 */
function undecided(lookup: Exclude<FactsLookup<unknown>, { state: 'ok' }>, probe: string): Verdict {
  if (lookup.state === 'absent') return { status: 'not-applicable', reason: `${probe} did not run: service not found` };
  if (lookup.failures.every((f) => f.kind === 'refused'))
    return { status: 'not-applicable', reason: 'service refused the connection', evidence: lookup.evidence };
  return { status: 'unknown', reason: failureText(lookup.failures), evidence: lookup.evidence };
}

const FTP_BANNER = 'ftp.banner';
const FTP_ANONYMOUS = 'ftp.anonymous';
/** Probes whose facts hold the FTP greeting: the opt-in one runs instead of ftp.banner. */
const FTP_SOURCES = [FTP_BANNER, FTP_ANONYMOUS] as const;

/** Security types that encrypt the session (RA2, RA2ne, TLS, VeNCrypt, integrated SSH). */
const ENCRYPTING_VNC_TYPES = new Set([5, 6, 18, 19, 24]);
const typeCodes = (types: readonly VncSecurityType[]) => types.map((t) => t.code);

const CleartextProtocol = z.enum(['telnet', 'ftp', 'http', 'vnc']);
type CleartextProtocol = z.infer<typeof CleartextProtocol>;

/** For one port: true = cleartext management reachable, false = not, undefined = cannot tell. */
type Exposure = { readonly port: number; readonly cleartext: boolean | undefined; readonly observed: unknown };

function exposures(device: DeviceView, protocol: CleartextProtocol): { lookup: FactsLookup<unknown>; probe: string; ports: Exposure[] } {
  switch (protocol) {
    case 'telnet': {
      const lookup = device.facts('telnet.banner', TelnetFacts);
      const ports =
        lookup.state === 'ok' ? lookup.facts.map((f) => ({ port: f.port, cleartext: true, observed: { port: f.port, loginPrompt: f.facts.loginPrompt } })) : [];
      return { lookup, probe: 'telnet.banner', ports };
    }
    case 'ftp': {
      const { probe, found: lookup } = device.factsOfFirst(FTP_SOURCES, FtpFacts);
      const ports = lookup.state === 'ok' ? lookup.facts.map((f) => ({ port: f.port, cleartext: true, observed: { port: f.port, code: f.facts.code } })) : [];
      return { lookup, probe, ports };
    }
    case 'http': {
      const lookup = device.facts('http.banner', HttpFacts);
      const ports =
        lookup.state === 'ok'
          ? lookup.facts.map((f) => ({
              port: f.port,
              cleartext: !f.facts.redirectsToHttps,
              observed: { port: f.port, status: f.facts.status, redirectsToHttps: f.facts.redirectsToHttps },
            }))
          : [];
      return { lookup, probe: 'http.banner', ports };
    }
    case 'vnc': {
      const lookup = device.facts('vnc.rfb', VncFacts);
      const ports =
        lookup.state === 'ok'
          ? lookup.facts.map((f) => {
              const codes = typeCodes(f.facts.securityTypes);
              return {
                port: f.port,
                cleartext: codes.length === 0 ? undefined : !codes.every((c) => ENCRYPTING_VNC_TYPES.has(c)),
                observed: { port: f.port, securityTypes: codes },
              };
            })
          : [];
      return { lookup, probe: 'vnc.rfb', ports };
    }
  }
}

/** Fails when a probe confirmed a cleartext management protocol answering on the device. */
const serviceAbsent = defineCheckKind({
  id: 'service.absent',
  params: z.object({ protocol: CleartextProtocol }),
  evaluate(device, { protocol }): Verdict {
    const { lookup, probe, ports } = exposures(device, protocol);
    if (lookup.state !== 'ok') return undecided(lookup, probe);
    const evidence = lookup.evidence;
    const expected = protocol === 'http' ? { redirectsToHttps: true } : { cleartext: false };
    const exposed = ports.filter((p) => p.cleartext === true);
    if (exposed.length > 0) return { status: 'fail', observed: exposed.map((p) => p.observed), expected, evidence };
    if (ports.some((p) => p.cleartext === undefined)) {
      return { status: 'unknown', observed: ports.map((p) => p.observed), expected, evidence, reason: 'the server refused before offering its security types' };
    }
    return { status: 'pass', observed: ports.map((p) => p.observed), expected, evidence };
  },
});

/** Why a port's anonymous login has no answer to judge. */
function noLoginAnswer({ port, facts: { code, login } }: { port: number; facts: FtpAnonymousFacts }): string {
  if (login.status === 'unavailable') return `port ${port} ${login.failure.kind}: ${login.failure.detail}`;
  return `port ${port} greeted with ${code}, not ready for a login`;
}

const ftpAnonymousRejected = defineCheckKind({
  id: 'ftp.anonymous-rejected',
  params: z.object({}),
  evaluate(device): Verdict {
    const lookup = device.facts(FTP_ANONYMOUS, FtpAnonymousFacts);
    if (lookup.state === 'absent') {
      const banner = device.facts(FTP_BANNER, FtpFacts);
      if (banner.state !== 'ok') return undecided(banner, FTP_BANNER);
      return { status: 'unknown', reason: 'anonymous login not tried: opt-in ftp.anonymous is off', evidence: banner.evidence };
    }
    if (lookup.state !== 'ok') return undecided(lookup, FTP_ANONYMOUS);
    const evidence = lookup.evidence;
    const expected = { loggedIn: false };
    const answered = lookup.facts.flatMap(({ port, facts: { login } }) =>
      login.status === 'answered' ? [{ port, loggedIn: login.loggedIn, code: login.passCode ?? login.userCode }] : [],
    );
    const unanswered = lookup.facts.filter((f) => f.facts.login.status !== 'answered');
    const observed = [...answered, ...unanswered.map((f) => ({ port: f.port, greetingCode: f.facts.code, login: f.facts.login.status }))];
    if (answered.some((o) => o.loggedIn)) return { status: 'fail', observed, expected, evidence };
    if (unanswered.length > 0) {
      return { status: 'unknown', observed, expected, evidence, reason: `no answer to the anonymous login: ${unanswered.map(noLoginAnswer).join('; ')}` };
    }
    // Only a permanent refusal (5xx) shows the login is closed; 4xx is "try again later".
    if (answered.every((o) => o.code >= 500)) return { status: 'pass', observed, expected, evidence };
    return { status: 'unknown', observed, expected, evidence, reason: 'the server neither accepted nor permanently refused the anonymous login' };
  },
});

const cleartextLoginAbsent = defineCheckKind({
  id: 'http.cleartext-login-absent',
  params: z.object({}),
  evaluate(device): Verdict {
    const lookup = device.facts('http.banner', HttpFacts);
    if (lookup.state !== 'ok') return undecided(lookup, 'http.banner');
    const observed = lookup.facts.map((f) => ({
      port: f.port,
      passwordField: f.facts.passwordField,
      authSchemes: f.facts.authSchemes,
      redirectsToHttps: f.facts.redirectsToHttps,
    }));
    const expected = { passwordField: false, authSchemes: { excludes: ['basic'] }, redirectsToHttps: true };
    const evidence = lookup.evidence;
    if (observed.some((o) => !o.redirectsToHttps && (o.passwordField || o.authSchemes.includes('basic'))))
      return { status: 'fail', observed, expected, evidence };
    if (observed.every((o) => o.redirectsToHttps)) return { status: 'pass', observed, expected, evidence };
    return { status: 'unknown', observed, expected, evidence, reason: 'no login on the start page and no redirect to https; other pages were not read' };
  },
});

const vncAuthRequired = defineCheckKind({
  id: 'vnc.auth-required',
  params: z.object({}),
  evaluate(device): Verdict {
    const lookup = device.facts('vnc.rfb', VncFacts);
    if (lookup.state !== 'ok') return undecided(lookup, 'vnc.rfb');
    const observed = lookup.facts.map((f) => ({ port: f.port, securityTypes: typeCodes(f.facts.securityTypes) }));
    const expected = { securityTypes: { excludes: [1] } };
    const evidence = lookup.evidence;
    if (observed.some((o) => o.securityTypes.includes(1))) return { status: 'fail', observed, expected, evidence };
    if (observed.some((o) => o.securityTypes.length === 0)) {
      return { status: 'unknown', observed, expected, evidence, reason: 'the server refused before offering its security types' };
    }
    return { status: 'pass', observed, expected, evidence };
  },
});

/** Fails when any TLS version older than `minimum` completed a handshake. */
const oldTlsRefused = defineCheckKind({
  id: 'tls.old-versions-refused',
  params: z.object({ minimum: TlsVersion.default('TLSv1.2') }),
  evaluate(device, { minimum }): Verdict {
    const lookup = device.facts('tls.handshake', TlsFacts);
    if (lookup.state !== 'ok') return undecided(lookup, 'tls.handshake');
    // TLS_VERSIONS runs newest first: older than the minimum means a higher index.
    const older = TLS_VERSIONS.slice(TLS_VERSIONS.indexOf(minimum) + 1);
    const observed = lookup.facts.map((f) => ({ port: f.port, acceptedVersions: f.facts.acceptedVersions }));
    const expected = { acceptedVersions: { excludes: older } };
    const evidence = lookup.evidence;
    if (observed.some((o) => o.acceptedVersions.some((v) => older.includes(v)))) return { status: 'fail', observed, expected, evidence };
    const untold = lookup.facts.flatMap((f) =>
      f.facts.versions.filter((v) => older.includes(v.version) && v.status !== 'rejected').map((v) => `${f.port} ${v.version} ${v.status}`),
    );
    if (untold.length > 0) return { status: 'unknown', observed, expected, evidence, reason: `not every older version was refused: ${untold.join(', ')}` };
    return { status: 'pass', observed, expected, evidence };
  },
});

export const itServicesCheckKinds: readonly RegisteredCheckKind[] = [serviceAbsent, ftpAnonymousRejected, cleartextLoginAbsent, vncAuthRequired, oldTlsRefused];

const PROMPT = /\b(?:login|username|user name|password)\s*:\s*$/i;

/**
 * Product names from banners (HTTP Server header, FTP greeting, telnet banner). Low value:
 * banners are set by whoever configured the service and often name the web server, not the device.
 */
export const itServicesIdentity: IdentityExtractor = (device) => {
  const claims: IdentityClaim[] = [];
  const add = (value: string | undefined, source: string) => {
    const v = value?.trim().slice(0, 80);
    if (v && !claims.some((c) => c.value === v && c.source === source)) claims.push({ field: 'product', value: v, source });
  };
  const http = device.facts('http.banner', HttpFacts);
  if (http.state === 'ok') for (const f of http.facts) add(f.facts.server, 'http.banner');
  const ftp = device.factsOfFirst(FTP_SOURCES, FtpFacts);
  if (ftp.found.state === 'ok') for (const f of ftp.found.facts) add(f.facts.softwareHint, ftp.probe);
  const telnet = device.facts('telnet.banner', TelnetFacts);
  if (telnet.state === 'ok') {
    for (const f of telnet.facts)
      add(
        f.facts.banner.split('\n').find((line) => line.trim() !== '' && !PROMPT.test(line)),
        'telnet.banner',
      );
  }
  return claims;
};

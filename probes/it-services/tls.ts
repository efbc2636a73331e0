import type net from 'node:net';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { CertificateFacts } from '../certificate.ts';
import { certificateFacts } from '../certificate.ts';
import { passGate } from '../gate.ts';
import { socketFailure } from '../socket-failure.ts';
import { StepTimer } from '../step-timer.ts';
import { closeSocket } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { TlsVersion, TlsVersionResult } from './facts.ts';
import { TLS_VERSIONS, TlsFacts } from './facts.ts';

const PROBE_ID = 'tls.handshake';
/**
 * Everything this OpenSSL can speak except anonymous suites (which would hide the certificate);
 * security level 0 so a short key or SHA-1 signature is observed rather than refused by us.
 */
const CIPHERS = 'ALL:!aNULL:@SECLEVEL=0';
const MAX_CHAIN = 10;

export interface Attempt {
  readonly minVersion: tls.SecureVersion;
  readonly maxVersion: tls.SecureVersion;
}

/**
 * Sequential handshakes, one TCP connection each, at most three. TLS 1.2 goes first: its
 * ClientHello is the one old embedded stacks cope with, so a silent peer is told apart early.
 * TLS 1.0 and 1.1 share one handshake; the server picks the newer it accepts.
 */
const ATTEMPTS: readonly Attempt[] = [
  { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' },
  { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
  { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' },
];

export type AttemptResult =
  | {
      readonly kind: 'accepted';
      readonly protocol: TlsVersion;
      readonly cipher: tls.CipherNameAndProtocol;
      readonly keyExchange?: string;
      readonly chain: Buffer[];
      /** The open TLS connection, when the handshake was asked to keep it (HandshakeOn.keepOpen). */
      readonly socket?: tls.TLSSocket;
    }
  /** The peer speaks TLS but refused this offer (alert, or closed the connection during the handshake). */
  | { readonly kind: 'rejected'; readonly detail: string; readonly alert: boolean }
  /** This agent's OpenSSL cannot offer the versions. */
  | { readonly kind: 'not-tested'; readonly detail: string }
  /** Transport failure or not TLS at all: further handshakes would tell nothing new. */
  | { readonly kind: 'stop'; readonly failure: ProbeUnavailable };

const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_RECORD_LENGTH_MISMATCH', 'ERR_SSL_HTTP_REQUEST']);

export function classifyTlsError(err: unknown): AttemptResult {
  if (err instanceof ProbeUnavailable) return { kind: 'stop', failure: err };
  const socket = socketFailure(err);
  // A reset during the handshake is how many TLS stacks refuse an offer they do not accept.
  if (socket?.kind === 'reset') return { kind: 'rejected', detail: 'connection closed during the handshake', alert: false };
  if (socket) return { kind: 'stop', failure: socket };
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  if (NOT_TLS.has(code)) return { kind: 'stop', failure: new ProbeUnavailable('protocol-mismatch', `peer does not answer in TLS records (${code})`) };
  if (code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') return { kind: 'not-tested', detail: 'this agent cannot offer these versions' };
  if (code.startsWith('ERR_SSL_')) return { kind: 'rejected', detail: code, alert: true };
  return { kind: 'stop', failure: new ProbeUnavailable('error', `TLS handshake failed: ${code || e.message}`) };
}

function peerChain(socket: tls.TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // A self-signed root names itself as its issuer: stop at the first repeat.
  while (cert?.raw && chain.length < MAX_CHAIN && !chain.some((c) => c.equals(cert?.raw as Buffer))) {
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function keyExchange(socket: tls.TLSSocket): string | undefined {
  const info = socket.getEphemeralKeyInfo();
  if (!info || !('type' in info) || !info.type) return undefined;
  return [info.type, 'name' in info ? info.name : undefined, info.size].filter((p) => p !== undefined).join(' ');
}

/** Where a handshake runs: the probe it is recorded for, and the TCP connection another protocol already opened, if any. */
export interface HandshakeOn {
  readonly probe: string;
  /** An open connection whose own protocol (RDP's X.224 negotiation) has just switched to TLS. */
  readonly socket?: net.Socket;
  /** Leave an accepted connection open and return it, for a protocol that runs inside TLS (MQTT on 8883). */
  readonly keepOpen?: boolean;
}

/** One handshake offering every version this agent can, for a caller that needs the connection rather than the version list. */
export const ANY_VERSION: Attempt = { minVersion: 'TLSv1', maxVersion: 'TLSv1.3' };

/** The failure of a handshake that was not accepted, as a probe's typed failure. */
export function handshakeFailure(result: Exclude<AttemptResult, { kind: 'accepted' }>): ProbeUnavailable {
  if (result.kind === 'stop') return result.failure;
  return new ProbeUnavailable(result.kind === 'rejected' ? 'not-supported' : 'error', `TLS handshake: ${result.detail}`);
}

/**
 * One handshake on its own connection (the first may run on the one discovery opened), or on the
 * connection `on.socket` hands over; resolves only after that connection is closed.
 */
export async function tlsHandshake(ctx: ProbeContext, attempt: Attempt, on: HandshakeOn = { probe: PROBE_ID }): Promise<AttemptResult> {
  if (ctx.signal.aborted) return { kind: 'stop', failure: new ProbeUnavailable('budget', 'device time budget spent before the handshake') };
  try {
    await passGate(ctx, on.probe, 'tls.client-hello');
  } catch (err) {
    on.socket?.destroy();
    return { kind: 'stop', failure: err instanceof ProbeUnavailable ? err : new ProbeUnavailable('error', String(err)) };
  }
  ctx.transcript.tx(on.probe, 'tls.client-hello', undefined, `${ctx.address}:${ctx.port} offering ${attempt.minVersion}..${attempt.maxVersion}`);
  const adopted = on.socket ?? ctx.handover?.take(ctx.port);
  const socket = tls.connect({
    ...(adopted ? { socket: adopted } : { host: ctx.address, port: ctx.port }),
    // SNI only for names: an IP address in SNI is not allowed (RFC 6066 3).
    ...(isIP(ctx.address) === 0 ? { servername: ctx.address } : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    minVersion: attempt.minVersion,
    maxVersion: attempt.maxVersion,
    ciphers: CIPHERS,
  });
  const step = new StepTimer<AttemptResult>({ signal: ctx.signal, end: 'device time budget spent during the TLS handshake' });
  step.arm(ctx.stepTimeoutMs, `no TLS handshake within ${ctx.stepTimeoutMs} ms`);
  // Stays attached after the step: errors while closing must not become uncaught events.
  socket.on('error', (err) => step.fail(err));
  socket.once('close', () => step.resolve({ kind: 'rejected', detail: 'connection closed during the handshake', alert: false }));
  socket.once('secureConnect', () => {
    const protocol = socket.getProtocol();
    const cipher = socket.getCipher();
    const version = TLS_VERSIONS.find((v) => v === protocol);
    if (!version) {
      step.resolve({ kind: 'stop', failure: new ProbeUnavailable('protocol-mismatch', `negotiated ${protocol ?? 'nothing'}`) });
      return;
    }
    const kx = keyExchange(socket);
    step.resolve({ kind: 'accepted', protocol: version, cipher, chain: peerChain(socket), ...(kx === undefined ? {} : { keyExchange: kx }) });
  });
  const result = await step.done.catch(classifyTlsError);
  if (on.keepOpen && result.kind === 'accepted') return { ...result, socket };
  await closeSocket(socket, ctx.stepTimeoutMs);
  return result;
}

/** Records a handshake's outcome (and the chain, when asked) in the transcript under `probe`. */
export function recordHandshake(ctx: ProbeContext, result: AttemptResult, withChain: boolean, probe = PROBE_ID): void {
  if (result.kind === 'accepted') {
    ctx.transcript.rx(
      probe,
      'tls.server-hello',
      undefined,
      `${result.protocol} ${result.cipher.standardName ?? result.cipher.name}${result.keyExchange ? ` ${result.keyExchange}` : ''}, ${result.chain.length} certificate(s)`,
    );
    if (withChain) for (const der of result.chain) ctx.transcript.rx(probe, 'tls.certificate', der);
  } else if (result.kind === 'stop') {
    ctx.transcript.note(probe, 'tls.handshake-failed', `${result.failure.kind}: ${result.failure.message}`);
  } else {
    ctx.transcript.note(probe, 'tls.handshake-failed', result.detail);
  }
}

/** Per-version results from the handshakes (in ATTEMPTS order); untried versions are not-tested. */
export function versionResults(results: readonly AttemptResult[]): TlsVersionResult[] {
  const out = new Map<TlsVersion, TlsVersionResult>(TLS_VERSIONS.map((v) => [v, { version: v, status: 'not-tested' }]));
  const set = (v: TlsVersion, r: AttemptResult) => {
    if (r.kind === 'accepted') out.set(v, { version: v, status: 'accepted', cipher: r.cipher.standardName ?? r.cipher.name });
    else if (r.kind === 'rejected') out.set(v, { version: v, status: 'rejected', detail: r.detail });
    else if (r.kind === 'not-tested') out.set(v, { version: v, status: 'not-tested', detail: r.detail });
    else out.set(v, { version: v, status: 'no-answer', detail: `${r.failure.kind}: ${r.failure.message}` });
  };
  for (const [i, r] of results.entries()) {
    const attempt = ATTEMPTS[i];
    if (!attempt) continue;
    if (attempt.minVersion === attempt.maxVersion) {
      set(attempt.maxVersion as TlsVersion, r);
    } else if (r.kind === 'accepted') {
      set(r.protocol, r);
      // Offered 1.0..1.1: choosing 1.0 means 1.1 is refused; choosing 1.1 leaves 1.0 untold.
      if (r.protocol === 'TLSv1') out.set('TLSv1.1', { version: 'TLSv1.1', status: 'rejected', detail: 'server chose TLSv1 when offered up to TLSv1.1' });
      else out.set('TLSv1', { version: 'TLSv1', status: 'not-tested', detail: `server chose ${r.protocol} when offered TLSv1..TLSv1.1` });
    } else {
      set('TLSv1.1', r);
      set('TLSv1', r);
    }
  }
  return TLS_VERSIONS.map((v) => out.get(v) as TlsVersionResult);
}

/** The certificate facts of a chain; a certificate that cannot be read is noted, not fatal. */
export function chainFacts(ctx: ProbeContext, chain: readonly Buffer[], probe = PROBE_ID): CertificateFacts[] {
  const certificates: CertificateFacts[] = [];
  for (const der of chain) {
    try {
      certificates.push(certificateFacts(der));
    } catch (err) {
      ctx.transcript.note(probe, 'tls.certificate-unreadable', err instanceof Error ? err.message : String(err));
    }
  }
  return certificates;
}

async function run(ctx: ProbeContext): Promise<TlsFacts> {
  const results: AttemptResult[] = [];
  let firstAccepted: Extract<AttemptResult, { kind: 'accepted' }> | undefined;
  for (const attempt of ATTEMPTS) {
    const result = await tlsHandshake(ctx, attempt);
    recordHandshake(ctx, result, result.kind === 'accepted' && firstAccepted === undefined);
    if (result.kind === 'stop' && (results.length === 0 || result.failure.kind === 'budget')) throw result.failure;
    results.push(result);
    if (result.kind === 'accepted') firstAccepted ??= result;
    // A peer that stopped answering is not asked again.
    if (result.kind === 'stop') break;
  }
  const versions = versionResults(results);
  const accepted = versions.filter((v) => v.status === 'accepted').map((v) => v.version);
  const newest = results.filter((r) => r.kind === 'accepted').sort((a, b) => TLS_VERSIONS.indexOf(a.protocol) - TLS_VERSIONS.indexOf(b.protocol))[0];
  if (!newest || !firstAccepted) {
    const alert = results.some((r) => r.kind === 'rejected' && r.alert);
    const summary = versions.map((v) => `${v.version} ${v.status}${v.detail ? ` (${v.detail})` : ''}`).join('; ');
    throw new ProbeUnavailable(alert ? 'not-supported' : 'closed', `no TLS handshake succeeded: ${summary}`);
  }
  const certificates = chainFacts(ctx, firstAccepted.chain);
  const negotiated: TlsFacts['negotiated'] = { version: newest.protocol, cipher: newest.cipher.name };
  if (newest.cipher.standardName) negotiated.cipherStandardName = newest.cipher.standardName;
  if (newest.keyExchange) negotiated.keyExchange = newest.keyExchange;
  return { versions, acceptedVersions: accepted, negotiated, certificates, handshakes: results.length, observedAt: ctx.now().toISOString() };
}

/** Service protocols (probes/services.ts) the TLS probe runs on. */
export const TLS_PROTOCOLS = ['https', 'https-alt', 'opcua-tls', 'fox-tls', 'winrm-tls', 'mqtt-tls'] as const;

/**
 * TLS versions, cipher and certificate chain of a TLS service. Registered for the protocols
 * `https`, `https-alt`, `opcua-tls`, `fox-tls` (Niagara Fox over TLS), `winrm-tls` and `mqtt-tls`; costs up to three
 * connections, one after the other.
 */
export const tlsProbe: ProbeDefinition<TlsFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'https',
  safety: 'identify',
  ops: ['tls.client-hello'],
  transport: 'tcp',
  protocols: TLS_PROTOCOLS,
  facts: TlsFacts,
  run,
};

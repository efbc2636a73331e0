import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type SmbBehaviour, startSmbFixture, WINDOWS_HMI, WINDOWS_SCADA } from '../../fixtures/smb/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import type { ProbeDefinition } from '../types.ts';
import type { SmbNegotiateFacts, SmbNtlmInfoFacts, SmbNullSessionFacts, SmbSmb1Facts } from './facts.ts';
import { buildSessionRequest, nbssFrameLength } from './netbios.ts';
import { buildNtlmAuthenticate, parseAvPairs, parseNtlmChallenge } from './ntlm.ts';
import { smbNegotiateProbe, smbNtlmInfoProbe, smbNullSessionProbe, smbSmb1Probe } from './probe.ts';
import { buildSmb1Negotiate, parseSmb1Negotiate } from './smb1.ts';
import { buildSmb2Negotiate, buildSmb2TreeConnectIpc, parseSmb2Negotiate, parseSmb2TreeConnect } from './smb2.ts';
import { hintedMechanisms, unwrapNtlmToken } from './spnego.ts';

const POSTURES = [
  'weak',
  'hardened',
  'smb1-only',
  'truncated',
  'wrong-length',
  'huge-length',
  'garbage',
  'silent',
  'bad-challenge',
  'guest',
  'auth-silent',
  'tree-garbage',
] as const;
const fixture = fixturesPerPosture<SmbBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startSmbFixture({
    host: testAddress('smbProbe', 1 + POSTURES.indexOf(behaviour)),
    port: 0,
    identity: behaviour === 'hardened' ? WINDOWS_SCADA : WINDOWS_HMI,
    behaviour,
  }),
);

async function probe<F>(definition: ProbeDefinition<F>, f: RunningFixture, port = f.ports.smb ?? f.ports['netbios-ssn'] ?? 0) {
  const before = { connections: f.log.connections, requests: f.log.requests.length };
  const ctx = testContext(f.host, port, { stepTimeoutMs: 500 });
  const started = performance.now();
  const outcome = await runProbe(definition, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
  return { facts: outcome.facts as F, ctx, ms, connections: f.log.connections - before.connections, kinds: f.log.kinds().slice(before.requests) };
}

describe('smb.negotiate against the spec-exact server', () => {
  it('reads a weak SMB 2.1 server with two requests on one connection: signing not required, no session setup', async () => {
    const f = fixture('weak');
    const run = await probe<SmbNegotiateFacts>(smbNegotiateProbe, f);
    expect(run.facts).toEqual({
      protocol: 'smb2',
      dialect: '2.1',
      signing: { enabled: true, required: false },
      serverGuid: '2e0b1a5c-4f9d-3a4c-8b7e-6d5c4b3a2910',
      systemTime: '2026-01-02T03:04:05.000Z',
      securityMechanisms: ['NTLMSSP'],
      transport: 'direct',
      offered: ['NT LM 0.12', 'SMB 2.002', 'SMB 2.???'],
      requestsSent: 2,
    });
    expect(run.connections).toBe(1);
    expect(run.kinds).toEqual(['negotiate-smb1', 'negotiate-smb2']);
    expect(f.log.count('auth') + f.log.count('write')).toBe(0);
    expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'smb.negotiate', 'smb.negotiate-smb2']));
    expect(run.ms).toBeLessThan(500);
  });

  it('reads a hardened SMB 3.1.1 server: signing required, AES-128-GCM, Kerberos offered', async () => {
    const run = await probe<SmbNegotiateFacts>(smbNegotiateProbe, fixture('hardened'));
    expect(run.facts).toMatchObject({
      protocol: 'smb2',
      dialect: '3.1.1',
      signing: { required: true },
      encryption: { supported: true, cipher: 'AES-128-GCM' },
      signingAlgorithm: 'AES-CMAC',
      securityMechanisms: ['Kerberos (Microsoft)', 'NTLMSSP'],
    });
  });

  it('reads an SMB1-only server from one request: NT LM 0.12, signing off, domain and host named', async () => {
    const run = await probe<SmbNegotiateFacts>(smbNegotiateProbe, fixture('smb1-only'));
    expect(run.facts).toMatchObject({
      protocol: 'smb1',
      dialect: 'NT LM 0.12',
      signing: { enabled: false, required: false },
      smb1: { shareLevelSecurity: false, plaintextPasswords: false, extendedSecurity: false, domainName: 'PLANT', serverName: 'HMI-LINE1' },
      requestsSent: 1,
    });
    expect(run.kinds).toEqual(['negotiate-smb1']);
  });

  it('asks for a NetBIOS session first on port 139', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('binding port 139 needs root');
    const f = await startSmbFixture({ host: testAddress('smbProbe', 20), port: 139, protocol: 'netbios-ssn', identity: WINDOWS_HMI, behaviour: 'weak' });
    try {
      const run = await probe<SmbNegotiateFacts>(smbNegotiateProbe, f, 139);
      expect(run.facts).toMatchObject({ transport: 'netbios', dialect: '2.1', requestsSent: 3 });
      expect(run.kinds).toEqual(['netbios-session', 'negotiate-smb1', 'negotiate-smb2']);
    } finally {
      await f.close();
    }
  });
});

describe('smb.ntlm-info (opt-in) against the spec-exact server', () => {
  it('reads the CHALLENGE of one session setup and never completes it', async () => {
    const f = fixture('hardened');
    const run = await probe<SmbNtlmInfoFacts>(smbNtlmInfoProbe, f);
    expect(run.facts.ntlm).toEqual({
      targetName: 'PLANTAD',
      nbComputerName: 'SCADA01',
      nbDomainName: 'PLANTAD',
      dnsComputerName: 'scada01.plant.example',
      dnsDomainName: 'plant.example',
      dnsTreeName: 'plant.example',
      timestamp: '2026-01-02T03:04:05.000Z',
      osVersion: { major: 10, minor: 0, build: 17763, ntlmRevision: 15 },
      flags: 0xe28a8215,
    });
    expect(run.connections).toBe(1);
    expect(run.kinds).toEqual(['negotiate-smb1', 'negotiate-smb2', 'session-setup-ntlm']);
    expect(f.log.kinds()).not.toContain('session-setup-authenticate');
    expect(f.log.count('write')).toBe(0);
  });

  it('keeps the negotiation when the challenge is broken, and says why there is no NTLM info', async () => {
    const run = await probe<SmbNtlmInfoFacts>(smbNtlmInfoProbe, fixture('bad-challenge'));
    expect(run.facts).toMatchObject({ dialect: '2.1', ntlmUnavailable: { kind: 'malformed' } });
    expect(run.facts.ntlmUnavailable?.detail).toMatch(/AV pair 2 announces 16384 bytes/);
  });

  it('reads no NTLM info over SMB1 and says so', async () => {
    const run = await probe<SmbNtlmInfoFacts>(smbNtlmInfoProbe, fixture('smb1-only'));
    expect(run.facts).toMatchObject({ protocol: 'smb1', ntlmUnavailable: { kind: 'not-supported' } });
    expect(run.kinds).toEqual(['negotiate-smb1']);
  });
});

describe('smb.null-session (opt-in) against the spec-exact server', () => {
  /** Requests that would open, read or change something: the fixture counts them as `write`, and none may arrive. */
  const noFileOrPipe = (f: RunningFixture) => expect(f.log.kinds('write')).toEqual([]);
  const LOGINS = ['session-setup-ntlm', 'session-setup-anonymous'];

  it('weak: the anonymous session reaches IPC$ (and is disconnected, logged off), the made-up user is refused: one connection', async () => {
    const f = fixture('weak');
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f);
    expect(run.facts.anonymous).toEqual({
      sessionStatus: '0x00000000',
      granted: true,
      isGuest: false,
      isNull: true,
      ipc: { status: '0x00000000', connected: true, shareType: 'pipe' },
    });
    expect(run.facts.guest).toEqual({ user: expect.stringMatching(/^cellcheck-[0-9a-f]{8}$/), sessionStatus: '0xc000006d', granted: false });
    expect(run.facts.ntlm?.nbComputerName).toBe('HMI-LINE1');
    expect(run.connections).toBe(1);
    expect(run.kinds).toEqual([
      'negotiate-smb1',
      'negotiate-smb2',
      ...LOGINS,
      'tree-connect-ipc',
      'tree-disconnect',
      'logoff',
      'session-setup-ntlm',
      'session-setup-authenticate',
    ]);
    expect(run.facts.requestsSent).toBe(9);
    noFileOrPipe(f);
    expect(run.ms).toBeLessThan(500);
  });

  it('hardened: the anonymous session is granted but refused IPC$, and logged off; the made-up user is refused', async () => {
    const f = fixture('hardened');
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f);
    expect(run.facts.anonymous).toMatchObject({ granted: true, ipc: { status: '0xc0000022', connected: false } });
    expect(run.facts.guest).toMatchObject({ granted: false });
    expect(run.kinds).toEqual([
      'negotiate-smb1',
      'negotiate-smb2',
      ...LOGINS,
      'tree-connect-ipc',
      'logoff',
      'session-setup-ntlm',
      'session-setup-authenticate',
    ]);
    noFileOrPipe(f);
  });

  it('guest: IPC$ refused to the anonymous session, the made-up user logged in as guest (IS_GUEST) and logged off', async () => {
    const f = fixture('guest');
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f);
    expect(run.facts.anonymous?.ipc).toEqual({ status: '0xc0000022', connected: false });
    expect(run.facts.guest).toMatchObject({ sessionStatus: '0x00000000', granted: true, isGuest: true, isNull: false });
    expect(run.kinds.slice(-3)).toEqual(['session-setup-ntlm', 'session-setup-authenticate', 'logoff']);
    noFileOrPipe(f);
  });

  it('a server that never answers the AUTHENTICATE: the step times out, the negotiation and NTLM info are kept, nothing more is sent', async () => {
    const f = fixture('auth-silent');
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f);
    expect(run.facts).toMatchObject({ dialect: '2.1', ntlm: { nbComputerName: 'HMI-LINE1' }, anonymous: { unavailable: { kind: 'timeout' } } });
    expect(run.facts.guest).toBeUndefined();
    expect(run.kinds).toEqual(['negotiate-smb1', 'negotiate-smb2', ...LOGINS]);
    expect(run.ms).toBeLessThan(1500);
  });

  it('a TREE_CONNECT answered with garbage: the granted session is kept as evidence, the IPC$ answer is malformed, no guest attempt', async () => {
    const f = fixture('tree-garbage');
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f);
    expect(run.facts.anonymous).toMatchObject({ granted: true, unavailable: { kind: 'malformed' } });
    expect(run.facts.anonymous?.ipc).toBeUndefined();
    expect(run.kinds).toEqual(['negotiate-smb1', 'negotiate-smb2', ...LOGINS, 'tree-connect-ipc']);
    noFileOrPipe(f);
  });

  it('on port 139: the NetBIOS session request first, then the same logins on the one connection', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('binding port 139 needs root');
    const f = await startSmbFixture({ host: testAddress('smbProbe', 21), port: 139, protocol: 'netbios-ssn', identity: WINDOWS_HMI, behaviour: 'weak' });
    try {
      const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, f, 139);
      expect(run.facts).toMatchObject({ transport: 'netbios', requestsSent: 10, anonymous: { ipc: { connected: true } }, guest: { granted: false } });
      expect(run.kinds.slice(0, 2)).toEqual(['netbios-session', 'negotiate-smb1']);
      expect(run.connections).toBe(1);
      noFileOrPipe(f);
    } finally {
      await f.close();
    }
  });

  it('attempts no login over SMB1 and says why', async () => {
    const run = await probe<SmbNullSessionFacts>(smbNullSessionProbe, fixture('smb1-only'));
    expect(run.facts.loginsUnavailable).toEqual({
      kind: 'not-supported',
      detail: 'no login attempted: the server picked SMB1; NTLM info is read over SMB2 only',
    });
    expect(run.kinds).toEqual(['negotiate-smb1']);
  });
});

describe('smb.smb1-dialect (opt-in) against the spec-exact server', () => {
  it('sees SMB1 still accepted on a server that prefers SMB2', async () => {
    const run = await probe<SmbSmb1Facts>(smbSmb1Probe, fixture('weak'));
    expect(run.facts).toMatchObject({ accepted: true, negotiate: { protocol: 'smb1', smb1: { serverName: 'HMI-LINE1' } }, requestsSent: 1 });
    expect(run.kinds).toEqual(['negotiate-smb1']);
  });

  it('records a reset in answer to SMB1 alone as the refusal', async () => {
    const run = await probe<SmbSmb1Facts>(smbSmb1Probe, fixture('hardened'));
    expect(run.facts).toEqual({ transport: 'direct', accepted: false, refusal: 'reset', requestsSent: 1 });
  });

  it('keeps a reply cut off before the close a failure, not a refusal', async () => {
    const f = fixture('truncated');
    const outcome = await runProbe(smbSmb1Probe, testContext(f.host, f.ports.smb ?? 0, { stepTimeoutMs: 500 }));
    expect(outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'closed' } });
    await untilClosed(f.log);
  });

  it('skips the second connection when the first NEGOTIATE already picked SMB1', async () => {
    const f = fixture('smb1-only');
    const first = await runProbe(smbNegotiateProbe, testContext(f.host, f.ports.smb ?? 0));
    const before = f.log.connections;
    const outcome = await runProbe(smbSmb1Probe, testContext(f.host, f.ports.smb ?? 0, { earlier: [first] }));
    expect(outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'not-supported' } });
    expect(f.log.connections).toBe(before);
  });
});

describe('smb.negotiate against hostile postures', () => {
  itEndsHostilePostures(smbNegotiateProbe, 'smb', fixture, [
    ['truncated', 'closed'],
    ['wrong-length', 'timeout'],
    ['huge-length', 'malformed'],
    ['garbage', 'protocol-mismatch'],
    ['silent', 'timeout'],
  ]);
});

describe('the SMB builders and parsers', () => {
  it('builds a NetBIOS session request calling *SMBSERVER, and refuses a frame longer than a negotiation needs', () => {
    const request = buildSessionRequest();
    expect(request.subarray(0, 4).toString('hex')).toBe('81000044');
    expect(request.subarray(4, 38).toString('latin1')).toBe(' CKFDENECFDEFFCFGEFFCCACACACACACA\0');
    expect(thrownUnavailable(() => nbssFrameLength(Buffer.from('00ffffff', 'hex'))).kind).toBe('malformed');
  });

  it('offers NT LM 0.12 and both SMB2 strings in the SMB1-form NEGOTIATE', () => {
    const offer = buildSmb1Negotiate(['NT LM 0.12', 'SMB 2.002', 'SMB 2.???']);
    expect(offer.subarray(35).toString('latin1')).toBe('\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???\0');
  });

  it('lays the SMB2 NEGOTIATE contexts 8-byte aligned after five dialects', () => {
    const n = buildSmb2Negotiate(1n, Buffer.alloc(16), Buffer.alloc(32, 1));
    expect(n.readUInt16LE(64 + 2)).toBe(5);
    expect(n.readUInt32LE(64 + 28)).toBe(112);
    expect(n.readUInt16LE(112)).toBe(1);
  });

  it('refuses a dialect index past the offer and a security buffer outside the message', () => {
    const reply = Buffer.from(`ff534d4272000000009801c0${'00'.repeat(20)}01050000 00`.replace(/ /g, ''), 'hex');
    expect(thrownUnavailable(() => parseSmb1Negotiate(reply, ['NT LM 0.12'])).message).toMatch(/dialect index 5/);
    reply.writeUInt16LE(1, 33);
    expect(thrownUnavailable(() => parseSmb1Negotiate(reply, ['NT LM 0.12', 'SMB 2.002'])).message).toMatch(/SMB1 reply picking SMB 2.002/);
    const smb2 = Buffer.alloc(128);
    smb2.writeUInt16LE(65, 64);
    smb2.writeUInt16LE(0x0210, 68);
    smb2.writeUInt16LE(120, 64 + 56);
    smb2.writeUInt16LE(100, 64 + 58);
    expect(thrownUnavailable(() => parseSmb2Negotiate(smb2)).message).toMatch(/security buffer at 120\+100/);
    // 3.1.1 with a context offset past 2^31: found by the fuzzer, once a RangeError from 32-bit alignment.
    smb2.writeUInt16LE(0x0311, 68);
    smb2.writeUInt16LE(0, 64 + 58);
    smb2.writeUInt16LE(1, 64 + 6);
    smb2.writeUInt32LE(0x800000b0, 64 + 60);
    expect(thrownUnavailable(() => parseSmb2Negotiate(smb2)).message).toMatch(/negotiate contexts at offset 2147483824/);
  });

  it('reads AV pairs until MsvAvEOL and refuses one that runs past the buffer', () => {
    const name = Buffer.from('HMI', 'utf16le');
    const pairs = Buffer.concat([Buffer.from([1, 0, name.length, 0]), name, Buffer.from([0, 0, 0, 0])]);
    expect(parseAvPairs(pairs)).toEqual({ nbComputerName: 'HMI' });
    expect(thrownUnavailable(() => parseAvPairs(Buffer.from('01000a00414200', 'hex'))).message).toMatch(/announces 10 bytes/);
    expect(thrownUnavailable(() => parseNtlmChallenge(Buffer.alloc(60))).message).toMatch(/no NTLMSSP signature/);
  });

  it('builds the anonymous AUTHENTICATE empty (LM one zero byte, NTLMSSP_NEGOTIATE_ANONYMOUS) and the guest one with only a made-up name', () => {
    const anonymous = buildNtlmAuthenticate({ kind: 'anonymous' });
    const lengths = (m: Buffer) => [0, 1, 2, 3, 4, 5].map((i) => m.readUInt16LE(12 + 8 * i));
    expect(lengths(anonymous)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(anonymous.readUInt32LE(60) & 0x800).toBe(0x800);
    expect(anonymous.length).toBe(73);
    const guest = buildNtlmAuthenticate({ kind: 'guest', user: 'cellcheck-0badf00d' });
    expect(lengths(guest)).toEqual([24, 24, 0, 36, 0, 0]);
    expect(guest.subarray(guest.readUInt32LE(40), guest.readUInt32LE(40) + 36).toString('utf16le')).toBe('cellcheck-0badf00d');
    expect(guest.readUInt32LE(60) & 0x800).toBe(0);
  });

  it('names only \\\\host\\IPC$ in a TREE_CONNECT, and refuses a tree connect reply with an unknown share type', () => {
    const request = buildSmb2TreeConnectIpc(4n, 7n, '10.0.0.5');
    expect(request.subarray(72).toString('utf16le')).toBe('\\\\10.0.0.5\\IPC$');
    const reply = Buffer.alloc(80);
    reply.writeUInt16LE(16, 64);
    reply.writeUInt8(9, 66);
    expect(thrownUnavailable(() => parseSmb2TreeConnect(reply)).message).toMatch(/share type 9/);
    expect(thrownUnavailable(() => parseSmb2TreeConnect(reply.subarray(0, 70))).message).toMatch(/6 bytes, shorter than 16/);
  });

  it('refuses SPNEGO tokens whose lengths do not fit', () => {
    expect(thrownUnavailable(() => unwrapNtlmToken(Buffer.from('a1053003a2ff', 'hex'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => hintedMechanisms(Buffer.from('6084ffffffff', 'hex'))).kind).toBe('malformed');
  });
});

describe('one SMB service per device', () => {
  it('opens no connection on 139 once SMB answered on 445', async () => {
    const f = fixture('weak');
    const earlier = [
      { probe: 'smb.negotiate', version: 1, port: 445, status: 'ok' as const, facts: {}, transcript: [0, 1] as [number, number], durationMs: 3 },
    ];
    const before = f.log.connections;
    const outcome = await runProbe(smbNegotiateProbe, testContext(f.host, f.ports.smb ?? 0, { earlier }));
    expect(outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'not-supported', detail: expect.stringMatching(/port 445/) } });
    expect(f.log.connections).toBe(before);
  });
});

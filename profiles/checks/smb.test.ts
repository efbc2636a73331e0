import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SmbNegotiateFacts, SmbNtlmInfoFacts, SmbNullSessionFacts, SmbSmb1Facts } from '../../probes/smb/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/smb.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { decideRole } from '../role.ts';
import { smbCheckKinds, smbIdentity } from './smb.ts';

const OFFER = ['NT LM 0.12', 'SMB 2.002', 'SMB 2.???'];

const SMB2_WEAK: SmbNegotiateFacts = {
  protocol: 'smb2',
  dialect: '2.1',
  signing: { enabled: true, required: false },
  serverGuid: '2e0b1a5c-4f9d-3a4c-8b7e-6d5c4b3a2910',
  securityMechanisms: ['NTLMSSP'],
  transport: 'direct',
  offered: OFFER,
  requestsSent: 2,
};

const SMB3_HARDENED: SmbNegotiateFacts = {
  ...SMB2_WEAK,
  dialect: '3.1.1',
  signing: { enabled: true, required: true },
  encryption: { supported: true, cipher: 'AES-128-GCM' },
};

const SMB1_ONLY: SmbNegotiateFacts = {
  protocol: 'smb1',
  dialect: 'NT LM 0.12',
  signing: { enabled: false, required: false },
  smb1: { shareLevelSecurity: false, plaintextPasswords: false, extendedSecurity: false, capabilities: 0xf3fd, domainName: 'PLANT', serverName: 'HMI-LINE1' },
  transport: 'direct',
  offered: OFFER,
  requestsSent: 1,
};

const NTLM: SmbNtlmInfoFacts = {
  ...SMB3_HARDENED,
  requestsSent: 3,
  ntlm: {
    nbComputerName: 'SCADA01',
    nbDomainName: 'PLANTAD',
    dnsComputerName: 'scada01.plant.example',
    osVersion: { major: 10, minor: 0, build: 17763, ntlmRevision: 15 },
    flags: 0,
  },
};

function outcome(probe: string, facts: unknown, port = 445): ProbeOutcome {
  return { probe, version: 1, port, status: 'ok', facts, transcript: [2, 5], durationMs: 4 };
}

const smb1Dialect = (facts: SmbSmb1Facts) => outcome('smb.smb1-dialect', facts);

const TIMEOUT: ProbeOutcome = {
  probe: 'smb.negotiate',
  version: 1,
  port: 445,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to smb.reply within 2000 ms' },
  transcript: [1, 3],
  durationMs: 2000,
};

function device(outcomes: ProbeOutcome[], openPorts: readonly (readonly [number, string])[] = [[445, 'smb']]): DeviceView {
  const services = openPorts.map(([port, protocol]) => ({ port, transport: 'tcp' as const, protocol, confirmed: outcomes.length > 0 }));
  const observation: DeviceObservation = { address: testAddress('smbChecks', 1), services, outcomes };
  return new DeviceView(observation);
}

const checks = loadCheckSet(smbCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('smb check instances', () => {
  it('load into the bundled profile and map to the rows issue 18 names', () => {
    expect(bundledProfile().checks.has('smb.smb1-disabled')).toBe(true);
    const rows = (check: string) =>
      Object.entries(mapping.requirements)
        .filter(([, row]) => row.checks.includes(check))
        .map(([id]) => id);
    expect(rows('smb.smb1-disabled')).toEqual(['CR 4.3', 'CR 7.7']);
    expect(rows('smb.signing-required')).toEqual(['CR 3.1']);
    expect(rows('smb.anonymous-refused')).toEqual(['CR 1.1', 'CR 2.1']);
  });
});

describe('smb.smb1-disabled', () => {
  const id = 'smb.smb1-disabled';

  it('fails when the server chose SMB1 over SMB2, or accepted SMB1 offered alone', () => {
    expect(evaluate(id, device([outcome('smb.negotiate', SMB1_ONLY)]))).toMatchObject({ status: 'fail', observed: { how: 'chosen over SMB2' } });
    const accepted = smb1Dialect({ transport: 'direct', accepted: true, negotiate: { protocol: 'smb1', dialect: 'NT LM 0.12' }, requestsSent: 1 });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB2_WEAK), accepted]))).toMatchObject({ status: 'fail', observed: { how: 'offered alone' } });
  });

  it('passes only when SMB1 offered alone was refused; SMB2 chosen alone leaves it unknown', () => {
    const refused = smb1Dialect({ transport: 'direct', accepted: false, refusal: 'reset', requestsSent: 1 });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB3_HARDENED), refused]))).toMatchObject({ status: 'pass', observed: { refusal: 'reset' } });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB3_HARDENED)]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/probes\.smb\.smb1Dialect/),
    });
  });

  it('reads the opt-in smb.ntlm-info facts where it replaced smb.negotiate, and follows the absent and unavailable conventions', () => {
    expect(evaluate(id, device([outcome('smb.ntlm-info', { ...SMB1_ONLY, ntlmUnavailable: { kind: 'not-supported', detail: 'SMB1' } })])).status).toBe('fail');
    expect(evaluate(id, device([], [])).status).toBe('not-applicable');
    expect(evaluate(id, device([TIMEOUT]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(id, device([], [[139, 'netbios-ssn']]))).toMatchObject({ status: 'unknown', observed: { openPorts: [139] } });
  });
});

describe('smb.signing-required', () => {
  const id = 'smb.signing-required';

  it('fails when the chosen dialect does not require signing, passes when it does', () => {
    expect(evaluate(id, device([outcome('smb.negotiate', SMB2_WEAK)]))).toMatchObject({ status: 'fail', observed: { signingRequired: { '2.1': false } } });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB3_HARDENED)]))).toMatchObject({ status: 'pass', observed: { signingRequired: { '3.1.1': true } } });
  });

  it('fails when SMB1, still accepted beside a signing SMB3, does not require it', () => {
    const smb1 = smb1Dialect({ transport: 'direct', accepted: true, negotiate: SMB1_ONLY, requestsSent: 1 });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB3_HARDENED), smb1]))).toMatchObject({
      status: 'fail',
      observed: { signingRequired: { '3.1.1': true, 'NT LM 0.12': false } },
    });
  });
});

describe('smb.anonymous-refused', () => {
  const id = 'smb.anonymous-refused';

  it('fails on SMB1 share-level security and without the null-session opt-in stays unknown, naming it', () => {
    const shareLevel = { ...SMB1_ONLY, smb1: { ...(SMB1_ONLY.smb1 as NonNullable<SmbNegotiateFacts['smb1']>), shareLevelSecurity: true } };
    expect(evaluate(id, device([outcome('smb.negotiate', shareLevel)]))).toMatchObject({ status: 'fail', observed: { security: 'share-level' } });
    expect(evaluate(id, device([outcome('smb.negotiate', SMB3_HARDENED)]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('opt-in probes.smb.nullSession'),
    });
  });

  const REFUSED_IPC = { sessionStatus: '0x00000000', granted: true, isGuest: false, isNull: true, ipc: { status: '0xc0000022', connected: false } };
  const REFUSED_GUEST = { user: 'cellcheck-0badf00d', sessionStatus: '0xc000006d', granted: false };
  const logins = (facts: Partial<SmbNullSessionFacts>) => device([outcome('smb.null-session', { ...NTLM, requestsSent: 8, ...facts })]);

  it('fails on an anonymous IPC$ tree connect, with its status as evidence', () => {
    const anonymous = { ...REFUSED_IPC, ipc: { status: '0x00000000', connected: true, shareType: 'pipe' as const } };
    expect(evaluate(id, logins({ anonymous, guest: REFUSED_GUEST }))).toEqual({
      status: 'fail',
      observed: { security: 'user-level', anonymous: ['IPC$ tree connect 0x00000000'], guest: ['session setup 0xc000006d'] },
      expected: { security: 'user-level', anonymousIpc: 'refused', guest: 'refused' },
      evidence: [{ probe: 'smb.null-session', port: 445, transcript: [2, 5] }],
    });
  });

  it('fails on a session granted to a made-up user (guest mapping), even with IPC$ refused', () => {
    const guest = { ...REFUSED_GUEST, sessionStatus: '0x00000000', granted: true, isGuest: true, isNull: false };
    expect(evaluate(id, logins({ anonymous: REFUSED_IPC, guest }))).toMatchObject({
      status: 'fail',
      observed: { guest: ['session setup 0x00000000, IS_GUEST'] },
    });
  });

  it('passes when IPC$ is refused to the anonymous session (or the session itself) and the made-up user is refused', () => {
    expect(evaluate(id, logins({ anonymous: REFUSED_IPC, guest: REFUSED_GUEST }))).toMatchObject({ status: 'pass' });
    const noSession = { sessionStatus: '0xc0000022', granted: false };
    expect(evaluate(id, logins({ anonymous: noSession, guest: REFUSED_GUEST }))).toMatchObject({
      status: 'pass',
      observed: { anonymous: ['session setup 0xc0000022'] },
    });
  });

  it('stays unknown where an answer is missing: no IPC$ answer, no guest attempt, no login over SMB1', () => {
    const cutOff = {
      sessionStatus: '0x00000000',
      granted: true,
      isGuest: false,
      isNull: true,
      unavailable: { kind: 'malformed' as const, detail: 'SMB2 junk' },
    };
    expect(evaluate(id, logins({ anonymous: cutOff }))).toMatchObject({
      status: 'unknown',
      observed: { anonymous: ['malformed: SMB2 junk'], guest: ['not attempted'] },
    });
    const smb1 = { loginsUnavailable: { kind: 'not-supported' as const, detail: 'no login attempted: the server picked SMB1' } };
    expect(evaluate(id, logins(smb1))).toMatchObject({ status: 'unknown', reason: expect.stringContaining('the server picked SMB1') });
  });
});

describe('smbIdentity and the host role', () => {
  it('claims the DNS host name and the Windows release from the NTLM challenge', () => {
    expect(smbIdentity(device([outcome('smb.ntlm-info', NTLM)]))).toEqual([
      { field: 'name', value: 'scada01.plant.example', source: 'smb.ntlm-info' },
      { field: 'os', value: 'Windows NT 10.0.17763 (Windows 10 1809 / Server 2019)', source: 'smb.ntlm-info' },
    ]);
  });

  it('claims them from the null-session probe too, which reads the same challenge first', () => {
    expect(smbIdentity(device([outcome('smb.null-session', NTLM)])).map((c) => c.source)).toEqual(['smb.null-session', 'smb.null-session']);
  });

  it('claims the NetBIOS name of an SMB1 server, and no OS from a build 0 (Samba)', () => {
    expect(smbIdentity(device([outcome('smb.negotiate', SMB1_ONLY)]))).toEqual([{ field: 'name', value: 'HMI-LINE1', source: 'smb.negotiate' }]);
    const samba = { ...NTLM, ntlm: { ...(NTLM.ntlm as NonNullable<SmbNtlmInfoFacts['ntlm']>), osVersion: { major: 6, minor: 1, build: 0, ntlmRevision: 15 } } };
    expect(smbIdentity(device([outcome('smb.ntlm-info', samba)])).map((c) => c.field)).toEqual(['name']);
  });

  it('infers a host from an SMB answer, never from the open port alone', () => {
    const answered = device([outcome('smb.negotiate', SMB2_WEAK)]);
    expect(decideRole('auto', answered, mergeIdentity(smbIdentity(answered)))).toMatchObject({
      role: 'host',
      reason: expect.stringMatching(/Windows host services answered: smb/),
    });
    expect(decideRole('auto', device([TIMEOUT])).role).toBe('unknown');
  });
});

describe('a Windows host identified over SMB, to advisories (ICSA-23-346-01, a product named with its Windows releases)', () => {
  const file = 'cisa-more/icsa-23-346-01.json';
  const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
  if (!digested.ok) throw new Error(digested.reason);
  const index = new AdvisoryIndex([digested.advisory]);

  it('never matches on the OS alone: Windows Server 2019 is the platform of the product, not the product', () => {
    const identity = mergeIdentity(smbIdentity(device([outcome('smb.ntlm-info', NTLM)])));
    expect(identity.os?.value).toMatch(/Server 2019/);
    const { coverage, findings } = matchDevice(identity, index);
    expect(findings).toEqual([]);
    // Name and OS are no product identity: the device is not matchable rather than unaffected.
    expect(coverage.outcome).toBe('not-matchable');
  });
});

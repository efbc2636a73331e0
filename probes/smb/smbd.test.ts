import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { SMBD_NAMES, SMBD_PATH, type SmbdPosture, smbdAvailable, startSmbdFixture } from '../../fixtures/smb/smbd.ts';
import { freePort } from '../../test/setup/run-sshd.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { ProbeDefinition } from '../types.ts';
import type { SmbNegotiateFacts, SmbNtlmInfoFacts, SmbNullSessionFacts, SmbSmb1Facts } from './facts.ts';
import { smbNegotiateProbe, smbNtlmInfoProbe, smbNullSessionProbe, smbSmb1Probe } from './probe.ts';

/**
 * Against Samba's smbd, a second, independent SMB implementation (test/setup/smbd.sh unpacks it
 * from Debian; .ci/run exports CELLCHECK_SMBD): weak (SMB1 allowed, signing off, guest share, unknown
 * users mapped to guest, anonymous IPC$) and hardened (SMB3 only, signing mandatory, restrict anonymous = 2,
 * map to guest = never).
 */
describe.skipIf(!smbdAvailable())(`Samba smbd (${SMBD_PATH}; skipped when missing: run test/setup/smbd.sh)`, () => {
  const servers = new Map<SmbdPosture, RunningFixture>();
  beforeAll(async () => {
    for (const [i, posture] of (['weak', 'hardened'] as const).entries()) {
      const host = testAddress('smbd', 1 + i);
      servers.set(posture, await startSmbdFixture({ host, port: await freePort(host), posture }));
    }
  }, 30_000);
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
  });

  async function run<F>(posture: SmbdPosture, definition: ProbeDefinition<F>) {
    const s = servers.get(posture) as RunningFixture;
    const ctx = testContext(s.host, s.ports.smb ?? 0, { stepTimeoutMs: 2000 });
    const outcome = await runProbe(definition, ctx);
    if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
    return { facts: outcome.facts as F, ctx, ms: outcome.durationMs };
  }

  it('weak: negotiates SMB 3.1.1 without required signing on one connection of two requests', async () => {
    const r = await run<SmbNegotiateFacts>('weak', smbNegotiateProbe);
    expect(r.facts).toMatchObject({ protocol: 'smb2', dialect: '3.1.1', signing: { required: false }, encryption: { supported: true }, requestsSent: 2 });
    expect(r.facts.securityMechanisms).toContain('NTLMSSP');
    expect(r.ctx.transcript.sentOps()).toEqual(['tcp.connect', 'smb.negotiate', 'smb.negotiate-smb2']);
  });

  it('weak: still accepts SMB1 alone, naming its workgroup and host', async () => {
    const r = await run<SmbSmb1Facts>('weak', smbSmb1Probe);
    expect(r.facts).toMatchObject({
      accepted: true,
      negotiate: { dialect: 'NT LM 0.12', signing: { required: false }, smb1: { domainName: SMBD_NAMES.workgroup, serverName: SMBD_NAMES.netbiosName } },
    });
  });

  it('weak: the NTLM challenge names the host and the workgroup', async () => {
    const r = await run<SmbNtlmInfoFacts>('weak', smbNtlmInfoProbe);
    expect(r.facts.ntlm).toMatchObject({ nbComputerName: SMBD_NAMES.netbiosName, targetName: SMBD_NAMES.netbiosName });
    expect(r.facts.ntlm?.osVersion?.ntlmRevision).toBe(15);
    expect(r.ctx.transcript.sentOps()).toEqual(['tcp.connect', 'smb.negotiate', 'smb.negotiate-smb2', 'smb.session-setup-ntlm']);
  });

  it('hardened: requires signing, and refuses SMB1 offered alone', async () => {
    const n = await run<SmbNegotiateFacts>('hardened', smbNegotiateProbe);
    expect(n.facts).toMatchObject({ protocol: 'smb2', dialect: '3.1.1', signing: { required: true } });
    const smb1 = await run<SmbSmb1Facts>('hardened', smbSmb1Probe);
    // Samba answers an offer of SMB1 alone with no dialect (index 0xFFFF) rather than closing, as Windows does.
    expect(smb1.facts).toMatchObject({ accepted: false, refusal: 'no-dialect' });
  });

  const LOGIN_OPS = ['tcp.connect', 'smb.negotiate', 'smb.negotiate-smb2', 'smb.session-setup-ntlm', 'smb.session-setup-anonymous', 'smb.tree-connect-ipc'];

  it('weak: the anonymous session reaches IPC$ and a made-up user is logged in as guest, on one connection', async () => {
    const r = await run<SmbNullSessionFacts>('weak', smbNullSessionProbe);
    // Samba flags no IS_NULL on the anonymous session (Windows does): the IPC$ answer is the fact.
    expect(r.facts.anonymous).toMatchObject({ sessionStatus: '0x00000000', granted: true, ipc: { status: '0x00000000', connected: true, shareType: 'pipe' } });
    expect(r.facts.guest).toMatchObject({ sessionStatus: '0x00000000', granted: true, isGuest: true });
    expect(r.ctx.transcript.sentOps()).toEqual([
      ...LOGIN_OPS,
      'smb.tree-disconnect',
      'smb.logoff',
      'smb.session-setup-ntlm',
      'smb.session-setup-guest',
      'smb.logoff',
    ]);
  });

  it('hardened (restrict anonymous = 2, map to guest = never): IPC$ refused to the anonymous session, the made-up user refused', async () => {
    const r = await run<SmbNullSessionFacts>('hardened', smbNullSessionProbe);
    expect(r.facts.anonymous).toMatchObject({ granted: true, ipc: { status: '0xc0000022', connected: false } });
    expect(r.facts.guest).toMatchObject({ sessionStatus: '0xc000006d', granted: false });
    expect(r.ctx.transcript.sentOps()).toEqual([...LOGIN_OPS, 'smb.logoff', 'smb.session-setup-ntlm', 'smb.session-setup-guest']);
  });
});

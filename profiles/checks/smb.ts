import { z } from 'zod';
import { type SmbDialectFacts, type SmbLoginAttempt, SmbNegotiateFacts, SmbNtlmInfoFacts, SmbNullSessionFacts, SmbSmb1Facts } from '../../probes/smb/facts.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { windowsOsName } from '../windows-version.ts';
import { defineCheckKind, type Evidence, notProbedVerdict, type RegisteredCheckKind, unavailableVerdict, type Verdict } from './types.ts';

const NEGOTIATE_PROBE = 'smb.negotiate';
const NTLM_PROBE = 'smb.ntlm-info';
const NULL_SESSION_PROBE = 'smb.null-session';
const SMB1_PROBE = 'smb.smb1-dialect';
/** Probes whose facts hold the negotiation: the opt-in ones run instead of smb.negotiate. */
const NEGOTIATE_SOURCES = [NEGOTIATE_PROBE, NTLM_PROBE, NULL_SESSION_PROBE] as const;
/** Probes whose facts hold the NTLM challenge: smb.null-session reads it before its logins. */
const NTLM_SOURCES = [NTLM_PROBE, NULL_SESSION_PROBE] as const;
const NOT_FOUND = { port: 'SMB', absent: 'no SMB service found' } as const;

type Negotiation = Extract<FactsLookup<SmbNegotiateFacts>, { state: 'ok' }>;

/** The negotiation facts of whichever probe ran, or the verdict for a device without them (SMB on 445 or 139). */
function negotiation(device: DeviceView): Negotiation | Verdict {
  const { probe, found } = device.factsOfFirst(NEGOTIATE_SOURCES, SmbNegotiateFacts);
  if (found.state === 'ok') return found;
  if (found.state === 'unavailable') return unavailableVerdict(probe, found);
  const open = notProbedVerdict(device, 'smb', probe, NOT_FOUND);
  return open.status === 'not-applicable' ? notProbedVerdict(device, 'netbios-ssn', probe, NOT_FOUND) : open;
}

/** Every dialect a server was seen accepting: the one it chose from our offer, and SMB1 where offered alone. */
function acceptedDialects(seen: SmbSeen): SmbDialectFacts[] {
  return [...seen.negotiation.facts.map((f) => f.facts), ...seen.smb1.flatMap((f) => (f.negotiate && f.accepted ? [f.negotiate] : []))];
}

interface SmbSeen {
  readonly negotiation: Negotiation;
  /** Answers to the opt-in SMB1-alone question; empty when it did not run. */
  readonly smb1: readonly SmbSmb1Facts[];
  readonly evidence: readonly Evidence[];
}

/** What the SMB probes saw on the device, or the verdict for a device without a negotiation. */
function smbSeen(device: DeviceView): SmbSeen | Verdict {
  const n = negotiation(device);
  if ('status' in n) return n;
  const found = device.facts(SMB1_PROBE, SmbSmb1Facts);
  if (found.state !== 'ok') return { negotiation: n, smb1: [], evidence: n.evidence };
  return { negotiation: n, smb1: found.facts.map((f) => f.facts), evidence: [...n.evidence, ...found.evidence] };
}

/**
 * SMB1 is deprecated (no pre-authentication integrity, weak signing, the EternalBlue family of
 * flaws). Fails when the server picked NT LM 0.12 from our offer or accepted it offered alone;
 * passes only when SMB1 offered alone was refused. A server that picked SMB2 without the second
 * question leaves it unknown: SMB2 preference says nothing of SMB1 being switched off.
 */
const smb1Disabled = defineCheckKind({
  id: 'smb.smb1-disabled',
  params: z.object({}),
  evaluate(device): Verdict {
    const seen = smbSeen(device);
    if ('status' in seen) return seen;
    const { evidence } = seen;
    const picked = seen.negotiation.facts.filter((f) => f.facts.protocol === 'smb1');
    const accepted = seen.smb1.filter((f) => f.accepted);
    if (picked.length > 0 || accepted.length > 0) {
      return {
        status: 'fail',
        observed: { smb1: 'accepted', dialect: 'NT LM 0.12', how: picked.length > 0 ? 'chosen over SMB2' : 'offered alone' },
        expected: { smb1: 'refused' },
        evidence,
      };
    }
    const refused = seen.smb1.find((f) => !f.accepted);
    if (refused) return { status: 'pass', observed: { smb1: 'refused', refusal: refused.refusal }, expected: { smb1: 'refused' }, evidence };
    return {
      status: 'unknown',
      observed: { chosen: seen.negotiation.facts.map((f) => f.facts.dialect ?? 'none') },
      evidence,
      reason: 'the server chose SMB2/3; whether it still accepts SMB1 needs the opt-in probes.smb.smb1Dialect (a second connection offering SMB1 alone)',
    };
  },
});

/**
 * Signing protects SMB messages from tampering and relay (CR 3.1). Fails when any dialect the
 * server accepted does not require it (SMB1 and SMB2 settings can differ).
 */
const signingRequired = defineCheckKind({
  id: 'smb.signing-required',
  params: z.object({}),
  evaluate(device): Verdict {
    const seen = smbSeen(device);
    if ('status' in seen) return seen;
    const { evidence } = seen;
    const dialects = acceptedDialects(seen).filter((d) => d.signing !== undefined);
    if (dialects.length === 0) return { status: 'unknown', evidence, reason: 'no dialect was agreed, so no signing setting was read' };
    const optional = dialects.filter((d) => d.signing?.required !== true);
    const observed = { signingRequired: Object.fromEntries(dialects.map((d) => [d.dialect ?? d.protocol, d.signing?.required === true])) };
    return { status: optional.length > 0 ? 'fail' : 'pass', observed, expected: { signingRequired: true }, evidence };
  },
});

/** How one login attempt without a credential ended: `granted` is a login without identity, `refused` is not, `unknown` says why. */
function loginOutcome(attempt: SmbLoginAttempt | undefined, what: 'anonymous' | 'guest'): { state: 'granted' | 'refused' | 'unknown'; observed: string } {
  if (attempt === undefined) return { state: 'unknown', observed: 'not attempted' };
  if (what === 'anonymous' && attempt.ipc) return { state: attempt.ipc.connected ? 'granted' : 'refused', observed: `IPC$ tree connect ${attempt.ipc.status}` };
  if (attempt.granted === false) return { state: 'refused', observed: `session setup ${attempt.sessionStatus}` };
  if (what === 'guest' && attempt.granted)
    return { state: 'granted', observed: `session setup ${attempt.sessionStatus}${attempt.isGuest ? ', IS_GUEST' : ''}` };
  return { state: 'unknown', observed: attempt.unavailable ? `${attempt.unavailable.kind}: ${attempt.unavailable.detail}` : 'no answer read' };
}

/**
 * Logins without an identity (null session, guest, share-level passwords): CR 1.1 and 2.1. The
 * negotiation shows SMB1 share-level security (a password per share, no user) and fails on it. The
 * opt-in smb.null-session completes an anonymous login and asks for the IPC$ tree, which listing
 * shares (an RPC over the srvsvc pipe, never sent) needs first, and tries a made-up user that only
 * guest mapping lets in: either granted fails, both refused passes.
 */
const anonymousRefused = defineCheckKind({
  id: 'smb.anonymous-refused',
  params: z.object({}),
  evaluate(device): Verdict {
    const seen = smbSeen(device);
    if ('status' in seen) return seen;
    const shareLevel = acceptedDialects(seen).some((d) => d.smb1?.shareLevelSecurity === true);
    const expected = { security: 'user-level', anonymousIpc: 'refused', guest: 'refused' };
    if (shareLevel) return { status: 'fail', observed: { security: 'share-level' }, expected, evidence: seen.evidence };
    const logins = device.facts(NULL_SESSION_PROBE, SmbNullSessionFacts);
    if (logins.state !== 'ok')
      return {
        status: 'unknown',
        observed: { security: 'user-level' },
        evidence: seen.evidence,
        reason:
          'null session and guest access need the opt-in probes.smb.nullSession: an anonymous login whose IPC$ tree connect is taken as the null-session fact (share listing over the srvsvc pipe is never tried), and a login as a made-up user',
      };
    const outcomes = logins.facts.map(({ facts }) => ({
      anonymous: loginOutcome(facts.anonymous, 'anonymous'),
      guest: loginOutcome(facts.guest, 'guest'),
      why: facts.loginsUnavailable,
    }));
    const observed = {
      security: 'user-level',
      anonymous: outcomes.map((o) => o.anonymous.observed),
      guest: outcomes.map((o) => o.guest.observed),
    };
    const evidence = seen.evidence;
    if (outcomes.some((o) => o.anonymous.state === 'granted' || o.guest.state === 'granted')) return { status: 'fail', observed, expected, evidence };
    if (outcomes.every((o) => o.anonymous.state === 'refused' && o.guest.state === 'refused')) return { status: 'pass', observed, expected, evidence };
    const why = outcomes.find((o) => o.why)?.why;
    return {
      status: 'unknown',
      observed,
      evidence,
      reason: `the anonymous and guest logins were not both answered${why ? ` (${why.detail})` : ''}; a successful anonymous IPC$ tree connect is taken as the null-session fact, share listing itself is never tried`,
    };
  },
});

export const smbCheckKinds: readonly RegisteredCheckKind[] = [smb1Disabled, signingRequired, anonymousRefused];

/**
 * The host's name and Windows version: from the NTLM challenge (opt-in), else the names an SMB1
 * server gives in its NEGOTIATE response. The DNS name wins over the NetBIOS one, which Windows
 * truncates to 15 characters.
 */
export const smbIdentity: IdentityExtractor = (device) => {
  const claims: IdentityClaim[] = [];
  const { probe: ntlmProbe, found: ntlm } = device.factsOfFirst(NTLM_SOURCES, SmbNtlmInfoFacts);
  if (ntlm.state === 'ok') {
    for (const { facts } of ntlm.facts) {
      const info = facts.ntlm;
      if (!info) continue;
      const name = info.dnsComputerName || info.nbComputerName;
      if (name) claims.push({ field: 'name', value: name, source: ntlmProbe });
      const os = info.osVersion && windowsOsName(info.osVersion);
      if (os) claims.push({ field: 'os', value: os, source: ntlmProbe });
    }
  }
  const { probe, found } = device.factsOfFirst(NEGOTIATE_SOURCES, SmbNegotiateFacts);
  if (found.state === 'ok') {
    for (const { facts } of found.facts) if (facts.smb1?.serverName) claims.push({ field: 'name', value: facts.smb1.serverName, source: probe });
  }
  return claims;
};

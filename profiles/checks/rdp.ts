import { z } from 'zod';
import { RdpFacts } from '../../probes/rdp/facts.ts';
import type { DeviceView } from '../device-view.ts';
import { identityFrom } from './open-identification.ts';
import { defineCheckKind, factsOrVerdict, type RegisteredCheckKind, type Verdict } from './types.ts';

const PROBE_ID = 'rdp.negotiate';

const rdpFacts = (device: DeviceView) => factsOrVerdict(device, PROBE_ID, RdpFacts, 'rdp', { port: 'RDP', absent: 'no RDP service found' });

/**
 * Standard RDP security and TLS without NLA both bring up the login screen (a session, graphics,
 * the server's resources) before the user has authenticated; only NLA (CredSSP) authenticates
 * first. Fails when the negotiation showed either accepted, passes only when both were refused
 * (the server answered hybrid-required-by-server), otherwise unknown.
 */
const nlaRequired = defineCheckKind({
  id: 'rdp.nla-required',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = rdpFacts(device);
    if ('status' in found) return found;
    const observed = found.facts.map(({ port, facts }) => ({ port, standardSecurity: facts.standardSecurity, tlsWithoutNla: facts.tlsWithoutNla }));
    const expected = { standardSecurity: 'refused', tlsWithoutNla: 'refused' };
    const evidence = found.evidence;
    if (observed.some((o) => o.standardSecurity === 'accepted' || o.tlsWithoutNla === 'accepted')) return { status: 'fail', observed, expected, evidence };
    if (observed.every((o) => o.standardSecurity === 'refused' && o.tlsWithoutNla === 'refused')) return { status: 'pass', observed, expected, evidence };
    const answers = found.facts.map(
      ({ port, facts }) => `${port}: ${facts.negotiations[0]?.failure ?? facts.negotiations[0]?.selected ?? facts.negotiations[0]?.result}`,
    );
    return { status: 'unknown', observed, expected, evidence, reason: `the negotiation did not show whether NLA is required (${answers.join(', ')})` };
  },
});

export const rdpCheckKinds: readonly RegisteredCheckKind[] = [nlaRequired];

/** The common name in a subject as node prints it (`CN=HMI01` or lines of `key=value`). */
const commonName = (subject: string) => /(?:^|[\n,]\s*)CN=([^,\n]+)/.exec(subject)?.[1]?.trim();

/**
 * The host name from the certificate the RDP listener presented: Windows makes its own RDP
 * certificate for the computer's name, and a CA-issued one names the host too. The SMB NTLM
 * challenge, read by the host's own protocol, comes first among the extractors.
 */
export const rdpIdentity = identityFrom(PROBE_ID, RdpFacts, (f) => [['name', f.certificates[0] && commonName(f.certificates[0].subject)]]);

import { FinsFacts } from '../../probes/fins/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { type Answered, allAnswered, identityHiddenKind, type ProbedProtocol, unsecuredProtocolKind } from './open-identification.ts';
import { notProbedVerdict, type RegisteredCheckKind, udpUnavailableVerdict, unavailableVerdict, type Verdict } from './types.ts';

const TCP_PROBE = 'fins.controller-data';
const UDP_PROBE = 'fins.controller-data-udp';
/** Omron's CPU families (CJ, CS, CP, NJ, NX, NY, CV) name themselves this way; another vendor's FINS node is not claimed as Omron. */
const OMRON_MODEL = /^(?:CJ|CS|CP|NJ|NX|NY|CV)\d/i;

type Found = Answered<FinsFacts>;
const TEXT = { port: 'FINS', absent: 'no FINS service found' };

/**
 * The facts of the FINS probes that answered, TCP's first, or the verdict without them. FINS/UDP is
 * read where FINS/TCP did not answer (9600 closed, the run failed, or the node address exchange was
 * refused), so a refusal over TCP and the controller data over UDP can stand side by side. A failed
 * TCP run without a UDP answer is told as the TCP failure: 9600 was open. UDP silence or port
 * unreachable with 9600 closed is what a host without FINS looks like.
 */
function finsFacts(device: DeviceView): Found | Verdict {
  const tcp = device.facts(TCP_PROBE, FinsFacts);
  const udp = device.facts(UDP_PROBE, FinsFacts);
  if (tcp.state === 'ok' || udp.state === 'ok') {
    return allAnswered([tcp, udp].filter((found): found is Found => found.state === 'ok'));
  }
  if (tcp.state === 'unavailable') return unavailableVerdict(TCP_PROBE, tcp);
  if (udp.state === 'absent') return notProbedVerdict(device, 'fins', TCP_PROBE, TEXT);
  return udpUnavailableVerdict(UDP_PROBE, udp, 'no FINS/UDP answer and TCP 9600 closed: the device does not appear to run FINS');
}

const refusals = (found: Found) =>
  found.facts.flatMap((f) =>
    f.facts.nodeAddressRefused ? [`error 0x${f.facts.nodeAddressRefused.code.toString(16)} (${f.facts.nodeAddressRefused.meaning})`] : [],
  );

/**
 * The FINS frames that were answered, even with an error end code; a FINS/TCP server that refused
 * the node address exchange (its IP filter) with no FINS/UDP answer leaves the checks unknown.
 */
function finsAnswered(device: DeviceView): Found | Verdict {
  const found = finsFacts(device);
  if ('status' in found) return found;
  const answered = found.facts.filter((f) => f.facts.endCode !== undefined);
  if (answered.length === 0)
    return { status: 'unknown', evidence: found.evidence, reason: `FINS/TCP refused the node address exchange: ${refusals(found).join('; ')}` };
  return { ...found, facts: answered };
}

const FINS: ProbedProtocol<FinsFacts> = { probe: TCP_PROBE, schema: FinsFacts, protocol: 'fins', text: TEXT, answered: finsAnswered };

/**
 * FINS has no authentication, integrity or confidentiality: whoever reaches the node can read and
 * write I/O memory and change the operating mode. Fails whenever a FINS frame was answered, even
 * with an error end code and over FINS/UDP after FINS/TCP refused.
 */
const accessAuthenticated = unsecuredProtocolKind('fins.access-authenticated', FINS, {
  protocol: 'fins',
  authentication: 'none',
  expected: 'fins',
  details: (facts) => ({ transports: [...new Set(facts.map((f) => f.transport))] }),
});

/**
 * Controller model and version that any host can read with Controller Data Read. Passes only on
 * positive evidence: the node answered the read with an error end code (or without the fields).
 */
const identityHidden = identityHiddenKind('fins.identity-hidden', FINS, ['model', 'version'], {
  fieldValue: (facts, field) => facts.controller?.[field],
  details: (facts) => {
    const endCodes = facts.flatMap((f) => (f.endCode ? [f.endCode] : []));
    return endCodes.length > 0 ? { endCodes } : {};
  },
});

export const finsCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** Model and version from Controller Data Read; the vendor only for a model named like Omron's CPU families. */
export const finsIdentity: IdentityExtractor = (device) => {
  const found = finsFacts(device);
  if ('status' in found) return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined, source: string) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source });
  };
  for (const { facts } of found.facts) {
    const c = facts.controller;
    if (!c) continue;
    const probe = facts.transport === 'tcp' ? TCP_PROBE : UDP_PROBE;
    if (OMRON_MODEL.test(c.model)) add('vendor', 'Omron', probe);
    add('product', c.model, probe);
    add('model', c.model, probe);
    add('firmware', c.version, probe);
  }
  return claims;
};

import { z } from 'zod';
import { FinsFacts } from '../../probes/fins/facts.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, notProbedVerdict, type RegisteredCheckKind, unavailableVerdict, type Verdict } from './types.ts';

const TCP_PROBE = 'fins.controller-data';
const UDP_PROBE = 'fins.controller-data-udp';
/** Omron's CPU families (CJ, CS, CP, NJ, NX, NY, CV) name themselves this way; another vendor's FINS node is not claimed as Omron. */
const OMRON_MODEL = /^(?:CJ|CS|CP|NJ|NX|NY|CV)\d/i;

type Found = Extract<FactsLookup<FinsFacts>, { state: 'ok' }>;

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
    const answered = [tcp, udp].filter((found): found is Found => found.state === 'ok');
    return { state: 'ok', facts: answered.flatMap((f) => f.facts), evidence: answered.flatMap((f) => f.evidence) };
  }
  if (tcp.state === 'unavailable') return unavailableVerdict(TCP_PROBE, tcp);
  if (udp.state === 'absent') return notProbedVerdict(device, 'fins', TCP_PROBE, { port: 'FINS', absent: 'no FINS service found' });
  if (udp.failures.every((f) => f.kind === 'timeout' || f.kind === 'refused'))
    return { status: 'not-applicable', evidence: udp.evidence, reason: 'no FINS/UDP answer and TCP 9600 closed: the device does not appear to run FINS' };
  return unavailableVerdict(UDP_PROBE, udp);
}

const refusals = (found: Found) =>
  found.facts.flatMap((f) =>
    f.facts.nodeAddressRefused ? [`error 0x${f.facts.nodeAddressRefused.code.toString(16)} (${f.facts.nodeAddressRefused.meaning})`] : [],
  );

/**
 * FINS has no authentication, integrity or confidentiality: whoever reaches the node can read and
 * write I/O memory and change the operating mode. Fails whenever a FINS frame was answered, even
 * with an error end code and over FINS/UDP after FINS/TCP refused; a FINS/TCP server that refused
 * the node address exchange (its IP filter) with no FINS/UDP answer leaves it unknown.
 */
const accessAuthenticated = defineCheckKind({
  id: 'fins.access-authenticated',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = finsFacts(device);
    if ('status' in found) return found;
    const answered = found.facts.filter((f) => f.facts.endCode !== undefined);
    if (answered.length === 0) {
      return { status: 'unknown', evidence: found.evidence, reason: `FINS/TCP refused the node address exchange: ${refusals(found).join('; ')}` };
    }
    return {
      status: 'fail',
      observed: {
        protocol: 'fins',
        transports: [...new Set(answered.map((f) => f.facts.transport))],
        ports: answered.map((f) => f.port),
        authentication: 'none',
        integrity: 'none',
        confidentiality: 'none',
      },
      expected: { protocol: 'fins', ports: [] },
      evidence: found.evidence,
    };
  },
});

const IDENTITY_FIELDS = ['model', 'version'] as const;

/**
 * Controller model and version that any host can read with Controller Data Read. Passes only on
 * positive evidence: the node answered the read with an error end code (or without the fields).
 */
const identityHidden = defineCheckKind({
  id: 'fins.identity-hidden',
  params: z.object({ fields: z.array(z.enum(IDENTITY_FIELDS)).min(1) }),
  evaluate(device, params): Verdict {
    const found = finsFacts(device);
    if ('status' in found) return found;
    const answered = found.facts.filter((f) => f.facts.endCode !== undefined);
    if (answered.length === 0)
      return { status: 'unknown', evidence: found.evidence, reason: `no Controller Data Read answered: ${refusals(found).join('; ')}` };
    const readable = params.fields.filter((field) => answered.some((f) => (f.facts.controller?.[field] ?? '') !== ''));
    const endCodes = answered.flatMap((f) => (f.facts.endCode ? [f.facts.endCode] : []));
    return {
      status: readable.length > 0 ? 'fail' : 'pass',
      observed: { readableWithoutAuthentication: readable, ...(endCodes.length > 0 ? { endCodes } : {}) },
      expected: { readableWithoutAuthentication: [] },
      evidence: found.evidence,
    };
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

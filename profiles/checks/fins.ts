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
 * The facts of whichever FINS probe ran (TCP where 9600 was open, UDP otherwise), or the verdict
 * without them. UDP silence or port unreachable is what a host without FINS/UDP looks like.
 */
function finsFacts(device: DeviceView): Found | Verdict {
  const { probe, found } = device.factsOfFirst([TCP_PROBE, UDP_PROBE], FinsFacts);
  if (found.state === 'ok') return found;
  if (found.state === 'absent') return notProbedVerdict(device, 'fins', TCP_PROBE, { port: 'FINS', absent: 'no FINS service found' });
  if (probe === UDP_PROBE && found.failures.every((f) => f.kind === 'timeout' || f.kind === 'refused'))
    return { status: 'not-applicable', evidence: found.evidence, reason: 'no FINS/UDP answer and TCP 9600 closed: the device does not appear to run FINS' };
  return unavailableVerdict(probe, found);
}

const refusals = (found: Found) =>
  found.facts.flatMap((f) =>
    f.facts.nodeAddressRefused ? [`error 0x${f.facts.nodeAddressRefused.code.toString(16)} (${f.facts.nodeAddressRefused.meaning})`] : [],
  );

/**
 * FINS has no authentication, integrity or confidentiality: whoever reaches the node can read and
 * write I/O memory and change the operating mode. Fails whenever a FINS frame was answered, even
 * with an error end code; a FINS/TCP server that refused the node address exchange (its IP filter)
 * leaves it unknown, since FINS/UDP on the same node may still answer.
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
  const { probe, found } = device.factsOfFirst([TCP_PROBE, UDP_PROBE], FinsFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source: probe });
  };
  for (const { facts } of found.facts) {
    const c = facts.controller;
    if (!c) continue;
    if (OMRON_MODEL.test(c.model)) add('vendor', 'Omron');
    add('product', c.model);
    add('model', c.model);
    add('firmware', c.version);
  }
  return claims;
};

import { z } from 'zod';
import { type EndpointFacts, OpcuaEndpointsFacts, OpcuaSessionFacts, SecurityMode, type SessionFacts, UserTokenType } from '../../probes/opcua/facts.ts';
import knowledge from '../data/opcua-policies.json' with { type: 'json' };
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, notProbedVerdict, type RegisteredCheckKind, unavailableVerdict as unavailable, type Verdict } from './types.ts';

const ENDPOINTS_PROBE = 'opcua.endpoints';
const SESSION_PROBE = 'opcua.session';

export const PolicyRating = z.enum(['none', 'deprecated', 'ok']);
export type PolicyRating = z.infer<typeof PolicyRating>;
const RANK: Readonly<Record<PolicyRating, number>> = { none: 0, deprecated: 1, ok: 2 };

/** Schema of profiles/data/opcua-policies.json; validated once when this module loads. */
export const OpcuaPolicyKnowledge = z
  .object({
    version: z.number().int(),
    reasons: z.record(z.string(), z.string().min(1)),
    policies: z.record(z.string(), z.object({ rating: PolicyRating, reason: z.string() })),
  })
  .superRefine((k, ctx) => {
    for (const [uri, { reason }] of Object.entries(k.policies)) {
      if (!(reason in k.reasons)) ctx.addIssue({ code: 'custom', path: ['policies', uri], message: `reason ${reason} has no text` });
    }
  });
export type OpcuaPolicyKnowledge = z.infer<typeof OpcuaPolicyKnowledge>;

export const OPCUA_POLICIES: OpcuaPolicyKnowledge = OpcuaPolicyKnowledge.parse(knowledge);

export function rateOpcuaPolicy(uri: string, k = OPCUA_POLICIES): { rating: PolicyRating | 'unknown'; reason: string } {
  return k.policies[uri] ?? { rating: 'unknown', reason: 'not-in-knowledge-base' };
}

type Found<F> = Extract<FactsLookup<F>, { state: 'ok' }>;

function endpointsFacts(device: DeviceView): Found<OpcuaEndpointsFacts> | Verdict {
  const found = device.facts(ENDPOINTS_PROBE, OpcuaEndpointsFacts);
  if (found.state === 'ok') return found;
  if (found.state === 'unavailable') return unavailable(ENDPOINTS_PROBE, found);
  return notProbedVerdict(device, 'opcua', ENDPOINTS_PROBE, { port: 'OPC UA', absent: 'no OPC UA server found' });
}

/** Every endpoint of every probed port, with the port it was read from. */
function allEndpoints(found: Found<OpcuaEndpointsFacts>): { port: number; endpoint: EndpointFacts }[] {
  return found.facts.flatMap(({ port, facts }) => facts.endpoints.map((endpoint) => ({ port, endpoint })));
}

/**
 * A pass that rests on no endpoint showing something holds only for the endpoints read: when a
 * server announced more than the probe kept, it becomes unknown (a 65th endpoint could be None).
 */
function unlessPartial(found: Found<OpcuaEndpointsFacts>, verdict: Verdict): Verdict {
  if (verdict.status !== 'pass') return verdict;
  const cut = found.facts.filter(({ facts }) => (facts.endpointsAnnounced ?? 0) > facts.endpoints.length);
  if (cut.length === 0) return verdict;
  const counts = cut.map(({ port, facts }) => `port ${port}: ${facts.endpoints.length} of ${facts.endpointsAnnounced}`).join(', ');
  return { ...verdict, status: 'unknown', reason: `only part of the announced endpoints was read (${counts})` };
}

const where = (port: number, e: EndpointFacts) => ({ port, endpointUrl: e.endpointUrl, securityMode: e.securityMode, securityPolicy: e.securityPolicy });

/** Fails when any endpoint (optionally only those in `securityModes`) offers the token type. */
const tokenAbsent = defineCheckKind({
  id: 'opcua.token-absent',
  params: z.object({ tokenType: UserTokenType, securityModes: z.array(SecurityMode).min(1).optional() }),
  evaluate(device, params): Verdict {
    const found = endpointsFacts(device);
    if ('status' in found) return found;
    const inScope = allEndpoints(found).filter(({ endpoint }) => !params.securityModes || params.securityModes.includes(endpoint.securityMode));
    const offering = inScope
      .filter(({ endpoint }) => endpoint.userTokens.some((t) => t.type === params.tokenType))
      .map(({ port, endpoint }) => where(port, endpoint));
    const expected = { tokenType: params.tokenType, offered: false };
    if (offering.length > 0) return { status: 'fail', observed: { offered: true, endpoints: offering }, expected, evidence: found.evidence };
    return unlessPartial(found, { status: 'pass', observed: { offered: false, endpointsChecked: inScope.length }, expected, evidence: found.evidence });
  },
});

/**
 * Two kinds, so each id says what passes: `opcua.mode-absent` fails when any endpoint uses the
 * mode (as configured); `opcua.mode-present` passes when at least one endpoint does (capability).
 */
function modeKind(id: string, expect: 'absent' | 'present'): RegisteredCheckKind {
  return defineCheckKind({
    id,
    params: z.object({ mode: SecurityMode }),
    evaluate(device, params): Verdict {
      const found = endpointsFacts(device);
      if ('status' in found) return found;
      const endpoints = allEndpoints(found);
      const matching = endpoints.filter(({ endpoint }) => endpoint.securityMode === params.mode).map(({ port, endpoint }) => where(port, endpoint));
      const offered = matching.length > 0;
      const observed = { mode: params.mode, offered, endpoints: matching, modes: [...new Set(endpoints.map(({ endpoint }) => endpoint.securityMode))] };
      const pass = expect === 'present' ? offered : !offered;
      const verdict: Verdict = {
        status: pass ? 'pass' : 'fail',
        observed,
        expected: { mode: params.mode, offered: expect === 'present' },
        evidence: found.evidence,
      };
      // A mode seen is proven present; its absence is only as good as the list read.
      return expect === 'absent' ? unlessPartial(found, verdict) : verdict;
    },
  });
}
const modeAbsent = modeKind('opcua.mode-absent', 'absent');
const modePresent = modeKind('opcua.mode-present', 'present');

/**
 * Every security policy offered, by endpoints and by their user tokens, must be rated at least
 * `minimum` in opcua-policies.json. `skipNone` leaves the None policy to opcua.mode-absent.
 */
const policiesCurrent = defineCheckKind({
  id: 'opcua.policies-current',
  params: z.object({ minimum: z.enum(['deprecated', 'ok']), skipNone: z.boolean().default(false) }),
  evaluate(device, params): Verdict {
    const found = endpointsFacts(device);
    if ('status' in found) return found;
    const seen = new Map<string, { uri: string; usedBy: Set<'endpoint' | 'token'>; rating: PolicyRating | 'unknown'; reason: string }>();
    const note = (uri: string, usedBy: 'endpoint' | 'token') => {
      if (uri === '' || (params.skipNone && rateOpcuaPolicy(uri).rating === 'none')) return;
      const entry = seen.get(uri) ?? { uri, usedBy: new Set(), ...rateOpcuaPolicy(uri) };
      entry.usedBy.add(usedBy);
      seen.set(uri, entry);
    };
    for (const { endpoint } of allEndpoints(found)) {
      note(endpoint.securityPolicyUri, 'endpoint');
      for (const token of endpoint.userTokens) note(token.securityPolicyUri, 'token');
    }
    const rated = [...seen.values()].map((e) => ({ policy: e.uri, usedBy: [...e.usedBy].sort(), rating: e.rating, reason: e.reason }));
    const below = rated.filter((r) => r.rating !== 'unknown' && RANK[r.rating] < RANK[params.minimum]);
    const unrated = rated.filter((r) => r.rating === 'unknown').map((r) => r.policy);
    const expected = { minimum: params.minimum };
    if (below.length > 0) return { status: 'fail', observed: { offending: below, unrated }, expected, evidence: found.evidence };
    if (unrated.length > 0)
      return {
        status: 'unknown',
        observed: { offending: [], unrated },
        expected,
        evidence: found.evidence,
        reason: 'offered policies not in the opcua-policies knowledge base',
      };
    return unlessPartial(found, { status: 'pass', observed: { offending: [], policies: rated.map((r) => r.policy) }, expected, evidence: found.evidence });
  },
});

/** A UserName token on a None endpoint whose own policy is empty or None: the password travels in clear. */
const cleartextPasswordAbsent = defineCheckKind({
  id: 'opcua.cleartext-password-absent',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = endpointsFacts(device);
    if ('status' in found) return found;
    const exposed = allEndpoints(found)
      .filter(({ endpoint }) => endpoint.securityMode === 'None')
      .flatMap(({ port, endpoint }) =>
        endpoint.userTokens
          .filter((t) => t.type === 'UserName' && (t.securityPolicyUri === '' || rateOpcuaPolicy(t.securityPolicyUri).rating === 'none'))
          .map((t) => ({ ...where(port, endpoint), policyId: t.policyId })),
      );
    const expected = { cleartextUserName: false };
    if (exposed.length > 0) return { status: 'fail', observed: { cleartextUserName: true, tokens: exposed }, expected, evidence: found.evidence };
    return unlessPartial(found, { status: 'pass', observed: { cleartextUserName: false }, expected, evidence: found.evidence });
  },
});

/** Each server certificate's SAN URIs must contain the applicationUri of every endpoint that presents it. */
const certificateUriMatch = defineCheckKind({
  id: 'opcua.certificate-uri-match',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = endpointsFacts(device);
    if ('status' in found) return found;
    const certs = found.facts.flatMap(({ port, facts }) => facts.certificates.map((c) => ({ port, c })));
    if (certs.length === 0) return { status: 'not-applicable', evidence: found.evidence, reason: 'no endpoint presented a certificate' };
    const mismatched = certs
      .map(({ port, c }) => ({ port, fingerprint256: c.fingerprint256, sanUris: c.sanUris, missing: c.applicationUris.filter((u) => !c.sanUris.includes(u)) }))
      .filter((m) => m.missing.length > 0);
    const expected = { sanUriIncludesApplicationUri: true };
    if (mismatched.length > 0) return { status: 'fail', observed: { mismatched }, expected, evidence: found.evidence };
    return unlessPartial(found, { status: 'pass', observed: { mismatched: [], certificates: certs.length }, expected, evidence: found.evidence });
  },
});

/** Session facts, or why a verdict cannot be given without them. */
function sessionFacts(device: DeviceView): { evidence: Found<OpcuaSessionFacts>['evidence']; sessions: { port: number; session: SessionFacts }[] } | Verdict {
  const found = device.facts(SESSION_PROBE, OpcuaSessionFacts);
  if (found.state === 'unavailable') return unavailable(SESSION_PROBE, found);
  if (found.state === 'absent') {
    const endpoints = endpointsFacts(device);
    if ('status' in endpoints) return endpoints;
    return {
      status: 'unknown',
      evidence: endpoints.evidence,
      reason: `${SESSION_PROBE} did not run: the opt-in opcua.session (an anonymous session) is not enabled`,
    };
  }
  const sessions = found.facts.flatMap(({ port, facts }) => (facts.session ? [{ port, session: facts.session }] : []));
  if (sessions.length === 0) {
    const skipped = [...new Set(found.facts.map((f) => f.facts.sessionSkipped))];
    return { status: 'unknown', observed: { sessionSkipped: skipped }, evidence: found.evidence, reason: `no session was opened: ${skipped.join(', ')}` };
  }
  return { evidence: found.evidence, sessions };
}

/** Server_Auditing must be true: the server generates audit events for security-relevant actions. */
const auditing = defineCheckKind({
  id: 'opcua.auditing-enabled',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = sessionFacts(device);
    if ('status' in found) return found;
    const values = found.sessions.map(({ port, session }) => ({ port, auditing: session.auditing ?? null }));
    const expected = { auditing: true };
    if (values.some((v) => v.auditing === false)) return { status: 'fail', observed: { ports: values }, expected, evidence: found.evidence };
    if (values.some((v) => v.auditing === null))
      return { status: 'unknown', observed: { ports: values }, expected, evidence: found.evidence, reason: 'Server_Auditing was not readable' };
    return { status: 'pass', observed: { ports: values }, expected, evidence: found.evidence };
  },
});

/** The server clock must be within `maxDriftMs` of the agent's clock (a sign of time synchronisation). */
const clockSynchronised = defineCheckKind({
  id: 'opcua.clock-synchronised',
  params: z.object({ maxDriftMs: z.number().int().positive() }),
  evaluate(device, params): Verdict {
    const found = sessionFacts(device);
    if ('status' in found) return found;
    const values = found.sessions.map(({ port, session }) => ({ port, clockDriftMs: session.clockDriftMs ?? null, readRoundTripMs: session.readRoundTripMs }));
    const expected = { maxDriftMs: params.maxDriftMs };
    // Half the round trip is the uncertainty of the measurement; only drift beyond it counts.
    const beyond = values.filter((v) => v.clockDriftMs !== null && Math.abs(v.clockDriftMs) - v.readRoundTripMs / 2 > params.maxDriftMs);
    if (beyond.length > 0) return { status: 'fail', observed: { ports: values }, expected, evidence: found.evidence };
    if (values.some((v) => v.clockDriftMs === null))
      return { status: 'unknown', observed: { ports: values }, expected, evidence: found.evidence, reason: 'the server did not return its current time' };
    return { status: 'pass', observed: { ports: values }, expected, evidence: found.evidence };
  },
});

/**
 * No variable may be writable by an anonymous session (CR 2.1): the session probe browsed the
 * address space and read each variable's UserAccessLevel, never writing. A server that offers no
 * Anonymous token has no anonymous session to write with.
 */
const anonymousWriteAbsent = defineCheckKind({
  id: 'opcua.anonymous-write-absent',
  params: z.object({}),
  evaluate(device): Verdict {
    const probed = device.facts(SESSION_PROBE, OpcuaSessionFacts);
    if (probed.state === 'ok' && probed.facts.every((f) => f.facts.sessionSkipped === 'anonymous-not-offered'))
      return { status: 'pass', observed: { anonymousSession: 'not-offered' }, evidence: probed.evidence };
    const found = sessionFacts(device);
    if ('status' in found) return found;
    const ports = found.sessions.map(({ port, session }) => ({ port, space: session.addressSpace }));
    const expected = { anonymousWritable: [] };
    const writable = ports.flatMap(({ port, space }) => (space?.anonymousWritable ?? []).map((v) => ({ port, nodeId: v.nodeId, browseName: v.browseName })));
    const count = ports.reduce((n, { space }) => n + (space?.anonymousWritableCount ?? 0), 0);
    if (count > 0) return { status: 'fail', observed: { anonymousWritable: writable, count }, expected, evidence: found.evidence };
    const open = ports.filter(({ space }) => space?.stop !== 'complete').map(({ port, space }) => ({ port, stop: space?.stop ?? 'not-browsed' }));
    const observed = { anonymousWritable: [], variablesRead: ports.reduce((n, { space }) => n + (space?.variablesRead ?? 0), 0) };
    if (open.length > 0)
      return { status: 'unknown', observed: { ...observed, open }, expected, evidence: found.evidence, reason: 'the address space was not browsed to its end' };
    return { status: 'pass', observed, expected, evidence: found.evidence };
  },
});

export const opcuaCheckKinds: readonly RegisteredCheckKind[] = [
  tokenAbsent,
  modeAbsent,
  modePresent,
  policiesCurrent,
  cleartextPasswordAbsent,
  certificateUriMatch,
  auditing,
  clockSynchronised,
  anonymousWriteAbsent,
];

/** Vendor, product and firmware from BuildInfo when the session ran; otherwise what discovery announces. */
export const opcuaIdentity: IdentityExtractor = (device) => {
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined, source: string) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source });
  };
  const session = device.facts(SESSION_PROBE, OpcuaSessionFacts);
  if (session.state === 'ok') {
    for (const { facts } of session.facts) {
      const build = facts.session?.buildInfo;
      if (!build) continue;
      add('vendor', build.manufacturerName, SESSION_PROBE);
      add('product', build.productName, SESSION_PROBE);
      add('firmware', build.softwareVersion, SESSION_PROBE);
    }
  }
  if (claims.length > 0) return claims;
  const endpoints = device.facts(ENDPOINTS_PROBE, OpcuaEndpointsFacts);
  if (endpoints.state !== 'ok') return claims;
  for (const { facts } of endpoints.facts) {
    for (const e of facts.endpoints) {
      add('product', e.productUri, ENDPOINTS_PROBE);
      add('name', e.applicationUri, ENDPOINTS_PROBE);
      add('name', e.applicationName, ENDPOINTS_PROBE);
    }
  }
  return claims;
};

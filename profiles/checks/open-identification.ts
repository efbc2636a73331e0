/**
 * Checks and identity shared by the plant protocol families that answer without any
 * authentication: each family names its probe, fields and, where it reads its replies its own way
 * (several probes, UDP, a reply that is no answer), how; the judgement is here.
 */
import { z } from 'zod';
import { SERVICE_PORTS, type ServiceProtocol } from '../../probes/services.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, factsOrVerdict, notCheckedReason, type RegisteredCheckKind, tcpPorts, type Verdict } from './types.ts';

/** One TCP protocol family's probe, as a check reads it. */
export interface ProbedProtocol<F> {
  /** Probe whose facts show the protocol answered. */
  readonly probe: string;
  readonly schema: z.ZodType<F>;
  /** Discovery's name of its port (probes/services.ts). */
  readonly protocol: string;
  /** How reports name the port and what they say when it is closed. */
  readonly text: { readonly port: string; readonly absent: string };
  /**
   * The replies that answered the protocol, or the verdict without any, where the family reads
   * them its own way (several probes, UDP); by default the probe's facts (factsOrVerdict).
   */
  readonly answered?: (device: DeviceView) => Answered<F> | Verdict;
}

/** A probe's facts, one per port, with their evidence. */
export type Answered<F> = Extract<FactsLookup<F>, { state: 'ok' }>;

/** The replies of several probes that answered, as one: their facts and evidence in the given order. */
export function allAnswered<F>(answered: readonly Answered<F>[]): Answered<F> {
  return { state: 'ok', facts: answered.flatMap((f) => f.facts), evidence: answered.flatMap((f) => f.evidence) };
}

/** Family facts a verdict shows beside the shared observations (e.g. a refused read's end codes). */
type Details<F> = (facts: readonly F[]) => Record<string, unknown>;

/** The replies that answered the family's protocol (its own reading, else the probe's facts), or the verdict without them. */
export const protocolFacts = <F>(device: DeviceView, p: ProbedProtocol<F>) =>
  p.answered?.(device) ?? factsOrVerdict(device, p.probe, p.schema, p.protocol, p.text);

/**
 * A protocol that answered its identification exchange without any authentication, integrity or
 * encryption: fails whenever the probe got facts, since the protocol has no secured form on this
 * port (as S7comm: the port being reachable is the finding). With `secured` (the same protocol in
 * TLS on its own port), a device that offers only the secured port passes.
 */
export function unsecuredProtocolKind<F>(
  id: string,
  p: ProbedProtocol<F>,
  observed: {
    readonly protocol: string;
    readonly authentication: 'none' | 'login';
    readonly secured?: string;
    /** The protocol reports name as expected, where they name one. */
    readonly expected?: string;
    readonly details?: Details<F>;
  },
): RegisteredCheckKind {
  const expected = { ...(observed.expected ? { protocol: observed.expected } : {}), ports: [] };
  return defineCheckKind({
    id,
    params: z.object({}).strict(),
    evaluate(device): Verdict {
      const tlsPorts = observed.secured ? tcpPorts(device, observed.secured) : [];
      const found = protocolFacts(device, p);
      if ('status' in found) {
        if (found.status !== 'not-applicable' || tlsPorts.length === 0) return found;
        // Only a cleartext port seen closed lets the secured one pass; one discovery never reached tells nothing.
        const port = SERVICE_PORTS[p.protocol as ServiceProtocol];
        const unchecked = notCheckedReason(device, port, p.text.port);
        if (unchecked) return { status: 'unknown', observed: { tlsPorts }, reason: unchecked };
        return { status: 'pass', observed: { protocol: observed.protocol, ports: [], tlsPorts }, expected };
      }
      return {
        status: 'fail',
        observed: {
          protocol: observed.protocol,
          ports: found.facts.map((f) => f.port),
          ...observed.details?.(found.facts.map((f) => f.facts)),
          authentication: observed.authentication,
          integrity: 'none',
          confidentiality: 'none',
          ...(observed.secured ? { tlsPorts } : {}),
        },
        expected,
        evidence: found.evidence,
      };
    },
  });
}

/** How a family reads its identity fields, where its replies do not hold them at the top. */
interface IdentityRead<F, K extends string> {
  /** The field's value in one reply; by default the facts' own field of that name. */
  readonly fieldValue?: (facts: F, field: K) => unknown;
  readonly details?: Details<F>;
}

/**
 * Identity fields anyone can read without authentication: fails when the reply held any of the
 * listed fields, passes only on a reply that held none. Informational: no 4-2 row asks to hide them.
 */
export function identityHiddenKind<F, K extends keyof F & string>(
  id: string,
  p: ProbedProtocol<F>,
  fields: readonly [K, ...K[]],
  read?: Omit<IdentityRead<F, K>, 'fieldValue'>,
): RegisteredCheckKind;
export function identityHiddenKind<F, K extends string>(
  id: string,
  p: ProbedProtocol<F>,
  fields: readonly [K, ...K[]],
  read: IdentityRead<F, K> & Required<Pick<IdentityRead<F, K>, 'fieldValue'>>,
): RegisteredCheckKind;
export function identityHiddenKind<F, K extends string>(
  id: string,
  p: ProbedProtocol<F>,
  fields: readonly [K, ...K[]],
  read: IdentityRead<F, K> = {},
): RegisteredCheckKind {
  const fieldValue = read.fieldValue ?? ((facts: F, field: K) => (facts as Record<K, unknown>)[field]);
  return defineCheckKind({
    id,
    params: z.object({ fields: z.array(z.enum(fields)).min(1) }).strict(),
    evaluate(device, params): Verdict {
      const found = protocolFacts(device, p);
      if ('status' in found) return found;
      const readable = params.fields.filter((field) => found.facts.some((f) => String(fieldValue(f.facts, field) ?? '') !== ''));
      return {
        status: readable.length > 0 ? 'fail' : 'pass',
        observed: { readableWithoutAuthentication: readable, ...read.details?.(found.facts.map((f) => f.facts)) },
        expected: { readableWithoutAuthentication: [] },
        evidence: found.evidence,
      };
    },
  });
}

/**
 * Identity claims from a probe's facts: `claims` lists (field, value) pairs per reply, most
 * specific first; empty values and repeats are dropped.
 */
export function identityFrom<F>(
  probe: string,
  schema: z.ZodType<F>,
  claims: (facts: F) => readonly (readonly [IdentityClaim['field'], string | undefined])[],
): IdentityExtractor {
  return (device) => {
    const found = device.facts(probe, schema);
    if (found.state !== 'ok') return [];
    const out: IdentityClaim[] = [];
    for (const { facts } of found.facts) {
      for (const [field, raw] of claims(facts)) {
        const value = raw?.trim();
        if (value && !out.some((c) => c.field === field && c.value === value)) out.push({ field, value, source: probe });
      }
    }
    return out;
  };
}

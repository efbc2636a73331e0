import { z } from 'zod';
import type { Failure } from '../../probes/types.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';

export const CheckStatus = z.enum(['pass', 'fail', 'unknown', 'not-applicable', 'error']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** Points at the probe outcome (and its transcript range) a verdict was read from. */
export const Evidence = z.object({
  probe: z.string(),
  port: z.number().int(),
  transcript: z.tuple([z.number().int(), z.number().int()]),
});
export type Evidence = z.infer<typeof Evidence>;

/** What a check kind returns: observed and expected are values, never prose. */
export interface Verdict {
  readonly status: CheckStatus;
  readonly observed?: unknown;
  readonly expected?: unknown;
  readonly evidence?: readonly Evidence[];
  /** Why the check could not decide (unknown / not-applicable / error). */
  readonly reason?: string;
}

/** A kind of check, in code; its instances (with parameters only) live in profiles/data/checks/<protocol>.json. */
export interface CheckKind<P = unknown> {
  readonly id: string;
  readonly params: z.ZodType<P>;
  evaluate(device: DeviceView, params: P): Verdict;
}

/** A kind with its parameter type erased, so one registry holds kinds of different parameters. */
export interface RegisteredCheckKind {
  readonly id: string;
  readonly params: z.ZodType<unknown>;
  evaluate(device: DeviceView, params: unknown): Verdict;
}

/** A probe's failures as one line: `kind: detail; ...`. */
export function failureText(failures: readonly Failure[]): string {
  return failures.map((f) => `${f.kind}: ${f.detail}`).join('; ');
}

/** The verdict when a probe ran but gave no usable facts: undecided, with its failures. */
export function unavailableVerdict(probe: string, found: Extract<FactsLookup<unknown>, { state: 'unavailable' }>): Verdict {
  return { status: 'unknown', evidence: found.evidence, reason: `${probe} unavailable: ${failureText(found.failures)}` };
}

/**
 * The verdict when a UDP probe got no usable facts: silence or port unreachable is what a host
 * without the protocol looks like (not-applicable, `silent` says so); any other failure is unknown.
 */
export function udpUnavailableVerdict(probe: string, found: Extract<FactsLookup<unknown>, { state: 'unavailable' }>, silent: string): Verdict {
  if (found.failures.every((f) => f.kind === 'timeout' || f.kind === 'refused')) return { status: 'not-applicable', evidence: found.evidence, reason: silent };
  return unavailableVerdict(probe, found);
}

/** The TCP ports discovery found open for a service protocol. */
export const tcpPorts = (device: DeviceView, protocol: string): number[] =>
  device.services.filter((s) => s.protocol === protocol && s.transport === 'tcp').map((s) => s.port);

/**
 * Why discovery left a TCP port unchecked (`TCP <port> (<label>) was not checked: …`), or undefined
 * when it was checked: a port never reached is no proof that it is closed.
 */
export function notCheckedReason(device: DeviceView, port: number, label: string): string | undefined {
  const unchecked = device.observation.unchecked?.find((u) => u.port === port);
  return unchecked && `TCP ${port} (${label}) was not checked: ${unchecked.reason}`;
}

/**
 * The verdict when `probe` never ran: a TCP port of the protocol seen open but not probed (e.g.
 * under a safety ceiling) is no proof of absence, so unknown; without one, not-applicable.
 */
export function notProbedVerdict(device: DeviceView, protocol: string, probe: string, text: { readonly port: string; readonly absent: string }): Verdict {
  const open = tcpPorts(device, protocol);
  if (open.length > 0) return { status: 'unknown', observed: { openPorts: open }, reason: `${probe} did not run on the open ${text.port} port` };
  return { status: 'not-applicable', reason: text.absent };
}

/**
 * A TCP probe's facts on the device, or the verdict when there are none: unknown when it ran
 * without usable facts (unavailableVerdict), otherwise as notProbedVerdict says.
 */
export function factsOrVerdict<F>(
  device: DeviceView,
  probe: string,
  schema: z.ZodType<F>,
  protocol: string,
  text: { readonly port: string; readonly absent: string },
): Extract<FactsLookup<F>, { state: 'ok' }> | Verdict {
  const found = device.facts(probe, schema);
  if (found.state === 'ok') return found;
  if (found.state === 'unavailable') return unavailableVerdict(probe, found);
  return notProbedVerdict(device, protocol, probe, text);
}

/** Registers a kind; parameters are validated by its own schema before every evaluation. */
export function defineCheckKind<P>(kind: CheckKind<P>): RegisteredCheckKind {
  return { id: kind.id, params: kind.params, evaluate: (device, params) => kind.evaluate(device, kind.params.parse(params)) };
}

/** One check instance as kept in profiles/data/checks/<protocol>.json: parameters only, no logic. */
export const CheckInstance = z.object({
  id: z.string().regex(/^[a-z0-9-]+\.[a-z0-9.-]+$/),
  kind: z.string(),
  /** Own short title, a few words: the state the check expects. */
  title: z.string().max(80),
  /** What is wrong when the check fails, a few words ("Telnet service open"). */
  problem: z.string().min(1).max(80).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  /** One concrete step a technician can take when the check fails. */
  remediation: z.string(),
});
export type CheckInstance = z.infer<typeof CheckInstance>;

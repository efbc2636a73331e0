import { z } from 'zod';
import type { DeviceView } from '../device-view.ts';

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

/** A kind of check, in code; its instances (with parameters only) live in profiles/data/checks.json. */
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

/** Registers a kind; parameters are validated by its own schema before every evaluation. */
export function defineCheckKind<P>(kind: CheckKind<P>): RegisteredCheckKind {
  return { id: kind.id, params: kind.params, evaluate: (device, params) => kind.evaluate(device, kind.params.parse(params)) };
}

/** One check instance as kept in profiles/data/checks/<protocol>.json: parameters only, no logic. */
export const CheckInstance = z.object({
  id: z.string().regex(/^[a-z0-9-]+\.[a-z0-9.-]+$/),
  kind: z.string(),
  /** Own short title, a few words. */
  title: z.string().max(80),
  params: z.record(z.string(), z.unknown()).default({}),
  /** One concrete step a technician can take when the check fails. */
  remediation: z.string(),
});
export type CheckInstance = z.infer<typeof CheckInstance>;

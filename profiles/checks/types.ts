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

/** Identity lets a generic registry hold kinds with different parameter types. */
export function defineCheckKind<P>(kind: CheckKind<P>): CheckKind<P> {
  return kind;
}

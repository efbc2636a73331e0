import { z } from 'zod';
import { CheckStatus, Evidence } from './checks/types.ts';

export const SlVector = z.array(z.number().int().min(0).max(4)).length(7);
export type SlVector = z.infer<typeof SlVector>;

export const CheckResult = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  status: CheckStatus,
  /** Requirements this check gives evidence for (from the device profile's mapping). */
  requirements: z.array(z.string()),
  observed: z.unknown().optional(),
  expected: z.unknown().optional(),
  evidence: z.array(Evidence),
  reason: z.string().optional(),
  remediation: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const RequirementStatus = z.enum(['satisfied', 'not-satisfied', 'not-applicable', 'not-assessed']);
export type RequirementStatus = z.infer<typeof RequirementStatus>;

export const RequirementResult = z.object({
  id: z.string(),
  fr: z.number().int(),
  sl: z.number().int(),
  status: RequirementStatus,
  /** How the status was reached: never "observed" for a confirmation a probe cannot give. */
  decidedBy: z.enum(['observed', 'attested', 'catalog', 'none']),
  /** What the mapped checks said, whatever decided the status. */
  observation: z.enum(['refuted', 'consistent', 'none']),
  checks: z.array(z.string()),
});
export type RequirementResult = z.infer<typeof RequirementResult>;

export const Gap = z.object({
  requirement: z.string(),
  fr: z.number().int(),
  sl: z.number().int(),
  /** Levels between what this gap allows in its FR (sl - 1) and the target. */
  levelsBelowTarget: z.number().int(),
});
export type Gap = z.infer<typeof Gap>;

export const FrScore = z.object({
  fr: z.number().int(),
  target: z.number().int(),
  demonstrated: z.number().int(),
  ceiling: z.number().int(),
  /** Not-satisfied requirements at or below the target. */
  blockers: z.array(z.string()),
  /** Not-assessed requirements at or below the target. */
  toAssess: z.array(z.string()),
});
export type FrScore = z.infer<typeof FrScore>;

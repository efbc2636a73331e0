import { z } from 'zod';
import { JudgedType } from './catalog.ts';
import { CheckStatus, Evidence } from './checks/types.ts';

export const SlVector = z.array(z.number().int().min(0).max(4)).length(7);
export type SlVector = z.infer<typeof SlVector>;

export const CheckResult = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  /** What is wrong when it fails, in a few words; absent in results of agents before it was added. */
  problem: z.string().optional(),
  status: CheckStatus,
  /** Requirements this check gives evidence for (from the device profile's mapping). */
  requirements: z.array(z.string()),
  observed: z.unknown().optional(),
  expected: z.unknown().optional(),
  evidence: z.array(Evidence),
  reason: z.string().optional(),
  /** Set for a check the mapping declares informational: why it decides no requirement. */
  informational: z.string().optional(),
  remediation: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const RequirementStatus = z.enum(['satisfied', 'not-satisfied', 'not-applicable', 'not-assessed']);
export type RequirementStatus = z.infer<typeof RequirementStatus>;

/** An operator's attestation as it was weighed for one requirement row (kept whatever its state). */
export const AttestationRecord = z.object({
  /**
   * applied: it decided the row; contradicted: a failing check refutes it, so it was not applied;
   * expired: past its expiry at the evaluation time; superseded: observation or the catalog had decided.
   */
  state: z.enum(['applied', 'contradicted', 'expired', 'superseded']),
  status: z.enum(['satisfied', 'not-applicable']),
  statement: z.string(),
  by: z.string(),
  date: z.string(),
  evidence: z.string(),
  expires: z.string().optional(),
});
export type AttestationRecord = z.infer<typeof AttestationRecord>;

export const RequirementResult = z.object({
  id: z.string(),
  /** The catalog variant judged: a host device carries HDR rows and SAR rows for its application. */
  componentType: JudgedType,
  fr: z.number().int(),
  sl: z.number().int(),
  status: RequirementStatus,
  /** How the status was reached: never "observed" for a confirmation a probe cannot give. */
  decidedBy: z.enum(['observed', 'attested', 'catalog', 'none']),
  /** What the mapped checks said, whatever decided the status. */
  observation: z.enum(['refuted', 'consistent', 'none']),
  checks: z.array(z.string()),
  /** Why a not-applicable row does not apply (the catalog's reason or the attested statement). */
  reason: z.string().optional(),
  attestation: AttestationRecord.optional(),
});
export type RequirementResult = z.infer<typeof RequirementResult>;

/** A compensating countermeasure (62443-4-2 CCSC 2) as it was weighed for one gap. */
export const ExceptionRecord = z.object({
  /** active: the gap is compensated; expired: past its expiry at the evaluation time, a gap again. */
  state: z.enum(['active', 'expired']),
  countermeasure: z.string(),
  justification: z.string(),
  approvedBy: z.string(),
  approved: z.string(),
  expires: z.string(),
  reference: z.string().optional(),
});
export type ExceptionRecord = z.infer<typeof ExceptionRecord>;

export const Gap = z.object({
  requirement: z.string(),
  /** The device's variants in which the requirement is refuted (one gap however many). */
  componentTypes: z.array(JudgedType),
  fr: z.number().int(),
  sl: z.number().int(),
  /** Levels between what this gap allows in its FR (sl - 1) and the target. */
  levelsBelowTarget: z.number().int(),
  /** Failing checks that refute the requirement: what to fix. */
  causes: z.array(z.string()),
  /** FRs in which these causes hold a gap: fixing them helps that many FRs. */
  frsBlocked: z.number().int(),
  /** The compensating countermeasure recorded for this gap (active in `compensated`, expired in `gaps`). */
  exception: ExceptionRecord.optional(),
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

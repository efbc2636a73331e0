import { z } from 'zod';
import { applicableTo, type Catalog, JudgedType, RequirementId } from './catalog.ts';

/**
 * Operator statements about requirements: attestations (what no probe can see, vouched for by a
 * person) and exceptions (compensating countermeasures, 62443-4-2 CCSC 2). One schema each, the
 * source of the published JSON Schemas (report/attestations.schema.json, exceptions.schema.json).
 */
export const STATEMENTS_VERSION = 1;

const IsoDate = z.iso.date({ error: 'expected a calendar date YYYY-MM-DD' });
const Text = (what: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`);
/** Device addresses or target names (from the config); omitted: every device the requirement applies to. */
const Devices = z.array(Text('a device address or name')).min(1, 'list at least one device, or leave "devices" out').optional();

const notBefore = (from: 'date' | 'approved') => (s: { expires?: string | undefined } & Record<string, unknown>) =>
  s.expires === undefined || s.expires >= String(s[from]);

export const Attestation = z
  .strictObject({
    requirement: RequirementId,
    devices: Devices,
    /** Only the rows of this variant (e.g. SAR: the application, not the host platform). */
    componentType: JudgedType.optional(),
    /** not-applicable: the requirement's subject is absent (say why in the statement, e.g. no wireless interface). */
    status: z.enum(['satisfied', 'not-applicable']).default('satisfied'),
    statement: Text('statement'),
    by: Text('by'),
    date: IsoDate,
    /** Ticket, document or photo id a reviewer can look up. */
    evidence: Text('evidence'),
    expires: IsoDate.optional(),
  })
  .refine(notBefore('date'), { path: ['expires'], message: 'expires before the attestation date' });
export type Attestation = z.infer<typeof Attestation>;

export const AttestationFile = z.strictObject({
  schemaVersion: z.literal(STATEMENTS_VERSION),
  site: z.string().optional(),
  /** A file about one device: the default for entries without `devices`. */
  device: z.string().min(1).optional(),
  attestations: z.array(Attestation),
});
export type AttestationFile = z.infer<typeof AttestationFile>;

export const Exception = z
  .strictObject({
    requirement: RequirementId,
    devices: Devices,
    countermeasure: Text('countermeasure'),
    justification: Text('justification'),
    approvedBy: Text('approvedBy'),
    approved: IsoDate,
    /** Required: a countermeasure is reviewed, never granted forever. */
    expires: IsoDate,
    reference: z.string().optional(),
  })
  .refine(notBefore('approved'), { path: ['expires'], message: 'expires before it was approved' });
export type Exception = z.infer<typeof Exception>;

export const ExceptionFile = z.strictObject({
  schemaVersion: z.literal(STATEMENTS_VERSION),
  site: z.string().optional(),
  device: z.string().min(1).optional(),
  exceptions: z.array(Exception),
});
export type ExceptionFile = z.infer<typeof ExceptionFile>;

/** Statements ready to apply: each entry scoped to its devices (undefined: every device). */
export interface Statements {
  readonly attestations: readonly Attestation[];
  readonly exceptions: readonly Exception[];
}

export interface StatementProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** What a schema cannot see: requirement ids the catalog lacks, or variants they do not apply to. */
export function statementProblems(entries: readonly (Attestation | Exception)[], catalog: Catalog, list: 'attestations' | 'exceptions'): StatementProblem[] {
  const problems: StatementProblem[] = [];
  entries.forEach((e, i) => {
    const entry = catalog.byId.get(e.requirement);
    if (!entry) problems.push({ path: [list, i, 'requirement'], message: `"${e.requirement}" is not in the catalog (${catalog.name})` });
    else if ('componentType' in e && e.componentType !== undefined && !applicableTo(catalog, e.componentType).includes(entry)) {
      problems.push({
        path: [list, i, 'componentType'],
        message: `${e.requirement} does not apply to ${e.componentType} (only ${entry.appliesTo.join(', ')})`,
      });
    }
  });
  return problems;
}

/** Entries of a file with the file-level `device` as their default scope. */
export function scoped<T extends { devices?: string[] | undefined }>(file: { device?: string | undefined }, entries: readonly T[]): T[] {
  return entries.map((e) => (e.devices === undefined && file.device !== undefined ? { ...e, devices: [file.device] } : e));
}

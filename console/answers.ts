import { createHash } from 'node:crypto';
import { Document } from 'yaml';
import { z } from 'zod';
import { type Catalog, JudgedType, RequirementId } from '../profiles/catalog.ts';
import { IdentityField } from '../profiles/identity.ts';
import {
  type Attestation,
  AttestationFile,
  type Exception,
  ExceptionFile,
  STATEMENTS_VERSION,
  type StatementProblem,
  statementProblems,
} from '../profiles/statements.ts';
import type { Result } from '../report/result.ts';
import type { Proposal } from './proposals.ts';

/**
 * The answers of a zone's gap analysis, as people enter them in the console, and their
 * translation into the published attestation and exception files: what `evaluate` reads, what
 * the agent fetches, and what the console weighs its stored results with. One translation for all
 * three, so the console, a field run and `evaluate` agree.
 */

/** Proposal kinds (console/proposals.ts) of the gap analysis; the subject is the zone name. */
export const ANSWER = 'answer';
export const COUNTERMEASURE = 'countermeasure';

const IsoDate = z.iso.date({ error: 'a date YYYY-MM-DD' });
const Text = (what: string, max: number) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what}: at most ${max} characters`);

/**
 * Which devices an answer covers: every device of the zone the requirement applies to (nothing
 * set), named devices (addresses or target names), or devices whose identity field has a value
 * (e.g. model `SIMATIC S7-1500`, compared without case); optionally only one component type's rows.
 */
export const Scope = z
  .strictObject({
    devices: z.array(Text('a device', 200)).min(1).max(500).optional(),
    identity: z.strictObject({ field: IdentityField, value: Text('identity value', 200) }).optional(),
    componentType: JudgedType.optional(),
  })
  .refine((s) => s.devices === undefined || s.identity === undefined, { message: 'name devices or an identity, not both' });
export type Scope = z.infer<typeof Scope>;

export const AnswerPayload = z.strictObject({
  requirement: RequirementId,
  scope: Scope,
  status: z.enum(['satisfied', 'not-applicable']),
  statement: Text('statement', 2000),
  /** A document id, a URL, or `sha256:<hex>` of a file uploaded to the console. */
  evidence: Text('evidence', 500),
  expires: IsoDate.optional(),
});
export type AnswerPayload = z.infer<typeof AnswerPayload>;

export const CountermeasurePayload = z.strictObject({
  requirement: RequirementId,
  scope: Scope,
  countermeasure: Text('countermeasure', 2000),
  justification: Text('justification', 2000),
  reference: Text('reference', 500).optional(),
  /** Required: a countermeasure is reviewed, never granted forever. */
  expires: IsoDate,
});
export type CountermeasurePayload = z.infer<typeof CountermeasurePayload>;

/** What a scope covers, in words (lists, audit log). */
export function scopeText(s: Scope): string {
  const who = s.devices ? `devices ${s.devices.join(', ')}` : s.identity ? `devices with ${s.identity.field} "${s.identity.value}"` : 'whole zone';
  return s.componentType ? `${who}, ${s.componentType} rows` : who;
}

/** Problems a schema cannot see: a requirement the catalog lacks, or a component type it does not apply to. */
export function payloadProblems(p: AnswerPayload | CountermeasurePayload, catalog: Catalog): StatementProblem[] {
  return statementProblems(
    [{ requirement: p.requirement, ...(p.scope.componentType ? { componentType: p.scope.componentType } : {}) } as Attestation],
    catalog,
    'attestations',
  );
}

/** An approved proposal as it enters a statement file, or why it cannot (its scope matches no device). */
export interface ZoneEntry<T> {
  readonly proposal: Proposal;
  readonly entry?: T;
  readonly unresolved?: string;
}

export interface ZoneStatements {
  readonly zone: string;
  readonly attestations: readonly ZoneEntry<Attestation>[];
  readonly exceptions: readonly ZoneEntry<Exception>[];
}

/** The date part of an ISO timestamp (empty for none), as the files and pages show it. */
export const day = (iso: string | undefined) => (iso ?? '').slice(0, 10);
const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * The devices a scope names, for the files: named devices as given; identity scopes (and, for
 * exceptions, which have no component type, type scopes) resolved against the zone's latest run.
 * Undefined: every device.
 */
function devicesOf(scope: Scope, latest: Result | undefined, typeAsDevices: boolean): string[] | undefined | 'none' {
  if (scope.devices) return scope.devices;
  const byType = typeAsDevices && scope.componentType !== undefined;
  if (!scope.identity && !byType) return undefined;
  const matching = (latest?.devices ?? []).filter(
    (d) =>
      (!scope.identity || same(d.identity[scope.identity.field]?.value ?? '', scope.identity.value)) &&
      (!byType || d.componentTypes.includes(scope.componentType as never)),
  );
  return matching.length === 0 ? 'none' : matching.map((d) => d.address);
}

const NO_DEVICE = 'matches no device of the latest run';

/** Approved proposals as entries of one file; `build` writes an entry from the payload, the devices its scope names and its date. */
function toEntries<P extends { scope: Scope; expires?: string | undefined }, T>(
  proposals: readonly Proposal[],
  schema: z.ZodType<P>,
  latest: Result | undefined,
  kind: { typeAsDevices: boolean; dated: (proposal: Proposal) => string },
  build: (p: P, proposal: Proposal, devices: string[] | undefined, dated: string) => T,
): ZoneEntry<T>[] {
  return proposals.map((proposal) => {
    // A stored payload that no longer fits (a later schema) or a date the file format refuses is shown, never a crash.
    const parsed = schema.safeParse(proposal.payload);
    if (!parsed.success) return { proposal, unresolved: `does not fit the answer schema: ${parsed.error.issues[0]?.message ?? ''}` };
    const p = parsed.data;
    const dated = kind.dated(proposal);
    if (p.expires !== undefined && p.expires < dated) return { proposal, unresolved: `expires ${p.expires}, before its date ${dated}` };
    const devices = devicesOf(p.scope, latest, kind.typeAsDevices);
    return devices === 'none' ? { proposal, unresolved: NO_DEVICE } : { proposal, entry: build(p, proposal, devices, dated) };
  });
}

/** The approved answers and countermeasures of a zone as statement entries, in proposal order (the first applicable wins, as in a file). */
export function zoneStatements(zone: string, answers: readonly Proposal[], countermeasures: readonly Proposal[], latest: Result | undefined): ZoneStatements {
  const attestations = toEntries(
    answers,
    AnswerPayload,
    latest,
    { typeAsDevices: false, dated: (p) => day(p.proposedAt) },
    (p, proposal, devices, dated): Attestation => ({
      requirement: p.requirement,
      ...(devices ? { devices } : {}),
      ...(p.scope.componentType ? { componentType: p.scope.componentType } : {}),
      status: p.status,
      statement: p.statement,
      by: proposal.proposedBy,
      date: dated,
      evidence: p.evidence,
      ...(p.expires ? { expires: p.expires } : {}),
    }),
  );
  const exceptions = toEntries(
    countermeasures,
    CountermeasurePayload,
    latest,
    { typeAsDevices: true, dated: (p) => day(p.decidedAt) },
    (p, proposal, devices, dated): Exception => ({
      requirement: p.requirement,
      ...(devices ? { devices } : {}),
      countermeasure: p.countermeasure,
      justification: p.justification,
      approvedBy: proposal.decidedBy ?? '-',
      approved: dated,
      expires: p.expires,
      ...(p.reference ? { reference: p.reference } : {}),
    }),
  );
  return { zone, attestations, exceptions };
}

export const entriesOf = <T>(list: readonly ZoneEntry<T>[]): T[] => list.flatMap((e) => (e.entry ? [e.entry] : []));

export interface StatementFileText {
  readonly name: string;
  readonly text: string;
  readonly sha256: string;
  readonly entries: number;
}

function fileText<T>(list: readonly ZoneEntry<T>[], key: 'attestations' | 'exceptions', zone: string, name: string): StatementFileText {
  const shown = list.filter((e) => e.entry !== undefined);
  const doc = new Document({ schemaVersion: STATEMENTS_VERSION, site: zone, [key]: shown.map((e) => e.entry) });
  doc.commentBefore = ` ${key === 'attestations' ? 'Attestations' : 'Compensating countermeasures'} of zone ${zone}, approved in the cellcheck console.
 Each entry names its proposal, who proposed and who approved it. Schema: report/${key}.schema.json`;
  const items = (doc.get(key) as { items?: { commentBefore?: string | null }[] } | undefined)?.items ?? [];
  shown.forEach((e, i) => {
    const item = items[i];
    if (item)
      item.commentBefore = ` ${e.proposal.id} (sha256 ${e.proposal.payloadSha256.slice(0, 16)}): proposed by ${e.proposal.proposedBy}, approved by ${e.proposal.decidedBy ?? '-'} on ${day(e.proposal.decidedAt)}`;
  });
  const text = doc.toString({ lineWidth: 0 });
  return { name, text, sha256: createHash('sha256').update(text).digest('hex'), entries: shown.length };
}

/** The zone's approved statements as the two published files, byte for byte what `evaluate --attestations/--exceptions` reads. */
export function statementFiles(s: ZoneStatements): { attestations: StatementFileText; exceptions: StatementFileText } {
  const slug = s.zone.replace(/[^A-Za-z0-9._-]+/g, '-');
  const files = {
    attestations: fileText(s.attestations, 'attestations', s.zone, `${slug}-attestations.yaml`),
    exceptions: fileText(s.exceptions, 'exceptions', s.zone, `${slug}-exceptions.yaml`),
  };
  // The published schemas are the contract: a file that would not load is a bug here, not the user's.
  AttestationFile.parse({ schemaVersion: STATEMENTS_VERSION, site: s.zone, attestations: entriesOf(s.attestations) });
  ExceptionFile.parse({ schemaVersion: STATEMENTS_VERSION, site: s.zone, exceptions: entriesOf(s.exceptions) });
  return files;
}

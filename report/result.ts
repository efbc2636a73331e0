import { z } from 'zod';
import { Service } from '../probes/observation.ts';
import { Failure } from '../probes/types.ts';
import { JudgedType } from '../profiles/catalog.ts';
import { IDENTITY_FIELDS } from '../profiles/identity.ts';
import { VulnerabilityCoverage, VulnerabilityFinding } from '../profiles/advisories/model.ts';
import { CheckResult, FrScore, Gap, RequirementResult, SlVector } from '../profiles/model.ts';
import { RESULT_ROLES } from '../profiles/role.ts';
import { PlanEntry } from '../profiles/plan.ts';
import { BoundaryViolation, ConduitUse, PathResult, UncheckedPaths } from '../profiles/zone-model.ts';

/** Bumped on any incompatible change of the document; additions keep the number. */
export const SCHEMA_VERSION = 1;

const IdentityValue = z.object({
  value: z.string(),
  /** Probe id the value was read from, e.g. `opcua.session`. */
  source: z.string(),
  /** Other values other protocols reported for the same field. */
  alternatives: z.array(z.object({ value: z.string(), source: z.string() })).optional(),
});

export const Identity = z.partialRecord(z.enum(IDENTITY_FIELDS), IdentityValue);
export type Identity = z.infer<typeof Identity>;

export const ProbeSummary = z.object({
  id: z.string(),
  port: z.number().int(),
  status: z.enum(['ok', 'unavailable']),
  failure: Failure.optional(),
  durationMs: z.number(),
});

/** Which statement file was weighed: its digest, so a reader can tell which version decided. */
const StatementSource = z.object({ sha256: z.string(), entries: z.number().int() });

export const DeviceResult = z.object({
  address: z.string(),
  name: z.string().optional(),
  role: z.enum(RESULT_ROLES),
  roleSource: z.object({ source: z.enum(['config', 'inferred']), reason: z.string() }),
  componentType: JudgedType,
  /** Every variant judged: a host carries HDR (platform) and SAR (the application it runs) rows. */
  componentTypes: z.array(JudgedType),
  identity: Identity,
  services: z.array(Service),
  probes: z.array(ProbeSummary),
  checks: z.array(CheckResult),
  requirements: z.array(RequirementResult),
  /** The device's SL-T: the zone's, or the target's own override. */
  slT: SlVector,
  /** The device as a whole: per FR the lowest level over its component types. */
  slC: z.object({ demonstrated: SlVector, ceiling: SlVector }),
  slCByType: z.partialRecord(JudgedType, z.object({ demonstrated: SlVector, ceiling: SlVector })),
  frs: z.array(FrScore),
  gaps: z.array(Gap),
  /** Gaps covered by an unexpired compensating countermeasure; they do not raise SL-C. */
  compensated: z.array(Gap),
  meetsTarget: z.boolean(),
  /** Known vulnerabilities from the advisory store (present when one was used); they do not change SL-C. */
  vulnerabilities: z.array(VulnerabilityFinding).optional(),
  /** Why the device has these findings: matched, listed by no advisory, or not matchable (and why). */
  vulnerabilityCoverage: VulnerabilityCoverage.optional(),
});
export type DeviceResult = z.infer<typeof DeviceResult>;

export const Result = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.string(),
  agent: z.object({ id: z.string(), version: z.string() }),
  collectedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  zone: z.object({ name: z.string(), slT: SlVector }),
  catalog: z.object({ name: z.string(), version: z.string() }),
  /** Present when devices were matched against an advisory store (scan or evaluate --advisories). */
  advisories: z
    .object({
      store: z.string(),
      advisories: z.number().int(),
      newestRelease: z.string().optional(),
      devicesAffected: z.number().int(),
      findingsAffected: z.number().int(),
    })
    .optional(),
  /** Present when attestation or exception files were weighed. */
  statements: z
    .object({
      /** The time expiry is judged at: the run's collectedAt unless re-evaluated with --at. */
      at: z.string(),
      attestations: StatementSource.optional(),
      exceptions: StatementSource.optional(),
      /** Entries that matched no requirement row (attestations) or no gap (exceptions) in this run. */
      unused: z.array(z.object({ list: z.enum(['attestations', 'exceptions']), index: z.number().int(), requirement: z.string(), reason: z.string() })),
    })
    .optional(),
  devices: z.array(DeviceResult),
  summary: z.object({
    addressesPlanned: z.number().int(),
    devicesFound: z.number().int(),
    devicesMeetingTarget: z.number().int(),
    gaps: z.number().int(),
    compensated: z.number().int(),
    /** Worst demonstrated level per FR across the zone's devices (0 when no device). */
    worstDemonstrated: SlVector,
    /** Per FR, the devices at the worst demonstrated level. */
    worstDevices: z.array(z.object({ fr: z.number().int(), demonstrated: z.number().int(), devices: z.array(z.string()) })),
  }),
  /** What to change, ranked by what it buys toward SL-T (profiles/plan.ts). Absent in results of agents before the plan. */
  plan: z.array(PlanEntry).optional(),
  /** The zone-boundary check (opt-in `reachability`): each path tried from this zone into another, TCP connect and close. */
  reachability: z.array(PathResult).optional(),
  /** Reachable paths no conduit of the zone allows (62443-3-3 SR 5.1/5.2 of the zone, 4-2 CR 5.1 of the destination device). */
  boundaryViolations: z.array(BoundaryViolation).optional(),
  /** The rest of the boundary view: where destinations came from, each conduit's use, paths not tried, dual-homed devices. */
  boundary: z
    .object({
      source: z.enum(['config', 'console']),
      conduits: z.array(ConduitUse),
      unchecked: z.array(UncheckedPaths),
      /** Devices of this run with an interface address outside the zone's ranges (snmp.single-zone failed). */
      dualHomed: z.array(z.object({ address: z.string(), outside: z.array(z.string()) })),
      notice: z.string().optional(),
    })
    .optional(),
});
export type Result = z.infer<typeof Result>;

/** The published JSON Schema of the result document (report/result.schema.json is generated from it). */
export function resultJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(Result, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' }),
    $id: 'urn:cellcheck:schema:result:1',
    title: 'cellcheck result',
  };
}

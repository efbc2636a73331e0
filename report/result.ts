import { z } from 'zod';
import { Service } from '../probes/observation.ts';
import { Failure } from '../probes/types.ts';
import { ComponentType } from '../profiles/catalog.ts';
import { IDENTITY_FIELDS } from '../profiles/identity.ts';
import { CheckResult, FrScore, Gap, RequirementResult, SlVector } from '../profiles/model.ts';

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

export const DeviceResult = z.object({
  address: z.string(),
  name: z.string().optional(),
  role: z.enum(['plc', 'hmi', 'scada-server', 'network-device']),
  roleSource: z.object({ source: z.enum(['config', 'inferred']), reason: z.string() }),
  componentType: ComponentType,
  identity: Identity,
  services: z.array(Service),
  probes: z.array(ProbeSummary),
  checks: z.array(CheckResult),
  requirements: z.array(RequirementResult),
  slC: z.object({ demonstrated: SlVector, ceiling: SlVector }),
  frs: z.array(FrScore),
  gaps: z.array(Gap),
  meetsTarget: z.boolean(),
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
  devices: z.array(DeviceResult),
  summary: z.object({
    addressesPlanned: z.number().int(),
    devicesFound: z.number().int(),
    devicesMeetingTarget: z.number().int(),
    gaps: z.number().int(),
    /** Worst demonstrated level per FR across the zone's devices (0 when no device). */
    worstDemonstrated: SlVector,
  }),
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

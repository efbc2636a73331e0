import { z } from 'zod';
import type { Catalog } from './catalog.ts';
import type { LoadedCheck } from './check-set.ts';
import { ProfileError } from './check-set.ts';

export const MappingEntry = z.object({
  /** `all`: every applicable check must pass; `any`: one passing check is enough. */
  combine: z.enum(['all', 'any']).default('all'),
  checks: z.array(z.string()).min(1),
});
export type MappingEntry = z.infer<typeof MappingEntry>;

export const MappingFile = z.strictObject({
  requirements: z.record(z.string(), MappingEntry),
  /**
   * Checks reported to the technician that decide no requirement (e.g. a mode switch left in
   * RUN-P), each with the reason it decides none: a failing check is a gap or says why it is not.
   */
  informational: z.record(z.string(), z.string().trim().min(20, 'give the reason this check decides no requirement')).default({}),
});

export interface Mapping {
  readonly requirements: ReadonlyMap<string, MappingEntry>;
  /** Check id -> why it decides no requirement. */
  readonly informational: ReadonlyMap<string, string>;
}

/**
 * Validates the requirement -> checks mapping against the catalog and the check set: every
 * requirement a probe can see (automated/partial) has checks, no manual one pretends to, and every
 * named check exists. An unmapped requirement is a load error, never a silent "not assessed".
 */
export function loadMapping(data: unknown, catalog: Catalog, checks: ReadonlyMap<string, LoadedCheck>): Mapping {
  const parsed = MappingFile.safeParse(data);
  if (!parsed.success) throw new ProfileError(`mapping: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const mapping = new Map(Object.entries(parsed.data.requirements));
  const informational = new Map(Object.entries(parsed.data.informational));
  for (const [id, entry] of mapping) {
    const req = catalog.byId.get(id);
    if (!req) throw new ProfileError(`mapping names ${id}, which is not in the catalog`);
    if (req.assessment === 'manual' || req.assessment === 'not-applicable') {
      throw new ProfileError(`mapping gives checks to ${id}, which the catalog declares ${req.assessment}`);
    }
    for (const c of entry.checks) if (!checks.has(c)) throw new ProfileError(`mapping of ${id} names unknown check ${c}`);
  }
  for (const req of catalog.entries) {
    if ((req.assessment === 'automated' || req.assessment === 'partial') && !mapping.has(req.id)) {
      throw new ProfileError(`${req.id} is declared ${req.assessment} but no check is mapped to it`);
    }
  }
  const mapped = new Set([...mapping.values()].flatMap((e) => e.checks));
  for (const id of informational.keys()) {
    if (!checks.has(id)) throw new ProfileError(`informational check ${id} is unknown`);
    if (mapped.has(id)) throw new ProfileError(`check ${id} is both mapped and informational`);
  }
  for (const id of checks.keys()) {
    if (!mapped.has(id) && !informational.has(id)) throw new ProfileError(`check ${id} is neither mapped to a requirement nor listed as informational`);
  }
  return { requirements: mapping, informational };
}

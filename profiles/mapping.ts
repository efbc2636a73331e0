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

export const MappingFile = z.object({ requirements: z.record(z.string(), MappingEntry) });
export type Mapping = ReadonlyMap<string, MappingEntry>;

/**
 * Validates the requirement -> checks mapping against the catalog and the check set: every
 * requirement a probe can see (automated/partial) has checks, no manual one pretends to, and every
 * named check exists. An unmapped requirement is a load error, never a silent "not assessed".
 */
export function loadMapping(data: unknown, catalog: Catalog, checks: ReadonlyMap<string, LoadedCheck>): Mapping {
  const parsed = MappingFile.safeParse(data);
  if (!parsed.success) throw new ProfileError(`mapping: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const mapping = new Map(Object.entries(parsed.data.requirements));
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
  return mapping;
}

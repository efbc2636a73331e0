import { z } from 'zod';
import bundled from './data/catalog.json' with { type: 'json' };
import { UserError } from './user-error.ts';

export const COMPONENT_TYPES = ['EDR', 'HDR', 'NDR', 'SAR'] as const;
export const ComponentType = z.enum(COMPONENT_TYPES);
export type ComponentType = z.infer<typeof ComponentType>;
/** What a device is judged as: a catalog variant, or `common` (the rows every variant shares) when its role is unknown. */
export const JudgedType = z.enum([...COMPONENT_TYPES, 'common']);
export type JudgedType = z.infer<typeof JudgedType>;

export const FR_COUNT = 7;
export const Fr = z.number().int().min(1).max(FR_COUNT);
export const Sl = z.number().int().min(1).max(4);

/**
 * How far cellcheck's network probes can see a requirement: `automated` (observation can decide
 * it both ways), `partial` (observation can refute it, never confirm it alone), `manual` (only an
 * attestation decides it), `not-applicable` (never applies to a networked component).
 */
export const Assessment = z.enum(['automated', 'partial', 'manual', 'not-applicable']);
export type Assessment = z.infer<typeof Assessment>;

export const RequirementId = z.string().regex(/^(CR|EDR|HDR|NDR|SAR) \d+\.\d+( RE\(\d+\))?$/);

export const CatalogEntry = z.object({
  id: RequirementId,
  kind: z.enum(['requirement', 'enhancement']),
  fr: Fr,
  /** A few words of our own naming the requirement; never the standard's sentence. */
  title: z.string().max(90),
  sl: Sl,
  appliesTo: z.array(ComponentType).min(1),
  parent: RequirementId.optional(),
  assessment: Assessment,
  /** Set where public sources disagree on the row; the adopted level is `sl`. */
  disputed: z.string().optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const CatalogFile = z.object({
  name: z.string(),
  version: z.string(),
  requirements: z.array(CatalogEntry).min(1),
});
export type CatalogFile = z.infer<typeof CatalogFile>;

export interface Catalog {
  readonly name: string;
  readonly version: string;
  readonly entries: readonly CatalogEntry[];
  readonly byId: ReadonlyMap<string, CatalogEntry>;
}

export class CatalogError extends UserError {
  override name = 'CatalogError';
}

/**
 * Validates a catalog (the bundled one, or an operator's file of the same schema, e.g. made from
 * a licensed copy of the standard): unique ids, enhancements after an existing parent of the same
 * FR, applying to the same component types.
 */
export function loadCatalog(data: unknown, source = 'catalog'): Catalog {
  const parsed = CatalogFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogError(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const byId = new Map<string, CatalogEntry>();
  for (const entry of parsed.data.requirements) {
    if (byId.has(entry.id)) throw new CatalogError(`${source}: requirement ${entry.id} appears twice`);
    if (entry.kind === 'enhancement') {
      const parent = entry.parent === undefined ? undefined : byId.get(entry.parent);
      if (!parent) throw new CatalogError(`${source}: enhancement ${entry.id} names no earlier parent requirement`);
      if (parent.fr !== entry.fr) throw new CatalogError(`${source}: enhancement ${entry.id} is in FR${entry.fr}, its parent in FR${parent.fr}`);
      if (parent.appliesTo.join() !== entry.appliesTo.join())
        throw new CatalogError(`${source}: enhancement ${entry.id} applies to other component types than ${parent.id}`);
    } else if (entry.parent !== undefined) {
      throw new CatalogError(`${source}: requirement ${entry.id} cannot have a parent`);
    }
    byId.set(entry.id, entry);
  }
  return { name: parsed.data.name, version: parsed.data.version, entries: parsed.data.requirements, byId };
}

export const bundledCatalog: Catalog = loadCatalog(bundled, 'profiles/data/catalog.json');

export function applicableTo(catalog: Catalog, type: JudgedType): CatalogEntry[] {
  if (type === 'common') return catalog.entries.filter((e) => COMPONENT_TYPES.every((t) => e.appliesTo.includes(t)));
  return catalog.entries.filter((e) => e.appliesTo.includes(type));
}

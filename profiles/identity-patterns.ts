import { z } from 'zod';
import patternData from './data/identity-patterns.json' with { type: 'json' };
import { type IdentityClaim, IdentityField } from './identity.ts';

/** Kinds of free text a device prints about itself that a pattern may read. */
const TEXT_KINDS = ['sysDescr', 'sshSoftware'] as const;
export type IdentityTextKind = (typeof TEXT_KINDS)[number];

const Fields = z.partialRecord(IdentityField, z.string());
export const IdentityPattern = z.strictObject({
  id: z.string(),
  describes: z.string(),
  appliesTo: z.array(z.enum(TEXT_KINDS)).min(1),
  /**
   * Only for a device whose sysObjectID lies under this IANA enterprise number: vendors whose
   * sysDescr is a bare model name (Moxa, RuggedCom) are told apart by it, never by the text alone.
   */
  enterprise: z.number().int().nonnegative().optional(),
  regex: z.string(),
  /** Fixed values; `$<_name>` in one inserts the helper group `_name` (a field whose group did not match is left out). */
  set: Fields.optional(),
  examples: z.array(z.strictObject({ text: z.string(), objectId: z.string().optional(), source: z.string().min(1), expect: Fields })).min(1),
});
export type IdentityPattern = z.infer<typeof IdentityPattern>;

interface Compiled {
  readonly pattern: IdentityPattern;
  readonly regex: RegExp;
}

/** What else the device said beside the text, for patterns that depend on it. */
export interface TextContext {
  /** sysObjectID, dotted. */
  readonly objectId?: string | undefined;
}

const TEMPLATE_GROUP = /\$<(_\w+)>/g;

/**
 * Compiles the patterns, refusing a group that names no identity field (it would be dropped
 * unseen) unless it is a helper group (`_name`) that a `set` value uses, and a `set` value that
 * uses a helper group the regex lacks.
 */
export function compilePatterns(data: unknown): Compiled[] {
  const parsed = z.object({ patterns: z.array(IdentityPattern) }).parse(data);
  return parsed.patterns.map((pattern) => {
    const regex = new RegExp(pattern.regex);
    const used = new Set(Object.values(pattern.set ?? {}).flatMap((v) => [...v.matchAll(TEMPLATE_GROUP)].map((m) => m[1] ?? '')));
    const groups = new Set([...pattern.regex.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1] ?? ''));
    for (const group of groups) {
      if (group.startsWith('_') ? !used.has(group) : !IdentityField.safeParse(group).success)
        throw new Error(`identity pattern ${pattern.id}: group "${group}" is no identity field`);
    }
    for (const group of used) if (!groups.has(group)) throw new Error(`identity pattern ${pattern.id}: "set" uses group "${group}", which the regex lacks`);
    return { pattern, regex };
  });
}

export const IDENTITY_PATTERNS: readonly Compiled[] = compilePatterns(patternData);

/** The IANA enterprise number of a dotted sysObjectID: its arc under enterprises (1.3.6.1.4.1), if it lies there. */
export function enterpriseOf(objectId: string | undefined): number | undefined {
  const arc = /^\.?1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)/.exec(objectId ?? '')?.[1];
  return arc === undefined ? undefined : Number(arc);
}

/**
 * Identity fields from a text in one of the vendor formats: the first pattern for this kind of
 * text (and, where it asks, this enterprise) that matches gives them, each claimed with `source`.
 * A text in no known format gives none.
 */
export function identityFromText(
  text: string,
  kind: IdentityTextKind,
  source: string,
  context: TextContext = {},
  patterns: readonly Compiled[] = IDENTITY_PATTERNS,
): IdentityClaim[] {
  for (const { pattern, regex } of patterns) {
    if (!pattern.appliesTo.includes(kind)) continue;
    if (pattern.enterprise !== undefined && enterpriseOf(context.objectId) !== pattern.enterprise) continue;
    const m = regex.exec(text.trim());
    if (!m) continue;
    const groups = m.groups ?? {};
    const fixed = Object.entries(pattern.set ?? {}).flatMap(([field, template]) => {
      let missing = false;
      const value = template.replace(TEMPLATE_GROUP, (_, name: string) => {
        missing ||= groups[name] === undefined;
        return groups[name] ?? '';
      });
      return missing ? [] : [[field, value] as const];
    });
    const values: Record<string, string | undefined> = { ...Object.fromEntries(fixed), ...groups };
    return IdentityField.options.flatMap((field) => {
      const value = values[field]?.trim();
      return value ? [{ field, value, source }] : [];
    });
  }
  return [];
}

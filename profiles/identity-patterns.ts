import { z } from 'zod';
import patternData from './data/identity-patterns.json' with { type: 'json' };
import { type IdentityClaim, IdentityField } from './identity.ts';

/** Kinds of free text a device prints about itself that a pattern may read. */
const TEXT_KINDS = ['sysDescr'] as const;
export type IdentityTextKind = (typeof TEXT_KINDS)[number];

const Fields = z.partialRecord(IdentityField, z.string());
export const IdentityPattern = z.strictObject({
  id: z.string(),
  describes: z.string(),
  appliesTo: z.array(z.enum(TEXT_KINDS)).min(1),
  regex: z.string(),
  set: Fields.optional(),
  examples: z.array(z.strictObject({ text: z.string(), source: z.string().min(1), expect: Fields })).min(1),
});
export type IdentityPattern = z.infer<typeof IdentityPattern>;

interface Compiled {
  readonly pattern: IdentityPattern;
  readonly regex: RegExp;
}

/** Compiles the patterns, refusing a group that names no identity field (it would be dropped unseen). */
export function compilePatterns(data: unknown): Compiled[] {
  const parsed = z.object({ patterns: z.array(IdentityPattern) }).parse(data);
  return parsed.patterns.map((pattern) => {
    const regex = new RegExp(pattern.regex);
    for (const group of pattern.regex.matchAll(/\(\?<([A-Za-z]+)>/g)) {
      if (!IdentityField.safeParse(group[1]).success) throw new Error(`identity pattern ${pattern.id}: group "${group[1]}" is no identity field`);
    }
    return { pattern, regex };
  });
}

export const IDENTITY_PATTERNS: readonly Compiled[] = compilePatterns(patternData);

/**
 * Identity fields from a text in one of the vendor formats: the first pattern for this kind of
 * text that matches gives them, each claimed with `source`. A text in no known format gives none.
 */
export function identityFromText(text: string, kind: IdentityTextKind, source: string, patterns: readonly Compiled[] = IDENTITY_PATTERNS): IdentityClaim[] {
  for (const { pattern, regex } of patterns) {
    if (!pattern.appliesTo.includes(kind)) continue;
    const m = regex.exec(text.trim());
    if (!m) continue;
    const values = { ...pattern.set, ...m.groups };
    return IdentityField.options.flatMap((field) => {
      const value = values[field]?.trim();
      return value ? [{ field, value, source }] : [];
    });
  }
  return [];
}

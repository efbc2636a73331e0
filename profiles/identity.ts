import { z } from 'zod';
import type { DeviceView } from './device-view.ts';

/** `os`: the operating system or distribution a host or its service names (e.g. `Debian 12`); `name`: the device's own name. */
export const IDENTITY_FIELDS = ['vendor', 'model', 'product', 'orderNumber', 'firmware', 'hardware', 'serial', 'name', 'os'] as const;
export const IdentityField = z.enum(IDENTITY_FIELDS);
export type IdentityField = z.infer<typeof IdentityField>;

/** One identity value with the probe (and port) it was read from. */
export const IdentityClaim = z.object({
  field: IdentityField,
  value: z.string(),
  source: z.string(),
});
export type IdentityClaim = z.infer<typeof IdentityClaim>;

/** Reads identity claims out of one protocol's facts; one per protocol, registered in bundled.ts (IDENTITY_EXTRACTORS). */
export type IdentityExtractor = (device: DeviceView) => IdentityClaim[];

export type MergedIdentity = Partial<Record<IdentityField, { value: string; source: string; alternatives?: { value: string; source: string }[] }>>;

/**
 * One identity from every protocol's claims: the first claim for a field wins (extractors are
 * ordered from the most to the least authoritative source); differing values stay as alternatives.
 */
export function mergeIdentity(claims: readonly IdentityClaim[]): MergedIdentity {
  const out: MergedIdentity = {};
  for (const c of claims) {
    const value = c.value.trim();
    if (value === '') continue;
    const current = out[c.field];
    if (!current) {
      out[c.field] = { value, source: c.source };
      continue;
    }
    if (current.value === value || current.alternatives?.some((a) => a.value === value)) continue;
    current.alternatives = [...(current.alternatives ?? []), { value, source: c.source }];
  }
  return out;
}

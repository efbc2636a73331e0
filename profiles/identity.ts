import { z } from 'zod';
import type { DeviceView } from './device-view.ts';

export const IDENTITY_FIELDS = ['vendor', 'model', 'product', 'orderNumber', 'firmware', 'hardware', 'serial', 'name'] as const;
export const IdentityField = z.enum(IDENTITY_FIELDS);
export type IdentityField = z.infer<typeof IdentityField>;

/** One identity value with the probe (and port) it was read from. */
export const IdentityClaim = z.object({
  field: IdentityField,
  value: z.string(),
  source: z.string(),
});
export type IdentityClaim = z.infer<typeof IdentityClaim>;

/** Reads identity claims out of one protocol's facts; one per protocol, registered in identity-sources.ts. */
export type IdentityExtractor = (device: DeviceView) => IdentityClaim[];

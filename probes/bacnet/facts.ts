import { z } from 'zod';
import { DEVICE_PROPERTY_NAMES } from './codec.ts';

/** What the `bacnet.device` probe reports. Values only: judgement lives in profiles/checks/bacnet.ts. */

const Text = z.string().max(256);
export const DevicePropertyName = z.enum(DEVICE_PROPERTY_NAMES as [string, ...string[]]);

export const BacnetFacts = z.object({
  /** The Device object instance: from I-Am, else from the read's answer (absent when that echoed the wildcard). */
  deviceInstance: z.number().int().min(0).max(0x3fffff).optional(),
  /** The I-Am answer to the unicast Who-Is; absent when none came (some devices broadcast it). */
  iAm: z.object({ vendorId: z.number().int().min(0), maxApdu: z.number().int().min(0), segmentation: z.number().int().min(0) }).optional(),
  /** How the properties were read: one ReadPropertyMultiple, or ReadProperty each where the device refused that. */
  readVia: z.enum(['read-property-multiple', 'read-property', 'none']),
  properties: z.object({
    objectName: Text.optional(),
    vendorName: Text.optional(),
    vendorIdentifier: z.number().int().min(0).optional(),
    modelName: Text.optional(),
    firmwareRevision: Text.optional(),
    applicationSoftwareVersion: Text.optional(),
    protocolRevision: z.number().int().min(0).optional(),
    location: Text.optional(),
    description: Text.optional(),
  }),
  /** Properties the device did not give, and why (its Error, Reject or Abort, a timeout, an unexpected type). */
  unread: z.array(z.object({ property: DevicePropertyName, reason: Text })),
});
export type BacnetFacts = z.infer<typeof BacnetFacts>;

import { z } from 'zod';

/** What a CoDeSys V2 runtime tells anyone who asks, without a login. */
export const CodesysV2Facts = z.object({
  /** Byte order of the request the runtime answered (little: x86/ARM, big: PowerPC and the like). */
  byteOrder: z.enum(['little', 'big']),
  osName: z.string(),
  osVersion: z.string(),
  /** The runtime's product text (often the device maker's or 3S's name). */
  productType: z.string(),
  /** One, or two when the little-endian request went unanswered. */
  requestsSent: z.number().int().min(1).max(2),
  replyBytes: z.number().int().min(0),
});
export type CodesysV2Facts = z.infer<typeof CodesysV2Facts>;

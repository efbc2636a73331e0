import { z } from 'zod';
import { ProbeOutcome } from './types.ts';

export const Service = z.object({
  port: z.number().int().min(1).max(65535),
  transport: z.enum(['tcp', 'udp']),
  /** Protocol assumed from the port, or confirmed by a probe. */
  protocol: z.string(),
  confirmed: z.boolean(),
});
export type Service = z.infer<typeof Service>;

/** Everything collected from one device in one run: the input of every judgement. */
export const DeviceObservation = z.object({
  address: z.string(),
  services: z.array(Service),
  outcomes: z.array(ProbeOutcome),
  /**
   * Ports discovery could not check on a device that answered (budget spent, circuit breaker open,
   * connect error): nothing is known of them, open or closed.
   */
  unchecked: z.array(z.object({ port: z.number().int(), reason: z.string() })).optional(),
});
export type DeviceObservation = z.infer<typeof DeviceObservation>;

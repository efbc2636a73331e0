import { z } from 'zod';
import { Failure } from '../types.ts';

/** What a PC WORX controller tells anyone who connects to TCP 1962, without authentication. */
export const PcworxInfoFacts = z.object({
  /** The session id the controller handed out in its init reply (one byte). */
  sessionId: z.number().int().min(0).max(0xff),
  /** PLC type, e.g. `ILC 151 ETH`. */
  plcType: z.string().optional(),
  /** Phoenix Contact article (model) number, e.g. `2700974`. */
  modelNumber: z.string().optional(),
  /** Firmware version, e.g. `4.60`. */
  firmwareVersion: z.string().optional(),
  /** Firmware build date and time as printed by the controller. */
  firmwareDate: z.string().optional(),
  firmwareTime: z.string().optional(),
  requestsSent: z.number().int().min(1).max(3),
  /** Why the device information was not read after a valid init reply. */
  interrupted: Failure.optional(),
});
export type PcworxInfoFacts = z.infer<typeof PcworxInfoFacts>;

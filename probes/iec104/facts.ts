import { z } from 'zod';

/** What an IEC 104 outstation showed to one TESTFR act (the opt-in `iec104.identify`). */
export const Iec104TestFrameFacts = z.object({
  /** TESTFR con came back: an IEC 60870-5-104 station listens, in clear. */
  confirmed: z.literal(true),
  /** Frames the station sent before the confirmation (its own TESTFR act, spontaneous frames), by format and function. */
  before: z.array(z.string()),
  requestsSent: z.literal(1),
});
export type Iec104TestFrameFacts = z.infer<typeof Iec104TestFrameFacts>;

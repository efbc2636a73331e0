import { z } from 'zod';

const address = z.number().int().min(0).max(0xffff);

/** What a DNP3 outstation's data link layer answered to one Request Link Status (the opt-in `dnp3.identify`). */
export const Dnp3LinkStatusFacts = z.object({
  /** Destination of our request: the configured outstation address, or 0xFFFC (self address). */
  askedAddress: address,
  masterAddress: address,
  /** Secondary function of the reply: `link-status` as asked, `not-supported` or `nack` still prove DNP3. */
  function: z.string(),
  /** The outstation's own link address (the reply's source), the one fact DNP3 gives before any application request. */
  outstationAddress: address,
  /** The reply's destination, which should be our master address. */
  replyDestination: address,
  dataFlowControl: z.boolean(),
  /** Primary frames of the station's own (unsolicited responses) that came before the answer. */
  stationFrames: z.number().int().min(0),
  requestsSent: z.literal(1),
});
export type Dnp3LinkStatusFacts = z.infer<typeof Dnp3LinkStatusFacts>;

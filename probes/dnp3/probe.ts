import { exchange, nextReply, onOneConnection } from '../exchange.ts';
import type { ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { Dnp3LinkStatusFacts } from './facts.ts';
import { buildRequestLinkStatus, type LinkHeader, linkFrameLength, MAX_FRAME_BYTES, parseLinkFrame, SELF_ADDRESS } from './link.ts';

const PROBE_ID = 'dnp3.link-status';
const OP = 'dnp3.request-link-status';
const REPLY_OP = 'dnp3.link-frame';
/** Frames of the station's own read while waiting for the answer; more is not an answer to us. */
const MAX_STATION_FRAMES = 4;

/** Config flag (`probes: { dnp3: { identify: true } }`): an outstation may serve one master only, so even a link-layer request is asked for. */
export const DNP3_IDENTIFY_OPT_IN = 'dnp3.identify';
/** Master address our request comes from when the config names none. */
export const DEFAULT_MASTER_ADDRESS = 1;

/** The configured addresses (`probes.dnp3.outstation`, `probes.dnp3.master`), validated by the config schema. */
function addresses(options: Readonly<Record<string, unknown>>): { outstation: number; master: number } {
  const number = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
  return { outstation: number(options.outstation, SELF_ADDRESS), master: number(options.master, DEFAULT_MASTER_ADDRESS) };
}

/**
 * One Request Link Status on discovery's connection: the data link layer answers with its own
 * address as the source, and no application request (no read, no control) is ever sent. Opt-in
 * only; by default the open port is the fact.
 */
export const dnp3LinkStatusProbe: ProbeDefinition<Dnp3LinkStatusFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'dnp3',
  safety: 'identify',
  optIn: DNP3_IDENTIFY_OPT_IN,
  ops: ['tcp.connect', OP],
  transport: 'tcp',
  facts: Dnp3LinkStatusFacts,
  async run(ctx) {
    const { outstation, master } = addresses(ctx.options);
    const facts = (reply: LinkHeader, stationFrames: number): Dnp3LinkStatusFacts => ({
      askedAddress: outstation,
      masterAddress: master,
      function: reply.function,
      outstationAddress: reply.source,
      replyDestination: reply.destination,
      dataFlowControl: reply.dataFlowControl,
      stationFrames,
      requestsSent: 1,
    });
    return onOneConnection(ctx, PROBE_ID, async (session) => {
      const deadline = performance.now() + ctx.stepTimeoutMs;
      const request = {
        op: OP,
        request: buildRequestLinkStatus(outstation, master),
        replyOp: REPLY_OP,
        maxBytes: MAX_FRAME_BYTES,
        frameLength: linkFrameLength,
      };
      let reply = parseLinkFrame(await exchange(ctx, session, PROBE_ID, request));
      // An outstation may send its own primary frames (an unsolicited null response) first: skipped, counted.
      let stationFrames = 0;
      while (reply.primary && !reply.fromMaster) {
        stationFrames += 1;
        if (stationFrames >= MAX_STATION_FRAMES)
          throw new ProbeUnavailable('protocol-mismatch', `${stationFrames} primary frames of the station's own and no answer to Request Link Status`);
        reply = parseLinkFrame(await nextReply(ctx, session, PROBE_ID, request, deadline));
      }
      if (reply.fromMaster) throw new ProbeUnavailable('protocol-mismatch', `the reply is a master's ${reply.function} frame, not an outstation's`);
      return facts(reply, stationFrames);
    });
  },
};

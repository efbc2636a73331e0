import { exchange, nextReply, onOneConnection } from '../exchange.ts';
import type { ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { apciFrameLength, buildTestFrame, MAX_FRAME_BYTES, parseApci } from './apci.ts';
import { Iec104TestFrameFacts } from './facts.ts';

const PROBE_ID = 'iec104.testfr';
const OP = 'iec104.testfr-act';
const REPLY_OP = 'iec104.frame';
/** Frames read while waiting for TESTFR con: a station's own keep-alive may come first, more is not an answer to us. */
const MAX_FRAMES = 4;

/** Config flag (`probes: { iec104: { identify: true } }`): an outstation may serve one master only, so even a test frame is asked for. */
export const IEC104_IDENTIFY_OPT_IN = 'iec104.identify';

/**
 * One TESTFR act on discovery's connection and the TESTFR con it must bring: proves IEC 104
 * without STARTDT, so no data transfer starts. Opt-in only; by default the open port is the fact.
 */
export const iec104TestFrameProbe: ProbeDefinition<Iec104TestFrameFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'iec104',
  safety: 'identify',
  optIn: IEC104_IDENTIFY_OPT_IN,
  ops: ['tcp.connect', OP],
  transport: 'tcp',
  facts: Iec104TestFrameFacts,
  run: (ctx) =>
    onOneConnection(ctx, PROBE_ID, async (session) => {
      const deadline = performance.now() + ctx.stepTimeoutMs;
      const request = { op: OP, request: buildTestFrame(), replyOp: REPLY_OP, maxBytes: MAX_FRAME_BYTES, frameLength: apciFrameLength };
      let frame = parseApci(await exchange(ctx, session, PROBE_ID, request));
      const before: string[] = [];
      while (frame.format !== 'U' || frame.function !== 'testfr-con') {
        before.push(frame.format === 'U' ? `U ${frame.function}` : frame.format);
        if (before.length >= MAX_FRAMES)
          throw new ProbeUnavailable('protocol-mismatch', `no TESTFR con among the first ${MAX_FRAMES} frames (${before.join(', ')})`);
        frame = parseApci(await nextReply(ctx, session, PROBE_ID, request, deadline));
      }
      return { confirmed: true as const, before, requestsSent: 1 as const };
    }),
};

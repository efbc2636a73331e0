import type { FrameLength } from './tcp-session.ts';
import type { ProbeContext } from './types.ts';

/**
 * A FrameLength that records the bytes it refuses: TcpSession records complete frames only, and
 * bytes that cannot start a reply are evidence too (what a device sent instead of an answer).
 */
export function recordingRefusals(ctx: ProbeContext, probe: string, op: string, maxBytes: number, frameLength: FrameLength): FrameLength {
  return (buf) => {
    try {
      return frameLength(buf);
    } catch (err) {
      ctx.transcript.rx(probe, op, buf.subarray(0, maxBytes));
      throw err;
    }
  };
}

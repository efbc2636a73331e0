import { exchange, onOneConnection } from '../exchange.ts';
import type { ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { CodesysV2Facts } from './facts.ts';
import { buildIdentifyRequest, type ByteOrder, MAX_REPLY_BYTES, parseIdentifyReply, v2FrameLength } from './v2.ts';

const PROBE_ID = 'codesys.v2-identify';
const OP = 'codesys.v2-identify';
const REPLY_OP = 'codesys.v2-reply';

/** Discovery's names of the CoDeSys V2 runtime ports (probes/services.ts). */
export const CODESYS_V2_SERVICES = ['codesys-v2', 'codesys-v2-alt'] as const;

/**
 * The CoDeSys V2 identification request on one connection, without a login: little-endian first,
 * and the big-endian one only when the runtime stayed silent (a big-endian runtime ignores the
 * other), as the published discovery script does. A peer that answers neither yields no facts.
 */
export const codesysV2Probe: ProbeDefinition<CodesysV2Facts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'codesys-v2',
  protocols: CODESYS_V2_SERVICES,
  safety: 'identify',
  ops: ['tcp.connect', OP],
  transport: 'tcp',
  facts: CodesysV2Facts,
  run: (ctx) =>
    onOneConnection(ctx, PROBE_ID, async (session) => {
      const ask = (order: ByteOrder) =>
        exchange(ctx, session, PROBE_ID, {
          op: OP,
          request: buildIdentifyRequest(order),
          replyOp: REPLY_OP,
          maxBytes: MAX_REPLY_BYTES,
          frameLength: v2FrameLength,
        });
      let byteOrder: ByteOrder = 'little';
      let reply: Buffer;
      try {
        reply = await ask(byteOrder);
      } catch (err) {
        if (!(err instanceof ProbeUnavailable && err.kind === 'timeout')) throw err;
        byteOrder = 'big';
        reply = await ask(byteOrder);
      }
      return { byteOrder, ...parseIdentifyReply(reply), requestsSent: byteOrder === 'little' ? 1 : 2, replyBytes: reply.length };
    }),
};

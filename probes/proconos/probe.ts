import { oneExchangeProbe } from '../exchange.ts';
import { ProconosInfoFacts } from './facts.ts';
import { buildInfoRequest, INFO_REPLY_BYTES, infoFrameLength, parseInfoReply } from './frame.ts';

/** The ProConOS info request on one connection: runtime, PLC type, running and boot project, source. */
export const proconosInfoProbe = oneExchangeProbe({
  id: 'proconos.info',
  protocol: 'proconos',
  facts: ProconosInfoFacts,
  exchange: { op: 'proconos.read-info', request: buildInfoRequest(), replyOp: 'proconos.reply', maxBytes: INFO_REPLY_BYTES, frameLength: infoFrameLength },
  read: (reply) => ({ ...parseInfoReply(reply), requestsSent: 1 as const }),
});

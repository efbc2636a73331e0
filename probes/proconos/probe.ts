import { recordingRefusals } from '../frame-evidence.ts';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeDefinition } from '../types.ts';
import { ProconosInfoFacts } from './facts.ts';
import { buildInfoRequest, INFO_REPLY_BYTES, infoFrameLength, parseInfoReply } from './frame.ts';

const PROBE_ID = 'proconos.info';
const OP = 'proconos.read-info';

/** The ProConOS info request on one connection: runtime, PLC type, running and boot project, source. */
export const proconosInfoProbe: ProbeDefinition<ProconosInfoFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'proconos',
  safety: 'identify',
  ops: ['tcp.connect', OP],
  transport: 'tcp',
  facts: ProconosInfoFacts,
  async run(ctx) {
    const session = await TcpSession.open(ctx, PROBE_ID);
    try {
      await session.write(OP, buildInfoRequest());
      const frameLength = recordingRefusals(ctx, PROBE_ID, 'proconos.reply', INFO_REPLY_BYTES, infoFrameLength);
      const info = parseInfoReply(await session.readFrame(frameLength, { op: 'proconos.reply', maxBytes: INFO_REPLY_BYTES }));
      return { ...info, requestsSent: 1 };
    } finally {
      await session.close();
    }
  },
};

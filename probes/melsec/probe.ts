import { recordingRefusals } from '../frame-evidence.ts';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeDefinition } from '../types.ts';
import { MelsecFacts } from './facts.ts';
import { buildReadCpuModel, MAX_REPLY_BYTES, parseCpuModel, parseResponse, slmpFrameLength } from './frame.ts';

export const MELSEC_PROBE_ID = 'melsec.cpu-model';
const OP_READ = 'melsec.read-cpu-model';
const OP_REPLY = 'melsec.reply';

/**
 * SLMP Read CPU Model (3E binary frame) on one connection: what Mitsubishi's own tools send first
 * to learn which CPU they reach. A refusal (an error end code) is a fact: the CPU answered SLMP.
 */
export const melsecCpuModelProbe: ProbeDefinition<MelsecFacts> = {
  id: MELSEC_PROBE_ID,
  version: 1,
  protocol: 'melsec',
  safety: 'identify',
  ops: ['tcp.connect', OP_READ],
  transport: 'tcp',
  facts: MelsecFacts,
  async run(ctx) {
    const session = await TcpSession.open(ctx, MELSEC_PROBE_ID);
    try {
      await session.write(OP_READ, buildReadCpuModel());
      const frameLength = recordingRefusals(ctx, MELSEC_PROBE_ID, OP_REPLY, MAX_REPLY_BYTES, slmpFrameLength);
      const response = parseResponse(await session.readFrame(frameLength, { op: OP_REPLY, maxBytes: MAX_REPLY_BYTES }));
      if (response.endCode !== 0) return { endCode: response.endCode, requestsSent: 1 };
      const model = parseCpuModel(response.data);
      return {
        endCode: 0,
        modelName: model.name
          .toString('latin1')
          .replace(/\0[\s\S]*$/, '')
          .trim(),
        modelCode: model.code.toString(16).padStart(4, '0'),
        requestsSent: 1,
      };
    } finally {
      await session.close();
    }
  },
};

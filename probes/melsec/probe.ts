import { oneExchangeProbe } from '../exchange.ts';
import { fixedField } from '../fixed-field.ts';
import { MelsecFacts } from './facts.ts';
import { buildReadCpuModel, MAX_REPLY_BYTES, parseCpuModel, parseResponse, slmpFrameLength } from './frame.ts';

export const MELSEC_PROBE_ID = 'melsec.cpu-model';

/** A refusal (an error end code) is a fact too: the CPU answered SLMP. */
function cpuModelFacts(reply: Buffer): MelsecFacts {
  const response = parseResponse(reply);
  if (response.endCode !== 0) return { endCode: response.endCode, requestsSent: 1 };
  const model = parseCpuModel(response.data);
  const modelName = fixedField(model.name, 0, model.name.length);
  return { endCode: 0, ...(modelName ? { modelName } : {}), modelCode: model.code.toString(16).padStart(4, '0'), requestsSent: 1 };
}

/** SLMP Read CPU Model (3E binary frame) on one connection: what Mitsubishi's own tools send first to learn which CPU they reach. */
export const melsecCpuModelProbe = oneExchangeProbe<MelsecFacts>({
  id: MELSEC_PROBE_ID,
  protocol: 'melsec',
  facts: MelsecFacts,
  exchange: { op: 'melsec.read-cpu-model', request: buildReadCpuModel(), replyOp: 'melsec.reply', maxBytes: MAX_REPLY_BYTES, frameLength: slmpFrameLength },
  read: cpuModelFacts,
});

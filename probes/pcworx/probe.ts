import { recordingRefusals } from '../frame-evidence.ts';
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { PcworxInfoFacts } from './facts.ts';
import { buildRequest, MAX_REPLY_BYTES, type PcworxRequest, parseInfoReply, parseInitReply, replyFrameLength } from './frame.ts';

const PROBE_ID = 'pcworx.info';
const OPS: Readonly<Record<PcworxRequest, string>> = { init: 'pcworx.init', selectInfo: 'pcworx.select-info', readInfo: 'pcworx.read-info' };

async function ask(ctx: ProbeContext, session: TcpSession, request: PcworxRequest, sessionId?: number): Promise<Buffer> {
  await session.write(OPS[request], buildRequest(request, sessionId));
  const frameLength = recordingRefusals(ctx, PROBE_ID, 'pcworx.reply', MAX_REPLY_BYTES, replyFrameLength(request));
  return session.readFrame(frameLength, { op: 'pcworx.reply', maxBytes: MAX_REPLY_BYTES });
}

/**
 * The PC WORX identification exchange on one connection: init (session id), select and read the
 * device information. A peer that does not answer init as PC WORX yields no facts; a failure after
 * it keeps the session id and is reported as `interrupted`.
 */
export const pcworxInfoProbe: ProbeDefinition<PcworxInfoFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'pcworx',
  safety: 'identify',
  ops: ['tcp.connect', OPS.init, OPS.selectInfo, OPS.readInfo],
  transport: 'tcp',
  facts: PcworxInfoFacts,
  async run(ctx) {
    const session = await TcpSession.open(ctx, PROBE_ID);
    try {
      const sessionId = parseInitReply(await ask(ctx, session, 'init'));
      const facts: PcworxInfoFacts = { sessionId, requestsSent: 1 };
      try {
        facts.requestsSent = 2;
        await ask(ctx, session, 'selectInfo', sessionId);
        facts.requestsSent = 3;
        Object.assign(facts, parseInfoReply(await ask(ctx, session, 'readInfo', sessionId)));
      } catch (err) {
        if (!(err instanceof ProbeUnavailable)) throw err;
        facts.interrupted = { kind: err.kind, detail: err.message };
      }
      return facts;
    } finally {
      await session.close();
    }
  },
};

import { exchange, interruption, onOneConnection } from '../exchange.ts';
import type { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { PcworxInfoFacts } from './facts.ts';
import { buildRequest, MAX_REPLY_BYTES, type PcworxRequest, parseInfoReply, parseInitReply, replyFrameLength } from './frame.ts';

const PROBE_ID = 'pcworx.info';
const OPS: Readonly<Record<PcworxRequest, string>> = { init: 'pcworx.init', selectInfo: 'pcworx.select-info', readInfo: 'pcworx.read-info' };

const ask = (ctx: ProbeContext, session: TcpSession, request: PcworxRequest, sessionId?: number) =>
  exchange(ctx, session, PROBE_ID, {
    op: OPS[request],
    request: buildRequest(request, sessionId),
    replyOp: 'pcworx.reply',
    maxBytes: MAX_REPLY_BYTES,
    frameLength: replyFrameLength(request),
  });

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
  run: (ctx) =>
    onOneConnection(ctx, PROBE_ID, async (session) => {
      const sessionId = parseInitReply(await ask(ctx, session, 'init'));
      const facts: PcworxInfoFacts = { sessionId, requestsSent: 1 };
      try {
        facts.requestsSent = 2;
        await ask(ctx, session, 'selectInfo', sessionId);
        facts.requestsSent = 3;
        Object.assign(facts, parseInfoReply(await ask(ctx, session, 'readInfo', sessionId)));
      } catch (err) {
        facts.interrupted = interruption(err);
      }
      return facts;
    }),
};

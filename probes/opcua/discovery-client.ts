/**
 * OPC UA discovery on one TCP connection, without a session and without node-opcua: HEL, an
 * OpenSecureChannel with SecurityPolicy None, the caller's GetEndpoints / FindServers, then
 * CloseSecureChannel and a clean close. The connection is the one discovery handed over, or a new
 * one through the gate (TcpSession); every request passes the gate and every chunk is recorded.
 */
import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import {
  type ChannelIds,
  type ChannelToken,
  ChunkAssembler,
  chunkLength,
  decodeFindServersResponse,
  decodeGetEndpointsResponse,
  decodeOpenSecureChannelResponse,
  type EndpointList,
  encodeCloseSecureChannel,
  encodeFindServers,
  encodeGetEndpoints,
  encodeHello,
  encodeOpenSecureChannel,
  parseChunk,
  type RequestHeaderFields,
  SECURITY_POLICY_NONE,
} from './discovery-messages.ts';
import { LIMITS } from './limits.ts';
import type { RawApplication } from './raw.ts';
import { statusFailure } from './discovery-status.ts';

/** Transcript operation kinds; replies are recorded under their request's kind. */
export const DISCOVERY_OPS = {
  hello: 'opcua.hello',
  open: 'opcua.open-secure-channel',
  getEndpoints: 'opcua.get-endpoints',
  findServers: 'opcua.find-servers',
  close: 'opcua.close',
} as const;

/** The channel is used for a few seconds; the server may revise this. */
const CHANNEL_LIFETIME_MS = 60_000;

export function endpointUrlOf(address: string, port: number): string {
  return `opc.tcp://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

export interface DiscoveryChannel {
  readonly endpointUrl: string;
  getEndpoints(): Promise<EndpointList>;
  findServers(): Promise<RawApplication[]>;
}

class Channel implements DiscoveryChannel {
  readonly endpointUrl: string;
  readonly #session: TcpSession;
  readonly #ctx: ProbeContext;
  readonly #probe: string;
  #token: ChannelToken | undefined;
  /** Sequence number, request id and request handle all count the messages sent, from 1. */
  #sent = 0;

  constructor(session: TcpSession, ctx: ProbeContext, probe: string) {
    this.#session = session;
    this.#ctx = ctx;
    this.#probe = probe;
    this.endpointUrl = endpointUrlOf(ctx.address, ctx.port);
  }

  #next(): { ids: ChannelIds; header: RequestHeaderFields } {
    this.#sent += 1;
    const n = this.#sent;
    return {
      ids: { channelId: this.#token?.channelId ?? 0, tokenId: this.#token?.tokenId ?? 0, sequenceNumber: n, requestId: n },
      header: { requestHandle: n, timestamp: this.#ctx.now(), timeoutHintMs: this.#ctx.stepTimeoutMs },
    };
  }

  async open(): Promise<void> {
    await this.#session.write(DISCOVERY_OPS.hello, encodeHello(this.endpointUrl));
    // Until an ACK arrives the peer has not shown it speaks OPC UA: anything else is a mismatch.
    const frame = await this.#session.readFrame(chunkLength(LIMITS.receiveBufferSize, 'protocol-mismatch'), {
      op: DISCOVERY_OPS.hello,
      maxBytes: LIMITS.receiveBufferSize,
    });
    const ack = parseChunk(frame);
    if (ack.type === 'ERR') throw statusFailure(ack.status, 'HEL answered with ERR', ack.reason);
    if (ack.type !== 'ACK') throw new ProbeUnavailable('protocol-mismatch', `HEL answered with ${ack.type}, not ACK`);

    const { ids, header } = this.#next();
    await this.#session.write(DISCOVERY_OPS.open, encodeOpenSecureChannel(ids, header, CHANNEL_LIFETIME_MS));
    const body = await this.#reply('OPN', DISCOVERY_OPS.open, ids.requestId, 'OpenSecureChannel');
    this.#token = decodeOpenSecureChannelResponse(body, header.requestHandle);
    this.#ctx.transcript.note(this.#probe, DISCOVERY_OPS.open, `secure channel ${this.#token.channelId} open, SecurityPolicy None`);
  }

  async getEndpoints(): Promise<EndpointList> {
    const { ids, header } = this.#next();
    await this.#session.write(DISCOVERY_OPS.getEndpoints, encodeGetEndpoints(ids, header, this.endpointUrl));
    const list = decodeGetEndpointsResponse(await this.#reply('MSG', DISCOVERY_OPS.getEndpoints, ids.requestId, 'GetEndpoints'), header.requestHandle);
    this.#ctx.transcript.note(this.#probe, DISCOVERY_OPS.getEndpoints, `${list.announced} endpoints announced, ${list.endpoints.length} decoded`);
    return list;
  }

  async findServers(): Promise<RawApplication[]> {
    const { ids, header } = this.#next();
    await this.#session.write(DISCOVERY_OPS.findServers, encodeFindServers(ids, header, this.endpointUrl));
    return decodeFindServersResponse(await this.#reply('MSG', DISCOVERY_OPS.findServers, ids.requestId, 'FindServers'), header.requestHandle);
  }

  /** One reply, reassembled from its chunks, all within one step timeout. */
  async #reply(type: 'OPN' | 'MSG', op: string, requestId: number, what: string): Promise<Buffer> {
    const deadline = performance.now() + this.#ctx.stepTimeoutMs;
    const assembler = new ChunkAssembler(what);
    for (;;) {
      const timeoutMs = Math.max(1, Math.ceil(deadline - performance.now()));
      const frame = await this.#session.readFrame(chunkLength(LIMITS.receiveBufferSize, 'malformed'), { op, maxBytes: LIMITS.receiveBufferSize, timeoutMs });
      const chunk = parseChunk(frame);
      if (chunk.type === 'ERR') throw statusFailure(chunk.status, `${what} answered with ERR`, chunk.reason);
      if (chunk.type !== type) throw new ProbeUnavailable('malformed', `${what} answered with a ${chunk.type} message, expected ${type}`);
      if (chunk.requestId !== requestId) throw new ProbeUnavailable('malformed', `${what} reply carries request id ${chunk.requestId}, expected ${requestId}`);
      if (type === 'OPN' && chunk.securityPolicyUri !== SECURITY_POLICY_NONE) {
        throw new ProbeUnavailable('malformed', `${what} reply uses security policy ${JSON.stringify(chunk.securityPolicyUri?.slice(0, 100))}, not None`);
      }
      if (type === 'MSG' && chunk.channelId !== this.#token?.channelId) {
        throw new ProbeUnavailable('malformed', `${what} reply is on secure channel ${chunk.channelId}, expected ${this.#token?.channelId}`);
      }
      const body = assembler.add(chunk);
      if (body) return body;
    }
  }

  /** CloseSecureChannel (no reply is sent for it), then the TCP close; never throws. */
  async close(): Promise<void> {
    if (this.#token && !this.#ctx.signal.aborted) {
      const { ids, header } = this.#next();
      await this.#session.write(DISCOVERY_OPS.close, encodeCloseSecureChannel(ids, header)).catch(() => undefined);
    }
    await this.#session.close();
  }
}

/** Opens the connection and the None secure channel, runs `fn`, and always closes both. */
export async function withDiscoveryChannel<T>(ctx: ProbeContext, probe: string, fn: (channel: DiscoveryChannel) => Promise<T>): Promise<T> {
  const session = await TcpSession.open(ctx, probe);
  const channel = new Channel(session, ctx, probe);
  try {
    await channel.open();
    return await fn(channel);
  } finally {
    await channel.close();
  }
}

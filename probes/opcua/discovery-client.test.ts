/**
 * The discovery client against scripted OPC UA peers on 127.93.0.0/24 that misbehave in ways
 * node-opcua servers do not: ERR to HEL, replies split in chunks, endless and dripping chunks.
 * The peers decode the agent's requests with node-opcua and build replies with its encoders.
 */
import type net from 'node:net';
import {
  BinaryStream,
  decodeByteString,
  decodeExpandedNodeId,
  decodeString,
  EndpointDescription,
  FindServersRequest,
  GetEndpointsRequest,
  GetEndpointsResponse,
  MessageSecurityMode,
  OpenSecureChannelRequest,
  OpenSecureChannelResponse,
  ServiceFault,
  StatusCodes,
  UserTokenPolicy,
  UserTokenType,
} from 'node-opcua';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { RequestLog } from '../../fixtures/request-log.ts';
import { serveTcp } from '../../fixtures/tcp-server.ts';
import { runProbe } from '../run.ts';
import { realClock, testContext, untilClosed } from '../test-kit.ts';
import type { ProbeContext, ProbeDefinition, ProbeOutcome } from '../types.ts';
import type { OpcuaEndpointsFacts } from './facts.ts';
import { opcuaEndpointsProbe } from './probe.ts';
import { msgChunk, serviceBody } from './test-frames-node-opcua.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('opcuaScripted', 10);
const CHANNEL = 77;
const TOKEN = 1;

function chunk(head: string, fields: Buffer, payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(8 + fields.length + payload.length);
  return Buffer.concat([Buffer.from(head, 'latin1'), size, fields, payload]);
}

const u32s = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => {
    b.writeUInt32LE(v >>> 0, 4 * i);
  });
  return b;
};

const ACK = chunk('ACKF', u32s(0, 65_536, 65_536, 4 * 2 ** 20, 64), Buffer.alloc(0));
const policy = Buffer.from('http://opcfoundation.org/UA/SecurityPolicy#None');
const msg = (final: 'F' | 'C' | 'A', requestId: number, payload: Buffer) =>
  msgChunk(final, payload, { channelId: CHANNEL, tokenId: TOKEN, sequenceNumber: requestId, requestId });

interface Request {
  readonly type: string;
  readonly requestId: number;
  readonly request?: GetEndpointsRequest | FindServersRequest | OpenSecureChannelRequest;
}

/** Decodes one request frame the way a server would. */
function decodeRequest(frame: Buffer): Request {
  const type = frame.toString('latin1', 0, 3);
  const s = new BinaryStream(frame.subarray(8));
  if (type === 'HEL') return { type, requestId: 0 };
  s.readUInt32();
  if (type === 'OPN') {
    decodeString(s);
    decodeByteString(s);
    decodeByteString(s);
  } else {
    s.readUInt32();
  }
  s.readUInt32();
  const requestId = s.readUInt32();
  const id = decodeExpandedNodeId(s).value;
  const types = [OpenSecureChannelRequest, GetEndpointsRequest, FindServersRequest];
  const Type = types.find((t) => t.encodingDefaultBinary?.value === id);
  if (!Type) return { type, requestId };
  const request = new Type();
  request.decode(s);
  return { type, requestId, request };
}

type Script = (req: Request, socket: net.Socket) => void;

const peers: RunningFixture[] = [];
/** Connections of every peer. */
const log = new RequestLog();
const received: string[] = [];

/** A peer on HOST that frames what the agent sends and hands each request to `script`. */
async function peer(script: Script): Promise<number> {
  const f = await serveTcp({ name: 'opcua-scripted', protocol: 'opcua', host: HOST, port: 0, log }, (socket) => {
    let buf = Buffer.alloc(0);
    socket.on('data', (data) => {
      buf = Buffer.concat([buf, data]);
      while (buf.length >= 8 && buf.length >= buf.readUInt32LE(4)) {
        const frame = buf.subarray(0, buf.readUInt32LE(4));
        buf = buf.subarray(frame.length);
        const req = decodeRequest(frame);
        received.push(req.request?.schema.name ?? req.type);
        script(req, socket);
      }
    });
  });
  peers.push(f);
  return f.ports.opcua ?? 0;
}

/** Answers HEL and OPN like a server; `onService` answers the rest. */
function handshake(onService: Script): Script {
  return (req, socket) => {
    if (req.type === 'HEL') return socket.write(ACK);
    if (req.type === 'OPN') {
      const response = new OpenSecureChannelResponse({
        responseHeader: { requestHandle: req.request?.requestHeader.requestHandle ?? 0 },
        securityToken: { channelId: CHANNEL, tokenId: TOKEN, revisedLifetime: 60_000 },
      });
      const asymmetric = Buffer.concat([u32s(CHANNEL, policy.length), policy, u32s(0xffffffff, 0xffffffff, req.requestId, req.requestId)]);
      return socket.write(chunk('OPNF', asymmetric, serviceBody(response)));
    }
    onService(req, socket);
  };
}

const endpoint = new EndpointDescription({
  endpointUrl: `opc.tcp://${HOST}:4840`,
  server: { applicationUri: 'urn:scripted', applicationName: { text: 'Scripted' } },
  securityMode: MessageSecurityMode.None,
  securityPolicyUri: policy.toString(),
  userIdentityTokens: [new UserTokenPolicy({ policyId: 'anonymous', tokenType: UserTokenType.Anonymous })],
});

function context(port: number, stepTimeoutMs = 1000): ProbeContext {
  return testContext(HOST, port, { stepTimeoutMs, now: realClock });
}

const run = (ctx: ProbeContext): Promise<ProbeOutcome> => runProbe(opcuaEndpointsProbe as ProbeDefinition, ctx);

afterEach(() => {
  received.length = 0;
});

afterAll(async () => {
  await Promise.all(peers.map((f) => f.close()));
});

describe('discovery client', () => {
  it('reads a reply split in chunks, notes a refused FindServers, and closes the channel and the socket', async () => {
    const port = await peer(
      handshake((req, socket) => {
        const handle = req.request?.requestHeader.requestHandle ?? 0;
        if (req.request instanceof GetEndpointsRequest) {
          const body = serviceBody(new GetEndpointsResponse({ responseHeader: { requestHandle: handle }, endpoints: [endpoint, endpoint, endpoint] }));
          const third = Math.ceil(body.length / 3);
          socket.write(msg('C', req.requestId, body.subarray(0, third)));
          socket.write(msg('C', req.requestId, body.subarray(third, 2 * third)));
          socket.write(msg('F', req.requestId, body.subarray(2 * third)));
        } else if (req.request instanceof FindServersRequest) {
          socket.write(
            msg(
              'F',
              req.requestId,
              serviceBody(new ServiceFault({ responseHeader: { requestHandle: handle, serviceResult: StatusCodes.BadServiceUnsupported } })),
            ),
          );
        } else if (req.type === 'CLO') {
          socket.end();
        }
      }),
    );
    const ctx = context(port);
    const outcome = await run(ctx);
    const facts = outcome.status === 'ok' ? (outcome.facts as OpcuaEndpointsFacts) : undefined;
    expect(facts?.endpoints.map((e) => e.applicationName)).toEqual(['Scripted', 'Scripted', 'Scripted']);
    expect(facts?.endpointsAnnounced).toBe(3);
    expect(facts?.servers).toBeUndefined();
    expect(received).toEqual(['HEL', 'OpenSecureChannelRequest', 'GetEndpointsRequest', 'FindServersRequest', 'CLO']);
    const note = ctx.transcript.entries().find((e) => e.dir === 'note' && e.op === 'opcua.find-servers');
    expect(note?.text).toMatch(/BadServiceUnsupported/);
    expect(ctx.transcript.entries().filter((e) => e.dir === 'rx' && e.op === 'opcua.get-endpoints')).toHaveLength(3);
    await untilClosed(log, 500);
  });

  it('ends on ERR to HEL with the status code', async () => {
    const reason = Buffer.from('unknown endpoint');
    const port = await peer((_, socket) => {
      socket.end(chunk('ERRF', u32s(StatusCodes.BadTcpEndpointUrlInvalid.value, reason.length), reason));
    });
    const outcome = await run(context(port));
    expect(outcome.status === 'unavailable' && outcome.failure).toEqual({
      kind: 'protocol-mismatch',
      detail: 'HEL answered with ERR BadTcpEndpointUrlInvalid (0x80830000): unknown endpoint',
    });
  });

  it('stops a reply that never ends at 64 chunks, naming the size, and closes', async () => {
    const port = await peer(
      handshake((req, socket) => {
        if (req.type !== 'MSG') return;
        const part = msg('C', req.requestId, Buffer.alloc(60_000, 0x41));
        for (let i = 0; i < 100 && !socket.destroyed; i += 1) socket.write(part);
      }),
    );
    const outcome = await run(context(port));
    expect(outcome.status === 'unavailable' && outcome.failure).toMatchObject({
      kind: 'malformed',
      detail: expect.stringMatching(/^GetEndpoints: reply is larger than accepted \(3900000 bytes in 65 chunks so far/),
    });
    await untilClosed(log, 1000);
  });

  it('gives a reply one step timeout in all, however its chunks drip in', async () => {
    const port = await peer(
      handshake((req, socket) => {
        if (req.type !== 'MSG') return;
        const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(msg('C', req.requestId, Buffer.from('x')))), 100);
      }),
    );
    const started = performance.now();
    const outcome = await run(context(port, 600));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(600 + 1200);
  });
});

/**
 * The codec against node-opcua's own encoders and decoders: an independent implementation of the
 * same spec reads every request we build, and builds the replies we decode.
 */
import {
  ApplicationDescription,
  ApplicationType,
  BinaryStream,
  CloseSecureChannelRequest,
  decodeByteString,
  decodeExpandedNodeId,
  decodeString,
  EndpointDescription,
  FindServersRequest,
  FindServersResponse,
  GetEndpointsRequest,
  GetEndpointsResponse,
  HelloMessage,
  MessageSecurityMode,
  OpenSecureChannelRequest,
  OpenSecureChannelResponse,
  ServiceFault,
  StatusCodes,
  UserTokenPolicy,
  UserTokenType,
} from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { thrownUnavailable } from '../test-kit.ts';
import { UaReader } from './discovery-binary.ts';
import { LIMITS } from './limits.ts';
import { msgChunk as chunkWith, serviceBody } from './test-frames-node-opcua.ts';
import {
  ChunkAssembler,
  chunkLength,
  decodeFindServersResponse,
  decodeGetEndpointsResponse,
  decodeOpenSecureChannelResponse,
  ENCODING,
  encodeCloseSecureChannel,
  encodeFindServers,
  encodeGetEndpoints,
  encodeHello,
  encodeOpenSecureChannel,
  parseChunk,
  SECURITY_POLICY_NONE,
  type SecureChunk,
} from './discovery-messages.ts';
import { testAddress } from '../../test/addresses.ts';

const URL = `opc.tcp://${testAddress('opcuaScripted', 1)}:4840`;
const AT = new Date('2026-03-01T10:00:00.123Z');
const HEADER = { requestHandle: 7, timestamp: AT, timeoutHintMs: 3000 };
const IDS = { channelId: 5, tokenId: 9, sequenceNumber: 3, requestId: 3 };
const CERT = Buffer.from('3003020101', 'hex');

function endpoint(i: number): EndpointDescription {
  return new EndpointDescription({
    endpointUrl: URL,
    server: new ApplicationDescription({
      applicationUri: 'urn:test:server',
      productUri: 'urn:test:product',
      applicationName: { text: `Server ${i}`, locale: 'en' },
      applicationType: ApplicationType.Server,
      discoveryUrls: [URL],
    }),
    serverCertificate: CERT,
    securityMode: MessageSecurityMode.SignAndEncrypt,
    securityPolicyUri: 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256',
    userIdentityTokens: [
      new UserTokenPolicy({ policyId: 'anon', tokenType: UserTokenType.Anonymous }),
      new UserTokenPolicy({ policyId: 'user', tokenType: UserTokenType.UserName, securityPolicyUri: SECURITY_POLICY_NONE }),
    ],
    transportProfileUri: 'http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary',
    securityLevel: i % 256,
  });
}

const endpointsReply = (count: number, requestHandle = 7) =>
  serviceBody(new GetEndpointsResponse({ responseHeader: { requestHandle }, endpoints: Array.from({ length: count }, (_, i) => endpoint(i)) }));

const msgChunk = (final: 'F' | 'C' | 'A', payload: Buffer, ids = IDS) => chunkWith(final, payload, ids);
const secure = (frame: Buffer) => parseChunk(frame) as SecureChunk;

describe('requests, as node-opcua reads them', () => {
  it('HEL announces the limits and the endpoint URL', () => {
    const hel = encodeHello(URL);
    expect(hel.toString('latin1', 0, 4)).toBe('HELF');
    expect(hel.readUInt32LE(4)).toBe(hel.length);
    const decoded = new HelloMessage();
    decoded.decode(new BinaryStream(hel.subarray(8)));
    expect(decoded).toMatchObject({ protocolVersion: 0, endpointUrl: URL, ...LIMITS });
  });

  it('OPN asks for a None channel (Issue), with a None asymmetric header', () => {
    const opn = encodeOpenSecureChannel({ sequenceNumber: 1, requestId: 1 }, HEADER, 60_000);
    expect(opn.toString('latin1', 0, 4)).toBe('OPNF');
    expect(opn.readUInt32LE(4)).toBe(opn.length);
    const s = new BinaryStream(opn.subarray(8));
    expect(s.readUInt32()).toBe(0);
    expect(decodeString(s)).toBe(SECURITY_POLICY_NONE);
    expect(decodeByteString(s)).toBeNull();
    expect(decodeByteString(s)).toBeNull();
    expect([s.readUInt32(), s.readUInt32()]).toEqual([1, 1]);
    expect(decodeExpandedNodeId(s).value).toBe(OpenSecureChannelRequest.encodingDefaultBinary?.value);
    const req = new OpenSecureChannelRequest();
    req.decode(s);
    expect(req).toMatchObject({ requestType: 0, securityMode: MessageSecurityMode.None, requestedLifetime: 60_000 });
    expect(req.requestHeader).toMatchObject({ requestHandle: 7, timeoutHint: 3000 });
    expect(req.requestHeader.timestamp?.toISOString()).toBe(AT.toISOString());
    expect(s.length).toBe(opn.length - 8);
  });

  it.each([
    ['GetEndpoints', encodeGetEndpoints(IDS, HEADER, URL), 'MSGF', new GetEndpointsRequest()],
    ['FindServers', encodeFindServers(IDS, HEADER, URL), 'MSGF', new FindServersRequest()],
    ['CloseSecureChannel', encodeCloseSecureChannel(IDS, HEADER), 'CLOF', new CloseSecureChannelRequest()],
  ] as const)('%s is one final chunk on the channel, with its request decodable', (_, bytes, head, request) => {
    expect(bytes.toString('latin1', 0, 4)).toBe(head);
    expect(bytes.readUInt32LE(4)).toBe(bytes.length);
    const s = new BinaryStream(bytes.subarray(8));
    expect([s.readUInt32(), s.readUInt32(), s.readUInt32(), s.readUInt32()]).toEqual([5, 9, 3, 3]);
    expect(decodeExpandedNodeId(s).value).toBe(request.schema.encodingDefaultBinary?.value);
    request.decode(s);
    expect(request.requestHeader.requestHandle).toBe(7);
    if ('endpointUrl' in request) expect(request.endpointUrl).toBe(URL);
    expect(s.length).toBe(bytes.length - 8);
  });

  it('uses the encoding ids node-opcua uses', () => {
    const ids = { GetEndpointsResponse, FindServersResponse, OpenSecureChannelResponse, ServiceFault, GetEndpointsRequest, FindServersRequest };
    for (const [name, type] of Object.entries(ids)) expect(ENCODING[name as keyof typeof ENCODING], name).toBe(type.encodingDefaultBinary?.value);
  });
});

describe('responses', () => {
  it('reads endpoints, their server, certificate and tokens', () => {
    const list = decodeGetEndpointsResponse(endpointsReply(2), 7);
    expect(list.announced).toBe(2);
    expect(list.endpoints[1]).toEqual({
      endpointUrl: URL,
      securityMode: 3,
      securityPolicyUri: 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256',
      securityLevel: 1,
      userTokens: [
        { tokenType: 0, policyId: 'anon', securityPolicyUri: '' },
        { tokenType: 1, policyId: 'user', securityPolicyUri: SECURITY_POLICY_NONE },
      ],
      server: { applicationUri: 'urn:test:server', productUri: 'urn:test:product', applicationName: 'Server 1', applicationType: 0, discoveryUrls: [URL] },
      serverCertificate: new Uint8Array(CERT),
    });
  });

  it('keeps 64 endpoints of more and says how many were announced', () => {
    const list = decodeGetEndpointsResponse(endpointsReply(100), 7);
    expect(list.endpoints).toHaveLength(64);
    expect(list.endpoints.at(-1)?.securityLevel).toBe(63);
    expect(list.announced).toBe(100);
  });

  it('reads the channel token and FindServers applications', () => {
    const opened = new OpenSecureChannelResponse({
      responseHeader: { requestHandle: 1 },
      securityToken: { channelId: 42, tokenId: 3, revisedLifetime: 60_000 },
    });
    expect(decodeOpenSecureChannelResponse(serviceBody(opened), 1)).toEqual({ channelId: 42, tokenId: 3 });
    const servers = new FindServersResponse({ responseHeader: { requestHandle: 4 }, servers: [endpoint(0).server, endpoint(1).server] });
    expect(decodeFindServersResponse(serviceBody(servers), 4).map((s) => s.applicationName)).toEqual(['Server 0', 'Server 1']);
  });

  it('fails every truncation of a reply as malformed', () => {
    const full = endpointsReply(2);
    for (let cut = 0; cut < full.length; cut += 1) {
      expect(thrownUnavailable(() => decodeGetEndpointsResponse(full.subarray(0, cut), 7)).kind, `cut at ${cut}`).toBe('malformed');
    }
  });

  it('refuses array and string lengths larger than the bytes left, before allocating', () => {
    const empty = endpointsReply(0);
    empty.writeInt32LE(0x7fffffff, empty.length - 4);
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(empty, 7)).message).toMatch(
      /endpoints announces 2147483647 elements of at least 50 bytes, 0 bytes left/,
    );
    const one = endpointsReply(1);
    const url = one.indexOf(Buffer.from(URL)) - 4;
    one.writeInt32LE(0x7ffffff0, url);
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(one, 7)).message).toMatch(/endpoints\[0\]\.endpointUrl needs 2147483632 bytes/);
    one.writeInt32LE(-2, url);
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(one, 7)).message).toMatch(/negative length -2/);
  });

  it('refuses another response type, or an answer to another request', () => {
    const servers = serviceBody(new FindServersResponse({ responseHeader: { requestHandle: 7 }, servers: [] }));
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(servers, 7)).message).toMatch(/typeId is ns=0;i=425, expected i=431/);
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(endpointsReply(1, 8), 7)).message).toMatch(/requestHandle is 8, the request had 7/);
  });

  it('turns a ServiceFault or a Bad service result into a typed failure with the status code', () => {
    const fault = serviceBody(new ServiceFault({ responseHeader: { requestHandle: 7, serviceResult: StatusCodes.BadServiceUnsupported } }));
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(fault, 7))).toMatchObject({
      kind: 'not-supported',
      message: 'GetEndpointsRequest answered with ServiceFault BadServiceUnsupported (0x800B0000)',
    });
    const busy = serviceBody(new GetEndpointsResponse({ responseHeader: { requestHandle: 7, serviceResult: StatusCodes.BadTooManySessions } }));
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(busy, 7)).kind).toBe('denied');
    const unknown = serviceBody(new ServiceFault({ responseHeader: { requestHandle: 7, serviceResult: StatusCodes.BadNodeIdUnknown } }));
    expect(thrownUnavailable(() => decodeGetEndpointsResponse(unknown, 7))).toMatchObject({ kind: 'error', message: expect.stringMatching(/0x80340000$/) });
  });

  it('bounds nested diagnostics', () => {
    expect(thrownUnavailable(() => new UaReader(Buffer.alloc(40, 0x40), 'x').skipDiagnosticInfo('d')).message).toMatch(/nests deeper than 16 levels/);
  });
});

describe('chunks', () => {
  it('frames chunks and refuses what cannot be one, with the kind the caller gives', () => {
    const frame = chunkLength(LIMITS.receiveBufferSize, 'protocol-mismatch');
    expect(frame(Buffer.from('ACKF'))).toBeUndefined();
    const ack = Buffer.concat([Buffer.from('ACKF'), Buffer.from([28, 0, 0, 0]), Buffer.alloc(20)]);
    expect(frame(ack)).toBe(28);
    expect(thrownUnavailable(() => frame(Buffer.from('HTTP/1.1 400 Bad Request\r\n')))).toMatchObject({
      kind: 'protocol-mismatch',
      message: expect.stringMatching(/not an OPC UA/),
    });
    const huge = Buffer.concat([Buffer.from('MSGF'), Buffer.from([0xff, 0xff, 0xff, 0x7f])]);
    expect(thrownUnavailable(() => chunkLength(LIMITS.receiveBufferSize, 'malformed')(huge))).toMatchObject({
      kind: 'malformed',
      message: expect.stringMatching(/2147483647 bytes/),
    });
    expect(thrownUnavailable(() => frame(Buffer.from('HELF\x08\x00\x00\x00', 'latin1'))).kind).toBe('protocol-mismatch');
  });

  it('reads ACK and ERR; an ERR names the status and the server reason', () => {
    const ack = Buffer.alloc(28);
    ack.write('ACKF', 'latin1');
    ack.writeUInt32LE(28, 4);
    ack.writeUInt32LE(8192, 12);
    expect(parseChunk(ack)).toMatchObject({ type: 'ACK', receiveBufferSize: 8192 });
    const reason = Buffer.from('too busy');
    const err = Buffer.alloc(16 + reason.length);
    err.write('ERRF', 'latin1');
    err.writeUInt32LE(err.length, 4);
    err.writeUInt32LE(StatusCodes.BadTcpServerTooBusy.value, 8);
    err.writeInt32LE(reason.length, 12);
    reason.copy(err, 16);
    expect(parseChunk(err)).toEqual({ type: 'ERR', status: 0x807d0000, reason: 'too busy' });
    err.write('C', 3, 'latin1');
    expect(thrownUnavailable(() => parseChunk(err)).message).toMatch(/ERR is always 'F'/);
  });

  it('joins intermediate chunks to the final one', () => {
    const full = endpointsReply(10);
    const thirds = [full.subarray(0, 500), full.subarray(500, 1500), full.subarray(1500)];
    const assembler = new ChunkAssembler('GetEndpoints');
    expect(assembler.add(secure(msgChunk('C', thirds[0] as Buffer)))).toBeUndefined();
    expect(assembler.add(secure(msgChunk('C', thirds[1] as Buffer)))).toBeUndefined();
    const joined = assembler.add(secure(msgChunk('F', thirds[2] as Buffer)));
    expect(joined).toEqual(full);
    expect(decodeGetEndpointsResponse(joined as Buffer, 7).endpoints).toHaveLength(10);
  });

  it('ends a reply on an abort chunk with its status, and on more chunks or bytes than accepted', () => {
    const abort = Buffer.alloc(8);
    abort.writeUInt32LE(StatusCodes.BadResponseTooLarge.value, 0);
    abort.writeInt32LE(-1, 4);
    expect(thrownUnavailable(() => new ChunkAssembler('GetEndpoints').add(secure(msgChunk('A', abort))))).toMatchObject({
      kind: 'malformed',
      message: expect.stringMatching(/^GetEndpoints: server aborted the reply with BadResponseTooLarge \(0x80B90000\) \(the agent accepts/),
    });
    const many = new ChunkAssembler('GetEndpoints');
    for (let i = 0; i < LIMITS.maxChunkCount; i += 1) many.add(secure(msgChunk('C', Buffer.from([i]))));
    expect(thrownUnavailable(() => many.add(secure(msgChunk('F', Buffer.from([0]))))).message).toMatch(
      /65 bytes in 65 chunks so far; at most 4194304 bytes in 64 chunks/,
    );
    const big = new ChunkAssembler('GetEndpoints');
    big.add(secure(msgChunk('C', Buffer.alloc(3 * 2 ** 20))));
    expect(thrownUnavailable(() => big.add(secure(msgChunk('C', Buffer.alloc(2 ** 20 + 1))))).message).toMatch(/4194305 bytes in 2 chunks/);
  });
});

/**
 * OPC UA Connection Protocol and Secure Conversation messages (Part 6, 6.7 and 7.1) for discovery
 * over SecurityPolicy None, and the service messages it needs (Part 4, 5.4-5.5): HEL/ACK/ERR,
 * OpenSecureChannel, GetEndpoints, FindServers, CloseSecureChannel, ServiceFault. No other service
 * can be encoded here.
 */
import type { FrameLength } from '../tcp-session.ts';
import type { FailureKind } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { UaReader, UaWriter } from './discovery-binary.ts';
import { KEPT, LIMITS } from './limits.ts';
import type { RawApplication, RawEndpoint, RawUserToken } from './raw.ts';
import { isBad, statusFailure } from './discovery-status.ts';

export const SECURITY_POLICY_NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';

/** Binary encoding NodeIds (namespace 0) of the service messages. */
export const ENCODING = {
  ServiceFault: 397,
  FindServersRequest: 422,
  FindServersResponse: 425,
  GetEndpointsRequest: 428,
  GetEndpointsResponse: 431,
  OpenSecureChannelRequest: 446,
  OpenSecureChannelResponse: 449,
  CloseSecureChannelRequest: 452,
} as const;

const HEADER = 8;
const SECURITY_MODE_NONE = 1;
const REQUEST_TYPE_ISSUE = 0;
/** Minimum encoded size of the structures announced in arrays (all strings and arrays null). */
const MIN_BYTES = { string: 4, application: 25, userToken: 20, endpoint: 50 } as const;

/** Message types a server may send, with the smallest chunk each can be. */
const SERVER_MESSAGES: Readonly<Record<string, number>> = { ACK: HEADER + 20, ERR: HEADER + 8, OPN: HEADER + 24, MSG: HEADER + 16, CLO: HEADER + 16 };

// --- requests -----------------------------------------------------------------------------------

export interface RequestHeaderFields {
  readonly requestHandle: number;
  readonly timestamp: Date;
  readonly timeoutHintMs: number;
}

/** Ids a secure-channel message carries: channel and token (0 before OPN), sequence number, request id. */
export interface ChannelIds {
  readonly channelId: number;
  readonly tokenId: number;
  readonly sequenceNumber: number;
  readonly requestId: number;
}

function chunk(type: 'HEL' | 'OPN' | 'MSG' | 'CLO', rest: Buffer): Buffer {
  return new UaWriter()
    .raw(Buffer.from(`${type}F`, 'latin1'))
    .uint32(HEADER + rest.length)
    .raw(rest)
    .toBuffer();
}

function requestHeader(w: UaWriter, h: RequestHeaderFields): UaWriter {
  // Null authentication token (no session), no diagnostics, no audit id, no additional header.
  return w.nodeId(0).dateTime(h.timestamp).uint32(h.requestHandle).uint32(0).string(undefined).uint32(h.timeoutHintMs).nullExtensionObject();
}

function symmetric(type: 'MSG' | 'CLO', ids: ChannelIds, body: UaWriter): Buffer {
  const rest = new UaWriter().uint32(ids.channelId).uint32(ids.tokenId).uint32(ids.sequenceNumber).uint32(ids.requestId).raw(body.toBuffer());
  return chunk(type, rest.toBuffer());
}

export function encodeHello(endpointUrl: string): Buffer {
  const w = new UaWriter().uint32(0).uint32(LIMITS.receiveBufferSize).uint32(LIMITS.sendBufferSize).uint32(LIMITS.maxMessageSize).uint32(LIMITS.maxChunkCount);
  return chunk('HEL', w.string(endpointUrl).toBuffer());
}

export function encodeOpenSecureChannel(ids: Pick<ChannelIds, 'sequenceNumber' | 'requestId'>, h: RequestHeaderFields, lifetimeMs: number): Buffer {
  const w = new UaWriter()
    .uint32(0)
    .string(SECURITY_POLICY_NONE)
    .byteString(undefined)
    .byteString(undefined)
    .uint32(ids.sequenceNumber)
    .uint32(ids.requestId)
    .nodeId(ENCODING.OpenSecureChannelRequest);
  requestHeader(w, h).uint32(0).uint32(REQUEST_TYPE_ISSUE).uint32(SECURITY_MODE_NONE).byteString(new Uint8Array(0)).uint32(lifetimeMs);
  return chunk('OPN', w.toBuffer());
}

export function encodeGetEndpoints(ids: ChannelIds, h: RequestHeaderFields, endpointUrl: string): Buffer {
  const body = requestHeader(new UaWriter().nodeId(ENCODING.GetEndpointsRequest), h).string(endpointUrl).strings([]).strings([]);
  return symmetric('MSG', ids, body);
}

export function encodeFindServers(ids: ChannelIds, h: RequestHeaderFields, endpointUrl: string): Buffer {
  const body = requestHeader(new UaWriter().nodeId(ENCODING.FindServersRequest), h).string(endpointUrl).strings([]).strings([]);
  return symmetric('MSG', ids, body);
}

export function encodeCloseSecureChannel(ids: ChannelIds, h: RequestHeaderFields): Buffer {
  return symmetric('CLO', ids, requestHeader(new UaWriter().nodeId(ENCODING.CloseSecureChannelRequest), h));
}

// --- chunks -------------------------------------------------------------------------------------

/**
 * Frame length for TcpSession.readFrame: one message chunk, at most `maxBytes`. Bytes that cannot
 * start a chunk fail with `kind`: before the ACK that is 'protocol-mismatch' (the peer has not
 * shown it speaks OPC UA), afterwards 'malformed'.
 */
export function chunkLength(maxBytes: number, kind: FailureKind): FrameLength {
  return (buf) => {
    if (buf.length < HEADER) return undefined;
    const type = buf.toString('latin1', 0, 3);
    const least = SERVER_MESSAGES[type];
    const final = String.fromCharCode(buf[3] ?? 0);
    if (least === undefined || !'FCA'.includes(final)) {
      throw new ProbeUnavailable(kind, `reply is not an OPC UA message chunk (starts with ${buf.subarray(0, HEADER).toString('hex')})`);
    }
    const size = buf.readUInt32LE(4);
    if (size < least || size > maxBytes) throw new ProbeUnavailable(kind, `${type} chunk announces ${size} bytes, outside ${least}..${maxBytes}`);
    return size;
  };
}

export interface Acknowledge {
  readonly type: 'ACK';
  readonly protocolVersion: number;
  readonly receiveBufferSize: number;
  readonly sendBufferSize: number;
  readonly maxMessageSize: number;
  readonly maxChunkCount: number;
}

export interface ErrorMessage {
  readonly type: 'ERR';
  readonly status: number;
  readonly reason: string;
}

export interface SecureChunk {
  readonly type: 'OPN' | 'MSG' | 'CLO';
  /** F final, C intermediate, A abort. */
  readonly final: 'F' | 'C' | 'A';
  readonly channelId: number;
  /** OPN only: the asymmetric security header's policy. */
  readonly securityPolicyUri?: string;
  readonly sequenceNumber: number;
  readonly requestId: number;
  readonly body: Buffer;
}

export type Chunk = Acknowledge | ErrorMessage | SecureChunk;

/** Parses one complete chunk as framed by `chunkLength`. */
export function parseChunk(frame: Buffer): Chunk {
  const type = frame.toString('latin1', 0, 3);
  const final = frame.toString('latin1', 3, 4);
  const r = new UaReader(frame, `${type} chunk`);
  r.bytes(HEADER, 'header');
  if (type === 'ACK' || type === 'ERR') {
    if (final !== 'F') throw r.fail('chunk type', `is '${final}', ${type} is always 'F'`);
    if (type === 'ERR') return { type, status: r.uint32('error'), reason: r.string('reason') };
    return {
      type,
      protocolVersion: r.uint32('protocolVersion'),
      receiveBufferSize: r.uint32('receiveBufferSize'),
      sendBufferSize: r.uint32('sendBufferSize'),
      maxMessageSize: r.uint32('maxMessageSize'),
      maxChunkCount: r.uint32('maxChunkCount'),
    };
  }
  if (type !== 'OPN' && type !== 'MSG' && type !== 'CLO') throw r.fail('message type', `'${type}' is not one a server sends`);
  if (final !== 'F' && final !== 'C' && final !== 'A') throw r.fail('chunk type', `'${final}' is not F, C or A`);
  const channelId = r.uint32('secureChannelId');
  let securityPolicyUri: string | undefined;
  if (type === 'OPN') {
    securityPolicyUri = r.string('securityPolicyUri');
    r.byteString('senderCertificate');
    r.byteString('receiverCertificateThumbprint');
  } else {
    r.uint32('tokenId');
  }
  const sequenceNumber = r.uint32('sequenceNumber');
  const requestId = r.uint32('requestId');
  const base = { type, final, channelId, sequenceNumber, requestId, body: r.rest() } as const;
  return securityPolicyUri === undefined ? base : { ...base, securityPolicyUri };
}

/**
 * Joins the chunks of one reply, capped at LIMITS.maxChunkCount chunks and LIMITS.maxMessageSize
 * body bytes whatever the server acknowledged. An abort chunk ends the reply with its status.
 */
export class ChunkAssembler {
  readonly #what: string;
  readonly #parts: Buffer[] = [];
  #bytes = 0;

  constructor(what: string) {
    this.#what = what;
  }

  /** Adds one chunk; returns the whole message body once the final chunk arrived. */
  add(chunk: SecureChunk): Buffer | undefined {
    if (chunk.final === 'A') {
      const r = new UaReader(chunk.body, `${this.#what} abort chunk`);
      throw statusFailure(r.uint32('error'), `${this.#what}: server aborted the reply with`, r.string('reason'));
    }
    const count = this.#parts.length + 1;
    this.#bytes += chunk.body.length;
    if (count > LIMITS.maxChunkCount || this.#bytes > LIMITS.maxMessageSize) {
      throw new ProbeUnavailable(
        'malformed',
        `${this.#what}: reply is larger than accepted (${this.#bytes} bytes in ${count} chunks so far; at most ${LIMITS.maxMessageSize} bytes in ${LIMITS.maxChunkCount} chunks)`,
      );
    }
    this.#parts.push(chunk.body);
    return chunk.final === 'F' ? Buffer.concat(this.#parts) : undefined;
  }
}

// --- responses ----------------------------------------------------------------------------------

/**
 * Reads a response's type id and ResponseHeader. A ServiceFault or a Bad service result becomes a
 * typed failure; another type, or an answer to another request, is malformed.
 */
function openResponse(body: Buffer, name: 'OpenSecureChannelResponse' | 'GetEndpointsResponse' | 'FindServersResponse', requestHandle: number): UaReader {
  const r = new UaReader(body, name);
  const type = r.nodeId('typeId');
  const expected = ENCODING[name];
  const fault = type.namespace === 0 && type.id === ENCODING.ServiceFault;
  if (!fault && (type.namespace !== 0 || type.id !== expected)) {
    throw r.fail('typeId', `is ns=${type.namespace};${typeof type.id === 'number' ? `i=${type.id}` : type.id}, expected i=${expected}`);
  }
  r.bytes(8, 'responseHeader.timestamp');
  const handle = r.uint32('responseHeader.requestHandle');
  const result = r.uint32('responseHeader.serviceResult');
  r.skipDiagnosticInfo('responseHeader.serviceDiagnostics');
  r.array('responseHeader.stringTable', MIN_BYTES.string, () => r.string('responseHeader.stringTable[]'));
  r.skipExtensionObject('responseHeader.additionalHeader');
  const request = name.replace(/Response$/, 'Request');
  if (fault) throw isBad(result) ? statusFailure(result, `${request} answered with ServiceFault`) : r.fail('ServiceFault', 'carries a status that is not Bad');
  if (handle !== requestHandle) throw r.fail('responseHeader.requestHandle', `is ${handle}, the request had ${requestHandle}`);
  if (isBad(result)) throw statusFailure(result, `${request} failed with`);
  return r;
}

export interface ChannelToken {
  readonly channelId: number;
  readonly tokenId: number;
}

export function decodeOpenSecureChannelResponse(body: Buffer, requestHandle: number): ChannelToken {
  const r = openResponse(body, 'OpenSecureChannelResponse', requestHandle);
  r.uint32('serverProtocolVersion');
  const channelId = r.uint32('securityToken.channelId');
  const tokenId = r.uint32('securityToken.tokenId');
  r.bytes(8, 'securityToken.createdAt');
  r.uint32('securityToken.revisedLifetime');
  r.byteString('serverNonce');
  return { channelId, tokenId };
}

function readApplication(r: UaReader, at: string): RawApplication {
  const applicationUri = r.string(`${at}.applicationUri`);
  const productUri = r.string(`${at}.productUri`);
  const applicationName = r.localizedText(`${at}.applicationName`);
  const applicationType = r.int32(`${at}.applicationType`);
  r.string(`${at}.gatewayServerUri`);
  r.string(`${at}.discoveryProfileUri`);
  const urls = r.array(`${at}.discoveryUrls`, MIN_BYTES.string, (i) => r.string(`${at}.discoveryUrls[${i}]`), KEPT.discoveryUrls);
  return { applicationUri, productUri, applicationName, applicationType, discoveryUrls: urls.items };
}

function readUserToken(r: UaReader, at: string): RawUserToken {
  const policyId = r.string(`${at}.policyId`);
  const tokenType = r.int32(`${at}.tokenType`);
  r.string(`${at}.issuedTokenType`);
  r.string(`${at}.issuerEndpointUrl`);
  return { tokenType, policyId, securityPolicyUri: r.string(`${at}.securityPolicyUri`) };
}

function readEndpoint(r: UaReader, at: string): RawEndpoint {
  const endpointUrl = r.string(`${at}.endpointUrl`);
  const server = readApplication(r, `${at}.server`);
  const certificate = r.byteString(`${at}.serverCertificate`);
  const securityMode = r.int32(`${at}.securityMode`);
  const securityPolicyUri = r.string(`${at}.securityPolicyUri`);
  const tokens = r.array(`${at}.userIdentityTokens`, MIN_BYTES.userToken, (i) => readUserToken(r, `${at}.userIdentityTokens[${i}]`), KEPT.userTokens);
  r.string(`${at}.transportProfileUri`);
  const securityLevel = r.byte(`${at}.securityLevel`);
  return {
    endpointUrl,
    securityMode,
    securityPolicyUri,
    securityLevel,
    userTokens: tokens.items,
    server,
    // A copy, so the kept facts do not pin the whole reply buffer.
    serverCertificate: certificate && certificate.length > 0 ? new Uint8Array(certificate) : undefined,
  };
}

export interface EndpointList {
  /** The first KEPT.endpoints endpoints; the rest are not decoded. */
  readonly endpoints: RawEndpoint[];
  /** How many the server announced. */
  readonly announced: number;
}

export function decodeGetEndpointsResponse(body: Buffer, requestHandle: number): EndpointList {
  const r = openResponse(body, 'GetEndpointsResponse', requestHandle);
  // The list is the response's last field: what follows the kept endpoints is never read.
  const list = r.array('endpoints', MIN_BYTES.endpoint, (i) => readEndpoint(r, `endpoints[${i}]`), KEPT.endpoints, true);
  return { endpoints: list.items, announced: list.count };
}

export function decodeFindServersResponse(body: Buffer, requestHandle: number): RawApplication[] {
  const r = openResponse(body, 'FindServersResponse', requestHandle);
  return r.array('servers', MIN_BYTES.application, (i) => readApplication(r, `servers[${i}]`), KEPT.servers, true).items;
}

import { ProbeUnavailable } from '../types.ts';

/**
 * Omron FINS (Factory Interface Network Service), as the CS/CJ/CP communications manuals lay it
 * out. A FINS frame is a 10-byte header (ICF, RSV, GCT, DNA, DA1, DA2, SNA, SA1, SA2, SID), the
 * command code (MRC, SRC) and its parameters; a response adds a 2-byte end code before the data.
 * FINS/UDP carries one frame per datagram; FINS/TCP wraps each in a 16-byte header ("FINS",
 * length, command, error code) after a node address exchange. The only FINS command this agent
 * can build is Controller Data Read (05 01): buildControllerDataRead takes no command code, so a
 * memory read, a run/stop or a write cannot be expressed.
 */
export const FINS_HEADER_BYTES = 10;
/** ICF: command, response required; a response has bit 6 set (0xC0; bit 0 may flag "no response needed" back). */
const ICF_COMMAND = 0x80;
const ICF_RESPONSE_BIT = 0x40;
/** Gateway count: the usual 2 bridges at most. */
const GATEWAY_COUNT = 0x02;
export const CONTROLLER_DATA_READ = { mrc: 0x05, src: 0x01 } as const;

/** Controller Data Read response data: model (20), version (20), for system use (40), then the area data (12). */
const MODEL_BYTES = 20;
const VERSION_BYTES = 20;
const SYSTEM_USE_BYTES = 40;
const AREA_DATA_BYTES = 12;
const IDENTITY_BYTES = MODEL_BYTES + VERSION_BYTES;
/** A CS/CJ CPU's full answer is 158 data bytes (area data, CPU Bus Unit table, remote I/O, status). More is not an answer to us. */
export const MAX_DATA_BYTES = 512;
export const MAX_UDP_REPLY_BYTES = FINS_HEADER_BYTES + 4 + MAX_DATA_BYTES;

/** FINS/TCP header: magic, length (from the command on), command, error code. */
export const FINS_TCP_HEADER_BYTES = 16;
const FINS_MAGIC = Buffer.from('FINS', 'latin1');
export const FINS_TCP_COMMANDS = { nodeAddressRequest: 0, nodeAddressResponse: 1, frameSend: 2, frameSendError: 3 } as const;
export const MAX_TCP_REPLY_BYTES = FINS_TCP_HEADER_BYTES + MAX_UDP_REPLY_BYTES;

/** FINS/TCP error codes (the header's error field), as the Ethernet unit manuals name them. */
export const FINS_TCP_ERRORS: ReadonlyMap<number, string> = new Map([
  [0x01, 'the header is not FINS'],
  [0x02, 'the data length is too long'],
  [0x03, 'the command is not supported'],
  [0x20, 'all connections are in use'],
  [0x21, 'the specified node is already connected'],
  [0x22, 'protected node address: this client IP address is not allowed'],
  [0x23, 'the client FINS node address is out of range'],
  [0x24, 'the client and server use the same FINS node address'],
  [0x25, 'all node addresses available for allocation are in use'],
]);

export interface FinsAddress {
  readonly network: number;
  readonly node: number;
  readonly unit: number;
}

export interface FinsResponse {
  /** Who answered (the response's source address). */
  readonly source: FinsAddress;
  readonly endCode: { readonly main: number; readonly sub: number };
  readonly data: Buffer;
}

export interface ControllerData {
  /** Bytes as sent; the probe decides how to print them. */
  readonly model: Buffer;
  readonly version: Buffer;
  readonly systemUse?: Buffer;
  readonly area?: {
    readonly programAreaKwords: number;
    readonly iomKbytes: number;
    readonly dmWords: number;
    readonly timerCounterSize: number;
    readonly expansionDmBanks: number;
    readonly stepsTransitions: number;
    readonly memoryCardKind: number;
    readonly memoryCardKbytes: number;
  };
  /** Data after the area data (CPU Bus Unit configuration, remote I/O, status), counted, not read. */
  readonly furtherBytes: number;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `FINS reply: ${what}`);
}

const byte = (n: number, what: string) => {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new ProbeUnavailable('error', `FINS ${what} ${n} is not a byte`);
  return n;
};

/** The Controller Data Read command without a parameter byte: the controller answers with everything it has. */
export function buildControllerDataRead(destination: FinsAddress, source: FinsAddress, sid: number): Buffer {
  return Buffer.from([
    ICF_COMMAND,
    0x00,
    GATEWAY_COUNT,
    byte(destination.network, 'destination network'),
    byte(destination.node, 'destination node'),
    byte(destination.unit, 'destination unit'),
    byte(source.network, 'source network'),
    byte(source.node, 'source node'),
    byte(source.unit, 'source unit'),
    byte(sid, 'service id'),
    CONTROLLER_DATA_READ.mrc,
    CONTROLLER_DATA_READ.src,
  ]);
}

/** The response to one Controller Data Read: a response ICF, our service id, the same command code. */
export function parseControllerDataResponse(frame: Buffer, sid: number): FinsResponse {
  if (frame.length < FINS_HEADER_BYTES + 4) throw malformed(`${frame.length} bytes, shorter than a header, command code and end code`);
  if (frame.length > MAX_UDP_REPLY_BYTES) throw malformed(`${frame.length} bytes, more than the ${MAX_UDP_REPLY_BYTES} a Controller Data Read answer can need`);
  const icf = frame.readUInt8(0);
  if ((icf & ICF_COMMAND) === 0 || (icf & ICF_RESPONSE_BIT) === 0) throw malformed(`ICF 0x${icf.toString(16)} is not a response`);
  if (frame.readUInt8(9) !== sid) throw malformed(`service id ${frame.readUInt8(9)} does not answer request ${sid}`);
  const mrc = frame.readUInt8(10);
  const src = frame.readUInt8(11);
  if (mrc !== CONTROLLER_DATA_READ.mrc || src !== CONTROLLER_DATA_READ.src)
    throw malformed(`command ${mrc.toString(16).padStart(2, '0')} ${src.toString(16).padStart(2, '0')} answers no Controller Data Read`);
  return {
    source: { network: frame.readUInt8(6), node: frame.readUInt8(7), unit: frame.readUInt8(8) },
    endCode: { main: frame.readUInt8(12), sub: frame.readUInt8(13) },
    data: Buffer.from(frame.subarray(14)),
  };
}

/**
 * End code without its status flags: bit 7 of the main code says a relay (network) error came
 * along, bits 6 and 7 of the sub code report a non-fatal or fatal CPU error. None of them mean the
 * command failed.
 */
export function endCodeValue(endCode: FinsResponse['endCode']): number {
  return ((endCode.main & 0x7f) << 8) | (endCode.sub & 0x3f);
}

/** Model and version always; the system-use bytes and area data when the controller sent them. */
export function parseControllerData(data: Buffer): ControllerData {
  const systemEnd = IDENTITY_BYTES + SYSTEM_USE_BYTES;
  const areaEnd = systemEnd + AREA_DATA_BYTES;
  // Each section comes whole: any other length is an answer cut short.
  if (data.length !== IDENTITY_BYTES && data.length !== systemEnd && data.length < areaEnd)
    throw malformed(`${data.length} data bytes end inside a section (model and version 40, system use 80, area data 92)`);
  const out: ControllerData = {
    model: Buffer.from(data.subarray(0, MODEL_BYTES)),
    version: Buffer.from(data.subarray(MODEL_BYTES, IDENTITY_BYTES)),
    furtherBytes: Math.max(0, data.length - areaEnd),
  };
  if (data.length < systemEnd) return out;
  const systemUse = Buffer.from(data.subarray(IDENTITY_BYTES, systemEnd));
  if (data.length < areaEnd) return { ...out, systemUse };
  const a = data.subarray(systemEnd, areaEnd);
  return {
    ...out,
    systemUse,
    area: {
      programAreaKwords: a.readUInt16BE(0),
      iomKbytes: a.readUInt8(2),
      dmWords: a.readUInt16BE(3),
      timerCounterSize: a.readUInt8(5),
      expansionDmBanks: a.readUInt8(6),
      stepsTransitions: a.readUInt16BE(7),
      memoryCardKind: a.readUInt8(9),
      memoryCardKbytes: a.readUInt16BE(10),
    },
  };
}

function tcpHeader(command: number, body: Buffer): Buffer {
  const head = Buffer.alloc(FINS_TCP_HEADER_BYTES);
  FINS_MAGIC.copy(head, 0);
  head.writeUInt32BE(8 + body.length, 4);
  head.writeUInt32BE(command, 8);
  return Buffer.concat([head, body]);
}

/** FINS/TCP client node address data: node 0 asks the server to allocate one. */
export function buildNodeAddressRequest(): Buffer {
  return tcpHeader(FINS_TCP_COMMANDS.nodeAddressRequest, Buffer.alloc(4));
}

/** A FINS frame sent over FINS/TCP. */
export function buildTcpFrame(fins: Buffer): Buffer {
  return tcpHeader(FINS_TCP_COMMANDS.frameSend, fins);
}

/** FrameLength for TcpSession.readFrame: the magic first, then the length, refused before waiting for more than an answer can be. */
export function finsTcpFrameLength(buf: Buffer): number | undefined {
  const magic = buf.subarray(0, 4);
  if (!FINS_MAGIC.subarray(0, magic.length).equals(magic)) throw malformed(`bytes ${magic.toString('hex')} do not start a FINS/TCP header`);
  if (buf.length < 8) return undefined;
  const length = buf.readUInt32BE(4);
  if (length < 8) throw malformed(`FINS/TCP length ${length} is shorter than the command and error code`);
  if (8 + length > MAX_TCP_REPLY_BYTES) throw malformed(`FINS/TCP length ${length} exceeds the ${MAX_TCP_REPLY_BYTES - 8} bytes an answer can need`);
  return 8 + length;
}

export interface FinsTcpMessage {
  readonly command: number;
  readonly errorCode: number;
  readonly body: Buffer;
}

/** One complete FINS/TCP frame, as finsTcpFrameLength cut it. */
export function parseTcpMessage(frame: Buffer): FinsTcpMessage {
  if (frame.length < FINS_TCP_HEADER_BYTES) throw malformed(`FINS/TCP frame of ${frame.length} bytes, shorter than its 16-byte header`);
  return { command: frame.readUInt32BE(8), errorCode: frame.readUInt32BE(12), body: Buffer.from(frame.subarray(FINS_TCP_HEADER_BYTES)) };
}

/** The server's node address data: the node it gave us, and its own. */
export function parseNodeAddressResponse(message: FinsTcpMessage): { readonly client: number; readonly server: number } {
  if (message.command !== FINS_TCP_COMMANDS.nodeAddressResponse) throw malformed(`FINS/TCP command ${message.command} answers no node address request`);
  if (message.body.length !== 8) throw malformed(`node address data of ${message.body.length} bytes, expected 8`);
  const client = message.body.readUInt32BE(0);
  const server = message.body.readUInt32BE(4);
  if (client > 0xfe || server > 0xfe) throw malformed(`node addresses ${client} and ${server} are not FINS nodes (0-254)`);
  return { client, server };
}

import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * DNP3 (IEEE 1815) data link layer: start bytes 0x05 0x64, LEN (control, destination, source and
 * user data bytes), CTRL, DEST and SRC (little-endian), a CRC over those 8 bytes, then user data
 * in blocks of up to 16 bytes, each followed by its CRC. The only frame this agent may send is
 * Request Link Status (primary, function 9): it carries no application data, so it can neither
 * read points nor operate anything. buildRequestLinkStatus can build nothing else.
 */
const START = [0x05, 0x64] as const;
const HEADER_BYTES = 10;
const MIN_LEN = 5;
/** LEN is one byte: at most 250 user data bytes in 16 blocks. */
export const MAX_FRAME_BYTES = HEADER_BYTES + 250 + 16 * 2;
const DIR = 0x80;
const PRM = 0x40;
const REQUEST_LINK_STATUS = 9;

/** Secondary (outstation to master) function codes. */
const SECONDARY_FUNCTIONS: Readonly<Record<number, string>> = { 0: 'ack', 1: 'nack', 11: 'link-status', 15: 'not-supported' };

/** IEEE 1815 self address: an outstation that supports it answers as if addressed by its own address. */
export const SELF_ADDRESS = 0xfffc;

export interface LinkHeader {
  readonly fromMaster: boolean;
  readonly primary: boolean;
  /** Function name of a secondary frame, or `primary <code>`. */
  readonly function: string;
  /** Data flow control bit of a secondary frame: the station's buffers are full. */
  readonly dataFlowControl: boolean;
  readonly destination: number;
  readonly source: number;
  readonly userDataBytes: number;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `DNP3 link frame: ${what}`);
}

/** CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), initial 0, result inverted, sent low byte first. */
export function dnp3Crc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xa6bc : crc >>> 1;
  }
  return ~crc & 0xffff;
}

function checkAddress(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new ProbeUnavailable('error', `DNP3 ${name} address ${value} is not 0..65535`);
}

/** Request Link Status from `master` to `outstation`: header only, no user data. */
export function buildRequestLinkStatus(outstation: number, master: number): Buffer {
  checkAddress('outstation', outstation);
  checkAddress('master', master);
  const frame = Buffer.alloc(HEADER_BYTES);
  frame.writeUInt8(START[0], 0);
  frame.writeUInt8(START[1], 1);
  frame.writeUInt8(MIN_LEN, 2);
  frame.writeUInt8(DIR | PRM | REQUEST_LINK_STATUS, 3);
  frame.writeUInt16LE(outstation, 4);
  frame.writeUInt16LE(master, 6);
  frame.writeUInt16LE(dnp3Crc(frame.subarray(0, 8)), 8);
  return frame;
}

/** Total frame bytes for a LEN: header, user data, one CRC per started 16-byte block. */
function frameBytes(len: number): number {
  const data = len - MIN_LEN;
  return HEADER_BYTES + data + Math.ceil(data / 16) * 2;
}

/** FrameLength for TcpSession.readFrame: start bytes and LEN, refused when no link frame can have them. */
export function linkFrameLength(buf: Buffer): number | undefined {
  for (let i = 0; i < Math.min(2, buf.length); i += 1) {
    if (buf.readUInt8(i) !== START[i]) throw malformed(`byte ${i} is ${hex(buf.readUInt8(i), 2)}, not the start bytes 05 64`);
  }
  if (buf.length < 3) return undefined;
  const len = buf.readUInt8(2);
  if (len < MIN_LEN) throw malformed(`LEN ${len} is below ${MIN_LEN}`);
  return frameBytes(len);
}

/** The header of one complete frame, its CRCs checked. */
export function parseLinkFrame(frame: Buffer): LinkHeader {
  if (frame.length < HEADER_BYTES) throw malformed(`${frame.length} bytes, shorter than the 10-byte header`);
  const len = frame.readUInt8(2);
  if (frame.length !== frameBytes(len)) throw malformed(`${frame.length} bytes do not match LEN ${len}`);
  if (dnp3Crc(frame.subarray(0, 8)) !== frame.readUInt16LE(8)) throw malformed('header CRC does not match');
  for (let at = HEADER_BYTES; at < frame.length; at += 18) {
    const end = Math.min(at + 16, frame.length - 2);
    if (dnp3Crc(frame.subarray(at, end)) !== frame.readUInt16LE(end)) throw malformed(`CRC of the data block at byte ${at} does not match`);
  }
  const ctrl = frame.readUInt8(3);
  const primary = (ctrl & PRM) !== 0;
  const code = ctrl & 0x0f;
  return {
    fromMaster: (ctrl & DIR) !== 0,
    primary,
    function: primary ? `primary ${code}` : (SECONDARY_FUNCTIONS[code] ?? `secondary ${code}`),
    dataFlowControl: !primary && (ctrl & 0x10) !== 0,
    destination: frame.readUInt16LE(4),
    source: frame.readUInt16LE(6),
    userDataBytes: len - MIN_LEN,
  };
}

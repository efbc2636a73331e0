import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * CoDeSys V2 runtime identification on TCP 2455 or 1200, as the published discovery script and
 * public write-ups describe it: a 7-byte request (magic 0xBBBB, a length of 1 in the runtime's
 * byte order, data byte 0x01) that any host may send without logging in. The runtime answers with
 * a reply starting 0xBB that holds NUL-terminated texts in 32-byte fields at offsets 64 (OS name),
 * 96 (OS version) and 128 (product type). A little-endian runtime ignores the big-endian request
 * and the other way round. Nothing else of the protocol can be expressed here.
 */
export const V2_REQUESTS = {
  little: Buffer.from('bbbb0100000001', 'hex'),
  big: Buffer.from('bbbb0100000101', 'hex'),
} as const;
export type ByteOrder = keyof typeof V2_REQUESTS;

const MAGIC = 0xbb;
const FIELD_BYTES = 32;
export const FIELD_OFFSETS = { osName: 64, osVersion: 96, productType: 128 } as const;
/** The reply up to the end of its last text field. */
export const MIN_REPLY_BYTES = FIELD_OFFSETS.productType + FIELD_BYTES;
/** Replies seen in the field are a few hundred bytes; more is not an identification reply. */
export const MAX_REPLY_BYTES = 1024;

export interface V2Identification {
  readonly osName: string;
  readonly osVersion: string;
  readonly productType: string;
}

/** The request for one byte order; refuses anything else at run time too, since a value from a bug can bypass the type. */
export function buildIdentifyRequest(order: ByteOrder): Buffer {
  const request = V2_REQUESTS[order];
  if (request === undefined) throw new ProbeUnavailable('denied', `CoDeSys V2 request ${String(order)} is not on the read-only allow-list`);
  return Buffer.from(request);
}

/**
 * FrameLength for TcpSession.readFrame: the reply carries no length the public descriptions agree
 * on, so it is complete once the three text fields have arrived; bytes already there beyond them
 * are kept with it (up to the cap).
 */
export function v2FrameLength(buf: Buffer): number | undefined {
  if (buf.length > 0 && buf.readUInt8(0) !== MAGIC) {
    throw new ProbeUnavailable('malformed', `CoDeSys V2 reply starts with ${hex(buf.readUInt8(0), 2)}, not 0xbb`);
  }
  if (buf.length < MIN_REPLY_BYTES) return undefined;
  return Math.min(buf.length, MAX_REPLY_BYTES);
}

/** Text up to the first NUL within its 32-byte field; printable ASCII only, the rest as `?`. */
function field(reply: Buffer, offset: number): string {
  const raw = reply.subarray(offset, offset + FIELD_BYTES);
  const end = raw.indexOf(0);
  return raw
    .subarray(0, end < 0 ? raw.length : end)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

/** The three texts of a complete reply (as v2FrameLength cut it). */
export function parseIdentifyReply(reply: Buffer): V2Identification {
  if (reply.length < MIN_REPLY_BYTES)
    throw new ProbeUnavailable('malformed', `CoDeSys V2 reply of ${reply.length} bytes, shorter than the ${MIN_REPLY_BYTES} its fields need`);
  if (reply.readUInt8(0) !== MAGIC) throw new ProbeUnavailable('malformed', 'CoDeSys V2 reply does not start with 0xbb');
  return { osName: field(reply, FIELD_OFFSETS.osName), osVersion: field(reply, FIELD_OFFSETS.osVersion), productType: field(reply, FIELD_OFFSETS.productType) };
}

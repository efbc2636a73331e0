import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * Framing of SMB on TCP (RFC 1002 session service; MS-SMB2 2.1): a 4-byte header, type then a
 * 24-bit big-endian length. On 445 (direct hosting) every frame is a session message (type 0);
 * on 139 a session request (0x81, called and calling NetBIOS names) must be accepted (0x82) first.
 */
export const SESSION_MESSAGE = 0x00;
export const SESSION_REQUEST = 0x81;
export const POSITIVE_RESPONSE = 0x82;
export const NEGATIVE_RESPONSE = 0x83;
export const RETARGET_RESPONSE = 0x84;
export const KEEPALIVE = 0x85;

export const NBSS_HEADER_BYTES = 4;
/** The port whose SMB needs the NetBIOS session request first. */
export const NETBIOS_SESSION_PORT = 139;
/**
 * A NEGOTIATE or SESSION_SETUP reply is a few hundred bytes (a Kerberos-capable server's SPNEGO
 * hint included); a peer announcing more is not answering us.
 */
export const MAX_FRAME_BYTES = NBSS_HEADER_BYTES + 8192;

const FRAME_TYPES = new Set([SESSION_MESSAGE, POSITIVE_RESPONSE, NEGATIVE_RESPONSE, RETARGET_RESPONSE, KEEPALIVE]);

/** The generic name every SMB server answers to on 139, and the name we call from. */
const CALLED_NAME = '*SMBSERVER';
const CALLING_NAME = 'CELLCHECK';

export function nbssFrame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(NBSS_HEADER_BYTES);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt8(type, 0);
  return Buffer.concat([header, payload]);
}

/** RFC 1001 first-level encoding: 15 characters padded with spaces, a suffix byte, each nibble as 'A' + nibble. */
export function encodeNetbiosName(name: string, suffix: number): Buffer {
  const raw = Buffer.alloc(16, 0x20);
  raw.write(name.slice(0, 15), 0, 'latin1');
  raw.writeUInt8(suffix, 15);
  const out = Buffer.alloc(34);
  out.writeUInt8(32, 0);
  raw.forEach((b, i) => {
    out.writeUInt8(0x41 + (b >> 4), 1 + 2 * i);
    out.writeUInt8(0x41 + (b & 0x0f), 2 + 2 * i);
  });
  return out;
}

/** The session request for 139: called `*SMBSERVER<20>` (file server service), calling `CELLCHECK<00>`. */
export function buildSessionRequest(): Buffer {
  return nbssFrame(SESSION_REQUEST, Buffer.concat([encodeNetbiosName(CALLED_NAME, 0x20), encodeNetbiosName(CALLING_NAME, 0x00)]));
}

/** FrameLength for TcpSession.readFrame: refuses a type or length no SMB server sends before waiting for more. */
export function nbssFrameLength(buf: Buffer): number | undefined {
  if (buf.length < 1) return undefined;
  const type = buf.readUInt8(0);
  if (!FRAME_TYPES.has(type)) throw new ProbeUnavailable('protocol-mismatch', `first byte ${hex(type, 2)} is no NetBIOS session frame type`);
  if (buf.length < NBSS_HEADER_BYTES) return undefined;
  const length = buf.readUInt32BE(0) & 0x00ffffff;
  if (NBSS_HEADER_BYTES + length > MAX_FRAME_BYTES) {
    throw new ProbeUnavailable(
      'malformed',
      `NetBIOS frame announces ${length} bytes, more than the ${MAX_FRAME_BYTES - NBSS_HEADER_BYTES} an SMB negotiation needs`,
    );
  }
  return NBSS_HEADER_BYTES + length;
}

export interface NbssFrame {
  readonly type: number;
  readonly payload: Buffer;
}

export function parseNbssFrame(frame: Buffer): NbssFrame {
  return { type: frame.readUInt8(0), payload: frame.subarray(NBSS_HEADER_BYTES) };
}

/** RFC 1002 4.3.4 negative session response error codes. */
const NEGATIVE_REASONS: Record<number, string> = {
  128: 'not listening on called name',
  129: 'not listening for calling name',
  130: 'called name not present',
  131: 'called name present, but insufficient resources',
  143: 'unspecified error',
};

export function negativeReason(code: number | undefined): string {
  return code === undefined ? 'no error code' : (NEGATIVE_REASONS[code] ?? `error code 0x${code.toString(16)}`);
}

import { fixedFields } from '../fixed-field.ts';
import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * PC WORX, Phoenix Contact's engineering protocol on TCP 1962 (ILC, AXC and RFC controllers): a
 * frame starts with its kind (0x01 request, 0x81 reply), the service and the big-endian length of
 * the whole frame. Identification takes three services on one connection: 0x01 opens the exchange
 * and returns a session id (reply byte 17), 0x05 selects the device information with it, 0x06
 * reads it. Those three are the only requests buildRequest can make: a download, a start or stop
 * or a variable access cannot be expressed. The layout is the one the public identification
 * scripts and captures of ILC 151/191 ETH controllers show; Phoenix Contact publishes none.
 */
export const PCWORX_REQUESTS = { init: 0x01, selectInfo: 0x05, readInfo: 0x06 } as const;
export type PcworxRequest = keyof typeof PCWORX_REQUESTS;

export const REPLY_KIND = 0x81;
const HEADER_BYTES = 4;
/** The device information reply is under 200 bytes; more is not an answer to us. */
export const MAX_REPLY_BYTES = 1024;
/** Where the init reply carries the session id. */
const SESSION_ID_AT = 17;

/** The device information reply's text fields: [start, end) of each, NUL-terminated within. */
export const INFO_FIELDS = {
  plcType: [30, 66],
  firmwareVersion: [66, 79],
  firmwareDate: [79, 91],
  firmwareTime: [91, 111],
  modelNumber: [152, 184],
} as const satisfies Record<string, readonly [number, number]>;
/** A reply too short to hold the model number holds no device information. */
const MIN_INFO_BYTES = INFO_FIELDS.modelNumber[0] + 1;

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `PCWorx reply: ${what}`);
}

/** The three requests as the identification scripts and captures show them; `IBETH01N0_M` names the client. */
const REQUEST_BYTES: Readonly<Record<PcworxRequest, string>> = {
  init: `0101001a0000000078800003000c${Buffer.from('IBETH01N0_M\0', 'latin1').toString('hex')}`,
  selectInfo: '01050016000100007880000000000006000402950000',
  readInfo: '0106000e00020000000000000400',
};

/** One of the three identification requests; the session id is the init reply's. */
export function buildRequest(request: PcworxRequest, sessionId = 0): Buffer {
  const service = PCWORX_REQUESTS[request];
  if (service === undefined) throw new ProbeUnavailable('denied', `PCWorx request ${String(request)} is not on the read-only allow-list`);
  if (!Number.isInteger(sessionId) || sessionId < 0 || sessionId > 0xff) throw new ProbeUnavailable('error', `session id ${sessionId} is not one byte`);
  const frame = Buffer.from(REQUEST_BYTES[request], 'hex');
  // Byte 11 carries the session id in the two requests after init.
  if (request !== 'init') frame[11] = sessionId;
  return frame;
}

/** FrameLength for TcpSession.readFrame: a reply frame to `request`, by its length field. */
export function replyFrameLength(request: PcworxRequest): (buf: Buffer) => number | undefined {
  return (buf) => {
    if (buf.length >= 1 && buf[0] !== REPLY_KIND) throw malformed(`kind ${hex(buf[0] as number, 2)}, not a reply (${hex(REPLY_KIND, 2)})`);
    if (buf.length >= 2 && buf[1] !== PCWORX_REQUESTS[request])
      throw malformed(`service ${hex(buf[1] as number, 2)} answers another request than ${hex(PCWORX_REQUESTS[request], 2)}`);
    if (buf.length < HEADER_BYTES) return undefined;
    const length = buf.readUInt16BE(2);
    if (length < HEADER_BYTES) throw malformed(`length ${length} is shorter than the header`);
    if (length > MAX_REPLY_BYTES) throw malformed(`length ${length} exceeds the ${MAX_REPLY_BYTES} bytes a reply can need`);
    return length;
  };
}

/** The session id of the init reply. */
export function parseInitReply(frame: Buffer): number {
  if (frame.length <= SESSION_ID_AT) throw malformed(`init reply of ${frame.length} bytes holds no session id`);
  return frame[SESSION_ID_AT] as number;
}

export type PcworxInfo = Partial<Record<keyof typeof INFO_FIELDS, string>>;

/** The text fields of the device information reply. */
export function parseInfoReply(frame: Buffer): PcworxInfo {
  if (frame.length < MIN_INFO_BYTES) throw malformed(`device information reply of ${frame.length} bytes, at least ${MIN_INFO_BYTES} expected`);
  return fixedFields(frame, INFO_FIELDS);
}

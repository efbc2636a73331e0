import { fixedFields } from '../fixed-field.ts';
import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * ProConOS (KW-Software, now Phoenix Contact), the IEC 61131 runtime's engineering protocol on TCP
 * 20547 (MULTIPROG, PC WORX). Identification is one request, answered by one reply that starts
 * 0xCC 0x01 and carries fixed-width, NUL-padded text fields. buildInfoRequest is the only request
 * builder: no download, start, stop or variable access can be expressed. The layout is the one the
 * public identification scripts read; KW-Software publishes none. The reply's bytes 2..11 are not
 * understood and not relied on, so the reply is framed by the fields' fixed extent.
 */
export const INFO_REQUEST = Buffer.from('cc01000b4002000047ee', 'hex');

/** The reply's text fields: [start, end) of each, NUL-terminated within. */
export const INFO_FIELDS = {
  runtime: [12, 44],
  plcType: [44, 76],
  projectName: [76, 88],
  bootProject: [88, 100],
  projectSource: [100, 106],
} as const satisfies Record<string, readonly [number, number]>;
/** The bytes this agent reads of a reply; what follows them is not read. */
export const INFO_REPLY_BYTES = INFO_FIELDS.projectSource[1];

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `ProConOS reply: ${what}`);
}

export function buildInfoRequest(): Buffer {
  return Buffer.from(INFO_REQUEST);
}

/** FrameLength for TcpSession.readFrame: the fixed fields, once the bytes start as an info reply. */
export function infoFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 1 && buf[0] !== 0xcc) throw malformed(`starts with ${hex(buf[0] as number, 2)}, not 0xcc`);
  if (buf.length >= 2 && buf[1] !== 0x01) throw malformed(`second byte ${hex(buf[1] as number, 2)}, not 0x01`);
  return INFO_REPLY_BYTES;
}

export type ProconosInfo = Partial<Record<keyof typeof INFO_FIELDS, string>>;

/** The text fields of one info reply. */
export function parseInfoReply(frame: Buffer): ProconosInfo {
  if (frame.length < INFO_REPLY_BYTES) throw malformed(`${frame.length} bytes, the fields need ${INFO_REPLY_BYTES}`);
  return fixedFields(frame, INFO_FIELDS);
}

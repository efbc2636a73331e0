import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * IEC 60870-5-104 APCI: start byte 0x68, a length byte (4..253: the control field and any ASDU),
 * a 4-byte control field. U-format frames (control octet 1 ends in binary 11) carry one function:
 * STARTDT, STOPDT or TESTFR, each as act or con. The only frame this agent may send is TESTFR act:
 * the standard allows it in the stopped state, so it starts no data transfer and reads no process
 * data. buildTestFrame can build nothing else.
 */
const START = 0x68;
const MIN_LENGTH = 4;
const MAX_LENGTH = 253;
export const MAX_FRAME_BYTES = 2 + MAX_LENGTH;
const TESTFR_ACT = 0x43;

const U_FUNCTIONS: Readonly<Record<number, string>> = {
  7: 'startdt-act',
  11: 'startdt-con',
  19: 'stopdt-act',
  35: 'stopdt-con',
  67: 'testfr-act',
  131: 'testfr-con',
};

export type ApciFrame = { readonly format: 'U'; readonly function: string } | { readonly format: 'S' } | { readonly format: 'I'; readonly asduBytes: number };

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `IEC 104 frame: ${what}`);
}

/** TESTFR act: `68 04 43 00 00 00`. */
export function buildTestFrame(): Buffer {
  return Buffer.from([START, MIN_LENGTH, TESTFR_ACT, 0, 0, 0]);
}

/** FrameLength for TcpSession.readFrame: start byte and length byte, refused when no APCI can have them. */
export function apciFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 1 && buf.readUInt8(0) !== START) throw malformed(`start byte ${hex(buf.readUInt8(0), 2)}, not 0x68`);
  if (buf.length < 2) return undefined;
  const length = buf.readUInt8(1);
  if (length < MIN_LENGTH || length > MAX_LENGTH) throw malformed(`length ${length} outside ${MIN_LENGTH}..${MAX_LENGTH}`);
  return 2 + length;
}

/** One complete frame (as apciFrameLength cut it): its format and, for U-format, its function. */
export function parseApci(frame: Buffer): ApciFrame {
  if (frame.length < 2 + MIN_LENGTH || frame.length !== 2 + frame.readUInt8(1)) throw malformed(`${frame.length} bytes do not match the length byte`);
  const control = frame.readUInt8(2);
  if ((control & 0x01) === 0) return { format: 'I', asduBytes: frame.length - 6 };
  if ((control & 0x03) === 0x01) return { format: 'S' };
  const fn = U_FUNCTIONS[control];
  if (fn === undefined || frame.length !== 6)
    throw malformed(`U-format control 0x${control.toString(16)} with ${frame.length - 6} bytes after it names no function`);
  return { format: 'U', function: fn };
}

import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * MELSEC SLMP / MC protocol, 3E frame, binary code (SLMP reference manual): a request is the
 * subheader 50 00, the route (network, station, module I/O, multidrop station), the data length,
 * the monitoring timer, then command and subcommand, all little-endian; the response starts with
 * D0 00, repeats the route and carries an end code before its data. The only request this agent
 * can build is Read CPU Model (0101, subcommand 0000), to the connected station's own CPU: the
 * builder takes no command, so a device read or write, a remote RUN/STOP or a password unlock
 * cannot be expressed.
 */
export const READ_CPU_MODEL = { command: 0x0101, subcommand: 0x0000 } as const;
const REQUEST_SUBHEADER = 0x0050;
const RESPONSE_SUBHEADER = 0x00d0;
/** Network 0, station 0xFF, module I/O 0x03FF, multidrop 0: the CPU of the station the connection reaches, never another. */
export const OWN_STATION = { network: 0x00, station: 0xff, moduleIo: 0x03ff, multidrop: 0x00 } as const;
/** Monitoring timer in units of 250 ms: the CPU gives up after 2 s rather than holding the request. */
const MONITORING_TIMER = 8;
/** Subheader, route (5 bytes) and the data length. */
export const RESPONSE_HEAD_BYTES = 9;
/** End code, 16-byte model name, 2-byte model code: the whole normal answer. */
const MODEL_ANSWER_BYTES = 2 + 16 + 2;
export const MAX_REPLY_BYTES = RESPONSE_HEAD_BYTES + 64;

export interface SlmpResponse {
  readonly endCode: number;
  readonly data: Buffer;
}

export interface CpuModel {
  /** 16 ASCII bytes as sent; the probe trims them. */
  readonly name: Buffer;
  readonly code: number;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `SLMP reply: ${what}`);
}

/** Read CPU Model to the own station's CPU: 15 bytes, always the same. */
export function buildReadCpuModel(): Buffer {
  const out = Buffer.alloc(15);
  out.writeUInt16LE(REQUEST_SUBHEADER, 0);
  out.writeUInt8(OWN_STATION.network, 2);
  out.writeUInt8(OWN_STATION.station, 3);
  out.writeUInt16LE(OWN_STATION.moduleIo, 4);
  out.writeUInt8(OWN_STATION.multidrop, 6);
  out.writeUInt16LE(6, 7);
  out.writeUInt16LE(MONITORING_TIMER, 9);
  out.writeUInt16LE(READ_CPU_MODEL.command, 11);
  out.writeUInt16LE(READ_CPU_MODEL.subcommand, 13);
  return out;
}

/** FrameLength for TcpSession.readFrame: the 3E response subheader first, then its length, refused before waiting for more than an answer can be. */
export function slmpFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 2 && buf.readUInt16LE(0) !== RESPONSE_SUBHEADER)
    throw malformed(`subheader ${buf.subarray(0, 2).toString('hex')} is no 3E binary response (d000)`);
  if (buf.length < RESPONSE_HEAD_BYTES) return undefined;
  const length = buf.readUInt16LE(7);
  if (length < 2) throw malformed(`data length ${length} cannot hold an end code`);
  if (RESPONSE_HEAD_BYTES + length > MAX_REPLY_BYTES)
    throw malformed(`data length ${length} exceeds the ${MAX_REPLY_BYTES - RESPONSE_HEAD_BYTES} bytes a Read CPU Model answer can need`);
  return RESPONSE_HEAD_BYTES + length;
}

/** One complete response: it must come back on the route of the request. */
export function parseResponse(frame: Buffer): SlmpResponse {
  if (frame.length < RESPONSE_HEAD_BYTES + 2) throw malformed(`${frame.length} bytes, shorter than a 3E response head and end code`);
  const route = { network: frame.readUInt8(2), station: frame.readUInt8(3), moduleIo: frame.readUInt16LE(4), multidrop: frame.readUInt8(6) };
  if (
    route.network !== OWN_STATION.network ||
    route.station !== OWN_STATION.station ||
    route.moduleIo !== OWN_STATION.moduleIo ||
    route.multidrop !== OWN_STATION.multidrop
  )
    throw malformed(`answer from network ${route.network} station ${route.station} module ${hex(route.moduleIo, 4)}, not the own station asked`);
  if (frame.readUInt16LE(7) !== frame.length - RESPONSE_HEAD_BYTES)
    throw malformed(`data length ${frame.readUInt16LE(7)} does not match the ${frame.length - RESPONSE_HEAD_BYTES} bytes that follow`);
  return { endCode: frame.readUInt16LE(RESPONSE_HEAD_BYTES), data: Buffer.from(frame.subarray(RESPONSE_HEAD_BYTES + 2)) };
}

/** The data of a normal Read CPU Model answer: model name and model code, nothing more or less. */
export function parseCpuModel(data: Buffer): CpuModel {
  if (data.length !== MODEL_ANSWER_BYTES - 2) throw malformed(`Read CPU Model data of ${data.length} bytes, expected ${MODEL_ANSWER_BYTES - 2}`);
  return { name: Buffer.from(data.subarray(0, 16)), code: data.readUInt16LE(16) };
}

import { hex } from '../hex.ts';
import { ProbeUnavailable } from '../types.ts';

/**
 * The only Modbus function codes this agent may ever put on the wire: FC 43 (Encapsulated
 * Interface Transport, used with MEI 14 Read Device Identification). Every frame is built through
 * buildAdu, which refuses anything else, so a write cannot be expressed.
 */
export const MODBUS_ALLOWED_FUNCTIONS = [0x2b] as const;
export type ModbusAllowedFunction = (typeof MODBUS_ALLOWED_FUNCTIONS)[number];

export const FC_ENCAPSULATED_INTERFACE = 0x2b;
export const MEI_READ_DEVICE_ID = 0x0e;

/** MBAP header: transaction id (2), protocol id (2), length (2), unit id (1). */
export const MBAP_HEADER_BYTES = 7;
/** The MBAP length field counts the unit id plus the PDU, and a PDU is at most 253 bytes. */
const MAX_MBAP_LENGTH = 1 + 253;
export const MAX_ADU_BYTES = 6 + MAX_MBAP_LENGTH;

/** ReadDevId codes 1-3 ask for a category as a stream; code 4 would ask for one object. */
export const DEVICE_ID_CATEGORIES = { basic: 1, regular: 2, extended: 3 } as const;
export type DeviceIdCategory = keyof typeof DEVICE_ID_CATEGORIES;

/** Exception codes defined by the spec (0x01-0x06, 0x08, 0x0A, 0x0B). */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'illegal-function',
  2: 'illegal-data-address',
  3: 'illegal-data-value',
  4: 'server-device-failure',
  5: 'acknowledge',
  6: 'server-device-busy',
  8: 'memory-parity-error',
  10: 'gateway-path-unavailable',
  11: 'gateway-target-no-response',
};

export interface AduHeader {
  readonly transactionId: number;
  readonly unitId: number;
}

export interface DeviceIdObject {
  readonly id: number;
  readonly value: Buffer;
}

export interface DeviceIdReply {
  readonly type: 'device-id';
  readonly readDevIdCode: number;
  /** Raw conformity byte: 0x01-0x03 stream access only, 0x81-0x83 also individual access. */
  readonly conformity: number;
  readonly moreFollows: boolean;
  readonly nextObjectId: number;
  readonly objects: readonly DeviceIdObject[];
}

export interface ExceptionReply {
  readonly type: 'exception';
  readonly code: number;
  readonly name: string;
}

export type ModbusReply = DeviceIdReply | ExceptionReply;

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `Modbus reply: ${what}`);
}

/**
 * Frames a PDU in an MBAP header. Refuses any function code outside MODBUS_ALLOWED_FUNCTIONS at
 * run time too, because values from configuration or a bug can bypass the type.
 */
export function buildAdu(header: AduHeader, functionCode: ModbusAllowedFunction, data: Uint8Array): Buffer {
  if (!(MODBUS_ALLOWED_FUNCTIONS as readonly number[]).includes(functionCode)) {
    throw new ProbeUnavailable('denied', `Modbus function code ${functionCode} is not on the read-only allow-list`);
  }
  if (!Number.isInteger(header.transactionId) || header.transactionId < 0 || header.transactionId > 0xffff) {
    throw new ProbeUnavailable('error', `Modbus transaction id ${header.transactionId} out of range`);
  }
  if (!Number.isInteger(header.unitId) || header.unitId < 0 || header.unitId > 0xff) {
    throw new ProbeUnavailable('error', `Modbus unit id ${header.unitId} out of range`);
  }
  const pduLength = 1 + data.length;
  if (1 + pduLength > MAX_MBAP_LENGTH) throw new ProbeUnavailable('error', `Modbus PDU of ${pduLength} bytes is too long`);
  const adu = Buffer.alloc(MBAP_HEADER_BYTES + pduLength);
  adu.writeUInt16BE(header.transactionId, 0);
  adu.writeUInt16BE(0, 2);
  adu.writeUInt16BE(1 + pduLength, 4);
  adu.writeUInt8(header.unitId, 6);
  adu.writeUInt8(functionCode, 7);
  adu.set(data, 8);
  return adu;
}

/** FC 43 / MEI 14 request for one category (stream access), starting at `objectId`. */
export function buildReadDeviceIdRequest(header: AduHeader, category: DeviceIdCategory, objectId: number): Buffer {
  if (!Number.isInteger(objectId) || objectId < 0 || objectId > 0xff) throw new ProbeUnavailable('error', `object id ${objectId} out of range`);
  return buildAdu(header, FC_ENCAPSULATED_INTERFACE, Uint8Array.of(MEI_READ_DEVICE_ID, DEVICE_ID_CATEGORIES[category], objectId));
}

/**
 * FrameLength for TcpSession.readFrame: the ADU length from the MBAP header. Rejects bytes that
 * cannot be Modbus (protocol id not 0) and lengths Modbus does not allow, before waiting for them.
 */
export function mbapFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 4) {
    const protocolId = buf.readUInt16BE(2);
    if (protocolId !== 0) throw malformed(`protocol id ${hex(protocolId, 4)} is not Modbus (0)`);
  }
  if (buf.length < 6) return undefined;
  const length = buf.readUInt16BE(4);
  if (length < 2) throw malformed(`MBAP length ${length} is too short for a unit id and a function code`);
  if (length > MAX_MBAP_LENGTH) throw malformed(`MBAP length ${length} exceeds the Modbus maximum of ${MAX_MBAP_LENGTH}`);
  return 6 + length;
}

/**
 * Parses one complete ADU answering a Read Device Identification request. Anything that does not
 * match the request or the spec becomes ProbeUnavailable('malformed') naming what was wrong.
 */
export function parseDeviceIdReply(frame: Buffer, expected: AduHeader & { readonly readDevIdCode: number }): ModbusReply {
  if (frame.length < MBAP_HEADER_BYTES + 1) throw malformed(`${frame.length} bytes, shorter than an MBAP header and a function code`);
  const transactionId = frame.readUInt16BE(0);
  const protocolId = frame.readUInt16BE(2);
  const length = frame.readUInt16BE(4);
  const unitId = frame.readUInt8(6);
  const functionCode = frame.readUInt8(7);
  if (protocolId !== 0) throw malformed(`protocol id ${hex(protocolId, 4)} is not Modbus (0)`);
  if (length !== frame.length - 6) throw malformed(`MBAP length ${length} does not match the ${frame.length - 6} bytes that follow it`);
  if (transactionId !== expected.transactionId) throw malformed(`transaction id ${transactionId}, expected ${expected.transactionId}`);
  if (unitId !== expected.unitId) throw malformed(`unit id ${unitId}, expected ${expected.unitId}`);

  if (functionCode === (FC_ENCAPSULATED_INTERFACE | 0x80)) {
    if (frame.length !== MBAP_HEADER_BYTES + 2) throw malformed(`exception reply of ${frame.length - MBAP_HEADER_BYTES} PDU bytes, expected 2`);
    const code = frame.readUInt8(8);
    const name = EXCEPTION_NAMES[code];
    if (name === undefined) throw malformed(`exception code ${hex(code, 2)} is not defined by Modbus`);
    return { type: 'exception', code, name };
  }
  if (functionCode !== FC_ENCAPSULATED_INTERFACE) throw malformed(`function code ${hex(functionCode, 2)}, expected ${hex(FC_ENCAPSULATED_INTERFACE, 2)}`);

  // PDU after the function code: MEI type, ReadDevId code, conformity, more follows, next id, count.
  const head = MBAP_HEADER_BYTES + 1;
  if (frame.length < head + 6) throw malformed(`device identification reply of ${frame.length - MBAP_HEADER_BYTES} PDU bytes is truncated`);
  const meiType = frame.readUInt8(head);
  const readDevIdCode = frame.readUInt8(head + 1);
  const conformity = frame.readUInt8(head + 2);
  const moreFollowsByte = frame.readUInt8(head + 3);
  const nextObjectId = frame.readUInt8(head + 4);
  const count = frame.readUInt8(head + 5);
  if (meiType !== MEI_READ_DEVICE_ID) throw malformed(`MEI type ${hex(meiType, 2)}, expected ${hex(MEI_READ_DEVICE_ID, 2)}`);
  if (readDevIdCode !== expected.readDevIdCode) throw malformed(`ReadDevId code ${readDevIdCode}, expected ${expected.readDevIdCode}`);
  if (moreFollowsByte !== 0x00 && moreFollowsByte !== 0xff) throw malformed(`more-follows byte ${hex(moreFollowsByte, 2)} is neither 0x00 nor 0xff`);

  const objects: DeviceIdObject[] = [];
  let at = head + 6;
  for (let i = 0; i < count; i += 1) {
    if (at + 2 > frame.length) throw malformed(`object ${i + 1} of ${count} starts past the end of the frame`);
    const id = frame.readUInt8(at);
    const size = frame.readUInt8(at + 1);
    if (at + 2 + size > frame.length) throw malformed(`object ${hex(id, 2)} announces ${size} bytes, only ${frame.length - at - 2} left`);
    objects.push({ id, value: Buffer.from(frame.subarray(at + 2, at + 2 + size)) });
    at += 2 + size;
  }
  if (at !== frame.length) throw malformed(`${frame.length - at} bytes after the ${count} announced objects`);
  return { type: 'device-id', readDevIdCode, conformity, moreFollows: moreFollowsByte === 0xff, nextObjectId, objects };
}

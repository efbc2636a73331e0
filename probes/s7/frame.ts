import type { FailureKind } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';

/**
 * The only S7 messages this agent may put on the wire: the COTP connection request, the Setup
 * Communication job and the userdata Read SZL request with its follow-up. buildS7Request is the
 * only producer of bytes and refuses anything else, so a write, a download or a PLC control job
 * cannot be expressed.
 */
export const S7_ALLOWED = ['cotp-cr', 'setup-communication', 'szl-read', 'szl-followup'] as const;
export type S7RequestKind = (typeof S7_ALLOWED)[number];

export type S7Request =
  | { readonly kind: 'cotp-cr'; readonly callingTsap: number; readonly calledTsap: number }
  | { readonly kind: 'setup-communication'; readonly pduRef: number; readonly pduSize: number }
  | { readonly kind: 'szl-read'; readonly pduRef: number; readonly szlId: number; readonly index: number }
  | { readonly kind: 'szl-followup'; readonly pduRef: number; readonly sequence: number };

export const TSAP_CALLING = 0x0100;
/** Rack 0 slot 2 (S7-300/1200/1500) first, then the S7-200/LOGO style TSAP. */
export const TSAP_CALLED = [0x0102, 0x0200] as const;
export const REQUESTED_PDU_SIZE = 480;
/** We announce a TPDU size of 1024 (code 0x0A) in the CR, so no TPKT frame may be larger. */
const TPDU_SIZE_CODE = 0x0a;
export const MAX_FRAME_BYTES = 4 + 1024;

const TPKT_HEADER = 4;
const COTP_CR = 0xe0;
const COTP_CC = 0xd0;
const COTP_DR = 0x80;
const COTP_DT = 0xf0;
const S7_PROTOCOL_ID = 0x32;
const ROSCTR_JOB = 0x01;
const ROSCTR_ACK = 0x02;
const ROSCTR_ACK_DATA = 0x03;
const ROSCTR_USERDATA = 0x07;
const FUNCTION_SETUP_COMMUNICATION = 0xf0;
/** Userdata type 4 (request) / 8 (response) in the high nibble, function group 4 (CPU functions). */
const USERDATA_SZL_REQUEST = 0x44;
const USERDATA_SZL_RESPONSE = 0x84;
const SUBFUNCTION_READ_SZL = 0x01;
export const SZL_RETURN_OK = 0xff;
export const SZL_RETURN_OBJECT_DOES_NOT_EXIST = 0x0a;

export function buildS7Request(req: S7Request): Buffer {
  if (!(S7_ALLOWED as readonly string[]).includes(req.kind)) throw new Error(`S7 request kind ${String(req.kind)} is not on the read-only allow-list`);
  switch (req.kind) {
    case 'cotp-cr': {
      const calling = u16(req.callingTsap, 'calling TSAP');
      const called = u16(req.calledTsap, 'called TSAP');
      // LI, CR, dst-ref, src-ref, class 0, then TPDU size, calling and called TSAP parameters.
      const cotp = [0x11, COTP_CR, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc0, 0x01, TPDU_SIZE_CODE, 0xc1, 0x02, ...calling, 0xc2, 0x02, ...called];
      return tpkt(Buffer.from(cotp));
    }
    case 'setup-communication': {
      const param = [FUNCTION_SETUP_COMMUNICATION, 0x00, 0x00, 0x01, 0x00, 0x01, ...u16(req.pduSize, 'PDU size')];
      return cotpData(s7Header(ROSCTR_JOB, req.pduRef, param, []));
    }
    case 'szl-read': {
      const param = [0x00, 0x01, 0x12, 0x04, 0x11, USERDATA_SZL_REQUEST, SUBFUNCTION_READ_SZL, 0x00];
      const data = [SZL_RETURN_OK, 0x09, 0x00, 0x04, ...u16(req.szlId, 'SZL id'), ...u16(req.index, 'SZL index')];
      return cotpData(s7Header(ROSCTR_USERDATA, req.pduRef, param, data));
    }
    case 'szl-followup': {
      const param = [0x00, 0x01, 0x12, 0x08, 0x12, USERDATA_SZL_REQUEST, SUBFUNCTION_READ_SZL, u8(req.sequence, 'sequence'), 0x00, 0x00, 0x00, 0x00];
      return cotpData(s7Header(ROSCTR_USERDATA, req.pduRef, param, [SZL_RETURN_OBJECT_DOES_NOT_EXIST, 0x00, 0x00, 0x00]));
    }
  }
}

function u16(value: number, what: string): [number, number] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`${what} ${value} is not a 16-bit value`);
  return [value >> 8, value & 0xff];
}

function u8(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`${what} ${value} is not an 8-bit value`);
  return value;
}

function tpkt(payload: Buffer): Buffer {
  const head = Buffer.from([0x03, 0x00, 0x00, 0x00]);
  head.writeUInt16BE(TPKT_HEADER + payload.length, 2);
  return Buffer.concat([head, payload]);
}

function cotpData(s7: Buffer): Buffer {
  return tpkt(Buffer.concat([Buffer.from([0x02, COTP_DT, 0x80]), s7]));
}

function s7Header(rosctr: number, pduRef: number, param: readonly number[], data: readonly number[]): Buffer {
  return Buffer.from([
    S7_PROTOCOL_ID,
    rosctr,
    0x00,
    0x00,
    ...u16(pduRef, 'PDU reference'),
    ...u16(param.length, 'parameter length'),
    ...u16(data.length, 'data length'),
    ...param,
    ...data,
  ]);
}

/** Frame length for TcpSession.readFrame: TPKT version 3, reserved 0, 16-bit total length. */
export function tpktFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 1 && buf[0] !== 0x03) throw new ProbeUnavailable('malformed', `reply is not a TPKT frame (first byte 0x${hex8(buf[0] ?? 0)})`);
  if (buf.length < TPKT_HEADER) return undefined;
  const total = buf.readUInt16BE(2);
  // A COTP header needs at least its length indicator and type after the TPKT header.
  if (buf[1] !== 0x00 || total < TPKT_HEADER + 2)
    throw new ProbeUnavailable('malformed', `TPKT header announces an impossible frame (${buf.subarray(0, 4).toString('hex')})`);
  return total;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly kind: FailureKind; readonly detail: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (kind: FailureKind, detail: string): { ok: false; kind: FailureKind; detail: string } => ({ ok: false, kind, detail });

export type CotpTpdu =
  | { readonly type: 'cc'; readonly tpduSize: number | undefined }
  | { readonly type: 'dr'; readonly reason: number }
  | { readonly type: 'dt'; readonly last: boolean; readonly payload: Buffer };

/** Parses one complete TPKT frame carrying a COTP CC, DR or DT. */
export function parseCotp(frame: Buffer): Parsed<CotpTpdu> {
  if (frame.length < TPKT_HEADER + 2 || frame[0] !== 0x03 || frame.readUInt16BE(2) !== frame.length)
    return bad('malformed', 'TPKT length does not match the frame');
  const li = frame[4] ?? 0;
  const headerEnd = TPKT_HEADER + 1 + li;
  if (li < 1 || headerEnd > frame.length) return bad('malformed', `COTP length indicator ${li} runs past the frame`);
  const code = (frame[5] ?? 0) & 0xf0;
  if (code === COTP_DT) {
    if (li !== 2) return bad('malformed', `COTP DT length indicator ${li}, expected 2`);
    return ok({ type: 'dt', last: ((frame[6] ?? 0) & 0x80) !== 0, payload: frame.subarray(headerEnd) });
  }
  if (code === COTP_CC) {
    if (li < 6) return bad('malformed', `COTP CC length indicator ${li} is shorter than its fixed part`);
    let tpduSize: number | undefined;
    // Variable part: (code, length, value) parameters after dst-ref, src-ref and class.
    for (let at = TPKT_HEADER + 7; at < headerEnd; ) {
      const paramCode = frame[at] ?? 0;
      const len = frame[at + 1];
      if (len === undefined || at + 2 + len > headerEnd) return bad('malformed', 'COTP CC parameter runs past its header');
      if (paramCode === 0xc0 && len === 1) tpduSize = 2 ** (frame[at + 2] ?? 0);
      at += 2 + len;
    }
    return ok({ type: 'cc', tpduSize });
  }
  if (code === COTP_DR) {
    if (li < 6) return bad('malformed', `COTP DR length indicator ${li} is shorter than its fixed part`);
    return ok({ type: 'dr', reason: frame[TPKT_HEADER + 6] ?? 0 });
  }
  return bad('protocol-mismatch', `unexpected COTP TPDU type 0x${hex8(code)}`);
}

interface S7Pdu {
  readonly rosctr: number;
  readonly pduRef: number;
  readonly errorClass: number;
  readonly errorCode: number;
  readonly param: Buffer;
  readonly data: Buffer;
}

function parseS7(pdu: Buffer, expectedRef: number): Parsed<S7Pdu> {
  if (pdu.length < 10 || pdu[0] !== S7_PROTOCOL_ID) return bad('protocol-mismatch', 'reply is not an S7comm PDU');
  const rosctr = pdu[1] ?? 0;
  const headerLength = rosctr === ROSCTR_ACK || rosctr === ROSCTR_ACK_DATA ? 12 : 10;
  if (pdu.length < headerLength) return bad('malformed', 'S7 header is truncated');
  const pduRef = pdu.readUInt16BE(4);
  const paramLength = pdu.readUInt16BE(6);
  const dataLength = pdu.readUInt16BE(8);
  if (headerLength + paramLength + dataLength !== pdu.length) {
    return bad('malformed', `S7 header announces ${paramLength} parameter and ${dataLength} data bytes, PDU has ${pdu.length - headerLength}`);
  }
  if (pduRef !== expectedRef) return bad('protocol-mismatch', `S7 reply carries PDU reference ${pduRef}, request had ${expectedRef}`);
  const paramEnd = headerLength + paramLength;
  return ok({
    rosctr,
    pduRef,
    errorClass: headerLength === 12 ? (pdu[10] ?? 0) : 0,
    errorCode: headerLength === 12 ? (pdu[11] ?? 0) : 0,
    param: pdu.subarray(headerLength, paramEnd),
    data: pdu.subarray(paramEnd),
  });
}

/** Setup Communication reply: the PDU size the device granted. */
export function parseSetupReply(pdu: Buffer, expectedRef: number): Parsed<{ readonly pduSize: number }> {
  const parsed = parseS7(pdu, expectedRef);
  if (!parsed.ok) return parsed;
  const { rosctr, errorClass, errorCode, param } = parsed.value;
  if (rosctr !== ROSCTR_ACK_DATA && rosctr !== ROSCTR_ACK) return bad('protocol-mismatch', `Setup Communication answered with ROSCTR ${rosctr}`);
  if (errorClass !== 0 || errorCode !== 0)
    return bad('refused', `Setup Communication refused with error class 0x${hex8(errorClass)} code 0x${hex8(errorCode)}`);
  if (param.length < 8 || param[0] !== FUNCTION_SETUP_COMMUNICATION) return bad('malformed', 'Setup Communication reply parameter is truncated');
  const pduSize = param.readUInt16BE(6);
  // Smaller than one SZL reply header could never carry an answer; larger than the frame we allow cannot arrive.
  if (pduSize < 32 || pduSize > MAX_FRAME_BYTES - 7) return bad('malformed', `negotiated PDU size ${pduSize} is out of range`);
  return ok({ pduSize });
}

export interface SzlTelegram {
  readonly sequence: number;
  /** The device has further data units of this list waiting for a follow-up request. */
  readonly more: boolean;
  readonly errorCode: number;
  readonly returnCode: number;
  /** Data after the 4-byte return code / transport size / length header. */
  readonly data: Buffer;
}

/** One userdata Read SZL response telegram (first or follow-up). */
export function parseSzlTelegram(pdu: Buffer, expectedRef: number): Parsed<SzlTelegram> {
  const parsed = parseS7(pdu, expectedRef);
  if (!parsed.ok) return parsed;
  const { rosctr, param, data } = parsed.value;
  if (rosctr !== ROSCTR_USERDATA) return bad('protocol-mismatch', `Read SZL answered with ROSCTR ${rosctr}`);
  if (param.length !== 12 || param[0] !== 0x00 || param[1] !== 0x01 || param[2] !== 0x12 || param[3] !== 0x08)
    return bad('malformed', 'Read SZL reply parameter header is not a userdata response');
  if (param[4] !== 0x12 || param[5] !== USERDATA_SZL_RESPONSE || param[6] !== SUBFUNCTION_READ_SZL)
    return bad('protocol-mismatch', `userdata reply is not a Read SZL response (${param.subarray(4, 7).toString('hex')})`);
  if (data.length < 4) return bad('malformed', 'Read SZL reply data header is truncated');
  const length = data.readUInt16BE(2);
  if (4 + length !== data.length) return bad('malformed', `Read SZL reply data announces ${length} bytes, carries ${data.length - 4}`);
  return ok({
    sequence: param[7] ?? 0,
    more: param[9] !== 0x00,
    errorCode: param.readUInt16BE(10),
    returnCode: data[0] ?? 0,
    data: data.subarray(4),
  });
}

export interface SzlList {
  readonly id: number;
  readonly index: number;
  readonly recordLength: number;
  readonly records: readonly Buffer[];
}

/** The reassembled SZL partial list: id, index, record length, record count, then the records. */
export function parseSzlList(data: Buffer): Parsed<SzlList> {
  if (data.length < 8) return bad('malformed', `SZL header needs 8 bytes, got ${data.length}`);
  const id = data.readUInt16BE(0);
  const index = data.readUInt16BE(2);
  const recordLength = data.readUInt16BE(4);
  const count = data.readUInt16BE(6);
  if (count > 0 && recordLength === 0) return bad('malformed', `SZL 0x${hex16(id)} announces ${count} records of 0 bytes`);
  const available = data.length - 8;
  if (recordLength * count > available) {
    return bad('malformed', `SZL 0x${hex16(id)} announces ${count} records of ${recordLength} bytes, only ${available} bytes present`);
  }
  const records: Buffer[] = [];
  for (let i = 0; i < count; i += 1) records.push(data.subarray(8 + i * recordLength, 8 + (i + 1) * recordLength));
  return ok({ id, index, recordLength, records });
}

function needRecordLength(list: SzlList, minimum: number): Parsed<null> {
  if (list.records.length > 0 && list.recordLength < minimum) {
    return bad('malformed', `SZL 0x${hex16(list.id)} records are ${list.recordLength} bytes, at least ${minimum} needed`);
  }
  return ok(null);
}

/** SZL 0x0000: the SZL ids the module supports. */
export function decodeSzlIds(list: SzlList): Parsed<number[]> {
  const len = needRecordLength(list, 2);
  if (!len.ok) return len;
  return ok(list.records.map((r) => r.readUInt16BE(0)));
}

export interface ModuleRecord {
  readonly index: number;
  readonly orderNumber: string;
  readonly moduleType: number;
  /** `V3.2.6` style when the first version byte is a letter, else undefined (raw bytes kept). */
  readonly version: string | undefined;
  readonly versionRaw: string;
}

/** SZL 0x0011: index(2) MLFB(20) module type(2) version(4) per record. */
export function decodeModuleIdentification(list: SzlList): Parsed<ModuleRecord[]> {
  const len = needRecordLength(list, 28);
  if (!len.ok) return len;
  return ok(
    list.records.map((r) => {
      const v = r.subarray(24, 28);
      const letter = v[0] ?? 0;
      const isLetter = (letter >= 0x41 && letter <= 0x5a) || (letter >= 0x61 && letter <= 0x7a);
      return {
        index: r.readUInt16BE(0),
        orderNumber: text(r.subarray(2, 22)),
        moduleType: r.readUInt16BE(22),
        version: isLetter ? `${String.fromCharCode(letter)}${v[1]}.${v[2]}.${v[3]}` : undefined,
        versionRaw: v.toString('hex'),
      };
    }),
  );
}

/** SZL 0x001C: index(2) then a text field per record (names, serial numbers). */
export function decodeComponentIdentification(list: SzlList): Parsed<{ index: number; text: string }[]> {
  const len = needRecordLength(list, 34);
  if (!len.ok) return len;
  return ok(list.records.map((r) => ({ index: r.readUInt16BE(0), text: text(r.subarray(2)) })));
}

export interface ProtectionRecord {
  readonly schSchal: number;
  readonly schPar: number;
  readonly schRel: number;
  readonly bartSch: number;
  readonly anlSch: number;
}

/** SZL 0x0232 index 4: index(2) then five 16-bit protection words. */
export function decodeProtection(list: SzlList): Parsed<ProtectionRecord> {
  const len = needRecordLength(list, 12);
  if (!len.ok) return len;
  const r = list.records.find((rec) => rec.readUInt16BE(0) === 0x0004);
  if (!r) return bad('malformed', 'SZL 0x0232 reply holds no record with index 4');
  return ok({ schSchal: r.readUInt16BE(2), schPar: r.readUInt16BE(4), schRel: r.readUInt16BE(6), bartSch: r.readUInt16BE(8), anlSch: r.readUInt16BE(10) });
}

/** One diagnostic buffer entry of SZL 0x00A0, with the time as the CPU's clock gave it. */
export interface DiagnosticEntry {
  readonly eventId: number;
  readonly priority: number;
  readonly obNumber: number;
  readonly datId: number;
  readonly info1: number;
  readonly info2: number;
  /** `YYYY-MM-DDTHH:MM:SS.mmm` without a zone; undefined when the BCD bytes are not a valid time. */
  readonly time: string | undefined;
  readonly timeRaw: string;
}

export const DIAGNOSTIC_ENTRY_BYTES = 20;

/**
 * SZL 0x00A0: event id(2) priority(1) OB number(1) DatID(2) info1(2) info2(4) timestamp(8) per
 * record, newest first. The layout is fixed, so any other record length is refused rather than
 * read at guessed offsets.
 */
export function decodeDiagnosticBuffer(list: SzlList): Parsed<DiagnosticEntry[]> {
  if (list.records.length > 0 && list.recordLength !== DIAGNOSTIC_ENTRY_BYTES) {
    return bad('malformed', `SZL 0x${hex16(list.id)} records are ${list.recordLength} bytes, diagnostic entries are ${DIAGNOSTIC_ENTRY_BYTES}`);
  }
  return ok(
    list.records.map((r) => ({
      eventId: r.readUInt16BE(0),
      priority: r[2] ?? 0,
      obNumber: r[3] ?? 0,
      datId: r.readUInt16BE(4),
      info1: r.readUInt16BE(6),
      info2: r.readUInt32BE(8),
      time: bcdDateTime(r.subarray(12, 20)),
      timeRaw: r.subarray(12, 20).toString('hex'),
    })),
  );
}

/**
 * S7 DATE_AND_TIME: BCD year (90-99 = 19xx), month, day, hour, minute, second, then three BCD
 * millisecond digits and the weekday nibble (ignored: CPUs differ on it). The CPU's clock carries
 * no zone, so none is claimed.
 */
export function bcdDateTime(bytes: Buffer): string | undefined {
  if (bytes.length !== 8) return undefined;
  const digits: number[] = [];
  for (const b of bytes.subarray(0, 7)) digits.push(b >> 4, b & 0x0f);
  digits.push((bytes[7] ?? 0) >> 4);
  if (digits.some((d) => d > 9)) return undefined;
  const two = (i: number) => (digits[i] ?? 0) * 10 + (digits[i + 1] ?? 0);
  const yy = two(0);
  const [year, month, day, hour, minute, second] = [yy < 90 ? 2000 + yy : 1900 + yy, two(2), two(4), two(6), two(8), two(10)];
  const ms = two(12) * 10 + (digits[14] ?? 0);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  // Date.UTC rolls 31 February over into March; a time that does not survive the round trip is garbage.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return date.toISOString().slice(0, 23);
}

/** Text up to the first NUL, non-printable bytes dropped, padding trimmed. */
function text(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  const kept = end >= 0 ? bytes.subarray(0, end) : bytes;
  return Array.from(kept, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ''))
    .join('')
    .trim();
}

export function hex8(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

import { ProbeUnavailable } from '../types.ts';

/**
 * The few BER pieces SNMP needs that net-snmp does not expose: the credential-free SNMPv3
 * engine discovery message (RFC 3414 section 4) and a header peek. Every length read is checked
 * against the bytes actually present, so a peer announcing a huge length is cut off as malformed.
 */

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  getRequest: 0xa0,
  response: 0xa2,
  report: 0xa8,
} as const;

/** Largest UDP payload; nothing in one SNMP message can be longer. */
const MAX_MESSAGE = 65_507;
/** Children read from one constructed value before the message is treated as hostile. */
const MAX_CHILDREN = 64;

export interface Tlv {
  readonly tag: number;
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

function malformed(detail: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `SNMP message: ${detail}`);
}

/** Reads one tag-length-value at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length): Tlv {
  if (offset + 2 > limit) throw malformed(`truncated header at byte ${offset}`);
  const tag = buf[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw malformed(`multi-byte tag at byte ${offset}`);
  const first = buf[offset + 1] as number;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = offset + 2;
  } else {
    const count = first & 0x7f;
    // Indefinite lengths (0x80) are not allowed in SNMP; more than 3 length bytes exceed any datagram.
    if (count === 0 || count > 3) throw malformed(`unsupported length form 0x${first.toString(16)} at byte ${offset}`);
    if (offset + 2 + count > limit) throw malformed(`truncated length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[offset + 2 + i] as number);
    start = offset + 2 + count;
  }
  if (start + length > limit) throw malformed(`value at byte ${offset} announces ${length} bytes, only ${limit - start} present`);
  return { tag, start, end: start + length };
}

function expectTag(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) throw malformed(`${what}: expected tag 0x${tag.toString(16)}, got 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** The direct children of a constructed value. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    if (out.length >= MAX_CHILDREN) throw malformed(`more than ${MAX_CHILDREN} elements in one value`);
    const child = readTlv(buf, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function readInteger(buf: Uint8Array, tlv: Tlv): number {
  expectTag(tlv, TAG.integer, 'integer');
  const len = tlv.end - tlv.start;
  // SNMP integers are at most 32 bits signed or unsigned, which takes up to 5 content bytes.
  if (len === 0 || len > 5) throw malformed(`integer of ${len} bytes`);
  let value = (buf[tlv.start] as number) & 0x80 ? -1 : 0;
  for (let i = tlv.start; i < tlv.end; i++) value = value * 256 + (buf[i] as number);
  return value;
}

export function readOctets(buf: Uint8Array, tlv: Tlv): Buffer {
  expectTag(tlv, TAG.octetString, 'octet string');
  return Buffer.from(buf.subarray(tlv.start, tlv.end));
}

export function readOid(buf: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, TAG.oid, 'object identifier');
  if (tlv.end === tlv.start) throw malformed('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = tlv.start; i < tlv.end; i++) {
    const b = buf[i] as number;
    value = value * 128 + (b & 0x7f);
    if (value > 0xffffffff) throw malformed('object identifier arc above 2^32');
    if (b & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  if ((buf[tlv.end - 1] as number) & 0x80) throw malformed('object identifier ends inside an arc');
  return arcs.join('.');
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** Minimal two's-complement encoding of a 32-bit integer. */
export function encodeInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) throw new RangeError(`integer ${value} out of range`);
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(((n % 256) + 256) % 256);
    n = Math.floor(n / 256);
  } while (n !== 0 && n !== -1);
  const top = bytes[0] as number;
  if (value >= 0 && top & 0x80) bytes.unshift(0);
  if (value < 0 && !(top & 0x80)) bytes.unshift(0xff);
  return encodeTlv(TAG.integer, Buffer.from(bytes));
}

const octets = (bytes: Uint8Array | string) => encodeTlv(TAG.octetString, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
const sequence = (...parts: Uint8Array[]) => encodeTlv(TAG.sequence, Buffer.concat(parts));

const USM_SECURITY_MODEL = 3;
const FLAG_AUTH = 0x01;
const FLAG_PRIV = 0x02;
const FLAG_REPORTABLE = 0x04;

/**
 * An SNMPv3 GetRequest with no variables, no user and no authentication, only the reportable
 * flag: the agent answers with a Report carrying its engine ID, boots and time (RFC 3414 4).
 */
export function encodeDiscoveryRequest(msgId: number, requestId: number): Buffer {
  const usm = sequence(octets(''), encodeInteger(0), encodeInteger(0), octets(''), octets(''), octets(''));
  const pdu = encodeTlv(TAG.getRequest, Buffer.concat([encodeInteger(requestId), encodeInteger(0), encodeInteger(0), sequence()]));
  return sequence(
    encodeInteger(3),
    sequence(encodeInteger(msgId), encodeInteger(MAX_MESSAGE), octets(Buffer.from([FLAG_REPORTABLE])), encodeInteger(USM_SECURITY_MODEL)),
    octets(usm),
    sequence(octets(''), octets(''), pdu),
  );
}

export interface DiscoveryReport {
  readonly msgId: number;
  readonly engineId: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
  /** First variable of the Report (normally usmStatsUnknownEngineIDs.0); absent when the PDU is encrypted. */
  readonly reportOid?: string;
}

function nth(list: readonly Tlv[], i: number, what: string): Tlv {
  const t = list[i];
  if (!t) throw malformed(`missing ${what}`);
  return t;
}

/** Reads the agent's answer to encodeDiscoveryRequest. */
export function parseDiscoveryReport(buf: Uint8Array): DiscoveryReport {
  if (buf.length > MAX_MESSAGE) throw malformed(`datagram of ${buf.length} bytes`);
  const top = expectTag(readTlv(buf, 0), TAG.sequence, 'message');
  if (top.end !== buf.length) throw malformed(`${buf.length - top.end} bytes after the message`);
  const parts = children(buf, top);
  const version = readInteger(buf, nth(parts, 0, 'version'));
  if (version !== 3) throw malformed(`version field ${version}, expected 3 (SNMPv3)`);
  const global = children(buf, expectTag(nth(parts, 1, 'header data'), TAG.sequence, 'header data'));
  const msgId = readInteger(buf, nth(global, 0, 'msgID'));
  const flags = readOctets(buf, nth(global, 2, 'msgFlags'));
  const model = readInteger(buf, nth(global, 3, 'msgSecurityModel'));
  if (model !== USM_SECURITY_MODEL) throw malformed(`security model ${model}, expected USM (3)`);
  const usmOctets = expectTag(nth(parts, 2, 'security parameters'), TAG.octetString, 'security parameters');
  const usm = children(buf, expectTag(readTlv(buf, usmOctets.start, usmOctets.end), TAG.sequence, 'USM parameters'));
  const engineId = readOctets(buf, nth(usm, 0, 'engine ID'));
  // RFC 3411 SnmpEngineID is 5 to 32 octets; anything else cannot identify an engine.
  if (engineId.length < 5 || engineId.length > 32) throw malformed(`engine ID of ${engineId.length} bytes`);
  const engineBoots = readInteger(buf, nth(usm, 1, 'engine boots'));
  const engineTime = readInteger(buf, nth(usm, 2, 'engine time'));
  if (engineBoots < 0 || engineTime < 0) throw malformed('negative engine boots or time');
  const report: DiscoveryReport = { msgId, engineId, engineBoots, engineTime };
  if (((flags[0] ?? 0) & FLAG_PRIV) !== 0) return report;
  const scoped = children(buf, expectTag(nth(parts, 3, 'scoped PDU'), TAG.sequence, 'scoped PDU'));
  const pdu = nth(scoped, 2, 'PDU');
  if (pdu.tag !== TAG.report && pdu.tag !== TAG.response) throw malformed(`PDU tag 0x${pdu.tag.toString(16)}, expected a Report`);
  const varbinds = children(buf, expectTag(nth(children(buf, pdu), 3, 'variable bindings'), TAG.sequence, 'variable bindings'));
  const first = varbinds[0];
  if (!first) return report;
  return { ...report, reportOid: readOid(buf, nth(children(buf, expectTag(first, TAG.sequence, 'variable binding')), 0, 'variable name')) };
}

/**
 * Version, for SNMPv3 whether it is authenticated, and the id an answer repeats (SNMPv3 msgID,
 * else the PDU's request-id, as net-snmp matches them); undefined when the bytes are not a message.
 */
export function peekMessage(buf: Uint8Array): { version: number; authenticated: boolean; id: number | undefined } | undefined {
  try {
    const parts = children(buf, expectTag(readTlv(buf, 0), TAG.sequence, 'message'));
    const version = readInteger(buf, nth(parts, 0, 'version'));
    if (version !== 3) return { version, authenticated: false, id: requestId(buf, parts) };
    const header = children(buf, nth(parts, 1, 'header data'));
    const flags = readOctets(buf, nth(header, 2, 'msgFlags'));
    return { version, authenticated: ((flags[0] ?? 0) & FLAG_AUTH) !== 0, id: readInteger(buf, nth(header, 0, 'msgID')) };
  } catch {
    return undefined;
  }
}

function requestId(buf: Uint8Array, parts: readonly Tlv[]): number | undefined {
  try {
    return readInteger(buf, nth(children(buf, nth(parts, 2, 'PDU')), 0, 'request-id'));
  } catch {
    return undefined;
  }
}

import { ProbeUnavailable } from '../types.ts';
import { hex } from '../hex.ts';

/**
 * EtherNet/IP encapsulation (CIP Vol. 2, chapter 2): a 24-byte little-endian header, then the
 * command's data. The only commands this agent may send are ListIdentity and ListServices: both
 * need no session (RegisterSession is never sent), and every request is built through
 * buildListRequest, which refuses anything else, so a CIP service cannot be expressed.
 */
export const ENIP_COMMANDS = { listServices: 0x0004, listIdentity: 0x0063 } as const;
export type EnipCommand = keyof typeof ENIP_COMMANDS;

export const HEADER_BYTES = 24;
/** A ListIdentity reply is about 100 bytes; a product name is at most 255. More is not a reply to us. */
export const MAX_REPLY_BYTES = HEADER_BYTES + 1024;

/** Common packet format item types of the two replies. */
export const ITEM_IDENTITY = 0x000c;
export const ITEM_COMMUNICATIONS = 0x0100;

/** Identity item up to the product name: version, socket address, vendor, type, code, revision, status, serial, name length. */
const IDENTITY_FIXED_BYTES = 2 + 16 + 2 + 2 + 2 + 2 + 2 + 4 + 1;
/** Communications item: version, capability flags, 16-byte name. */
const COMMUNICATIONS_BYTES = 2 + 2 + 16;

export interface EncapsulationHeader {
  readonly command: number;
  readonly length: number;
  readonly sessionHandle: number;
  readonly status: number;
  readonly senderContext: Buffer;
}

export interface CpfItem {
  readonly typeId: number;
  readonly data: Buffer;
}

export interface IdentityItem {
  readonly encapsulationVersion: number;
  /** sin_port and sin_addr as the device wrote them (big-endian, unlike the rest). */
  readonly socketAddress: { readonly address: string; readonly port: number };
  readonly vendorId: number;
  readonly deviceType: number;
  readonly productCode: number;
  readonly revision: { readonly major: number; readonly minor: number };
  readonly status: number;
  readonly serialNumber: number;
  /** Bytes as sent; the probe decides how to print them. */
  readonly productName: Buffer;
  readonly state: number;
}

export interface CommunicationsItem {
  readonly version: number;
  readonly capabilityFlags: number;
  readonly name: Buffer;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `EtherNet/IP reply: ${what}`);
}

/**
 * The request for one of the two commands: header only, session 0, options 0, our sender context.
 * Refuses any other command at run time too, since a value from a bug can bypass the type.
 */
export function buildListRequest(command: EnipCommand, senderContext: Buffer): Buffer {
  const code = ENIP_COMMANDS[command];
  if (code === undefined) throw new ProbeUnavailable('denied', `EtherNet/IP command ${String(command)} is not on the read-only allow-list`);
  if (senderContext.length !== 8) throw new ProbeUnavailable('error', `sender context of ${senderContext.length} bytes, expected 8`);
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16LE(code, 0);
  senderContext.copy(out, 12);
  return out;
}

/** FrameLength for TcpSession.readFrame: header plus its length field, cut off before a wait for more than a reply can be. */
export function encapsulationFrameLength(buf: Buffer): number | undefined {
  if (buf.length >= 2) {
    const command = buf.readUInt16LE(0);
    if (command !== ENIP_COMMANDS.listIdentity && command !== ENIP_COMMANDS.listServices)
      throw malformed(`command ${hex(command, 4)} answers neither ListIdentity nor ListServices`);
  }
  if (buf.length < 4) return undefined;
  const length = buf.readUInt16LE(2);
  if (HEADER_BYTES + length > MAX_REPLY_BYTES) throw malformed(`length ${length} exceeds the ${MAX_REPLY_BYTES - HEADER_BYTES} bytes a list reply can need`);
  return HEADER_BYTES + length;
}

/** The header of one complete frame, checked against the request it answers. */
export function parseHeader(frame: Buffer, expected: { readonly command: EnipCommand; readonly senderContext: Buffer }): EncapsulationHeader {
  if (frame.length < HEADER_BYTES) throw malformed(`${frame.length} bytes, shorter than the 24-byte header`);
  const header: EncapsulationHeader = {
    command: frame.readUInt16LE(0),
    length: frame.readUInt16LE(2),
    sessionHandle: frame.readUInt32LE(4),
    status: frame.readUInt32LE(8),
    senderContext: Buffer.from(frame.subarray(12, 20)),
  };
  if (header.command !== ENIP_COMMANDS[expected.command])
    throw malformed(`command ${hex(header.command, 4)}, expected ${hex(ENIP_COMMANDS[expected.command], 4)}`);
  if (header.length !== frame.length - HEADER_BYTES)
    throw malformed(`length ${header.length} does not match the ${frame.length - HEADER_BYTES} bytes that follow`);
  if (!header.senderContext.equals(expected.senderContext)) throw malformed('sender context differs from the request');
  return header;
}

/** Common packet format: item count, then (type id, length, data) items that exactly fill the data. */
export function parseCpfItems(data: Buffer): CpfItem[] {
  if (data.length < 2) throw malformed(`${data.length} data bytes, too short for an item count`);
  const count = data.readUInt16LE(0);
  // Every item needs at least its 4-byte prefix: a count the data cannot hold is refused before looping.
  if (count * 4 > data.length - 2) throw malformed(`item count ${count} cannot fit in ${data.length - 2} bytes`);
  const items: CpfItem[] = [];
  let at = 2;
  for (let i = 0; i < count; i += 1) {
    if (at + 4 > data.length) throw malformed(`item ${i + 1} of ${count} starts past the end`);
    const typeId = data.readUInt16LE(at);
    const length = data.readUInt16LE(at + 2);
    if (at + 4 + length > data.length) throw malformed(`item ${hex(typeId, 4)} announces ${length} bytes, only ${data.length - at - 4} left`);
    items.push({ typeId, data: Buffer.from(data.subarray(at + 4, at + 4 + length)) });
    at += 4 + length;
  }
  if (at !== data.length) throw malformed(`${data.length - at} bytes after the ${count} announced items`);
  return items;
}

/** The CIP Identity item (type 0x0C) of a ListIdentity reply. */
export function parseIdentityItem(item: Buffer): IdentityItem {
  if (item.length < IDENTITY_FIXED_BYTES + 1) throw malformed(`identity item of ${item.length} bytes is truncated`);
  const nameLength = item.readUInt8(IDENTITY_FIXED_BYTES - 1);
  if (item.length !== IDENTITY_FIXED_BYTES + nameLength + 1) {
    throw malformed(`identity item of ${item.length} bytes does not hold a ${nameLength}-byte product name and the state`);
  }
  return {
    encapsulationVersion: item.readUInt16LE(0),
    socketAddress: { port: item.readUInt16BE(4), address: [...item.subarray(6, 10)].join('.') },
    vendorId: item.readUInt16LE(18),
    deviceType: item.readUInt16LE(20),
    productCode: item.readUInt16LE(22),
    revision: { major: item.readUInt8(24), minor: item.readUInt8(25) },
    status: item.readUInt16LE(26),
    serialNumber: item.readUInt32LE(28),
    productName: Buffer.from(item.subarray(IDENTITY_FIXED_BYTES, IDENTITY_FIXED_BYTES + nameLength)),
    state: item.readUInt8(IDENTITY_FIXED_BYTES + nameLength),
  };
}

/** The communications item (type 0x100) of a ListServices reply. */
export function parseCommunicationsItem(item: Buffer): CommunicationsItem {
  if (item.length !== COMMUNICATIONS_BYTES) throw malformed(`communications item of ${item.length} bytes, expected ${COMMUNICATIONS_BYTES}`);
  return { version: item.readUInt16LE(0), capabilityFlags: item.readUInt16LE(2), name: Buffer.from(item.subarray(4)) };
}

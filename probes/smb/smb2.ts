import { ProbeUnavailable } from '../types.ts';
import { filetimeToIso, guidText } from './wire.ts';

/**
 * SMB2/3 (MS-SMB2): the builder can express only NEGOTIATE, a SESSION_SETUP carrying a security
 * token, a TREE_CONNECT to the IPC$ share (no other path can be built), TREE_DISCONNECT and
 * LOGOFF; no create, ioctl, read or write exists here.
 */
export const SMB2_PROTOCOL_ID = Buffer.from([0xfe, 0x53, 0x4d, 0x42]);
export const SMB2_HEADER_BYTES = 64;
export const SMB2_COMMANDS = { negotiate: 0x0000, sessionSetup: 0x0001, logoff: 0x0002, treeConnect: 0x0003, treeDisconnect: 0x0004 } as const;
export type Smb2Command = keyof typeof SMB2_COMMANDS;

export const STATUS_SUCCESS = 0;
export const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;
/** SESSION_SETUP response SessionFlags (MS-SMB2 2.2.6): the server made the session a guest or an anonymous one. */
export const SESSION_FLAG_IS_GUEST = 0x0001;
export const SESSION_FLAG_IS_NULL = 0x0002;
/** TREE_CONNECT response ShareType (MS-SMB2 2.2.10). */
export const SHARE_TYPES: Readonly<Record<number, 'disk' | 'pipe' | 'print'>> = { 1: 'disk', 2: 'pipe', 3: 'print' };

/** Dialects we offer in an SMB2 NEGOTIATE, oldest first, and how they are printed. */
export const SMB2_DIALECTS: Readonly<Record<number, string>> = { 514: '2.0.2', 528: '2.1', 768: '3.0', 770: '3.0.2', 785: '3.1.1' };
/** The answer to an SMB1 NEGOTIATE offering `SMB 2.???`: send an SMB2 NEGOTIATE next. */
export const DIALECT_WILDCARD = 0x02ff;

const SIGNING_ENABLED = 0x0001;
const SIGNING_REQUIRED = 0x0002;
export const CAP_ENCRYPTION = 0x0040;
const FLAG_SERVER_TO_REDIR = 0x00000001;
/** Signing is offered, never required, from our side: the server's own setting is what we read. */
const CLIENT_SECURITY_MODE = SIGNING_ENABLED;
/** DFS, leasing, large MTU, encryption: what a current client announces, so a 3.0 server says whether it can encrypt. */
const CLIENT_CAPABILITIES = 0x01 | 0x02 | 0x04 | CAP_ENCRYPTION;

const CONTEXT_PREAUTH = 0x0001;
const CONTEXT_ENCRYPTION = 0x0002;
const CONTEXT_SIGNING = 0x0008;
const SHA_512 = 0x0001;
export const CIPHERS: Readonly<Record<number, string>> = { 1: 'AES-128-CCM', 2: 'AES-128-GCM', 3: 'AES-256-CCM', 4: 'AES-256-GCM' };
export const SIGNING_ALGORITHMS: Readonly<Record<number, string>> = { 0: 'HMAC-SHA256', 1: 'AES-CMAC', 2: 'AES-GMAC' };

const NEGOTIATE_REQUEST_FIXED = 36;
const NEGOTIATE_RESPONSE_FIXED = 64;
const SESSION_SETUP_REQUEST_FIXED = 24;
const SESSION_SETUP_RESPONSE_FIXED = 8;
const TREE_CONNECT_REQUEST_FIXED = 8;
const TREE_CONNECT_RESPONSE_FIXED = 16;
/** TREE_DISCONNECT and LOGOFF requests and responses: StructureSize 4, two reserved bytes. */
const EMPTY_BODY_SIZE = 4;

/** Arithmetic, not `& ~7`: an offset from a hostile reply can exceed 32 bits' sign. */
const align8 = (n: number) => Math.ceil(n / 8) * 8;

function header(command: Smb2Command, messageId: bigint, sessionId = 0n, treeId = 0): Buffer {
  const h = Buffer.alloc(SMB2_HEADER_BYTES);
  SMB2_PROTOCOL_ID.copy(h, 0);
  h.writeUInt16LE(SMB2_HEADER_BYTES, 4);
  h.writeUInt16LE(command === 'negotiate' ? 0 : 1, 6); // CreditCharge: 0 before a dialect is agreed
  h.writeUInt16LE(SMB2_COMMANDS[command], 12);
  h.writeUInt16LE(1, 14); // CreditRequest
  h.writeBigUInt64LE(messageId, 24);
  h.writeUInt32LE(0xfeff, 32); // ProcessId
  h.writeUInt32LE(treeId, 36);
  h.writeBigUInt64LE(sessionId, 40);
  return h;
}

function context(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(data.length, 2);
  return Buffer.concat([head, data]);
}

/** Parts laid one after the other, each starting 8-byte aligned from the SMB2 header (contexts must). */
function aligned(start: number, parts: readonly Buffer[]): Buffer {
  const out: Buffer[] = [];
  let at = start;
  for (const part of parts) {
    const pad = align8(at) - at;
    out.push(Buffer.alloc(pad), part);
    at += pad + part.length;
  }
  return Buffer.concat(out);
}

function u16s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(2 * values.length);
  for (const [i, v] of values.entries()) b.writeUInt16LE(v, 2 * i);
  return b;
}

/**
 * NEGOTIATE offering 2.0.2 to 3.1.1, with the 3.1.1 contexts a server needs to answer (preauth
 * integrity with a fresh salt) and the ones that tell us its ciphers and signing algorithms.
 * `messageId` is 1 after an SMB1 NEGOTIATE answered with the wildcard, 0 otherwise.
 */
export function buildSmb2Negotiate(messageId: bigint, clientGuid: Buffer, salt: Buffer): Buffer {
  const dialects = Object.keys(SMB2_DIALECTS).map(Number);
  const contexts = [
    context(CONTEXT_PREAUTH, Buffer.concat([u16s([1, salt.length, SHA_512]), salt])),
    context(CONTEXT_ENCRYPTION, u16s([4, 1, 2, 3, 4])),
    context(CONTEXT_SIGNING, u16s([3, 0, 1, 2])),
  ];
  const body = Buffer.alloc(NEGOTIATE_REQUEST_FIXED);
  const contextOffset = align8(SMB2_HEADER_BYTES + NEGOTIATE_REQUEST_FIXED + 2 * dialects.length);
  body.writeUInt16LE(NEGOTIATE_REQUEST_FIXED, 0);
  body.writeUInt16LE(dialects.length, 2);
  body.writeUInt16LE(CLIENT_SECURITY_MODE, 4);
  body.writeUInt32LE(CLIENT_CAPABILITIES, 8);
  clientGuid.copy(body, 12, 0, 16);
  body.writeUInt32LE(contextOffset, 28);
  body.writeUInt16LE(contexts.length, 32);
  const dialectBytes = u16s(dialects);
  const fixedEnd = SMB2_HEADER_BYTES + NEGOTIATE_REQUEST_FIXED + dialectBytes.length;
  return Buffer.concat([header('negotiate', messageId), body, dialectBytes, aligned(fixedEnd, contexts)]);
}

/**
 * SESSION_SETUP carrying one security token: our NTLMSSP NEGOTIATE (session 0), or the anonymous or
 * guest AUTHENTICATE on the session id the server gave with its CHALLENGE.
 */
export function buildSmb2SessionSetup(messageId: bigint, token: Buffer, sessionId = 0n): Buffer {
  const body = Buffer.alloc(SESSION_SETUP_REQUEST_FIXED);
  body.writeUInt16LE(SESSION_SETUP_REQUEST_FIXED + 1, 0);
  body.writeUInt8(SIGNING_ENABLED, 3);
  body.writeUInt16LE(SMB2_HEADER_BYTES + SESSION_SETUP_REQUEST_FIXED, 12);
  body.writeUInt16LE(token.length, 14);
  return Buffer.concat([header('sessionSetup', messageId, sessionId), body, token]);
}

/** TREE_CONNECT to `\\host\IPC$`, the inter-process share a null session reaches first; no other share can be named. */
export function buildSmb2TreeConnectIpc(messageId: bigint, sessionId: bigint, host: string): Buffer {
  const path = Buffer.from(`\\\\${host}\\IPC$`, 'utf16le');
  const body = Buffer.alloc(TREE_CONNECT_REQUEST_FIXED);
  body.writeUInt16LE(TREE_CONNECT_REQUEST_FIXED + 1, 0);
  body.writeUInt16LE(SMB2_HEADER_BYTES + TREE_CONNECT_REQUEST_FIXED, 4);
  body.writeUInt16LE(path.length, 6);
  return Buffer.concat([header('treeConnect', messageId, sessionId), body, path]);
}

/** TREE_DISCONNECT of the IPC$ tree, or LOGOFF of the session: a header and an empty body. */
export function buildSmb2Close(command: 'treeDisconnect' | 'logoff', messageId: bigint, sessionId: bigint, treeId = 0): Buffer {
  const body = Buffer.alloc(EMPTY_BODY_SIZE);
  body.writeUInt16LE(EMPTY_BODY_SIZE, 0);
  return Buffer.concat([header(command, messageId, sessionId, treeId), body]);
}

export interface Smb2Header {
  readonly command: number;
  readonly status: number;
  readonly flags: number;
  readonly messageId: bigint;
  readonly sessionId: bigint;
  readonly treeId: number;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `SMB2 ${what}`);
}

/** The header of a server's reply to `command` with `messageId`; a status is returned, not judged. */
export function parseSmb2Header(message: Buffer, command: Smb2Command, messageId: bigint): Smb2Header {
  if (message.length < SMB2_HEADER_BYTES) throw malformed(`message of ${message.length} bytes, shorter than the 64-byte header`);
  if (!message.subarray(0, 4).equals(SMB2_PROTOCOL_ID)) throw malformed('message without the \\xfeSMB protocol id');
  const structureSize = message.readUInt16LE(4);
  if (structureSize !== SMB2_HEADER_BYTES) throw malformed(`header structure size ${structureSize}, expected 64`);
  const h: Smb2Header = {
    status: message.readUInt32LE(8),
    command: message.readUInt16LE(12),
    flags: message.readUInt32LE(16),
    messageId: message.readBigUInt64LE(24),
    treeId: message.readUInt32LE(36),
    sessionId: message.readBigUInt64LE(40),
  };
  if (h.command !== SMB2_COMMANDS[command]) throw malformed(`reply command 0x${h.command.toString(16)}, expected ${command}`);
  if ((h.flags & FLAG_SERVER_TO_REDIR) === 0) throw malformed('reply without the server-to-client flag');
  if (h.messageId !== messageId) throw malformed(`reply to message ${h.messageId}, expected ${messageId}`);
  return h;
}

/** The bytes [offset, offset + length) of a message, offsets counted from the SMB2 header as the spec says. */
function field(message: Buffer, offset: number, length: number, what: string): Buffer {
  if (length === 0) return Buffer.alloc(0);
  if (offset < SMB2_HEADER_BYTES || offset + length > message.length)
    throw malformed(`${what} at ${offset}+${length} lies outside the ${message.length}-byte message`);
  return Buffer.from(message.subarray(offset, offset + length));
}

export interface Smb2Negotiate {
  readonly dialectRevision: number;
  readonly securityMode: number;
  readonly signingRequired: boolean;
  readonly capabilities: number;
  readonly serverGuid: string;
  readonly maxReadSize: number;
  readonly systemTime?: string;
  readonly serverStartTime?: string;
  readonly securityBlob: Buffer;
  /** 3.1.1 only: the cipher and signing algorithm the server chose from our lists (0 cipher: none in common). */
  readonly cipher?: number;
  readonly signingAlgorithm?: number;
}

/** The NEGOTIATE response body, with its 3.1.1 contexts read by count and length, never past the message. */
export function parseSmb2Negotiate(message: Buffer): Smb2Negotiate {
  const b = message.subarray(SMB2_HEADER_BYTES);
  if (b.length < NEGOTIATE_RESPONSE_FIXED) throw malformed(`NEGOTIATE response body of ${b.length} bytes, shorter than ${NEGOTIATE_RESPONSE_FIXED}`);
  const structureSize = b.readUInt16LE(0);
  if (structureSize !== NEGOTIATE_RESPONSE_FIXED + 1) throw malformed(`NEGOTIATE response structure size ${structureSize}, expected 65`);
  const dialectRevision = b.readUInt16LE(4);
  const securityMode = b.readUInt16LE(2);
  const systemTime = filetimeToIso(b.readBigUInt64LE(40));
  const serverStartTime = filetimeToIso(b.readBigUInt64LE(48));
  const out: Smb2Negotiate = {
    dialectRevision,
    securityMode,
    signingRequired: (securityMode & SIGNING_REQUIRED) !== 0,
    capabilities: b.readUInt32LE(24),
    serverGuid: guidText(b.subarray(8, 24)),
    maxReadSize: b.readUInt32LE(32),
    ...(systemTime === undefined ? {} : { systemTime }),
    ...(serverStartTime === undefined ? {} : { serverStartTime }),
    securityBlob: field(message, b.readUInt16LE(56), b.readUInt16LE(58), 'security buffer'),
  };
  if (dialectRevision !== 0x0311) return out;
  return { ...out, ...parseNegotiateContexts(message, b.readUInt32LE(60), b.readUInt16LE(6)) };
}

function parseNegotiateContexts(message: Buffer, offset: number, count: number): { cipher?: number; signingAlgorithm?: number } {
  const out: { cipher?: number; signingAlgorithm?: number } = {};
  let at = offset;
  if (count > 0 && (at < SMB2_HEADER_BYTES || at > message.length))
    throw malformed(`negotiate contexts at offset ${at}, outside the ${message.length}-byte message`);
  for (let i = 0; i < count; i += 1) {
    at = align8(at);
    if (at + 8 > message.length) throw malformed(`negotiate context ${i + 1} of ${count} starts past the end`);
    const type = message.readUInt16LE(at);
    const length = message.readUInt16LE(at + 2);
    const data = field(message, at + 8, length, `negotiate context 0x${type.toString(16)}`);
    if ((type === CONTEXT_ENCRYPTION || type === CONTEXT_SIGNING) && data.length >= 4 && data.readUInt16LE(0) >= 1) {
      if (type === CONTEXT_ENCRYPTION) out.cipher = data.readUInt16LE(2);
      else out.signingAlgorithm = data.readUInt16LE(2);
    }
    at += 8 + length;
  }
  return out;
}

export interface Smb2SessionSetup {
  readonly sessionFlags: number;
  readonly securityBlob: Buffer;
}

export function parseSmb2SessionSetup(message: Buffer): Smb2SessionSetup {
  const b = message.subarray(SMB2_HEADER_BYTES);
  if (b.length < SESSION_SETUP_RESPONSE_FIXED)
    throw malformed(`SESSION_SETUP response body of ${b.length} bytes, shorter than ${SESSION_SETUP_RESPONSE_FIXED}`);
  const structureSize = b.readUInt16LE(0);
  if (structureSize !== SESSION_SETUP_RESPONSE_FIXED + 1) throw malformed(`SESSION_SETUP response structure size ${structureSize}, expected 9`);
  return { sessionFlags: b.readUInt16LE(2), securityBlob: field(message, b.readUInt16LE(4), b.readUInt16LE(6), 'security buffer') };
}

export interface Smb2TreeConnect {
  readonly shareType: 'disk' | 'pipe' | 'print';
}

/** A successful TREE_CONNECT response body (an error reply carries an ERROR body instead, read by its status alone). */
export function parseSmb2TreeConnect(message: Buffer): Smb2TreeConnect {
  const b = message.subarray(SMB2_HEADER_BYTES);
  if (b.length < TREE_CONNECT_RESPONSE_FIXED) throw malformed(`TREE_CONNECT response body of ${b.length} bytes, shorter than ${TREE_CONNECT_RESPONSE_FIXED}`);
  const structureSize = b.readUInt16LE(0);
  if (structureSize !== TREE_CONNECT_RESPONSE_FIXED) throw malformed(`TREE_CONNECT response structure size ${structureSize}, expected 16`);
  const shareType = SHARE_TYPES[b.readUInt8(2)];
  if (shareType === undefined) throw malformed(`TREE_CONNECT response share type ${b.readUInt8(2)}`);
  return { shareType };
}

import { hex } from '../hex.ts';
import { ProbeUnavailable } from '../types.ts';
import { filetimeToIso, guidText, utf16z } from './wire.ts';

/**
 * SMB1 (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5): only SMB_COM_NEGOTIATE is ever built. The request
 * offers dialect strings; the server answers with the index it picked, or with the SMB2 wildcard
 * (an SMB2 NEGOTIATE response, handled in smb2.ts) when it prefers SMB2 and we offered it.
 */
export const SMB1_PROTOCOL_ID = Buffer.from([0xff, 0x53, 0x4d, 0x42]);
export const SMB1_HEADER_BYTES = 32;
const COM_NEGOTIATE = 0x72;

export const NT_LM_DIALECT = 'NT LM 0.12';
/** SMB2 dialect strings an SMB1 NEGOTIATE can carry (MS-SMB2 3.2.4.2.2.1): 2.0.2 and the wildcard for 2.1 and later. */
export const SMB2_DIALECT_STRINGS = ['SMB 2.002', 'SMB 2.???'] as const;

/** Flags2: Unicode strings, NT status codes, long names. Extended security is left off, so a server that picks NT LM 0.12 names its domain and host. */
const FLAGS2 = 0x8000 | 0x4000 | 0x0001;
/** Flags: case-insensitive, canonicalized paths (what every client sends). */
const FLAGS = 0x18;

const CAP_EXTENDED_SECURITY = 0x80000000;
const DIALECT_NONE = 0xffff;
const NT_LM_WORDS = 17;

export function buildSmb1Negotiate(dialects: readonly string[]): Buffer {
  const bytes = Buffer.concat(dialects.map((d) => Buffer.concat([Buffer.from([0x02]), Buffer.from(d, 'latin1'), Buffer.from([0])])));
  const out = Buffer.alloc(SMB1_HEADER_BYTES + 3);
  SMB1_PROTOCOL_ID.copy(out, 0);
  out.writeUInt8(COM_NEGOTIATE, 4);
  out.writeUInt8(FLAGS, 9);
  out.writeUInt16LE(FLAGS2, 10);
  out.writeUInt16LE(0xfeff, 26); // PIDLow: any value; the reply echoes it
  out.writeUInt8(0, SMB1_HEADER_BYTES); // WordCount
  out.writeUInt16LE(bytes.length, SMB1_HEADER_BYTES + 1);
  return Buffer.concat([out, bytes]);
}

export interface Smb1Negotiate {
  /** The offered dialect the server picked; undefined when it accepted none (index 0xFFFF). */
  readonly dialect?: string;
  readonly securityMode?: number;
  readonly capabilities?: number;
  readonly maxMpxCount?: number;
  readonly systemTime?: string;
  /** Minutes from UTC as the server sent them. */
  readonly timeZoneMinutes?: number;
  readonly serverGuid?: string;
  readonly securityBlob?: Buffer;
  /** Without extended security: the workgroup or domain and the NetBIOS name. */
  readonly domainName?: string;
  readonly serverName?: string;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `SMB1 NEGOTIATE response: ${what}`);
}

/** Reads the NEGOTIATE response to `offered`, by its word and byte counts. */
export function parseSmb1Negotiate(message: Buffer, offered: readonly string[]): Smb1Negotiate {
  if (message.length < SMB1_HEADER_BYTES + 3) throw malformed(`${message.length} bytes, shorter than a header and counts`);
  if (!message.subarray(0, 4).equals(SMB1_PROTOCOL_ID)) throw malformed('no \\xffSMB protocol id');
  const command = message.readUInt8(4);
  if (command !== COM_NEGOTIATE) throw malformed(`command 0x${command.toString(16)}, expected NEGOTIATE 0x72`);
  const status = message.readUInt32LE(5);
  if (status !== 0) throw new ProbeUnavailable('protocol-mismatch', `SMB1 NEGOTIATE refused with status ${hex(status, 8)}`);
  const unicode = (message.readUInt16LE(10) & 0x8000) !== 0;
  const wordCount = message.readUInt8(SMB1_HEADER_BYTES);
  const wordsAt = SMB1_HEADER_BYTES + 1;
  const byteCountAt = wordsAt + 2 * wordCount;
  if (byteCountAt + 2 > message.length) throw malformed(`word count ${wordCount} runs past the ${message.length}-byte message`);
  const byteCount = message.readUInt16LE(byteCountAt);
  const bytes = message.subarray(byteCountAt + 2);
  if (bytes.length < byteCount) throw malformed(`byte count ${byteCount}, only ${bytes.length} bytes follow`);
  if (wordCount < 1) throw malformed('no dialect index');
  const index = message.readUInt16LE(wordsAt);
  if (index === DIALECT_NONE) return {};
  const dialect = offered[index];
  if (dialect === undefined) throw malformed(`dialect index ${index}, only ${offered.length} offered`);
  // A server picking an SMB2 string answers in SMB2 form (MS-SMB2 3.3.5.3.1); an SMB1 reply naming one is not to be read.
  if (dialect !== NT_LM_DIALECT) throw malformed(`SMB1 reply picking ${dialect}`);
  if (wordCount !== NT_LM_WORDS) throw malformed(`word count ${wordCount} for NT LM 0.12, expected ${NT_LM_WORDS}`);
  const capabilities = message.readUInt32LE(wordsAt + 19);
  const challengeLength = message.readUInt8(wordsAt + 33);
  const time = filetimeToIso(message.readBigUInt64LE(wordsAt + 23));
  const base = {
    dialect,
    securityMode: message.readUInt8(wordsAt + 2),
    capabilities,
    maxMpxCount: message.readUInt16LE(wordsAt + 3),
    timeZoneMinutes: message.readInt16LE(wordsAt + 31),
    ...(time === undefined ? {} : { systemTime: time }),
  };
  const data = bytes.subarray(0, byteCount);
  if ((capabilities & CAP_EXTENDED_SECURITY) !== 0) {
    if (data.length < 16) throw malformed(`extended security with ${data.length} bytes, too short for the server GUID`);
    return { ...base, serverGuid: guidText(data.subarray(0, 16)), securityBlob: Buffer.from(data.subarray(16)) };
  }
  if (challengeLength > data.length) throw malformed(`challenge of ${challengeLength} bytes, only ${data.length} follow`);
  const names = data.subarray(challengeLength);
  const domain = unicode ? utf16z(names) : latin1z(names);
  const server = domain.rest.length > 0 ? (unicode ? utf16z(domain.rest) : latin1z(domain.rest)) : undefined;
  return { ...base, domainName: domain.text, ...(server === undefined ? {} : { serverName: server.text }) };
}

function latin1z(buf: Buffer): { text: string; rest: Buffer } {
  const end = buf.indexOf(0);
  if (end < 0) return { text: buf.toString('latin1'), rest: Buffer.alloc(0) };
  return { text: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 1) };
}

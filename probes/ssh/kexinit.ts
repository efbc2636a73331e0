import { ProbeUnavailable } from '../types.ts';

/**
 * Pure parsers for the clear-text start of an SSH connection (RFC 4253 sections 4.2, 6, 7.1):
 * the identification line and the server's SSH_MSG_KEXINIT. Every length is checked against the
 * bytes present and against caps, so a hostile peer gets a typed ProbeUnavailable, never a large allocation.
 */

/** RFC 4253 4.2: the identification line is at most 255 bytes including CR LF. */
export const MAX_IDENT_LINE = 255;
/** Lines a server may send before its identification; real devices send none or a few. */
export const MAX_PRE_IDENT_LINES = 16;
/** Bytes of those lines in total (each may be longer than an identification line). */
export const MAX_PRE_IDENT_BYTES = 4096;
/** RFC 4253 6.1: implementations must handle 35000-byte packets; a KEXINIT is ~1-2 KB. */
export const MAX_PACKET_BYTES = 35_000;
/** One name-list in bytes; OpenSSH's longest default list is ~500 bytes. */
export const MAX_NAME_LIST_BYTES = 4096;
/** Names in one list. */
export const MAX_NAMES = 128;
/** RFC 4251 6: algorithm names are at most 64 characters. */
const MAX_NAME_LENGTH = 64;

export const SSH_MSG_DISCONNECT = 1;
export const SSH_MSG_IGNORE = 2;
export const SSH_MSG_DEBUG = 4;
export const SSH_MSG_KEXINIT = 20;
export const SSH_MSG_NEWKEYS = 21;

export interface Identification {
  /** The identification line without CR LF. */
  readonly raw: string;
  /** `2.0`, or `1.99` for servers that also speak SSH-1. */
  readonly protoVersion: string;
  /** The softwareversion token as sent, e.g. `OpenSSH_9.2p1`. */
  readonly softwareVersion: string;
  /** Product part of the token, e.g. `OpenSSH`. */
  readonly software: string;
  /** Version part of the token, e.g. `9.2p1`, when the token has one. */
  readonly version?: string;
  /** Text after the first space, e.g. `Debian-2+deb12u3`. */
  readonly comments?: string;
  /** Lines the server sent before the identification (some devices print a notice there). */
  readonly preamble: string[];
}

function malformed(detail: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', detail);
}

/**
 * Frame length for TcpSession.readFrame: the bytes up to and including the identification line
 * (with any lines before it), `undefined` while incomplete.
 */
export function identificationLength(buf: Buffer): number | undefined {
  let start = 0;
  for (let line = 1; ; line += 1) {
    const lf = buf.indexOf(0x0a, start);
    const end = lf < 0 ? buf.length : lf + 1;
    const head = buf.toString('latin1', start, Math.min(end, start + 4));
    if (lf < 0) {
      // An incomplete line that may still become the identification gets its own, tighter cap.
      if ('SSH-'.startsWith(head) ? end - start > MAX_IDENT_LINE : end > MAX_PRE_IDENT_BYTES) {
        throw malformed(head === 'SSH-' ? 'identification line longer than 255 bytes' : 'no SSH identification line in the first bytes');
      }
      return undefined;
    }
    if (head === 'SSH-') {
      if (end - start > MAX_IDENT_LINE) throw malformed('identification line longer than 255 bytes');
      return end;
    }
    start = end;
    if (line > MAX_PRE_IDENT_LINES || start > MAX_PRE_IDENT_BYTES) {
      throw malformed(`more than ${MAX_PRE_IDENT_LINES} lines or ${MAX_PRE_IDENT_BYTES} bytes before the SSH identification`);
    }
  }
}

/** Parses the bytes `identificationLength` framed. */
export function parseIdentification(frame: Buffer): Identification {
  const text = frame.toString('latin1');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.at(-1) === '') lines.pop();
  const raw = lines.pop();
  if (raw === undefined || !raw.startsWith('SSH-')) throw malformed('no SSH identification line');
  // Only printable US-ASCII and spaces are allowed; anything else is not an SSH server talking.
  if (!/^[\x20-\x7e]*$/.test(raw)) throw malformed('identification line contains control or non-ASCII bytes');
  const m = /^SSH-([^-\s]+)-(\S+)(?: (.*))?$/.exec(raw);
  if (!m?.[1] || !m[2]) throw malformed('identification line is not SSH-protoversion-softwareversion');
  const protoVersion = m[1];
  if (protoVersion !== '2.0' && protoVersion !== '1.99') {
    throw new ProbeUnavailable('protocol-mismatch', `server speaks SSH protocol ${protoVersion.slice(0, 16)} only`);
  }
  const softwareVersion = m[2];
  const split = /^(.*?[A-Za-z].*?)[_-]v?(\d[\w.+~-]*)$/.exec(softwareVersion);
  const out: Identification = {
    raw,
    protoVersion,
    softwareVersion,
    software: split?.[1] ?? softwareVersion,
    preamble: lines.map((l) => l.replace(/[^\x20-\x7e]/g, '?')),
  };
  return {
    ...out,
    ...(split?.[2] ? { version: split[2] } : {}),
    ...(m[3] ? { comments: m[3] } : {}),
  };
}

/**
 * Frame length for one unencrypted binary packet (RFC 4253 6): uint32 packet_length, byte
 * padding_length, payload, padding; no MAC before the first key exchange.
 */
export function binaryPacketLength(buf: Buffer): number | undefined {
  if (buf.length < 5) return undefined;
  const packetLength = buf.readUInt32BE(0);
  const padding = buf.readUInt8(4);
  if (packetLength > MAX_PACKET_BYTES - 4) throw malformed(`packet announces ${packetLength} bytes, more than ${MAX_PACKET_BYTES}`);
  if (padding < 4) throw malformed(`packet padding of ${padding} bytes, at least 4 required`);
  if (packetLength < padding + 2) throw malformed(`packet length ${packetLength} leaves no payload after ${padding} bytes of padding`);
  return 4 + packetLength;
}

/** The payload of a framed packet (message type byte first). */
export function packetPayload(frame: Buffer): Buffer {
  const packetLength = frame.readUInt32BE(0);
  const padding = frame.readUInt8(4);
  return frame.subarray(5, 4 + packetLength - padding);
}

export const NAME_LISTS = [
  'kex',
  'hostKey',
  'cipherClientToServer',
  'cipherServerToClient',
  'macClientToServer',
  'macServerToClient',
  'compressionClientToServer',
  'compressionServerToClient',
  'languageClientToServer',
  'languageServerToClient',
] as const;
export type NameListName = (typeof NAME_LISTS)[number];

export interface KexInit {
  readonly cookie: string;
  readonly lists: Record<NameListName, string[]>;
  readonly firstKexPacketFollows: boolean;
}

/** Bounded reader over one payload; every read checks the bytes that are left. */
class Reader {
  readonly #buf: Buffer;
  #pos = 0;
  constructor(buf: Buffer) {
    this.#buf = buf;
  }
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }
  bytes(n: number, what: string): Buffer {
    if (n > this.remaining) throw malformed(`${what} needs ${n} bytes, ${this.remaining} left in the packet`);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  uint8(what: string): number {
    return this.bytes(1, what).readUInt8(0);
  }
  uint32(what: string): number {
    return this.bytes(4, what).readUInt32BE(0);
  }
  string(what: string, max: number): Buffer {
    const n = this.uint32(`length of ${what}`);
    if (n > max) throw malformed(`${what} announces ${n} bytes, more than ${max} allowed`);
    return this.bytes(n, what);
  }
}

function nameList(r: Reader, what: string): string[] {
  const raw = r.string(what, MAX_NAME_LIST_BYTES);
  if (raw.length === 0) return [];
  const names = raw.toString('latin1').split(',');
  if (names.length > MAX_NAMES) throw malformed(`${what} has ${names.length} names, more than ${MAX_NAMES}`);
  for (const name of names) {
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || !/^[\x21-\x7e]+$/.test(name)) {
      throw malformed(`${what} contains an invalid name`);
    }
  }
  return names;
}

/** Parses an SSH_MSG_KEXINIT payload (type byte included). */
export function parseKexInit(payload: Buffer): KexInit {
  const r = new Reader(payload);
  const type = r.uint8('message type');
  if (type !== SSH_MSG_KEXINIT) throw malformed(`expected KEXINIT (20), got message type ${type}`);
  const cookie = r.bytes(16, 'cookie').toString('hex');
  const lists = {} as Record<NameListName, string[]>;
  for (const name of NAME_LISTS) lists[name] = nameList(r, `${name} name-list`);
  const firstKexPacketFollows = r.uint8('first_kex_packet_follows') !== 0;
  r.uint32('reserved');
  return { cookie, lists, firstKexPacketFollows };
}

/** Reason code and description of an SSH_MSG_DISCONNECT payload, tolerant of a cut-off text. */
export function parseDisconnect(payload: Buffer): { reason: number; description: string } {
  const r = new Reader(payload);
  r.uint8('message type');
  const reason = r.remaining >= 4 ? r.uint32('reason code') : 0;
  let description = '';
  if (r.remaining >= 4) {
    const n = Math.min(r.uint32('description length'), r.remaining, 200);
    description = r
      .bytes(n, 'description')
      .toString('utf8')
      .replace(/[^\x20-\x7e]/g, '?');
  }
  return { reason, description };
}

/** Host key type behind a host key algorithm name: RSA signature variants share the `ssh-rsa` key. */
export function hostKeyType(algorithm: string): string {
  const base = algorithm.replace(/-cert-v0[01]@openssh\.com$/, '');
  if (base === 'rsa-sha2-256' || base === 'rsa-sha2-512') return 'ssh-rsa';
  return base;
}

/** Identification line the agent sends: names the scanner so device logs show who connected. */
export const CLIENT_SOFTWARE = 'cellcheck_0.1.0';

/** Strict key exchange marker a server adds to its kex list (OpenSSH 9.6+, Terrapin countermeasure). */
export const STRICT_KEX_SERVER = 'kex-strict-s-v00@openssh.com';

export interface HostKeyInfo {
  readonly type: string;
  /** RSA/DSA modulus bits, ECDSA curve bits, 256 for Ed25519. */
  readonly bits?: number;
  readonly curve?: string;
}

const CURVE_BITS: Readonly<Record<string, number>> = { nistp256: 256, nistp384: 384, nistp521: 521 };

/** Type and size of an SSH public key blob (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4). */
export function hostKeyInfo(blob: Buffer): HostKeyInfo {
  const r = new Reader(blob);
  const type = r.string('key type', MAX_NAME_LENGTH).toString('latin1');
  const mpintBits = (what: string): number => {
    const n = r.string(what, 2048);
    let i = 0;
    while (i < n.length && n[i] === 0) i += 1;
    if (i === n.length) return 0;
    return (n.length - i - 1) * 8 + (32 - Math.clz32(n[i] ?? 0));
  };
  if (type === 'ssh-rsa') {
    mpintBits('RSA exponent');
    return { type, bits: mpintBits('RSA modulus') };
  }
  if (type === 'ssh-dss') return { type, bits: mpintBits('DSA p') };
  if (type.startsWith('ecdsa-sha2-')) {
    const curve = r.string('curve name', MAX_NAME_LENGTH).toString('latin1');
    const bits = CURVE_BITS[curve];
    return bits === undefined ? { type, curve } : { type, curve, bits };
  }
  if (type === 'ssh-ed25519') return { type, bits: 256 };
  if (type === 'ssh-ed448') return { type, bits: 456 };
  return { type };
}

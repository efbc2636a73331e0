import { randomBytes } from 'node:crypto';
import { ProbeUnavailable } from '../types.ts';
import { NTLMSSP_SIGNATURE } from './spnego.ts';
import { filetimeToIso } from './wire.ts';

/**
 * NTLMSSP (MS-NLMP 2.2.1): we build the NEGOTIATE message and read the server's CHALLENGE, whose
 * target info (AV pairs) and version name the host, its domain and its OS build. The only
 * AUTHENTICATE we can build carries no credential: the anonymous form (empty user, domain and
 * responses) or a made-up user name with random bytes as its response, which no password produced.
 */
const NEGOTIATE_MESSAGE = 1;
const CHALLENGE_MESSAGE = 2;
const AUTHENTICATE_MESSAGE = 3;
const NEGOTIATE_VERSION = 0x02000000;
const NEGOTIATE_ANONYMOUS = 0x00000800;

/** Unicode, request target, NTLM, always sign, extended session security, target info, version, 128/56-bit: a current client's offer. */
const CLIENT_FLAGS = 0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00080000 | 0x00800000 | NEGOTIATE_VERSION | 0x20000000 | 0x80000000;
const CHALLENGE_FIXED = 48;
const VERSION_BYTES = 8;
const NTLM_REVISION_W2K3 = 0x0f;

/** AV pair ids (MS-NLMP 2.2.2.1) whose values are UTF-16 names. */
const AV_NAMES = { 1: 'nbComputerName', 2: 'nbDomainName', 3: 'dnsComputerName', 4: 'dnsDomainName', 5: 'dnsTreeName' } as const;
const AV_EOL = 0;
const AV_TIMESTAMP = 7;

export function buildNtlmNegotiate(): Buffer {
  const out = Buffer.alloc(32 + VERSION_BYTES);
  NTLMSSP_SIGNATURE.copy(out, 0);
  out.writeUInt32LE(NEGOTIATE_MESSAGE, 8);
  out.writeUInt32LE(CLIENT_FLAGS >>> 0, 12);
  // Domain and workstation fields stay empty (offsets 16, 24); our version block says only the NTLM revision.
  out.writeUInt8(NTLM_REVISION_W2K3, 32 + 7);
  return out;
}

/** Unicode, request target, NTLM, extended session security, version, 128-bit: no signing or sealing, since no key exists. */
const AUTHENTICATE_FLAGS = 0x00000001 | 0x00000004 | 0x00000200 | 0x00080000 | NEGOTIATE_VERSION | 0x20000000;
/** Signature, type, six (length, max length, offset) fields, flags; then our version block, then the payload (no MIC). */
const AUTHENTICATE_FIXED = 64;
/** An NTLM (v1) response's length, used for the random stand-in of a guest attempt. */
const NT_RESPONSE_BYTES = 24;

/**
 * `anonymous`: the null session of MS-NLMP 3.2.5.1.2: empty user, domain and NT response, an LM
 * response of one zero byte. `guest`: the made-up `user` with random responses, which a server that
 * maps unknown users to guest accepts as the guest account, and any other refuses.
 */
export type NtlmLogin = { readonly kind: 'anonymous' } | { readonly kind: 'guest'; readonly user: string };

export function buildNtlmAuthenticate(login: NtlmLogin): Buffer {
  const guest = login.kind === 'guest';
  const lm = guest ? randomBytes(NT_RESPONSE_BYTES) : Buffer.alloc(1);
  const nt = guest ? randomBytes(NT_RESPONSE_BYTES) : Buffer.alloc(0);
  const user = Buffer.from(guest ? login.user : '', 'utf16le');
  // Payload order: LM, NT, domain (empty), user, workstation (empty), session key (empty).
  const fields = [lm, nt, Buffer.alloc(0), user, Buffer.alloc(0), Buffer.alloc(0)];
  const start = AUTHENTICATE_FIXED + VERSION_BYTES;
  const out = Buffer.alloc(start);
  NTLMSSP_SIGNATURE.copy(out, 0);
  out.writeUInt32LE(AUTHENTICATE_MESSAGE, 8);
  let at = start;
  for (const [i, value] of fields.entries()) {
    out.writeUInt16LE(value.length, 12 + 8 * i);
    out.writeUInt16LE(value.length, 14 + 8 * i);
    out.writeUInt32LE(at, 16 + 8 * i);
    at += value.length;
  }
  out.writeUInt32LE((AUTHENTICATE_FLAGS | (guest ? 0 : NEGOTIATE_ANONYMOUS)) >>> 0, 60);
  out.writeUInt8(NTLM_REVISION_W2K3, AUTHENTICATE_FIXED + 7);
  return Buffer.concat([out, ...fields]);
}

export interface NtlmChallenge {
  readonly flags: number;
  readonly targetName?: string;
  readonly nbComputerName?: string;
  readonly nbDomainName?: string;
  readonly dnsComputerName?: string;
  readonly dnsDomainName?: string;
  readonly dnsTreeName?: string;
  readonly timestamp?: string;
  /** The server's OS version as NTLM reports it: major.minor.build (Windows 10 and 11 both say 10.0). */
  readonly version?: { readonly major: number; readonly minor: number; readonly build: number; readonly ntlmRevision: number };
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `NTLMSSP CHALLENGE: ${what}`);
}

/** A (length, max length, offset) field's bytes, bounded by the message. */
function payload(message: Buffer, at: number, what: string): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (length === 0) return Buffer.alloc(0);
  if (offset < CHALLENGE_FIXED || offset + length > message.length)
    throw malformed(`${what} at ${offset}+${length} lies outside the ${message.length}-byte message`);
  return message.subarray(offset, offset + length);
}

export function parseNtlmChallenge(message: Buffer): NtlmChallenge {
  if (message.length < CHALLENGE_FIXED) throw malformed(`${message.length} bytes, shorter than ${CHALLENGE_FIXED}`);
  if (!message.subarray(0, 8).equals(NTLMSSP_SIGNATURE)) throw malformed('no NTLMSSP signature');
  const type = message.readUInt32LE(8);
  if (type !== CHALLENGE_MESSAGE) throw malformed(`message type ${type}, expected 2`);
  const flags = message.readUInt32LE(20);
  const out: { -readonly [K in keyof NtlmChallenge]: NtlmChallenge[K] } = { flags };
  const target = payload(message, 12, 'target name');
  if (target.length > 0) out.targetName = (flags & 1) !== 0 ? target.toString('utf16le') : target.toString('latin1');
  Object.assign(out, parseAvPairs(payload(message, 40, 'target info')));
  // The version block sits before the payload; a server that puts its payload right after the fixed part has none.
  const payloadStart = Math.min(...[12, 40].map((at) => message.readUInt32LE(at + 4) || message.length));
  if ((flags & NEGOTIATE_VERSION) !== 0 && payloadStart >= CHALLENGE_FIXED + VERSION_BYTES && message.length >= CHALLENGE_FIXED + VERSION_BYTES) {
    out.version = {
      major: message.readUInt8(48),
      minor: message.readUInt8(49),
      build: message.readUInt16LE(50),
      ntlmRevision: message.readUInt8(55),
    };
  }
  return out;
}

type AvFacts = { -readonly [K in (typeof AV_NAMES)[keyof typeof AV_NAMES] | 'timestamp']?: string };

/** AV pairs until MsvAvEOL; each must fit, an id seen twice keeps its first value. */
export function parseAvPairs(info: Buffer): AvFacts {
  const out: AvFacts = {};
  let at = 0;
  while (at + 4 <= info.length) {
    const id = info.readUInt16LE(at);
    const length = info.readUInt16LE(at + 2);
    if (id === AV_EOL) return out;
    if (at + 4 + length > info.length) throw malformed(`AV pair ${id} announces ${length} bytes, ${info.length - at - 4} left`);
    const value = info.subarray(at + 4, at + 4 + length);
    const name = AV_NAMES[id as keyof typeof AV_NAMES];
    if (name !== undefined) out[name] ??= value.toString('utf16le');
    else if (id === AV_TIMESTAMP && length === 8) {
      const time = filetimeToIso(value.readBigUInt64LE(0));
      if (time !== undefined) out.timestamp ??= time;
    }
    at += 4 + length;
  }
  if (info.length > 0) throw malformed('target info ends without MsvAvEOL');
  return out;
}

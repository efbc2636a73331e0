import { ProbeUnavailable } from '../types.ts';

/** RFC 1006 framing, shared with S7's ISO-on-TCP; the probe's read bound (MAX_CONFIRM_BYTES) caps the length. */
export { tpktFrameLength } from '../s7/frame.ts';

/**
 * RDP's first exchange (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): a TPKT header (RFC 1006: version 3, a
 * reserved byte, the big-endian total length), an X.224 Connection Request or Confirm TPDU
 * (ISO 8073 class 0), and RDP's little-endian negotiation structure. The only request this agent
 * builds is a Connection Request carrying RDP_NEG_REQ: it asks which security protocol the server
 * will use and starts nothing else (no cookie, no routing token, no MCS, no credentials).
 */
export const SECURITY_PROTOCOLS = { ssl: 0x01, hybrid: 0x02, rdstls: 0x04, 'hybrid-ex': 0x08, rdsaad: 0x10 } as const;
export type SecurityProtocol = keyof typeof SECURITY_PROTOCOLS;
/** What RDP_NEG_RSP may select: the flags above, or 0 for standard RDP security. */
export type SelectedProtocol = 'standard' | SecurityProtocol;

/** RDP_NEG_FAILURE codes (MS-RDPBCGR 2.2.1.2.2). */
export const FAILURE_CODES: Readonly<Record<number, string>> = {
  1: 'ssl-required-by-server',
  2: 'ssl-not-allowed-by-server',
  3: 'ssl-cert-not-on-server',
  4: 'inconsistent-flags',
  5: 'hybrid-required-by-server',
  6: 'ssl-with-user-auth-required-by-server',
};

export const TPKT_BYTES = 4;
/** LI, code, DST-REF, SRC-REF, class. */
export const X224_FIXED_BYTES = 7;
export const NEG_BYTES = 8;
export const CONNECTION_REQUEST = 0xe0;
export const CONNECTION_CONFIRM = 0xd0;
export const NEG_REQ = 0x01;
export const NEG_RSP = 0x02;
export const NEG_FAILURE = 0x03;
/** A Connection Confirm is 11 or 19 bytes; anything near this is not one. */
export const MAX_CONFIRM_BYTES = 64;

export type Negotiation =
  /** No RDP_NEG_RSP at all: a server that predates negotiation, so standard RDP security only. */
  | { readonly kind: 'none' }
  | { readonly kind: 'selected'; readonly protocol: SelectedProtocol | `unknown-0x${string}`; readonly flags: number }
  | { readonly kind: 'failure'; readonly code: number; readonly reason: string };

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `X.224 Connection Confirm: ${what}`);
}

/** The Connection Request offering exactly `offer` (an empty offer asks for standard RDP security). */
export function buildConnectionRequest(offer: readonly SecurityProtocol[]): Buffer {
  let requested = 0;
  for (const p of offer) {
    const flag = SECURITY_PROTOCOLS[p];
    if (flag === undefined) throw new ProbeUnavailable('denied', `RDP security protocol ${String(p)} is not one this agent offers`);
    requested |= flag;
  }
  const out = Buffer.alloc(TPKT_BYTES + X224_FIXED_BYTES + NEG_BYTES);
  out.writeUInt8(3, 0);
  out.writeUInt16BE(out.length, 2);
  // LI counts the TPDU after itself: the fixed part and the negotiation request.
  out.writeUInt8(X224_FIXED_BYTES - 1 + NEG_BYTES, 4);
  out.writeUInt8(CONNECTION_REQUEST, 5);
  out.writeUInt8(NEG_REQ, 11);
  out.writeUInt16LE(NEG_BYTES, 13);
  out.writeUInt32LE(requested, 15);
  return out;
}

function selected(value: number): Negotiation & { kind: 'selected' } {
  if (value === 0) return { kind: 'selected', protocol: 'standard', flags: 0 };
  const name = (Object.keys(SECURITY_PROTOCOLS) as SecurityProtocol[]).find((p) => SECURITY_PROTOCOLS[p] === value);
  return { kind: 'selected', protocol: name ?? `unknown-0x${value.toString(16)}`, flags: 0 };
}

/** The negotiation result of one complete TPKT frame holding a Connection Confirm. */
export function parseConnectionConfirm(frame: Buffer): Negotiation {
  if (frame.length < TPKT_BYTES + X224_FIXED_BYTES) throw malformed(`${frame.length} bytes, shorter than a TPKT and X.224 header`);
  if (frame.readUInt16BE(2) !== frame.length) throw malformed(`TPKT length ${frame.readUInt16BE(2)} does not match the ${frame.length}-byte frame`);
  const li = frame.readUInt8(4);
  if (li !== frame.length - TPKT_BYTES - 1) throw malformed(`length indicator ${li} does not match the ${frame.length - TPKT_BYTES - 1} bytes that follow`);
  const code = frame.readUInt8(5) & 0xf0;
  if (code !== CONNECTION_CONFIRM) throw malformed(`TPDU code 0x${code.toString(16)}, expected a Connection Confirm (0xd0)`);
  const variable = frame.subarray(TPKT_BYTES + X224_FIXED_BYTES);
  if (variable.length === 0) return { kind: 'none' };
  if (variable.length !== NEG_BYTES) throw malformed(`${variable.length} bytes after the X.224 header, expected none or an ${NEG_BYTES}-byte negotiation`);
  const type = variable.readUInt8(0);
  const flags = variable.readUInt8(1);
  const length = variable.readUInt16LE(2);
  if (length !== NEG_BYTES) throw malformed(`negotiation length ${length}, expected ${NEG_BYTES}`);
  const value = variable.readUInt32LE(4);
  if (type === NEG_RSP) return { ...selected(value), flags };
  if (type === NEG_FAILURE) return { kind: 'failure', code: value, reason: FAILURE_CODES[value] ?? `unknown-${value}` };
  throw malformed(`negotiation type 0x${type.toString(16)} is neither a response nor a failure`);
}

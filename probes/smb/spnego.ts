import { ProbeUnavailable } from '../types.ts';

/**
 * The few DER shapes of SPNEGO (RFC 4178) an SMB negotiation carries: our NegTokenInit around
 * an NTLMSSP token, the server's NegTokenResp around its CHALLENGE, and the mechanism list a
 * server hints in its NEGOTIATE response. Every element is read by its tag and length, at fixed
 * nesting (no recursion a hostile token could deepen).
 */
const SPNEGO_OID = '1.3.6.1.5.5.2';
export const MECHANISMS: Readonly<Record<string, string>> = {
  '1.3.6.1.4.1.311.2.2.10': 'NTLMSSP',
  '1.2.840.48018.1.2.2': 'Kerberos (Microsoft)',
  '1.2.840.113554.1.2.2': 'Kerberos',
  '1.2.840.113554.1.2.2.3': 'Kerberos user-to-user',
  '1.3.6.1.4.1.311.2.2.30': 'NEGOEX',
};
const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
export const NTLMSSP_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

interface Tlv {
  readonly tag: number;
  readonly value: Buffer;
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `SPNEGO token: ${what}`);
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const value = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

function encodeOid(oid: string): Buffer {
  const [a = 0, b = 0, ...rest] = oid.split('.').map(Number);
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function decodeOid(value: Buffer): string {
  if (value.length === 0) throw malformed('empty OID');
  const first = value[0] as number;
  const arcs = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let arc = 0;
  for (const byte of value.subarray(1)) {
    arc = arc * 128 + (byte & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw malformed('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(arc);
      arc = 0;
    }
  }
  return arcs.join('.');
}

/** The elements of `buf` in order; each must fit entirely. Only definite lengths of up to 3 bytes (16 MiB) exist here. */
function readAll(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 2 > buf.length) throw malformed(`element at ${at} is cut off`);
    const tag = buf[at] as number;
    let length = buf[at + 1] as number;
    let head = 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 3) throw malformed(`length of ${bytes} bytes at ${at}`);
      if (at + 2 + bytes > buf.length) throw malformed(`length at ${at} is cut off`);
      length = buf.readUIntBE(at + 2, bytes);
      head += bytes;
    }
    if (at + head + length > buf.length) throw malformed(`element 0x${tag.toString(16)} announces ${length} bytes, ${buf.length - at - head} left`);
    out.push({ tag, value: buf.subarray(at + head, at + head + length) });
    at += head + length;
  }
  return out;
}

function only(buf: Buffer, tag: number, what: string): Buffer {
  const [first, ...more] = readAll(buf);
  if (!first || first.tag !== tag || more.length > 0) throw malformed(`expected one ${what} (0x${tag.toString(16)})`);
  return first.value;
}

/** NegTokenInit proposing NTLMSSP alone, with our NTLMSSP NEGOTIATE as its mechToken. */
export function wrapNtlmNegotiate(token: Buffer): Buffer {
  const init = tlv(0x30, tlv(0xa0, tlv(0x30, encodeOid(NTLMSSP_OID))), tlv(0xa2, tlv(0x04, token)));
  return tlv(0x60, encodeOid(SPNEGO_OID), tlv(0xa0, init));
}

/** NegTokenResp carrying our AUTHENTICATE as its responseToken (the second leg, after the server chose NTLMSSP). */
export function wrapNtlmAuthenticate(token: Buffer): Buffer {
  return tlv(0xa1, tlv(0x30, tlv(0xa2, tlv(0x04, token))));
}

/** The NTLMSSP token a server answered with: raw, or as the responseToken of a NegTokenResp. */
export function unwrapNtlmToken(blob: Buffer): Buffer {
  if (blob.subarray(0, 8).equals(NTLMSSP_SIGNATURE)) return blob;
  const fields = readAll(only(only(blob, 0xa1, 'NegTokenResp'), 0x30, 'NegTokenResp sequence'));
  const token = fields.find((f) => f.tag === 0xa2);
  if (!token) throw malformed('NegTokenResp without a responseToken');
  return only(token.value, 0x04, 'responseToken octet string');
}

/**
 * Mechanisms a server lists in the NegTokenInit(2) of its NEGOTIATE response, as names (an
 * unknown OID as itself); empty when the server sent no token.
 */
export function hintedMechanisms(blob: Buffer): string[] {
  if (blob.length === 0) return [];
  const app = readAll(only(blob, 0x60, 'GSS-API InitialContextToken'));
  const [oid, inner] = app;
  if (oid?.tag !== 0x06 || decodeOid(oid.value) !== SPNEGO_OID || !inner || inner.tag !== 0xa0) throw malformed('not an SPNEGO NegTokenInit');
  const fields = readAll(only(inner.value, 0x30, 'NegTokenInit sequence'));
  const types = fields.find((f) => f.tag === 0xa0);
  if (!types) return [];
  return readAll(only(types.value, 0x30, 'mechTypes sequence')).map((m) => {
    if (m.tag !== 0x06) throw malformed('mechTypes holds a non-OID');
    const id = decodeOid(m.value);
    return MECHANISMS[id] ?? id;
  });
}

import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { VncSecurityType } from './facts.ts';
import { VncFacts } from './facts.ts';
import { printableText } from './text.ts';

/** RFB security type names (IANA "Remote Framebuffer Security Types" registry, RFC 6143 7.2). */
const SECURITY_TYPE_NAMES: Record<number, string> = {
  0: 'Invalid',
  1: 'None',
  2: 'VNC Authentication',
  5: 'RA2',
  6: 'RA2ne',
  16: 'Tight',
  17: 'Ultra',
  18: 'TLS',
  19: 'VeNCrypt',
  20: 'GTK-VNC SASL',
  21: 'MD5 hash authentication',
  22: 'Colin Dean xvp',
  23: 'Secure Tunnel',
  24: 'Integrated SSH',
  30: 'Apple Diffie-Hellman',
};

export function securityTypeName(code: number): string {
  return SECURITY_TYPE_NAMES[code] ?? (code >= 128 ? 'RealVNC vendor' : 'unassigned');
}

const VERSION_BYTES = 12;
/** Longest refusal reason kept; the read bound for the whole security message follows from it. */
const MAX_REASON = 1024;
const MAX_SECURITY_BYTES = 1 + 4 + MAX_REASON;

export interface RfbVersion {
  readonly major: number;
  readonly minor: number;
  /** As sent, e.g. `003.008`. */
  readonly text: string;
}

/** Always 12 bytes; a peer that does not start with `RFB ` is told apart without waiting for them. */
export function rfbVersionLength(buf: Buffer): number {
  const prefix = 'RFB ';
  for (let i = 0; i < Math.min(prefix.length, buf.length); i += 1) {
    if (buf[i] !== prefix.charCodeAt(i)) throw new ProbeUnavailable('protocol-mismatch', 'server did not start with `RFB `');
  }
  return VERSION_BYTES;
}

/** Parses the 12-byte ProtocolVersion message `RFB xxx.yyy\n`. */
export function parseRfbVersion(bytes: Uint8Array): RfbVersion {
  const text = Buffer.from(bytes).toString('latin1');
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
  if (!m) throw new ProbeUnavailable('protocol-mismatch', 'first 12 bytes are not an RFB ProtocolVersion');
  return { major: Number(m[1]), minor: Number(m[2]), text: `${m[1]}.${m[2]}` };
}

/**
 * The version we answer with: the highest of 3.3, 3.7, 3.8 not above the server's (RFC 6143 7.1.1;
 * unknown minors such as 3.4-3.6 and Apple's 3.889 are read as the version below them).
 */
export function clientVersionFor(server: RfbVersion): '003.003' | '003.007' | '003.008' {
  if (server.major > 3 || (server.major === 3 && server.minor >= 8)) return '003.008';
  if (server.major === 3 && server.minor === 7) return '003.007';
  return '003.003';
}

/** Length of the server's security message for the version in use, undefined while incomplete. */
export function securityMessageLength(version: string, buf: Buffer): number | undefined {
  // 3.3: uint32 type; 3.7+: count then types. A zero type/count is followed by a reason string.
  const head = version === '003.003' ? 4 : 1;
  if (buf.length < head) return undefined;
  const value = version === '003.003' ? buf.readUInt32BE(0) : (buf[0] as number);
  if (value !== 0) return version === '003.003' ? 4 : 1 + value;
  if (buf.length < head + 4) return undefined;
  const reasonLength = buf.readUInt32BE(head);
  if (reasonLength > MAX_REASON) throw new ProbeUnavailable('malformed', `refusal reason of ${reasonLength} bytes announced`);
  return head + 4 + reasonLength;
}

/** Reads the complete security message as cut by securityMessageLength. */
export function parseSecurityMessage(version: string, frame: Buffer): { securityTypes: VncSecurityType[]; refusal?: string } {
  const head = version === '003.003' ? 4 : 1;
  const value = version === '003.003' ? frame.readUInt32BE(0) : (frame[0] as number);
  if (value === 0) return { securityTypes: [], refusal: printableText(frame.subarray(head + 4), MAX_REASON).text.trim() };
  if (version === '003.003') {
    if (value > 255) throw new ProbeUnavailable('malformed', `security type ${value} does not fit RFB 3.3`);
    return { securityTypes: [{ code: value, name: securityTypeName(value) }] };
  }
  const codes = [...frame.subarray(1, 1 + value)];
  return { securityTypes: codes.map((code) => ({ code, name: securityTypeName(code) })) };
}

async function run(ctx: ProbeContext): Promise<VncFacts> {
  const session = await TcpSession.open(ctx, vncProbe.id);
  try {
    const server = parseRfbVersion(await session.readFrame(rfbVersionLength, { op: 'vnc.server-version', maxBytes: VERSION_BYTES }));
    const clientVersion = clientVersionFor(server);
    await session.write('vnc.client-version', Buffer.from(`RFB ${clientVersion}\n`, 'latin1'));
    const frame = await session.readFrame((buf) => securityMessageLength(clientVersion, buf), { op: 'vnc.security-types', maxBytes: MAX_SECURITY_BYTES });
    // We close here without choosing a type: choosing one would start an authentication.
    const security = parseSecurityMessage(clientVersion, frame);
    const facts: VncFacts = { serverVersion: server.text, clientVersion, securityTypes: security.securityTypes };
    if (security.refusal !== undefined) facts.refusal = security.refusal;
    return facts;
  } finally {
    await session.close();
  }
}

export const vncProbe: ProbeDefinition<VncFacts> = {
  id: 'vnc.rfb',
  version: 1,
  protocol: 'vnc',
  safety: 'identify',
  ops: ['tcp.connect', 'vnc.client-version'],
  transport: 'tcp',
  facts: VncFacts,
  run,
};

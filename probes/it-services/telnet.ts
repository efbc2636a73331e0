import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { TelnetNegotiation } from './facts.ts';
import { TelnetFacts } from './facts.ts';
import { printableText } from './text.ts';

const IAC = 255;
const SB = 250;
const SE = 240;
const VERBS: Record<number, TelnetNegotiation['verb']> = { 251: 'WILL', 252: 'WONT', 253: 'DO', 254: 'DONT' };
/** Bytes read from the server; a login banner is far smaller. */
const MAX_BYTES = 4096;
/** Distinct negotiations kept; a peer repeating options cannot grow the facts. */
const MAX_NEGOTIATIONS = 64;
const IDLE_MS = 800;

export interface ParsedTelnet {
  readonly negotiation: TelnetNegotiation[];
  /** Data bytes with every IAC sequence removed (an escaped 255 stays as data). */
  readonly data: Buffer;
  /** Number of IAC sequences seen (also malformed or cut ones). */
  readonly commands: number;
}

/**
 * Splits what a telnet server sent into negotiation and data (RFC 854/855). Sequences cut by the
 * end of the read are dropped; a subnegotiation without IAC SE runs to the end of the bytes.
 */
export function parseTelnet(bytes: Uint8Array): ParsedTelnet {
  const negotiation: TelnetNegotiation[] = [];
  const seen = new Set<string>();
  const data: number[] = [];
  let commands = 0;
  const add = (n: TelnetNegotiation) => {
    const key = `${n.verb}:${n.option}`;
    if (seen.has(key) || negotiation.length >= MAX_NEGOTIATIONS) return;
    seen.add(key);
    negotiation.push(n);
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b !== IAC) {
      data.push(b);
      i += 1;
      continue;
    }
    const cmd = bytes[i + 1];
    if (cmd === undefined) break;
    commands += 1;
    if (cmd === IAC) {
      data.push(IAC);
      i += 2;
    } else if (VERBS[cmd] !== undefined) {
      const option = bytes[i + 2];
      if (option === undefined) break;
      add({ verb: VERBS[cmd], option });
      i += 3;
    } else if (cmd === SB) {
      const option = bytes[i + 2];
      if (option === undefined) break;
      add({ verb: 'SB', option });
      let j = i + 3;
      while (j < bytes.length && !(bytes[j] === IAC && bytes[j + 1] === SE)) j += 1;
      i = j + 2;
    } else {
      i += 2;
    }
  }
  return { negotiation, data: Buffer.from(data), commands };
}

/** Turns the server's first bytes into facts; bytes that are neither negotiation nor text are not telnet. */
export function telnetFacts(bytes: Uint8Array): TelnetFacts {
  const parsed = parseTelnet(bytes);
  const { text, truncated } = printableText(parsed.data);
  const printable = parsed.data.filter((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09 || b === 0).length;
  if (parsed.commands === 0 && printable < parsed.data.length * 0.8) {
    throw new ProbeUnavailable('protocol-mismatch', `${bytes.length} bytes without telnet negotiation and mostly not text`);
  }
  const banner = text.trim();
  return {
    reachable: true,
    bytesReceived: bytes.length,
    negotiation: parsed.negotiation,
    banner,
    bannerTruncated: truncated,
    loginPrompt: /\b(?:login|username|user name|user)\s*:/i.test(banner),
    passwordPrompt: /\bpass(?:word|code)?\s*:/i.test(banner),
  };
}

/** The first bytes of any reply, however short, complete the first read. */
const anyBytes = (buf: Buffer): number | undefined => (buf.length > 0 ? Math.min(buf.length, MAX_BYTES) : undefined);

async function run(ctx: ProbeContext): Promise<TelnetFacts> {
  const session = await TcpSession.open(ctx, telnetProbe.id);
  try {
    // We only listen: answering negotiation or typing at a prompt would start a login.
    const first = await session.readFrame(anyBytes, { op: 'telnet.banner', maxBytes: MAX_BYTES }).catch((err: unknown) => {
      if (err instanceof ProbeUnavailable && err.kind === 'timeout') {
        throw new ProbeUnavailable('timeout', `nothing received within ${ctx.stepTimeoutMs} ms; a telnet server negotiates or greets first`);
      }
      throw err;
    });
    const rest =
      first.length < MAX_BYTES
        ? await session.readIdle(Math.min(IDLE_MS, ctx.stepTimeoutMs), { op: 'telnet.banner', maxBytes: MAX_BYTES - first.length })
        : Buffer.alloc(0);
    return telnetFacts(Buffer.concat([first, rest]));
  } finally {
    await session.close();
  }
}

export const telnetProbe: ProbeDefinition<TelnetFacts> = {
  id: 'telnet.banner',
  version: 1,
  protocol: 'telnet',
  safety: 'identify',
  ops: ['tcp.connect'],
  transport: 'tcp',
  facts: TelnetFacts,
  run,
};

import { ProbeUnavailable } from '../types.ts';

/**
 * Niagara Fox (Tridium), the station protocol on TCP 1911 (4911 in TLS): text messages of a
 * header line (`fox a <n> -1 <channel> <command>`), a `{`, one `name=type:value` line per field
 * and a closing `};;`. The client's hello opens every connection and the station answers with its
 * own hello, which describes the station before anyone has logged in. That exchange is the only
 * one this agent may start: buildHello takes no input, so a login or any other command cannot be
 * expressed.
 */
export const HELLO_REQUEST = 'fox a 1 -1 fox hello\n{\nfox.version=s:1.0\nid=i:1\n};;\n';

const FRAME_END = '};;';
/** A station's hello is 1 to 2 KB (its sysInfo object is the long part); more is not a hello. */
export const MAX_HELLO_BYTES = 16 * 1024;
/** Fields kept from one hello; a station sends about twenty. */
export const MAX_FIELDS = 64;
/** Longest value kept per field (a time zone rule or sysInfo object may be long). */
export const MAX_VALUE_CHARS = 512;

export interface FoxField {
  readonly name: string;
  /** Fox type code: s string, i integer, b boolean, o object, and others. */
  readonly type: string;
  readonly value: string;
}

export interface FoxHello {
  /** The header line, e.g. `fox a 0 -1 fox hello`. */
  readonly header: string;
  readonly fields: readonly FoxField[];
}

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `Fox hello reply: ${what}`);
}

export function buildHello(): Buffer {
  return Buffer.from(HELLO_REQUEST, 'latin1');
}

/** FrameLength for TcpSession.readFrame: up to and including `};;`, once the bytes start as a Fox message. */
export function helloFrameLength(buf: Buffer): number | undefined {
  const start = buf.subarray(0, 4).toString('latin1');
  if (!'fox '.startsWith(start)) throw malformed(`starts with ${JSON.stringify(start)}, not a Fox message`);
  const end = buf.indexOf(FRAME_END, 0, 'latin1');
  if (end < 0) return undefined;
  return end + FRAME_END.length;
}

const FIELD = /^([A-Za-z0-9_.]+)=([a-z]):(.*)$/;

/**
 * The header and fields of one complete hello frame. A line that is no `name=type:value` continues
 * the value before it (a multi-line object such as sysInfo); fields past MAX_FIELDS are dropped.
 */
export function parseHello(frame: Buffer): FoxHello {
  const text = frame.toString('latin1');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const header = lines[0]?.trim() ?? '';
  if (!/^fox [a-z] -?\d+ -?\d+ \S+ \S+$/.test(header)) throw malformed(`header ${JSON.stringify(header.slice(0, 80))} is not a Fox message header`);
  if (lines[1]?.trim() !== '{') throw malformed('no "{" after the header');
  const last = lines.at(-1)?.trim();
  if (last !== FRAME_END) throw malformed(`ends with ${JSON.stringify(last?.slice(0, 40))}, not "};;"`);
  const fields: { name: string; type: string; value: string }[] = [];
  for (const line of lines.slice(2, -1)) {
    const m = FIELD.exec(line);
    const previous = fields.at(-1);
    if (m?.[1] && m[2] && m[3] !== undefined) {
      if (fields.length < MAX_FIELDS) fields.push({ name: m[1], type: m[2], value: m[3].slice(0, MAX_VALUE_CHARS) });
    } else if (previous && previous.value.length < MAX_VALUE_CHARS) {
      previous.value = `${previous.value}\n${line}`.slice(0, MAX_VALUE_CHARS);
    }
  }
  return { header, fields };
}

/** The channel and command of a header (`fox hello`), which a station's answer must repeat. */
export function headerCommand(header: string): string {
  return header.split(' ').slice(4).join(' ');
}

import { ProbeUnavailable } from '../types.ts';

/**
 * MQTT 3.1.1 control packets (OASIS MQTT 3.1.1, section 2 and 3): a fixed header (type in the
 * high nibble, flags in the low one, then the remaining length as 1-4 base-128 bytes), a variable
 * header and a payload. The agent builds only CONNECT without credentials or will, SUBSCRIBE to
 * the one topic that names the broker's version, and DISCONNECT: it can never publish.
 */
export const PACKET_TYPES = { connect: 1, connack: 2, publish: 3, subscribe: 8, suback: 9, disconnect: 14 } as const;

/** The only topic this agent may subscribe to: Mosquitto's (and several other brokers') version. */
export const VERSION_TOPIC = '$SYS/broker/version';
/** Protocol level 4 is MQTT 3.1.1. */
export const PROTOCOL_LEVEL = 4;
/** CONNACK and SUBACK are 4-5 bytes; a version PUBLISH is well under this. */
export const MAX_PACKET_BYTES = 1024;

/** CONNACK return codes (3.2.2.3). */
export const CONNACK_CODES: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'unacceptable-protocol-version',
  2: 'identifier-rejected',
  3: 'server-unavailable',
  4: 'bad-user-name-or-password',
  5: 'not-authorized',
};

function malformed(what: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `MQTT packet: ${what}`);
}

const utf8 = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
};

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return Buffer.from(out);
}

function packet(type: number, flags: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 4) | flags]), remainingLength(body.length), body]);
}

/** CONNECT, protocol level 4, clean session, no user name, password or will. */
export function buildConnect(clientId: string, keepAliveSeconds: number): Buffer {
  if (!/^[0-9A-Za-z]{1,23}$/.test(clientId)) throw new ProbeUnavailable('error', 'client id must be 1-23 letters and digits (3.1.3.1)');
  const keepAlive = Buffer.alloc(2);
  keepAlive.writeUInt16BE(keepAliveSeconds, 0);
  const CLEAN_SESSION = 0x02;
  return packet(PACKET_TYPES.connect, 0, Buffer.concat([utf8('MQTT'), Buffer.from([PROTOCOL_LEVEL, CLEAN_SESSION]), keepAlive, utf8(clientId)]));
}

/** SUBSCRIBE (flags 0b0010 as 3.8.1 requires) to VERSION_TOPIC at QoS 0; any other topic is refused. */
export function buildVersionSubscribe(packetId: number, topic: string = VERSION_TOPIC): Buffer {
  if (topic !== VERSION_TOPIC) throw new ProbeUnavailable('denied', `subscribing to ${topic} is not on the read-only allow-list`);
  const id = Buffer.alloc(2);
  id.writeUInt16BE(packetId, 0);
  return packet(PACKET_TYPES.subscribe, 0x2, Buffer.concat([id, utf8(topic), Buffer.from([0])]));
}

export const buildDisconnect = (): Buffer => packet(PACKET_TYPES.disconnect, 0, Buffer.alloc(0));

/** First bytes a broker may send to this agent: CONNACK, PUBLISH (any flags) and SUBACK. */
const EXPECTED_FIRST = (first: number) => first === 0x20 || first >> 4 === PACKET_TYPES.publish || first === 0x90;

/** FrameLength for TcpSession.readFrame: a packet a broker may send us, bounded before any wait. */
export function mqttFrameLength(buf: Buffer): number | undefined {
  const first = buf[0];
  if (first !== undefined && !EXPECTED_FIRST(first)) throw malformed(`first byte 0x${first.toString(16)} is no CONNACK, PUBLISH or SUBACK`);
  return packetLength(buf);
}

/** Fixed header plus remaining length of any packet, bounded before any wait. */
export function packetLength(buf: Buffer): number | undefined {
  let length = 0;
  for (let i = 1; i <= 4; i += 1) {
    if (buf.length <= i) return undefined;
    const byte = buf[i] as number;
    length += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) {
      if (1 + i + length > MAX_PACKET_BYTES) throw malformed(`remaining length ${length} exceeds the ${MAX_PACKET_BYTES} bytes a reply to this agent can need`);
      return 1 + i + length;
    }
  }
  throw malformed('remaining length runs past four bytes');
}

export interface MqttPacket {
  readonly type: number;
  readonly flags: number;
  readonly body: Buffer;
}

/** Splits one complete frame into its type, flags and body. */
export function parsePacket(frame: Buffer): MqttPacket {
  const total = packetLength(frame);
  if (total !== frame.length) throw malformed(`frame of ${frame.length} bytes does not hold exactly one packet`);
  let lengthEnd = 1;
  while (((frame[lengthEnd] as number) & 0x80) !== 0) lengthEnd += 1;
  const first = frame[0] as number;
  return { type: first >> 4, flags: first & 0x0f, body: frame.subarray(lengthEnd + 1) };
}

export interface Connack {
  readonly sessionPresent: boolean;
  readonly returnCode: number;
}

export function parseConnack(p: MqttPacket): Connack {
  if (p.type !== PACKET_TYPES.connack) throw malformed(`type ${p.type} where CONNACK (2) must come first`);
  if (p.body.length !== 2) throw malformed(`CONNACK of ${p.body.length} bytes, expected 2`);
  const flags = p.body.readUInt8(0);
  if ((flags & 0xfe) !== 0) throw malformed(`CONNACK reserved flags 0x${flags.toString(16)} set`);
  return { sessionPresent: (flags & 1) === 1, returnCode: p.body.readUInt8(1) };
}

/** SUBACK's single return code for our single topic: 0-2 granted QoS, 0x80 failure. */
export function parseSuback(p: MqttPacket, packetId: number): number {
  if (p.type !== PACKET_TYPES.suback) throw malformed(`type ${p.type} where SUBACK (9) was expected`);
  if (p.body.length !== 3) throw malformed(`SUBACK of ${p.body.length} bytes for one topic, expected 3`);
  if (p.body.readUInt16BE(0) !== packetId) throw malformed(`SUBACK for packet id ${p.body.readUInt16BE(0)}, sent ${packetId}`);
  return p.body.readUInt8(2);
}

export interface Publish {
  readonly topic: string;
  readonly payload: Buffer;
}

/** A PUBLISH: topic, packet id when QoS > 0, payload. */
export function parsePublish(p: MqttPacket): Publish {
  if (p.type !== PACKET_TYPES.publish) throw malformed(`type ${p.type} where PUBLISH (3) was expected`);
  const qos = (p.flags >> 1) & 3;
  if (qos === 3) throw malformed('PUBLISH with QoS 3');
  if (p.body.length < 2) throw malformed('PUBLISH without a topic length');
  const topicLength = p.body.readUInt16BE(0);
  const payloadAt = 2 + topicLength + (qos > 0 ? 2 : 0);
  if (payloadAt > p.body.length) throw malformed(`topic of ${topicLength} bytes runs past the ${p.body.length}-byte packet`);
  return { topic: p.body.subarray(2, 2 + topicLength).toString('utf8'), payload: p.body.subarray(payloadAt) };
}

import { randomBytes } from 'node:crypto';
import { type Carrier, interruption, onOneConnection, openingOp } from '../exchange.ts';
import { printableText } from '../it-services/text.ts';
import type { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { MqttConnectFacts } from './facts.ts';
import {
  buildConnect,
  buildDisconnect,
  buildVersionSubscribe,
  CONNACK_CODES,
  MAX_PACKET_BYTES,
  type MqttPacket,
  mqttFrameLength,
  PACKET_TYPES,
  parseConnack,
  parsePacket,
  parsePublish,
  parseSuback,
  VERSION_TOPIC,
} from './packets.ts';

const PROBE_ID = 'mqtt.connect';
const OPS = { connect: 'mqtt.connect', subscribe: 'mqtt.subscribe-version', disconnect: 'mqtt.disconnect' } as const;
/** Long enough for the few round trips here; a broker drops a client idle for 1.5 times this. */
const KEEP_ALIVE_S = 10;
/** A retained $SYS value comes right after SUBACK; a broker without it would keep us waiting. */
const VERSION_WAIT_MS = 1000;
const SUBSCRIBE_ID = 1;

const read = (session: TcpSession, op: string, timeoutMs?: number): Promise<MqttPacket> =>
  session.readFrame(mqttFrameLength, { op, maxBytes: MAX_PACKET_BYTES, ...(timeoutMs === undefined ? {} : { timeoutMs }) }).then(parsePacket);

/** SUBSCRIBE to the version topic, then its SUBACK and the retained PUBLISH (which may come first). */
async function readVersion(ctx: ProbeContext, session: TcpSession, facts: MqttConnectFacts): Promise<void> {
  await session.write(OPS.subscribe, buildVersionSubscribe(SUBSCRIBE_ID));
  facts.requestsSent += 1;
  const wait = Math.min(VERSION_WAIT_MS, ctx.stepTimeoutMs);
  let granted: boolean | undefined;
  for (;;) {
    let p: MqttPacket;
    try {
      p = await read(session, 'mqtt.reply', granted === undefined ? undefined : wait);
    } catch (err) {
      if (granted && err instanceof ProbeUnavailable && err.kind === 'timeout') {
        facts.versionTopic = 'silent';
        return;
      }
      throw err;
    }
    if (p.type === PACKET_TYPES.publish) {
      const publish = parsePublish(p);
      if (publish.topic !== VERSION_TOPIC) continue;
      facts.versionTopic = 'read';
      facts.brokerVersion = printableText(publish.payload, 100).text.trim();
      return;
    }
    if (granted !== undefined) throw new ProbeUnavailable('malformed', `MQTT packet type ${p.type} while waiting for the version PUBLISH`);
    granted = parseSuback(p, SUBSCRIBE_ID) < 0x80;
    if (!granted) {
      facts.versionTopic = 'denied';
      return;
    }
  }
}

/**
 * Opt-in: one CONNECT without user name or password (MQTT 3.1.1, clean session), which a broker
 * logs as a client login. Only when CONNACK accepts it, the broker's version from
 * $SYS/broker/version (one SUBSCRIBE, read-only), then DISCONNECT. Never publishes. MQTT 5.0 is
 * not tried as well: every broker that speaks 5.0 also accepts 3.1.1, and a second CONNECT would
 * be a second login for no new fact.
 */
async function connectAnonymously(ctx: ProbeContext, session: TcpSession): Promise<MqttConnectFacts> {
  await session.write(OPS.connect, buildConnect(`cellcheck${randomBytes(4).toString('hex')}`, KEEP_ALIVE_S));
  const connack = parseConnack(await read(session, 'mqtt.connack'));
  const code = connack.returnCode;
  const facts: MqttConnectFacts = {
    protocolLevel: 4,
    returnCode: code,
    returnName: CONNACK_CODES[code] ?? `reserved-${code}`,
    sessionPresent: connack.sessionPresent,
    anonymous: code === 0 ? 'accepted' : code === 4 || code === 5 ? 'refused' : 'unknown',
    versionTopic: 'not-tried',
    requestsSent: 1,
  };
  if (code !== 0) return facts;
  try {
    await readVersion(ctx, session, facts);
    await session.write(OPS.disconnect, buildDisconnect());
    facts.requestsSent += 1;
  } catch (err) {
    facts.interrupted = interruption(err);
  }
  return facts;
}

/** The anonymous CONNECT on `carrier`; both probes share the opt-in and the exchange. */
function anonymousConnectProbe(id: string, protocol: string, carrier: Carrier): ProbeDefinition<MqttConnectFacts> {
  return {
    id,
    version: 1,
    protocol,
    safety: 'read-session',
    optIn: 'mqtt.anonymous',
    ops: [openingOp(carrier), OPS.connect, OPS.subscribe, OPS.disconnect],
    transport: 'tcp',
    facts: MqttConnectFacts,
    run: (ctx) => onOneConnection(ctx, id, (session) => connectAnonymously(ctx, session), carrier),
  };
}

/** The anonymous CONNECT on cleartext MQTT (TCP 1883). */
export const mqttConnectProbe = anonymousConnectProbe(PROBE_ID, 'mqtt', 'tcp');

/**
 * The same anonymous CONNECT inside TLS (TCP 8883), under the same opt-in: one TLS handshake
 * accepting any certificate (the TLS probe judges it), then the MQTT exchange on that connection.
 */
export const mqttConnectTlsProbe = anonymousConnectProbe('mqtt.connect-tls', 'mqtt-tls', 'tls');

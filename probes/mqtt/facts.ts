import { z } from 'zod';
import { Failure } from '../types.ts';

/** The opt-in anonymous CONNECT (MQTT 3.1.1) and what followed it on the same connection. */
export const MqttConnectFacts = z.object({
  /** 4: MQTT 3.1.1, the only level offered (see probes/mqtt/probe.ts for why not 5.0 as well). */
  protocolLevel: z.literal(4),
  /** CONNACK return code: 0 accepted, 4 bad user name or password, 5 not authorized... */
  returnCode: z.number().int().min(0).max(255),
  /** The return code by its 3.1.1 name. */
  returnName: z.string(),
  sessionPresent: z.boolean(),
  /** accepted: CONNACK 0 to a CONNECT without credentials; refused: 4 or 5; unknown: any other code. */
  anonymous: z.enum(['accepted', 'refused', 'unknown']),
  /** $SYS/broker/version: read (brokerVersion holds it), denied (SUBACK 0x80), silent (no PUBLISH in time), not-tried. */
  versionTopic: z.enum(['read', 'denied', 'silent', 'not-tried']),
  brokerVersion: z.string().optional(),
  requestsSent: z.number().int().min(1),
  /** Why the version read ended early, after a CONNACK that was read. */
  interrupted: Failure.optional(),
});
export type MqttConnectFacts = z.infer<typeof MqttConnectFacts>;

import { z } from 'zod';
import { MqttConnectFacts } from '../../probes/mqtt/facts.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { allAnswered } from './open-identification.ts';
import { tlsOnlyVerdict } from './tls-only.ts';
import { defineCheckKind, type RegisteredCheckKind, tcpPorts, unavailableVerdict, type Verdict } from './types.ts';

const PROBE_ID = 'mqtt.connect';
const OPT_IN_OFF = 'the anonymous CONNECT was not tried: opt-in mqtt.anonymous is off';

/**
 * MQTT in cleartext (TCP 1883) carries user names, passwords and every message readable on the
 * wire. A CONNACK on a cleartext port shows it (fail); without the opt-in only the open port is
 * known, which is no proof of MQTT (unknown). Passes when no cleartext MQTT port is open and the
 * TLS port completed a TLS handshake.
 */
const tlsOnly = defineCheckKind({
  id: 'mqtt.tls-only',
  params: z.object({}),
  evaluate(device): Verdict {
    const cleartext = tcpPorts(device, 'mqtt');
    const expected = { cleartextPorts: [] };
    if (cleartext.length > 0) {
      const found = device.facts(PROBE_ID, MqttConnectFacts);
      if (found.state === 'unavailable') return unavailableVerdict(PROBE_ID, found);
      if (found.state === 'absent') return { status: 'unknown', observed: { openPorts: cleartext }, expected, reason: `TCP port open; ${OPT_IN_OFF}` };
      return {
        status: 'fail',
        observed: { cleartextPorts: found.facts.map((f) => ({ port: f.port, returnCode: f.facts.returnCode })) },
        expected,
        evidence: found.evidence,
      };
    }
    return tlsOnlyVerdict(device, { name: 'MQTT', cleartext: 'mqtt', tlsProtocol: 'mqtt-tls' });
  },
});

const TLS_PROBE_ID = 'mqtt.connect-tls';

/**
 * A broker that accepts a CONNECT without credentials lets anyone read and publish what its ACL
 * allows the anonymous user. Judged over both opt-in probes: in cleartext (1883) and inside TLS (8883).
 */
const anonymousRejected = defineCheckKind({
  id: 'mqtt.anonymous-rejected',
  params: z.object({}),
  evaluate(device): Verdict {
    const lookups = [PROBE_ID, TLS_PROBE_ID].map((probe) => ({ probe, found: device.facts(probe, MqttConnectFacts) }));
    const answered = lookups.flatMap(({ found }) => (found.state === 'ok' ? [found] : []));
    if (answered.length === 0) {
      const failed = lookups.find(({ found }) => found.state === 'unavailable');
      if (failed && failed.found.state === 'unavailable') return unavailableVerdict(failed.probe, failed.found);
      if (tcpPorts(device, 'mqtt').length + tcpPorts(device, 'mqtt-tls').length > 0) return { status: 'unknown', reason: OPT_IN_OFF };
      return { status: 'not-applicable', reason: 'no MQTT port found' };
    }
    const both = allAnswered(answered);
    const observed = both.facts.map(({ port, facts }) => ({ port, returnCode: facts.returnCode, anonymous: facts.anonymous }));
    const expected = { anonymous: 'refused' };
    const { evidence } = both;
    if (observed.some((o) => o.anonymous === 'accepted')) return { status: 'fail', observed, expected, evidence };
    const unanswered = lookups.filter(({ found }) => found.state === 'unavailable').map(({ probe }) => probe);
    if (unanswered.length > 0) return { status: 'unknown', observed, expected, evidence, reason: `${unanswered.join(', ')} gave no answer` };
    if (observed.every((o) => o.anonymous === 'refused')) return { status: 'pass', observed, expected, evidence };
    return { status: 'unknown', observed, expected, evidence, reason: 'CONNACK neither accepted nor refused for lack of credentials' };
  },
});

export const mqttCheckKinds: readonly RegisteredCheckKind[] = [tlsOnly, anonymousRejected];

/** Mosquitto's $SYS/broker/version text, e.g. `mosquitto version 2.0.11`. */
const MOSQUITTO_VERSION = /^mosquitto version (\d+(?:\.\d+)+)$/i;

/**
 * The broker's software from $SYS/broker/version (read only under the opt-in): Mosquitto's own
 * format gives product and version; another broker's text is kept whole as the product.
 */
export const mqttIdentity: IdentityExtractor = (device) => {
  const claims: IdentityClaim[] = [];
  for (const probe of [PROBE_ID, TLS_PROBE_ID]) {
    const found = device.facts(probe, MqttConnectFacts);
    if (found.state !== 'ok') continue;
    for (const { facts } of found.facts) {
      const text = facts.brokerVersion;
      if (!text || claims.length > 0) continue;
      const mosquitto = MOSQUITTO_VERSION.exec(text);
      if (mosquitto?.[1]) claims.push({ field: 'product', value: 'Mosquitto', source: probe }, { field: 'firmware', value: mosquitto[1], source: probe });
      else claims.push({ field: 'product', value: text.slice(0, 80), source: probe });
    }
  }
  return claims;
};

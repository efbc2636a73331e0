import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { FIXTURE_BROKER_VERSION, type MqttPosture, startMqttBroker } from '../../fixtures/mqtt/broker.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import type { MqttConnectFacts } from './facts.ts';
import { buildConnect, buildVersionSubscribe, mqttFrameLength } from './packets.ts';
import { mqttConnectProbe, mqttConnectTlsProbe } from './probe.ts';

const POSTURES = ['anonymous', 'password', 'no-sys', 'garbage', 'huge-length', 'truncated', 'silent'] as const;
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startMqttBroker({ host: testAddress('mqttProbe', 1 + POSTURES.indexOf(posture)), port: 0, posture }),
);

async function probe(posture: MqttPosture) {
  const f = fixture(posture);
  const before = { connections: f.log.connections, requests: f.log.requests.length };
  const ctx = testContext(f.host, f.ports.mqtt ?? 0, { options: { anonymous: true } });
  const started = performance.now();
  const outcome = await runProbe(mqttConnectProbe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
  return {
    f,
    facts: outcome.facts as MqttConnectFacts,
    ctx,
    ms,
    connections: f.log.connections - before.connections,
    requests: f.log.requests.slice(before.requests),
  };
}

describe('mqtt.connect (opt-in) against the spec-exact broker', () => {
  it('anonymous broker: CONNACK 0, the version read from $SYS, DISCONNECT; one connection, nothing published', async () => {
    const run = await probe('anonymous');
    expect(run.facts).toEqual({
      protocolLevel: 4,
      returnCode: 0,
      returnName: 'accepted',
      sessionPresent: false,
      anonymous: 'accepted',
      versionTopic: 'read',
      brokerVersion: FIXTURE_BROKER_VERSION,
      requestsSent: 3,
    });
    expect(run.connections).toBe(1);
    expect(run.requests.map((r) => [r.kind, r.class])).toEqual([
      ['connect-anonymous', 'auth'],
      ['subscribe:$SYS/broker/version', 'read'],
      ['disconnect', 'read'],
    ]);
    expect(run.f.log.count('write')).toBe(0);
    expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'mqtt.connect', 'mqtt.subscribe-version', 'mqtt.disconnect']));
    expect(run.ms).toBeLessThan(1000);
  });

  it('password-only broker: CONNACK 5 is refused; nothing sent after the CONNECT', async () => {
    const run = await probe('password');
    expect(run.facts).toMatchObject({ returnCode: 5, returnName: 'not-authorized', anonymous: 'refused', versionTopic: 'not-tried', requestsSent: 1 });
    expect(run.requests.map((r) => r.kind)).toEqual(['connect-anonymous']);
  });

  it('keeps the accepted login when the $SYS subscription is refused', async () => {
    const run = await probe('no-sys');
    expect(run.facts).toMatchObject({ anonymous: 'accepted', versionTopic: 'denied', requestsSent: 3 });
    expect(run.facts.brokerVersion).toBeUndefined();
  });
});

describe('mqtt.connect-tls (opt-in) inside TLS', () => {
  const tlsFixture = fixturesPerPosture(['anonymous', 'password'] as const, (posture) =>
    startMqttBroker({ host: testAddress('mqttProbe', 21 + (posture === 'anonymous' ? 0 : 1)), port: 0, posture, tls: true }),
  );

  it('runs the same exchange on one TLS connection: anonymous accepted and the version read, or CONNACK 5', async () => {
    const anonymous = tlsFixture('anonymous');
    const ctx = testContext(anonymous.host, anonymous.ports['mqtt-tls'] ?? 0, { options: { anonymous: true } });
    const outcome = await runProbe(mqttConnectTlsProbe, ctx);
    expect(outcome).toMatchObject({ status: 'ok', facts: { returnCode: 0, anonymous: 'accepted', brokerVersion: FIXTURE_BROKER_VERSION, requestsSent: 3 } });
    await untilClosed(anonymous.log);
    expect(anonymous.log.connections).toBe(1);
    expect(anonymous.log.kinds()).toEqual(['connect-anonymous', 'subscribe:$SYS/broker/version', 'disconnect']);
    expect(new Set(ctx.transcript.sentOps())).toEqual(new Set(['tls.client-hello', 'mqtt.connect', 'mqtt.subscribe-version', 'mqtt.disconnect']));
    const password = tlsFixture('password');
    const refused = await runProbe(mqttConnectTlsProbe, testContext(password.host, password.ports['mqtt-tls'] ?? 0, { options: { anonymous: true } }));
    expect(refused).toMatchObject({ status: 'ok', facts: { returnCode: 5, anonymous: 'refused', requestsSent: 1 } });
  });

  it('ends typed on a cleartext broker (it drops the ClientHello as a malformed packet), sending no MQTT byte', async () => {
    const f = fixture('anonymous');
    const before = f.log.requests.length;
    const outcome = await runProbe(mqttConnectTlsProbe, testContext(f.host, f.ports.mqtt ?? 0, { options: { anonymous: true } }));
    expect(outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'not-supported', detail: expect.stringMatching(/closed during the handshake/) } });
    await untilClosed(f.log);
    expect(f.log.requests.slice(before).map((r) => r.kind)).toEqual(['malformed']);
    expect(f.log.requests.at(-1)?.class).toBe('write');
  });
});

describe('mqtt.connect against hostile postures', () => {
  itEndsHostilePostures(mqttConnectProbe, 'mqtt', fixture, [
    ['garbage', 'malformed'],
    ['huge-length', 'malformed'],
    ['truncated', 'closed'],
    ['silent', 'timeout'],
  ]);
});

describe('the MQTT packet builder and framer', () => {
  it('builds a CONNECT without user name, password or will, and subscribes only to the version topic', () => {
    expect(buildConnect('cellcheck1', 10).toString('hex')).toBe(`101600044d5154540402000a000a${Buffer.from('cellcheck1').toString('hex')}`);
    expect(thrownUnavailable(() => buildVersionSubscribe(1, '#')).kind).toBe('denied');
  });

  it('refuses a remaining length longer than four bytes or than a reply can need', () => {
    expect(thrownUnavailable(() => mqttFrameLength(Buffer.from('2080808080', 'hex'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => mqttFrameLength(Buffer.from('30ff7f', 'hex'))).message).toMatch(/exceeds/);
  });
});

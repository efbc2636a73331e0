import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSQUITTO_PATH, mosquittoMissing, type RunningMosquitto, startMosquitto } from '../../fixtures/mqtt/mosquitto.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { MqttConnectFacts } from './facts.ts';
import { mqttConnectProbe, mqttConnectTlsProbe } from './probe.ts';

/** Mosquitto, a broker we did not write, as the probe's second peer. */
const skip = mosquittoMissing();

describe.skipIf(skip)(`mqtt.connect against Debian's Mosquitto (${MOSQUITTO_PATH})${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let anonymous: RunningMosquitto;
  let password: RunningMosquitto;
  let passwordTls: RunningMosquitto;
  beforeAll(async () => {
    anonymous = await startMosquitto({ host: testAddress('mosquitto', 1), port: 1883, posture: 'anonymous' });
    password = await startMosquitto({ host: testAddress('mosquitto', 2), port: 1883, posture: 'password' });
    passwordTls = await startMosquitto({ host: testAddress('mosquitto', 3), port: 8883, posture: 'password', tls: true });
  }, 20_000);
  afterAll(async () => {
    for (const broker of [anonymous, password, passwordTls]) await broker?.close();
  });

  async function facts(broker: RunningMosquitto, probe = mqttConnectProbe): Promise<MqttConnectFacts> {
    const outcome = await runProbe(probe, testContext(broker.host, probe === mqttConnectProbe ? 1883 : 8883, { options: { anonymous: true } }));
    if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
    return outcome.facts as MqttConnectFacts;
  }

  it('allow_anonymous true: CONNACK 0, the version from $SYS/broker/version, then a clean DISCONNECT', async () => {
    const f = await facts(anonymous);
    expect(f).toMatchObject({ returnCode: 0, anonymous: 'accepted', versionTopic: 'read', requestsSent: 3 });
    expect(f.brokerVersion).toMatch(/^mosquitto version \d+\.\d+\.\d+$/);
    // Mosquitto's own log: one client, subscribed to the version topic only, left by DISCONNECT (not a dropped socket).
    await expect.poll(() => anonymous.output()).toMatch(/Client cellcheck[0-9a-f]{8} disconnected\./);
    const log = anonymous.output();
    expect(log).toMatch(/New client connected from 127\.0\.0\.1:\d+ as cellcheck[0-9a-f]{8} \(p2, c1, k10\)/);
    expect(log).toMatch(/\$SYS\/broker\/version \(QoS 0\)/);
    expect(log).not.toMatch(/Received PUBLISH from cellcheck/);
  });

  it('allow_anonymous false: CONNACK 5 (not authorized), nothing sent after the CONNECT', async () => {
    const f = await facts(password);
    expect(f).toMatchObject({ returnCode: 5, returnName: 'not-authorized', anonymous: 'refused', versionTopic: 'not-tried', requestsSent: 1 });
    await expect.poll(() => password.output()).toMatch(/not authorised/);
    expect(password.output()).not.toMatch(/Received SUBSCRIBE/);
  });

  it('inside TLS (8883): the same CONNECT on one TLS connection, CONNACK 5', async () => {
    expect(await facts(passwordTls, mqttConnectTlsProbe)).toMatchObject({ returnCode: 5, anonymous: 'refused', requestsSent: 1 });
    await expect.poll(() => passwordTls.output()).toMatch(/not authorised/);
  });
});

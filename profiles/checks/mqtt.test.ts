import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startMqttBroker } from '../../fixtures/mqtt/broker.ts';
import { mqttConnectProbe, mqttConnectTlsProbe } from '../../probes/mqtt/probe.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import { runProbe } from '../../probes/run.ts';
import { fixturesPerPosture, testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { bundledProfile } from '../bundled.ts';
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mqttIdentity } from './mqtt.ts';

const POSTURES = ['anonymous', 'password', 'garbage'] as const;
// 127.63.4.11 and up (TLS brokers .21 and up); the WinRM check test takes .1-.3 of the same range.
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startMqttBroker({ host: testAddress('remoteAccessChecks', 11 + POSTURES.indexOf(posture)), port: 0, posture }),
);

const TLS_POSTURES = ['anonymous', 'password'] as const;
const tlsFixture = fixturesPerPosture<(typeof TLS_POSTURES)[number], RunningFixture>(TLS_POSTURES, (posture) =>
  startMqttBroker({ host: testAddress('remoteAccessChecks', 21 + TLS_POSTURES.indexOf(posture)), port: 0, posture, tls: true }),
);

const { checks } = bundledProfile();

interface Shape {
  readonly cleartext?: boolean;
  readonly tls?: boolean;
}

function evaluate(id: string, outcomes: ProbeOutcome[], shape: Shape = { cleartext: true }) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  const services: DeviceObservation['services'] = [];
  if (shape.cleartext) services.push({ port: 1883, transport: 'tcp', protocol: 'mqtt', confirmed: false });
  if (shape.tls) services.push({ port: 8883, transport: 'tcp', protocol: 'mqtt-tls', confirmed: false });
  return check.kind.evaluate(new DeviceView({ address: testAddress('remoteAccessChecks', 10), services, outcomes }), check.instance.params);
}

async function probed(posture: (typeof POSTURES)[number]): Promise<ProbeOutcome[]> {
  const f = fixture(posture);
  return [{ ...(await runProbe(mqttConnectProbe, testContext(f.host, f.ports.mqtt ?? 0, { options: { anonymous: true } }))), port: 1883 }];
}

async function probedTls(posture: 'anonymous' | 'password'): Promise<ProbeOutcome> {
  const f = tlsFixture(posture);
  return runProbe(mqttConnectTlsProbe, testContext(f.host, f.ports['mqtt-tls'] ?? 0, { options: { anonymous: true } }));
}

describe('mqtt.anonymous-rejected on what the opt-in CONNECT read', () => {
  it('fails when CONNACK accepted a CONNECT without credentials, passes on not-authorized', async () => {
    expect(evaluate('mqtt.anonymous-rejected', await probed('anonymous'))).toMatchObject({ status: 'fail', observed: [{ port: 1883, returnCode: 0 }] });
    expect(evaluate('mqtt.anonymous-rejected', await probed('password'))).toMatchObject({
      status: 'pass',
      observed: [{ returnCode: 5, anonymous: 'refused' }],
    });
  });

  it('is unknown without the opt-in, for a TLS-only broker, and for a reply that is no MQTT', async () => {
    expect(evaluate('mqtt.anonymous-rejected', [])).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/opt-in mqtt.anonymous is off/) });
    expect(evaluate('mqtt.anonymous-rejected', [], { tls: true })).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/opt-in/) });
    expect(evaluate('mqtt.anonymous-rejected', await probed('garbage')).status).toBe('unknown');
    expect(evaluate('mqtt.anonymous-rejected', [], {}).status).toBe('not-applicable');
  });
});

describe('mqtt.anonymous-rejected inside TLS', () => {
  it('passes on a TLS-only broker refusing anonymous clients, and fails when either port accepts one', async () => {
    const refusedTls = [{ ...(await probedTls('password')), port: 8883 }];
    expect(evaluate('mqtt.anonymous-rejected', refusedTls, { tls: true })).toMatchObject({
      status: 'pass',
      observed: [{ port: 8883, returnCode: 5 }],
    });
    const acceptedClear = await probed('anonymous');
    expect(evaluate('mqtt.anonymous-rejected', [...acceptedClear, ...refusedTls], { cleartext: true, tls: true }).status).toBe('fail');
  });
});

describe('mqtt.tls-only', () => {
  it('fails when a broker answered CONNECT on the cleartext port, even one refusing anonymous clients', async () => {
    expect(evaluate('mqtt.tls-only', await probed('password'))).toMatchObject({
      status: 'fail',
      observed: { cleartextPorts: [{ port: 1883, returnCode: 5 }] },
    });
  });

  it('is unknown on an open 1883 without the opt-in: an open port is no proof of MQTT', () => {
    expect(evaluate('mqtt.tls-only', [])).toMatchObject({ status: 'unknown', observed: { openPorts: [1883] } });
  });

  it('map to CR 4.1 (cleartext) and CR 1.1, 2.1 (anonymous)', () => {
    const rows = (check: string) => Object.entries(mapping.requirements).flatMap(([id, row]) => (row.checks.includes(check) ? [id] : []));
    expect(rows('mqtt.tls-only')).toEqual(['CR 4.1']);
    expect(rows('mqtt.anonymous-rejected')).toEqual(['CR 1.1', 'CR 2.1']);
  });
});

describe('mqttIdentity', () => {
  it('names Mosquitto and its version from $SYS/broker/version, and nothing without the version read', async () => {
    const view = (outcomes: ProbeOutcome[]) => new DeviceView({ address: testAddress('remoteAccessChecks', 10), services: [], outcomes });
    expect(mqttIdentity(view(await probed('anonymous')))).toEqual([
      { field: 'product', value: 'Mosquitto', source: 'mqtt.connect' },
      { field: 'firmware', value: '2.0.11', source: 'mqtt.connect' },
    ]);
    expect(mqttIdentity(view(await probed('password')))).toEqual([]);
  });
});

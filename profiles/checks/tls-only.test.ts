import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startTlsFixture } from '../../fixtures/it-services/servers.ts';
import { tlsProbe } from '../../probes/it-services/tls.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import { runProbe } from '../../probes/run.ts';
import { testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { bundledProfile } from '../bundled.ts';
import { DeviceView } from '../device-view.ts';

/** The TLS-only checks on a device whose service answers only on its TLS port, read by the real TLS probe. */
const SERVICES = [
  { check: 'mqtt.tls-only', name: 'MQTT', cleartextPort: 1883, tlsProtocol: 'mqtt-tls', tlsPort: 8883 },
  { check: 'winrm.https-only', name: 'WinRM', cleartextPort: 5985, tlsProtocol: 'winrm-tls', tlsPort: 5986 },
] as const;

let server: RunningFixture;
let handshake: ProbeOutcome;
beforeAll(async () => {
  server = await startTlsFixture({ host: testAddress('tlsOnlyChecks', 1), posture: 'hardened' });
  handshake = await runProbe(tlsProbe, testContext(server.host, server.ports.https ?? 0));
});
afterAll(() => server.close());

const { checks } = bundledProfile();

function evaluate(service: (typeof SERVICES)[number], shape: { handshake: boolean; unchecked?: boolean }) {
  const check = checks.get(service.check);
  if (!check) throw new Error(`no check ${service.check}`);
  const observation: DeviceObservation = {
    address: testAddress('tlsOnlyChecks', 0),
    services: [{ port: service.tlsPort, transport: 'tcp', protocol: service.tlsProtocol, confirmed: false }],
    outcomes: shape.handshake ? [{ ...handshake, port: service.tlsPort }] : [],
    ...(shape.unchecked ? { unchecked: [{ port: service.cleartextPort, reason: 'device budget spent' }] } : {}),
  };
  return check.kind.evaluate(new DeviceView(observation), check.instance.params);
}

describe.each(SERVICES)('$check where only the TLS port $tlsPort is open', (service) => {
  it('passes once a TLS handshake completed there and the cleartext port was checked', () => {
    expect(handshake.status).toBe('ok');
    expect(evaluate(service, { handshake: true })).toMatchObject({ status: 'pass', observed: { cleartextPorts: [], tlsPorts: [service.tlsPort] } });
  });

  it('stays unknown without a handshake, or where discovery left the cleartext port unchecked', () => {
    expect(evaluate(service, { handshake: false })).toMatchObject({ status: 'unknown', reason: `no TLS handshake completed on the ${service.name} TLS port` });
    expect(evaluate(service, { handshake: true, unchecked: true })).toMatchObject({
      status: 'unknown',
      reason: `TCP ${service.cleartextPort} (${service.name} in cleartext) was not checked: device budget spent`,
    });
  });
});

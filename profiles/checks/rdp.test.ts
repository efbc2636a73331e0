import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startRdpFixture } from '../../fixtures/rdp/server.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import { rdpNegotiateProbe } from '../../probes/rdp/probe.ts';
import { runProbe } from '../../probes/run.ts';
import { fixturesPerPosture, testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { bundledProfile } from '../bundled.ts';
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { decideRole } from '../role.ts';
import { rdpIdentity } from './rdp.ts';

const POSTURES = ['tls-no-nla', 'nla-required', 'standard-only', 'legacy', 'garbage'] as const;
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startRdpFixture({ host: testAddress('rdpChecks', 1 + POSTURES.indexOf(posture)), port: 0, posture }),
);

const { checks } = bundledProfile();

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

function device(outcomes: ProbeOutcome[], rdpOpen = true): DeviceView {
  const observation: DeviceObservation = {
    address: testAddress('rdpChecks', 0),
    services: rdpOpen ? [{ port: 3389, transport: 'tcp', protocol: 'rdp', confirmed: outcomes.some((o) => o.status === 'ok') }] : [],
    outcomes,
  };
  return new DeviceView(observation, { at: '2026-01-02T03:04:05.000Z', zoneCidrs: [] });
}

async function probed(posture: (typeof POSTURES)[number]): Promise<DeviceView> {
  const f = fixture(posture);
  const outcome = await runProbe(rdpNegotiateProbe, testContext(f.host, f.ports.rdp ?? 0));
  return device([{ ...outcome, port: 3389 }]);
}

describe('rdp.nla-required on what the probe read from the spec-exact server', () => {
  it.each([
    ['tls-no-nla', 'fail', { standardSecurity: 'unknown', tlsWithoutNla: 'accepted' }],
    ['standard-only', 'fail', { standardSecurity: 'accepted', tlsWithoutNla: 'refused' }],
    ['legacy', 'fail', { standardSecurity: 'accepted', tlsWithoutNla: 'refused' }],
    ['nla-required', 'pass', { standardSecurity: 'refused', tlsWithoutNla: 'refused' }],
  ] as const)('%s: %s', async (posture, status, layers) => {
    const verdict = evaluate('rdp.nla-required', await probed(posture));
    expect(verdict).toMatchObject({ status, observed: [{ port: 3389, ...layers }] });
    expect(verdict.evidence?.[0]?.probe).toBe('rdp.negotiate');
  });

  it('is unknown when the server answered with bytes of no RDP, and not applicable without RDP', async () => {
    expect(evaluate('rdp.nla-required', await probed('garbage'))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/malformed/) });
    expect(evaluate('rdp.nla-required', device([], false)).status).toBe('not-applicable');
    expect(evaluate('rdp.nla-required', device([])).status).toBe('unknown');
  });
});

describe('rdp.certificate-ca-issued', () => {
  it('fails on the self-signed certificate read on the RDP connection, NLA required or not', async () => {
    for (const posture of ['tls-no-nla', 'nla-required'] as const) {
      expect(evaluate('rdp.certificate-ca-issued', await probed(posture)), posture).toMatchObject({ status: 'fail' });
    }
  });

  it('is not applicable where no TLS was negotiated', async () => {
    expect(evaluate('rdp.certificate-ca-issued', await probed('standard-only'))).toMatchObject({ status: 'not-applicable' });
  });
});

describe('rdp checks in the mapping', () => {
  it('map pre-authentication exposure to CR 1.1, 4.1, 4.3 and the self-signed certificate to CR 1.8', () => {
    const rows = (check: string) =>
      Object.entries(mapping.requirements)
        .filter(([, row]) => row.checks.includes(check))
        .map(([id]) => id);
    expect(rows('rdp.nla-required')).toEqual(['CR 1.1', 'CR 4.1', 'CR 4.3']);
    expect(rows('rdp.certificate-ca-issued')).toEqual(['CR 1.8']);
  });
});

describe('rdpIdentity', () => {
  it('claims the host name from the certificate the RDP listener presented', async () => {
    const f = fixture('tls-no-nla');
    const outcome = await runProbe(rdpNegotiateProbe, testContext(f.host, f.ports.rdp ?? 0));
    expect(rdpIdentity(device([{ ...outcome, port: 3389 }]))).toEqual([{ field: 'name', value: 'SCADA01', source: 'rdp.negotiate' }]);
    expect(rdpIdentity(await probed('standard-only'))).toEqual([]);
  });
});

describe('the role of a device that answered RDP', () => {
  it('is a host (HDR) once the negotiation answered; an RDP port whose peer sent no RDP is no sign', async () => {
    expect(decideRole('auto', await probed('nla-required'))).toMatchObject({ role: 'host', reason: expect.stringMatching(/rdp/) });
    expect(decideRole('auto', await probed('garbage')).role).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startWinrmFixture, type WinrmPosture } from '../../fixtures/winrm/server.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import { runProbe } from '../../probes/run.ts';
import { fixturesPerPosture, testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { winrmProbe } from '../../probes/winrm/probe.ts';
import { testAddress } from '../../test/addresses.ts';
import { bundledProfile } from '../bundled.ts';
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';

const POSTURES = ['weak', 'domain', 'not-winrm'] as const;
// 127.63.4.1-3; the MQTT check test takes .11 and up of the same range.
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startWinrmFixture({ host: testAddress('remoteAccessChecks', 1 + POSTURES.indexOf(posture)), port: 0, posture }),
);

const check = bundledProfile().checks.get('winrm.https-only');

function evaluate(outcomes: ProbeOutcome[], open = true) {
  if (!check) throw new Error('no check winrm.https-only');
  const observation: DeviceObservation = {
    address: testAddress('remoteAccessChecks', 0),
    services: open ? [{ port: 5985, transport: 'tcp', protocol: 'winrm', confirmed: outcomes.length > 0 }] : [],
    outcomes,
  };
  return check.kind.evaluate(new DeviceView(observation), check.instance.params);
}

async function probed(posture: WinrmPosture): Promise<ProbeOutcome[]> {
  const f = fixture(posture);
  return [{ ...(await runProbe(winrmProbe, testContext(f.host, f.ports.winrm ?? 0))), port: 5985 }];
}

describe('winrm.https-only on what the probe read', () => {
  it('fails on a WinRM listener answering on HTTP, whatever schemes it offers', async () => {
    expect(evaluate(await probed('weak'))).toMatchObject({
      status: 'fail',
      observed: [{ port: 5985, transport: 'http', status: 401, authSchemes: ['negotiate', 'basic'] }],
    });
    expect(evaluate(await probed('domain'))).toMatchObject({ status: 'fail', observed: [{ authSchemes: ['negotiate', 'kerberos'] }] });
  });

  it('stays unknown when 5985 answers HTTP but not as WinRM, and is not applicable without 5985', async () => {
    expect(evaluate(await probed('not-winrm'))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/not as a WinRM listener/) });
    expect(evaluate([], false).status).toBe('not-applicable');
  });

  it('is mapped to CR 4.1', () => {
    expect(Object.entries(mapping.requirements).flatMap(([id, row]) => (row.checks.includes('winrm.https-only') ? [id] : []))).toEqual(['CR 4.1']);
  });
});

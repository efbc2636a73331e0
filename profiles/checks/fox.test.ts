import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { JACE_STATION, startFoxFixture } from '../../fixtures/fox/server.ts';
import { makeP256Certificate } from '../../fixtures/it-services/servers.ts';
import { foxHelloTlsProbe } from '../../probes/fox/probe.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import { runProbe } from '../../probes/run.ts';
import { testContext } from '../../probes/test-kit.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile, IDENTITY_EXTRACTORS } from '../bundled.ts';
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { decideRole } from '../role.ts';

/** The hardened JACE of the demo: Fox only inside TLS on 4911, read by the real probe. */
let station: RunningFixture;
let tlsHello: ProbeOutcome;
beforeAll(async () => {
  const tls = await makeP256Certificate();
  station = await startFoxFixture({ host: testAddress('foxTlsChecks', 1), port: 0, station: JACE_STATION, tls });
  tlsHello = await runProbe(foxHelloTlsProbe, testContext(station.host, station.ports['fox-tls'] ?? 0));
});
afterAll(() => station.close());

/** The same reply read in clear on 1911, for a station that offers both. */
const cleartextHello = (): ProbeOutcome => ({ ...tlsHello, probe: 'fox.hello', port: 1911, transcript: [7, 9] });

function view(open: readonly ('fox' | 'fox-tls')[], outcomes: readonly ProbeOutcome[]): DeviceView {
  const observation: DeviceObservation = {
    address: testAddress('foxTlsChecks', 0),
    services: open.map((protocol) => ({ port: protocol === 'fox' ? 1911 : 4911, transport: 'tcp', protocol, confirmed: true })),
    outcomes: outcomes.map((o) => (o.probe === foxHelloTlsProbe.id ? { ...o, port: 4911 } : o)),
  };
  return new DeviceView(observation);
}

const { checks } = bundledProfile();
function evaluate(id: string, device: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(device, check.instance.params);
}

describe('a station that answers the Fox hello only inside TLS (4911)', () => {
  it('is identified as Tridium Niagara with its release, name and OS, and matched to the Niagara advisory', () => {
    expect(tlsHello.status).toBe('ok');
    const identity = mergeIdentity(IDENTITY_EXTRACTORS.flatMap((extract) => extract(view(['fox-tls'], [tlsHello]))));
    expect(identity).toMatchObject({
      vendor: { value: 'Tridium', source: 'fox.hello-tls' },
      product: { value: 'Niagara' },
      firmware: { value: '4.8.0.110' },
      name: { value: 'AHU_3_Plant' },
      os: { value: 'QNX 6.5.0' },
    });
    const file = 'cisa-more/icsa-20-224-03.json';
    const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
    if (!digested.ok) throw new Error(digested.reason);
    const { coverage, findings } = matchDevice(identity, new AdvisoryIndex([digested.advisory]));
    expect(coverage.outcome).toBe('matched');
    expect(findings.map((f) => f.advisory.id)).toContain('ICSA-20-224-03');
    expect(decideRole('auto', view(['fox-tls'], [tlsHello]))).toMatchObject({ role: 'plc', reason: expect.stringMatching(/\(fox\.hello-tls\)$/) });
  });

  it('passes fox.cleartext-absent: the hello in TLS is evidence of TLS, never of Fox in clear', () => {
    expect(evaluate('fox.cleartext-absent', view(['fox-tls'], [tlsHello]))).toMatchObject({ status: 'pass', observed: { ports: [], tlsPorts: [4911] } });
  });

  it('still fails fox.cleartext-absent where 1911 answered in clear too, citing the cleartext hello alone', () => {
    const verdict = evaluate('fox.cleartext-absent', view(['fox', 'fox-tls'], [cleartextHello(), tlsHello]));
    expect(verdict).toMatchObject({ status: 'fail', observed: { ports: [1911], tlsPorts: [4911] } });
    expect(verdict.evidence).toEqual([{ probe: 'fox.hello', port: 1911, transcript: [7, 9] }]);
  });

  it("fails fox.identity-hidden: TLS authenticates the station, not the reader, so its hello is anyone's", () => {
    const verdict = evaluate('fox.identity-hidden', view(['fox-tls'], [tlsHello]));
    expect(verdict).toMatchObject({ status: 'fail', observed: { readableWithoutAuthentication: expect.arrayContaining(['stationName', 'appVersion']) } });
    expect(verdict.evidence).toEqual([{ probe: 'fox.hello-tls', port: 4911, transcript: tlsHello.transcript }]);
  });

  it('leaves fox.identity-hidden unknown where 4911 was open and its hello failed, and not applicable without Fox', () => {
    const failed: ProbeOutcome = {
      probe: 'fox.hello-tls',
      version: 1,
      port: 4911,
      status: 'unavailable',
      failure: { kind: 'timeout', detail: 'no TLS handshake within 400 ms' },
      durationMs: 400,
      transcript: [0, 0],
    };
    expect(evaluate('fox.identity-hidden', view(['fox-tls'], [failed]))).toMatchObject({ status: 'unknown' });
    expect(evaluate('fox.identity-hidden', view([], []))).toMatchObject({ status: 'not-applicable' });
  });
});

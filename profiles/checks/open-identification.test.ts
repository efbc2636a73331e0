import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FoxHelloFacts } from '../../probes/fox/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { PcworxInfoFacts } from '../../probes/pcworx/facts.ts';
import type { ProconosInfoFacts } from '../../probes/proconos/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import foxInstances from '../data/checks/fox.json' with { type: 'json' };
import pcworxInstances from '../data/checks/pcworx.json' with { type: 'json' };
import proconosInstances from '../data/checks/proconos.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { foxCheckKinds, foxIdentity } from './fox.ts';
import { pcworxCheckKinds, pcworxIdentity } from './pcworx.ts';
import { proconosCheckKinds, proconosIdentity } from './proconos.ts';

/** A JACE on Niagara 4.7.109.20 (a release ICSA-20-224-03 lists) sold under another brand. */
const JACE: FoxHelloFacts = {
  header: 'fox a 0 -1 fox hello',
  stationName: 'Chiller_Plant',
  appName: 'Station',
  appVersion: '4.7.109.20',
  brandId: 'distech',
  osName: 'QNX',
  osVersion: '6.5.0',
  hostId: 'Qnx-NPM3-0000-0C11-77A0',
  fields: [],
  requestsSent: 1,
};
const ILC_131: PcworxInfoFacts = { sessionId: 7, plcType: 'ILC 131 ETH', modelNumber: '2700973', firmwareVersion: '4.42', requestsSent: 3 };
const RFC_470: ProconosInfoFacts = {
  runtime: 'ProConOS eCLR V2.2',
  plcType: 'RFC 470 PN 3TX',
  projectName: 'Dosing',
  bootProject: 'Dosing_v2',
  requestsSent: 1,
};

const PORTS = { fox: 1911, 'fox-tls': 4911, pcworx: 1962, proconos: 20547 } as const;
type Protocol = keyof typeof PORTS;

const ok = (probe: string, protocol: Protocol, facts: unknown): ProbeOutcome => ({
  probe,
  version: 1,
  port: PORTS[protocol],
  status: 'ok',
  facts,
  transcript: [1, 4],
  durationMs: 3,
});
const timedOut = (probe: string, protocol: Protocol): ProbeOutcome => ({
  probe,
  version: 1,
  port: PORTS[protocol],
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply within 400 ms' },
  transcript: [1, 2],
  durationMs: 400,
});

/** A device with these open ports and probe outcomes. */
function device(open: readonly Protocol[], outcomes: ProbeOutcome[] = []): DeviceView {
  const services: DeviceObservation['services'] = open.map((protocol) => ({
    port: PORTS[protocol],
    transport: 'tcp',
    protocol,
    confirmed: outcomes.length > 0,
  }));
  return new DeviceView({ address: testAddress('openIdentificationChecks', 1), services, outcomes });
}

const checks = loadCheckSet([...foxCheckKinds, ...pcworxCheckKinds, ...proconosCheckKinds], [...foxInstances, ...pcworxInstances, ...proconosInstances]);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

const rowsOf = (check: string) =>
  Object.entries(mapping.requirements)
    .filter(([, row]) => row.checks.includes(check))
    .map(([id]) => id);

describe('Fox, PC WORX and ProConOS check instances', () => {
  it('load against their kinds, into the bundled profile, and map like the other unauthenticated plant protocols', () => {
    const ids = [
      'fox.cleartext-absent',
      'fox.identity-hidden',
      'pcworx.access-authenticated',
      'pcworx.identity-hidden',
      'proconos.access-authenticated',
      'proconos.identity-hidden',
    ];
    expect([...checks.keys()]).toEqual(ids);
    for (const id of ids) expect(bundledProfile().checks.has(id), id).toBe(true);
    expect(rowsOf('fox.cleartext-absent')).toEqual(['CR 3.1', 'CR 4.1']);
    for (const id of ['pcworx.access-authenticated', 'proconos.access-authenticated'])
      expect(rowsOf(id)).toEqual(['CR 1.2', 'CR 3.1', 'CR 3.1 RE(1)', 'CR 4.1']);
    for (const id of ['fox.identity-hidden', 'pcworx.identity-hidden', 'proconos.identity-hidden']) {
      expect(rowsOf(id)).toEqual([]);
      expect(Object.keys(mapping.informational)).toContain(id);
    }
  });
});

describe('fox.cleartext-absent', () => {
  it('fails when a station answered the hello in clear on 1911, even beside Fox over TLS', () => {
    const verdict = evaluate('fox.cleartext-absent', device(['fox', 'fox-tls'], [ok('fox.hello', 'fox', JACE)]));
    expect(verdict).toMatchObject({ status: 'fail', observed: { protocol: 'niagara-fox', ports: [1911], confidentiality: 'none', tlsPorts: [4911] } });
    expect(verdict.evidence).toEqual([{ probe: 'fox.hello', port: 1911, transcript: [1, 4] }]);
  });

  it('passes when only Fox over TLS (4911) is open, and is not applicable without Fox', () => {
    expect(evaluate('fox.cleartext-absent', device(['fox-tls']))).toMatchObject({ status: 'pass', observed: { ports: [], tlsPorts: [4911] } });
    expect(evaluate('fox.cleartext-absent', device([]))).toMatchObject({ status: 'not-applicable' });
  });

  it('stays unknown when 4911 is open but discovery never reached 1911', () => {
    const view = device(['fox-tls']);
    const unchecked = new DeviceView({ ...view.observation, unchecked: [{ port: 1911, reason: 'device budget spent' }] });
    expect(evaluate('fox.cleartext-absent', unchecked)).toMatchObject({ status: 'unknown', reason: 'TCP 1911 (Fox) was not checked: device budget spent' });
  });

  it('stays unknown when 1911 is open but the hello got no answer', () => {
    expect(evaluate('fox.cleartext-absent', device(['fox', 'fox-tls'], [timedOut('fox.hello', 'fox')]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/fox\.hello unavailable: timeout/),
    });
  });
});

describe('pcworx.access-authenticated and proconos.access-authenticated', () => {
  it('fail whenever the controller answered its identification', () => {
    expect(evaluate('pcworx.access-authenticated', device(['pcworx'], [ok('pcworx.info', 'pcworx', ILC_131)]))).toMatchObject({
      status: 'fail',
      observed: { protocol: 'pc-worx', ports: [1962], authentication: 'none' },
    });
    expect(evaluate('proconos.access-authenticated', device(['proconos'], [ok('proconos.info', 'proconos', RFC_470)]))).toMatchObject({
      status: 'fail',
      observed: { protocol: 'proconos', ports: [20547], authentication: 'none' },
    });
  });

  it('are not applicable without the port, and unknown when the open port was not probed', () => {
    expect(evaluate('pcworx.access-authenticated', device([]))).toMatchObject({ status: 'not-applicable' });
    expect(evaluate('proconos.access-authenticated', device(['proconos']))).toMatchObject({ status: 'unknown', observed: { openPorts: [20547] } });
  });
});

describe('identity-hidden checks (informational)', () => {
  it('fail on the fields a reply held and pass on a reply that held none', () => {
    expect(evaluate('fox.identity-hidden', device(['fox'], [ok('fox.hello', 'fox', JACE)]))).toMatchObject({
      status: 'fail',
      observed: { readableWithoutAuthentication: ['stationName', 'appVersion', 'osName', 'osVersion', 'hostId'] },
    });
    expect(evaluate('pcworx.identity-hidden', device(['pcworx'], [ok('pcworx.info', 'pcworx', { sessionId: 1, requestsSent: 3 })]))).toMatchObject({
      status: 'pass',
    });
    expect(evaluate('proconos.identity-hidden', device(['proconos'], [ok('proconos.info', 'proconos', RFC_470)]))).toMatchObject({
      status: 'fail',
      observed: { readableWithoutAuthentication: ['runtime', 'plcType', 'projectName', 'bootProject'] },
    });
  });
});

describe('identity to advisories (ICSA-20-224-03 Tridium Niagara, ICSA-23-250-02 Phoenix Contact TC ROUTER)', () => {
  const index = new AdvisoryIndex(
    ['cisa-more/icsa-20-224-03.json', 'cisa-more/icsa-23-250-02.json'].map((file) => {
      const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
      if (!digested.ok) throw new Error(digested.reason);
      return digested.advisory;
    }),
  );

  it('matches a Fox station to the Niagara advisory by product name with the vendor, through the shared identity matching', () => {
    const identity = mergeIdentity(foxIdentity(device(['fox'], [ok('fox.hello', 'fox', JACE)])));
    expect(identity).toMatchObject({
      vendor: { value: 'Tridium' },
      product: { value: 'Niagara' },
      firmware: { value: '4.7.109.20' },
      name: { value: 'Chiller_Plant' },
    });
    const { coverage, findings } = matchDevice(identity, index);
    expect(coverage.outcome).toBe('matched');
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.advisory.id).toBe('ICSA-20-224-03');
      expect(f.match).toMatchObject({ nameOnly: true, advisoryValue: 'Niagara', deviceValue: 'Niagara' });
      expect(f.match.version).toMatchObject({ deviceVersion: '4.7.109.20' });
    }
  });

  it('never matches a Phoenix Contact controller to a Phoenix Contact advisory on the vendor alone', () => {
    const identity = mergeIdentity(pcworxIdentity(device(['pcworx'], [ok('pcworx.info', 'pcworx', ILC_131)])));
    expect(identity).toMatchObject({
      vendor: { value: 'Phoenix Contact' },
      model: { value: 'ILC 131 ETH' },
      orderNumber: { value: '2700973' },
      firmware: { value: '4.42' },
    });
    expect(matchDevice(identity, index).findings).toEqual([]);
  });

  it('claims no vendor for a ProConOS runtime (licensed to many makers), so nothing matches by name', () => {
    const identity = mergeIdentity(proconosIdentity(device(['proconos'], [ok('proconos.info', 'proconos', RFC_470)])));
    expect(identity.vendor).toBeUndefined();
    expect(identity.product).toMatchObject({ value: 'RFC 470 PN 3TX', alternatives: [{ value: 'ProConOS eCLR V2.2' }] });
    expect(matchDevice(identity, index).findings).toEqual([]);
  });
});

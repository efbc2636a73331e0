import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BacnetFacts } from '../../probes/bacnet/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import instances from '../data/checks/bacnet.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { bacnetCheckKinds, bacnetIdentity } from './bacnet.ts';

const READ: BacnetFacts = {
  deviceInstance: 20_011,
  iAm: { vendorId: 5, maxApdu: 1476, segmentation: 3 },
  readVia: 'read-property-multiple',
  properties: {
    objectName: 'AHU-01 FEC',
    vendorName: 'Johnson Controls, Inc.',
    vendorIdentifier: 5,
    modelName: 'MS-FEC2611-0',
    firmwareRevision: '10.1.3',
    applicationSoftwareVersion: 'AHU-01 v2.4',
  },
  unread: [],
};

/** A device that answers I-Am but refuses the identity properties with Error property/read-access-denied. */
const REFUSED: BacnetFacts = {
  deviceInstance: 7,
  readVia: 'read-property-multiple',
  properties: { objectName: 'VAV-7' },
  unread: (['modelName', 'firmwareRevision', 'applicationSoftwareVersion'] as const).map((property) => ({ property, reason: 'Error class 2 code 27' })),
};

const ok = (facts: BacnetFacts): ProbeOutcome => ({ probe: 'bacnet.device', version: 1, port: 47808, status: 'ok', facts, transcript: [4, 7], durationMs: 3 });
const failed = (kind: 'timeout' | 'refused' | 'malformed'): ProbeOutcome => ({
  probe: 'bacnet.device',
  version: 1,
  port: 47808,
  status: 'unavailable',
  failure: { kind, detail: kind },
  transcript: [1, 2],
  durationMs: 300,
});

function device(outcomes: ProbeOutcome[]): DeviceView {
  const services = outcomes.some((o) => o.status === 'ok') ? [{ port: 47808, transport: 'udp' as const, protocol: 'bacnet', confirmed: true }] : [];
  return new DeviceView({ address: testAddress('bacnetChecks', 1), services, outcomes });
}

const checks = loadCheckSet(bacnetCheckKinds, instances);
function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('bacnet checks', () => {
  it('load against their kinds and are mapped: access to CR 1.2, 3.1 and 4.1, identity as informational', () => {
    expect([...checks.keys()]).toEqual(['bacnet.access-authenticated', 'bacnet.identity-hidden']);
    const rows = Object.entries(mapping.requirements)
      .filter(([, r]) => r.checks.includes('bacnet.access-authenticated'))
      .map(([row]) => row);
    expect(rows).toEqual(['CR 1.2', 'CR 3.1', 'CR 4.1']);
    expect(Object.keys(mapping.informational)).toContain('bacnet.identity-hidden');
    expect(() => bundledProfile()).not.toThrow();
  });

  it('bacnet.access-authenticated fails whenever BACnet/IP answered', () => {
    expect(evaluate('bacnet.access-authenticated', device([ok(READ)]))).toEqual({
      status: 'fail',
      observed: { protocol: 'bacnet-ip', ports: [47808], authentication: 'none', confidentiality: 'none' },
      expected: { protocol: 'bacnet-sc', ports: [] },
      evidence: [{ probe: 'bacnet.device', port: 47808, transcript: [4, 7] }],
    });
  });

  it('is not applicable without a BACnet/IP answer, unknown on a malformed one', () => {
    for (const view of [device([]), device([failed('timeout')]), device([failed('refused')])]) {
      expect(evaluate('bacnet.access-authenticated', view).status).toBe('not-applicable');
    }
    expect(evaluate('bacnet.identity-hidden', device([failed('malformed')])).status).toBe('unknown');
  });

  it('bacnet.identity-hidden fails on readable versions and passes only when the device refused them', () => {
    expect(evaluate('bacnet.identity-hidden', device([ok(READ)]))).toMatchObject({
      status: 'fail',
      observed: { readableWithoutAuthentication: ['modelName', 'firmwareRevision', 'applicationSoftwareVersion'] },
    });
    expect(evaluate('bacnet.identity-hidden', device([ok(REFUSED)])).status).toBe('pass');
    const silentOnVersions = { ...REFUSED, unread: REFUSED.unread.map((u) => ({ ...u, reason: 'no answer' })) };
    expect(evaluate('bacnet.identity-hidden', device([ok(silentOnVersions)])).status).toBe('unknown');
  });
});

describe('bacnetIdentity', () => {
  it('claims vendor, model, firmware (the application version as its alternative) and name', () => {
    expect(bacnetIdentity(device([ok(READ)]))).toEqual([
      { field: 'vendor', value: 'Johnson Controls, Inc.', source: 'bacnet.device' },
      { field: 'model', value: 'MS-FEC2611-0', source: 'bacnet.device' },
      { field: 'firmware', value: '10.1.3', source: 'bacnet.device' },
      { field: 'firmware', value: 'AHU-01 v2.4', source: 'bacnet.device' },
      { field: 'name', value: 'AHU-01 FEC', source: 'bacnet.device' },
    ]);
    expect(bacnetIdentity(device([failed('timeout')]))).toEqual([]);
  });
});

describe('BACnet identity to advisories (ICSA-20-224-03 Tridium Niagara, ICSA-24-214-06 Johnson Controls exacqVision)', () => {
  const index = new AdvisoryIndex(
    ['cisa-more/icsa-20-224-03.json', 'cisa-more/icsa-24-214-06.json'].map((file) => {
      const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
      if (!digested.ok) throw new Error(digested.reason);
      return digested.advisory;
    }),
  );
  const match = (properties: BacnetFacts['properties']) => matchDevice(mergeIdentity(bacnetIdentity(device([ok({ ...READ, properties })]))), index);

  it('matches a Niagara station exported as a BACnet device by name with the vendor, and hands its version to the rule', () => {
    // Assumed Device object strings (no captured station at hand): model-name "Niagara", the release as application version.
    const { coverage, findings } = match({ vendorName: 'Tridium, Inc.', modelName: 'Niagara', applicationSoftwareVersion: '4.8.0.110' });
    expect(coverage.outcome).toBe('matched');
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.advisory.id).toBe('ICSA-20-224-03');
      expect(f.match).toMatchObject({ nameOnly: true, advisoryValue: 'Niagara', deviceValue: 'Niagara' });
      // The application version reaches matching; the advisory's list of versions (a | b | c) is not a rule the parser reads.
      expect(f.match.version).toMatchObject({ deviceVersion: '4.8.0.110', verdict: 'unknown' });
      expect(f.status).toBe('possibly-affected');
    }
  });

  it("does not match a device on its vendor alone: a Tridium VAV box, the fixture's Johnson Controls field controller", () => {
    expect(match({ vendorName: 'Tridium, Inc.', modelName: 'VAV-BOX-7', applicationSoftwareVersion: '4.8.0.110' }).findings).toEqual([]);
    expect(match(READ.properties).findings).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnipListFacts } from '../../probes/enip/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/enip.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { enipCheckKinds, enipIdentity } from './enip.ts';

const IDENTIFIED: EnipListFacts = {
  identities: [
    {
      encapsulationVersion: 1,
      socketAddress: { address: '192.168.1.10', port: 44818 },
      vendorId: 1,
      deviceType: 0x0c,
      productCode: 166,
      revision: '11.2',
      status: 0x30,
      serialNumber: '00c0ffee',
      productName: '1756-EN2T/D',
      state: 3,
    },
  ],
  services: [{ name: 'Communications', version: 1, capabilityFlags: 0x120, cipOverTcp: true, cipOverUdp: true }],
  requestsSent: 2,
};

const NO_IDENTITY: EnipListFacts = { identities: [], services: [], requestsSent: 2 };

function ok(facts: EnipListFacts): ProbeOutcome {
  return { probe: 'enip.list', version: 1, port: 44818, status: 'ok', facts, transcript: [2, 6], durationMs: 9 };
}

const TIMEOUT: ProbeOutcome = {
  probe: 'enip.list',
  version: 1,
  port: 44818,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to enip.reply within 2000 ms' },
  transcript: [1, 3],
  durationMs: 2000,
};

interface Shape {
  readonly enip?: boolean;
  readonly tls?: boolean;
  readonly unchecked2221?: boolean;
}

function device(outcomes: ProbeOutcome[], shape: Shape = {}): DeviceView {
  const services: DeviceObservation['services'] = [];
  if (shape.enip ?? outcomes.length > 0) services.push({ port: 44818, transport: 'tcp', protocol: 'enip', confirmed: outcomes.length > 0 });
  if (shape.tls) services.push({ port: 2221, transport: 'tcp', protocol: 'enip-tls', confirmed: false });
  const observation: DeviceObservation = { address: testAddress('enipChecks', 1), services, outcomes };
  return new DeviceView(shape.unchecked2221 ? { ...observation, unchecked: [{ port: 2221, reason: 'device budget spent' }] } : observation);
}

const checks = loadCheckSet(enipCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('enip check instances', () => {
  it('load against their kinds and into the bundled profile', () => {
    expect([...checks.keys()]).toEqual(['enip.access-authenticated', 'enip.identity-hidden']);
    expect(bundledProfile().checks.has('enip.access-authenticated')).toBe(true);
  });

  it('map unauthenticated, cleartext CIP to CR 1.2, 2.1, 3.1 and 4.1, and identity as informational', () => {
    const rows = Object.entries(mapping.requirements)
      .filter(([, row]) => row.checks.includes('enip.access-authenticated'))
      .map(([id]) => id);
    expect(rows).toEqual(['CR 1.2', 'CR 2.1', 'CR 3.1', 'CR 4.1']);
    expect(Object.values(mapping.requirements).some((row) => row.checks.includes('enip.identity-hidden'))).toBe(false);
    expect(Object.keys(mapping.informational)).toContain('enip.identity-hidden');
  });
});

describe('enip.access-authenticated', () => {
  const id = 'enip.access-authenticated';

  it('fails when EtherNet/IP answered and CIP Security (TCP 2221) is closed', () => {
    expect(evaluate(id, device([ok(IDENTIFIED)]))).toEqual({
      status: 'fail',
      observed: { protocol: 'ethernet-ip', ports: [44818], cipSecurity: 'absent', authentication: 'none', integrity: 'none', confidentiality: 'none' },
      expected: { cipSecurity: 'present', ports: [] },
      evidence: [{ probe: 'enip.list', port: 44818, transcript: [2, 6] }],
    });
  });

  it('stays unknown when TCP 2221 is open or was not checked: never passes on a port alone', () => {
    expect(evaluate(id, device([ok(IDENTIFIED)], { tls: true }))).toMatchObject({ status: 'unknown', observed: { cipSecurityPorts: [2221] } });
    expect(evaluate(id, device([ok(IDENTIFIED)], { unchecked2221: true }))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/2221.*not checked/),
    });
  });

  it('follows the absent and unavailable conventions', () => {
    expect(evaluate(id, device([])).status).toBe('not-applicable');
    expect(evaluate(id, device([TIMEOUT]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(id, device([], { enip: true }))).toMatchObject({ status: 'unknown', observed: { openPorts: [44818] } });
  });
});

describe('enip.identity-hidden', () => {
  const id = 'enip.identity-hidden';

  it('fails when ListIdentity gave product, revision and serial, and passes on a reply without identity', () => {
    expect(evaluate(id, device([ok(IDENTIFIED)]))).toMatchObject({
      status: 'fail',
      observed: { readableWithoutAuthentication: ['productName', 'revision', 'serialNumber'] },
    });
    expect(evaluate(id, device([ok(NO_IDENTITY)])).status).toBe('pass');
    expect(evaluate(id, device([TIMEOUT])).status).toBe('unknown');
  });
});

describe('enipIdentity', () => {
  it('names the vendor from the table and claims product, model, firmware and serial', () => {
    expect(enipIdentity(device([ok(IDENTIFIED)]))).toEqual([
      { field: 'vendor', value: 'Rockwell Automation/Allen-Bradley', source: 'enip.list' },
      { field: 'product', value: '1756-EN2T/D', source: 'enip.list' },
      { field: 'model', value: '1756-EN2T/D', source: 'enip.list' },
      { field: 'firmware', value: '11.2', source: 'enip.list' },
      { field: 'serial', value: '00c0ffee', source: 'enip.list' },
    ]);
  });

  it('claims no vendor for an id outside the table', () => {
    const [identity] = IDENTIFIED.identities;
    if (!identity) throw new Error('no identity');
    const unknownVendor = { ...IDENTIFIED, identities: [{ ...identity, vendorId: 9999 }] };
    expect(enipIdentity(device([ok(unknownVendor)])).map((c) => c.field)).not.toContain('vendor');
    expect(enipIdentity(device([TIMEOUT]))).toEqual([]);
  });
});

describe('EtherNet/IP identity to advisories (ICSA-24-284-20, Rockwell ControlLogix 5580)', () => {
  const file = 'cisa-more/icsa-24-284-20.json';
  const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
  if (!digested.ok) throw new Error(digested.reason);
  const index = new AdvisoryIndex([digested.advisory]);
  const [en2t] = IDENTIFIED.identities;
  if (!en2t) throw new Error('no identity');
  const rockwell = (productName: string, revision: string) =>
    matchDevice(mergeIdentity(enipIdentity(device([ok({ ...IDENTIFIED, identities: [{ ...en2t, deviceType: 0x0e, productName, revision }] })]))), index);

  it('matches a vendor id 1 controller whose ListIdentity names the ControlLogix 5580, by name, with the vendor', () => {
    const { coverage, findings } = rockwell('ControlLogix 5580', '33.11');
    expect(coverage.outcome).toBe('matched');
    expect(findings.map((f) => f.cve)).toContain('CVE-2024-6207');
    for (const f of findings) {
      expect(f.advisory.id).toBe('ICSA-24-284-20');
      expect(f.match).toMatchObject({ nameOnly: true, basis: 'product-name', advisoryValue: 'ControlLogix 5580', deviceValue: 'ControlLogix 5580' });
      // The advisory's rule (<V33.017_V34.014_V35.013_V36.011, one fix per major) is not a range the parser reads: the status stays open.
      expect(f.status).toBe('possibly-affected');
      expect(f.match.version.verdict).toBe('unknown');
    }
  });

  it('does not match a device that claims the vendor alone (a 1756-EN2T/D bridge module)', () => {
    expect(rockwell('1756-EN2T/D', '11.2').findings).toEqual([]);
  });
});

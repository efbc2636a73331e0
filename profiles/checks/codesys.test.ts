import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CodesysV2Facts } from '../../probes/codesys/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/codesys.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { decideRole } from '../role.ts';
import { codesysCheckKinds, codesysIdentity } from './codesys.ts';

const WAGO: CodesysV2Facts = {
  byteOrder: 'little',
  osName: 'Linux',
  osVersion: '2.6.29.6-rt24',
  productType: 'WAGO 750-880',
  requestsSent: 1,
  replyBytes: 192,
};

const ok = (facts: CodesysV2Facts): ProbeOutcome => ({
  probe: 'codesys.v2-identify',
  version: 1,
  port: 2455,
  status: 'ok',
  facts,
  transcript: [2, 5],
  durationMs: 3,
});
const TIMEOUT: ProbeOutcome = {
  probe: 'codesys.v2-identify',
  version: 1,
  port: 2455,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to codesys.v2-reply within 3000 ms' },
  transcript: [1, 4],
  durationMs: 6000,
};

function device(outcomes: ProbeOutcome[], ports: { v2?: boolean; v3?: boolean; gateway?: boolean } = {}): DeviceView {
  const services: DeviceObservation['services'] = [];
  if (ports.v2 ?? outcomes.length > 0)
    services.push({ port: 2455, transport: 'tcp', protocol: 'codesys-v2', confirmed: outcomes.some((o) => o.status === 'ok') });
  if (ports.v3) services.push({ port: 11740, transport: 'tcp', protocol: 'codesys-v3', confirmed: false });
  if (ports.gateway) services.push({ port: 1217, transport: 'tcp', protocol: 'codesys-gateway', confirmed: false });
  return new DeviceView({ address: testAddress('codesysChecks', 1), services, outcomes });
}

const checks = loadCheckSet(codesysCheckKinds, instances);
const evaluate = (view: DeviceView) => {
  const check = checks.get('codesys.access-authenticated');
  if (!check) throw new Error('no check');
  return check.kind.evaluate(view, check.instance.params);
};

describe('codesys.access-authenticated', () => {
  it('loads into the bundled profile and is mapped like S7 (CR 1.2, CR 3.1, CR 3.1 RE(1))', () => {
    expect(bundledProfile().checks.has('codesys.access-authenticated')).toBe(true);
    const mapped = Object.entries(mapping.requirements).flatMap(([req, m]) => ((m.checks as string[]).includes('codesys.access-authenticated') ? [req] : []));
    const s7 = Object.entries(mapping.requirements).flatMap(([req, m]) => ((m.checks as string[]).includes('s7.access-authenticated') ? [req] : []));
    expect(mapped).toEqual(['CR 1.2', 'CR 3.1', 'CR 3.1 RE(1)']);
    expect(mapped).toEqual(s7);
  });

  it('fails when a V2 runtime answered the identification without a login', () => {
    expect(evaluate(device([ok(WAGO)]))).toMatchObject({
      status: 'fail',
      observed: { protocol: 'codesys-v2', ports: [2455], identifiedWithoutLogin: true, authentication: 'none' },
      evidence: [{ probe: 'codesys.v2-identify', port: 2455 }],
    });
  });

  it('stays unknown on a V3 runtime or gateway port alone: V3 may enforce user management', () => {
    const v = evaluate(device([], { v3: true, gateway: true }));
    expect(v).toMatchObject({ status: 'unknown', observed: { openPorts: [{ port: 11740 }, { port: 1217 }] } });
    expect(v.reason).toMatch(/needs a channel/);
  });

  it('stays unknown when the V2 port did not answer, and is not applicable without any CODESYS port', () => {
    expect(evaluate(device([TIMEOUT], { v3: true }))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(device([])).status).toBe('not-applicable');
  });
});

describe('codesysIdentity and the role', () => {
  it('claims the OS and the product text, never a vendor', () => {
    expect(codesysIdentity(device([ok(WAGO)]))).toEqual([
      { field: 'os', value: 'Linux 2.6.29.6-rt24', source: 'codesys.v2-identify' },
      { field: 'product', value: 'WAGO 750-880', source: 'codesys.v2-identify' },
    ]);
    expect(codesysIdentity(device([TIMEOUT]))).toEqual([]);
  });

  it('infers a PLC from an open CODESYS runtime port', () => {
    expect(decideRole('auto', device([], { v3: true }))).toMatchObject({ role: 'plc', reason: expect.stringMatching(/codesys-v3/) });
    expect(decideRole('auto', device([], { gateway: true })).role).toBe('unknown');
  });
});

describe('CODESYS identity to advisories (ICSA-23-236-05, CODESYS Development System)', () => {
  const file = 'cisa-more/icsa-23-236-05.json';
  const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
  if (!digested.ok) throw new Error(digested.reason);
  const index = new AdvisoryIndex([digested.advisory]);

  it('never matches a runtime: the advisory is about the engineering tool, and a V2 runtime claims no vendor', () => {
    expect(matchDevice(mergeIdentity(codesysIdentity(device([ok(WAGO)]))), index).findings).toEqual([]);
  });

  it('never matches on the vendor alone, with or without a version', () => {
    const vendorOnly = mergeIdentity([
      { field: 'vendor', value: 'CODESYS, GmbH', source: 'test' },
      { field: 'product', value: 'CODESYS Control for Raspberry Pi SL', source: 'test' },
      { field: 'firmware', value: '3.5.15.0', source: 'test' },
    ]);
    expect(matchDevice(vendorOnly, index).findings).toEqual([]);
  });

  it('matches the product by name and judges the version by its range (>= 3.5.11.0, < 3.5.19.20)', () => {
    const devSystem = (firmware: string) =>
      matchDevice(
        mergeIdentity([
          { field: 'vendor', value: 'CODESYS, GmbH', source: 'test' },
          { field: 'product', value: 'CODESYS Development System', source: 'test' },
          { field: 'firmware', value: firmware, source: 'test' },
        ]),
        index,
      );
    const inRange = devSystem('3.5.17.0').findings;
    expect(inRange.length).toBeGreaterThan(0);
    for (const f of inRange) expect(f).toMatchObject({ advisory: { id: 'ICSA-23-236-05' }, status: 'affected' });
    expect(devSystem('3.5.19.20').findings.filter((f) => f.status === 'affected')).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MelsecFacts } from '../../probes/melsec/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/melsec.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { decideRole } from '../role.ts';
import { melsecCheckKinds, melsecIdentity } from './melsec.ts';

const PROBE = 'melsec.cpu-model';
const Q03UDV: MelsecFacts = { endCode: 0, modelName: 'Q03UDVCPU', modelCode: '0366', requestsSent: 1 };
const LOCKED: MelsecFacts = { endCode: 0xc200, requestsSent: 1 };

function ok(facts: MelsecFacts): ProbeOutcome {
  return { probe: PROBE, version: 1, port: 1025, status: 'ok', facts, transcript: [2, 4], durationMs: 5 };
}

const TIMEOUT: ProbeOutcome = {
  probe: PROBE,
  version: 1,
  port: 1025,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to melsec.reply within 2000 ms' },
  transcript: [1, 3],
  durationMs: 2000,
};

function device(outcomes: ProbeOutcome[], open = outcomes.length > 0): DeviceView {
  const services: DeviceObservation['services'] = open
    ? [{ port: 1025, transport: 'tcp', protocol: 'melsec', confirmed: outcomes.some((o) => o.status === 'ok') }]
    : [];
  return new DeviceView({ address: testAddress('melsecChecks', 1), services, outcomes });
}

const checks = loadCheckSet(melsecCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('melsec check instances', () => {
  it('load against their kinds and into the bundled profile', () => {
    expect([...checks.keys()]).toEqual(['melsec.access-authenticated', 'melsec.identity-hidden']);
    expect(bundledProfile().checks.has('melsec.access-authenticated')).toBe(true);
  });

  it("map unauthenticated SLMP to S7's rows, and identity as informational", () => {
    const rowsOf = (check: string) =>
      Object.entries(mapping.requirements)
        .filter(([, row]) => row.checks.includes(check))
        .map(([id]) => id);
    expect(rowsOf('melsec.access-authenticated')).toEqual(rowsOf('s7.access-authenticated'));
    expect(rowsOf('melsec.identity-hidden')).toEqual([]);
    expect(Object.keys(mapping.informational)).toContain('melsec.identity-hidden');
  });
});

describe('melsec.access-authenticated', () => {
  const id = 'melsec.access-authenticated';

  it('fails when the CPU answered SLMP, even with a locked remote password (its unlock travels in clear)', () => {
    expect(evaluate(id, device([ok(Q03UDV)]))).toEqual({
      status: 'fail',
      observed: { protocol: 'slmp', ports: [1025], endCodes: [0], authentication: 'none', integrity: 'none', confidentiality: 'none' },
      expected: { protocol: 'slmp', ports: [] },
      evidence: [{ probe: PROBE, port: 1025, transcript: [2, 4] }],
    });
    expect(evaluate(id, device([ok(LOCKED)]))).toMatchObject({ status: 'fail', observed: { endCodes: [0xc200] } });
  });

  it('follows the absent and unavailable conventions', () => {
    expect(evaluate(id, device([])).status).toBe('not-applicable');
    expect(evaluate(id, device([TIMEOUT]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(id, device([], true))).toMatchObject({ status: 'unknown', observed: { openPorts: [1025] } });
  });
});

describe('melsec.identity-hidden', () => {
  it('fails when Read CPU Model gave name and code, and passes when the CPU refused it', () => {
    const id = 'melsec.identity-hidden';
    expect(evaluate(id, device([ok(Q03UDV)]))).toMatchObject({ status: 'fail', observed: { readableWithoutAuthentication: ['modelName', 'modelCode'] } });
    expect(evaluate(id, device([ok(LOCKED)]))).toMatchObject({ status: 'pass', observed: { readableWithoutAuthentication: [], endCodes: [0xc200] } });
  });
});

describe('melsecIdentity and the role', () => {
  it('claims Mitsubishi Electric for a MELSEC CPU name, never a firmware', () => {
    expect(melsecIdentity(device([ok(Q03UDV)]))).toEqual([
      { field: 'vendor', value: 'Mitsubishi Electric', source: PROBE },
      { field: 'product', value: 'Q03UDVCPU', source: PROBE },
      { field: 'model', value: 'Q03UDVCPU', source: PROBE },
    ]);
  });

  it('claims no vendor for another SLMP server, and nothing for a refusal', () => {
    expect(melsecIdentity(device([ok({ ...Q03UDV, modelName: 'KV-8000' })])).map((c) => c.field)).toEqual(['product', 'model']);
    expect(melsecIdentity(device([ok(LOCKED)]))).toEqual([]);
  });

  it('makes a device that describes itself as MELSEC a PLC, without SLMP', () => {
    const said = { product: { value: 'MELSEC iQ-R Series Ethernet', source: 'snmp.system' } };
    expect(decideRole('auto', device([]), said)).toMatchObject({
      role: 'plc',
      reason: expect.stringMatching(/describes itself as "MELSEC iQ-R Series Ethernet"/),
    });
  });

  it('makes a device that answered SLMP a PLC', () => {
    const view = device([ok(Q03UDV)]);
    expect(decideRole('auto', view, mergeIdentity(melsecIdentity(view)))).toMatchObject({
      role: 'plc',
      reason: expect.stringMatching(/controller protocol answered: melsec/),
    });
  });
});

describe('MELSEC identity to advisories (ICSA-24-291-03, Mitsubishi Electric CNC series)', () => {
  const file = 'cisa-more/icsa-24-291-03.json';
  const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
  if (!digested.ok) throw new Error(digested.reason);
  const index = new AdvisoryIndex([digested.advisory]);

  it('does not match a MELSEC CPU on the vendor alone: the advisory names CNC controllers only', () => {
    const identity = mergeIdentity(melsecIdentity(device([ok(Q03UDV)])));
    expect(identity.vendor?.value).toBe('Mitsubishi Electric');
    expect(matchDevice(identity, index).findings).toEqual([]);
  });
});

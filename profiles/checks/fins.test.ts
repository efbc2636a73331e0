import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FinsFacts } from '../../probes/fins/facts.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { digestCsaf } from '../advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from '../advisories/match.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/fins.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { mergeIdentity } from '../identity.ts';
import { decideRole } from '../role.ts';
import { finsCheckKinds, finsIdentity } from './fins.ts';

const TCP = 'fins.controller-data';
const UDP = 'fins.controller-data-udp';

const CJ2M: FinsFacts = {
  transport: 'tcp',
  nodes: { client: 239, server: 10 },
  responder: { network: 0, node: 10, unit: 0 },
  endCode: 0,
  controller: { model: 'CJ2M-CPU33', version: '02.00', furtherBytes: 66 },
  requestsSent: 2,
};

const REFUSED_READ: FinsFacts = { transport: 'udp', responder: { network: 0, node: 10, unit: 0 }, endCode: 0x0401, requestsSent: 1 };
const PROTECTED: FinsFacts = { transport: 'tcp', nodeAddressRefused: { code: 0x22, meaning: 'protected node address' }, requestsSent: 1 };

function ok(probe: string, facts: FinsFacts): ProbeOutcome {
  return { probe, version: 1, port: 9600, status: 'ok', facts, transcript: [2, 6], durationMs: 9 };
}

function failed(probe: string, kind: 'timeout' | 'refused' | 'malformed'): ProbeOutcome {
  return { probe, version: 1, port: 9600, status: 'unavailable', failure: { kind, detail: kind }, transcript: [1, 3], durationMs: 400 };
}

function device(outcomes: ProbeOutcome[], tcpOpen = outcomes.some((o) => o.probe === TCP)): DeviceView {
  const services: DeviceObservation['services'] = [];
  if (tcpOpen) services.push({ port: 9600, transport: 'tcp', protocol: 'fins', confirmed: outcomes.some((o) => o.probe === TCP && o.status === 'ok') });
  if (outcomes.some((o) => o.probe === UDP && o.status === 'ok')) services.push({ port: 9600, transport: 'udp', protocol: 'fins', confirmed: true });
  return new DeviceView({ address: testAddress('finsChecks', 1), services, outcomes });
}

const checks = loadCheckSet(finsCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('fins check instances', () => {
  it('load against their kinds and into the bundled profile', () => {
    expect([...checks.keys()]).toEqual(['fins.access-authenticated', 'fins.identity-hidden']);
    expect(bundledProfile().checks.has('fins.access-authenticated')).toBe(true);
  });

  it("map unauthenticated FINS to S7's rows (CR 1.2, 3.1, 3.1 RE(1)), and identity as informational", () => {
    const rowsOf = (check: string) =>
      Object.entries(mapping.requirements)
        .filter(([, row]) => row.checks.includes(check))
        .map(([id]) => id);
    expect(rowsOf('fins.access-authenticated')).toEqual(rowsOf('s7.access-authenticated'));
    expect(rowsOf('fins.access-authenticated')).toEqual(['CR 1.2', 'CR 3.1', 'CR 3.1 RE(1)']);
    expect(rowsOf('fins.identity-hidden')).toEqual([]);
    expect(Object.keys(mapping.informational)).toContain('fins.identity-hidden');
  });
});

describe('fins.access-authenticated', () => {
  const id = 'fins.access-authenticated';

  it('fails when a FINS frame was answered over TCP or UDP, even with an error end code', () => {
    expect(evaluate(id, device([ok(TCP, CJ2M)]))).toEqual({
      status: 'fail',
      observed: { protocol: 'fins', transports: ['tcp'], ports: [9600], authentication: 'none', integrity: 'none', confidentiality: 'none' },
      expected: { protocol: 'fins', ports: [] },
      evidence: [{ probe: TCP, port: 9600, transcript: [2, 6] }],
    });
    expect(evaluate(id, device([ok(UDP, REFUSED_READ)]))).toMatchObject({ status: 'fail', observed: { transports: ['udp'] } });
  });

  it('stays unknown when FINS/TCP refused the node address exchange: an IP filter is no authentication, and never a pass', () => {
    expect(evaluate(id, device([ok(TCP, PROTECTED)]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/refused the node address exchange: error 0x22/),
    });
  });

  it('fails on the FINS/UDP answer read after FINS/TCP refused the node address exchange or failed', () => {
    const overUdp = { ...CJ2M, transport: 'udp' as const };
    expect(evaluate(id, device([ok(TCP, PROTECTED), ok(UDP, overUdp)]))).toMatchObject({
      status: 'fail',
      observed: { transports: ['udp'], ports: [9600] },
      evidence: [
        { probe: TCP, port: 9600 },
        { probe: UDP, port: 9600 },
      ],
    });
    expect(evaluate(id, device([failed(TCP, 'malformed'), ok(UDP, overUdp)]))).toMatchObject({ status: 'fail', observed: { transports: ['udp'] } });
  });

  it('stays unknown with the refusal or the TCP failure where FINS/UDP then stayed silent', () => {
    expect(evaluate(id, device([ok(TCP, PROTECTED), failed(UDP, 'timeout')]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/refused the node address exchange: error 0x22/),
    });
    expect(evaluate(id, device([failed(TCP, 'malformed'), failed(UDP, 'timeout')]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/^fins\.controller-data unavailable: .*malformed/),
    });
  });

  it('is not applicable where FINS/UDP stayed silent or unreachable and TCP 9600 was closed', () => {
    expect(evaluate(id, device([failed(UDP, 'timeout')])).status).toBe('not-applicable');
    expect(evaluate(id, device([failed(UDP, 'refused')])).status).toBe('not-applicable');
    expect(evaluate(id, device([])).status).toBe('not-applicable');
  });

  it('stays unknown for a malformed answer, a failed TCP probe, or an open TCP 9600 that was not probed', () => {
    expect(evaluate(id, device([failed(UDP, 'malformed')]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/malformed/) });
    expect(evaluate(id, device([failed(TCP, 'timeout')]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(id, device([], true))).toMatchObject({ status: 'unknown', observed: { openPorts: [9600] } });
  });
});

describe('fins.identity-hidden', () => {
  const id = 'fins.identity-hidden';

  it('fails when Controller Data Read gave model and version, and passes when the node refused the read', () => {
    expect(evaluate(id, device([ok(TCP, CJ2M)]))).toMatchObject({ status: 'fail', observed: { readableWithoutAuthentication: ['model', 'version'] } });
    expect(evaluate(id, device([ok(UDP, REFUSED_READ)]))).toMatchObject({
      status: 'pass',
      observed: { readableWithoutAuthentication: [], endCodes: [0x0401] },
    });
    expect(evaluate(id, device([ok(TCP, PROTECTED)])).status).toBe('unknown');
  });
});

describe('finsIdentity and the role', () => {
  it('claims Omron, product, model and firmware for an Omron CPU model, from either transport', () => {
    const claims = [
      { field: 'vendor', value: 'Omron', source: TCP },
      { field: 'product', value: 'CJ2M-CPU33', source: TCP },
      { field: 'model', value: 'CJ2M-CPU33', source: TCP },
      { field: 'firmware', value: '02.00', source: TCP },
    ];
    expect(finsIdentity(device([ok(TCP, CJ2M)]))).toEqual(claims);
    expect(finsIdentity(device([ok(UDP, { ...CJ2M, transport: 'udp' })]))).toEqual(claims.map((c) => ({ ...c, source: UDP })));
    expect(finsIdentity(device([ok(TCP, PROTECTED), ok(UDP, { ...CJ2M, transport: 'udp' })]))).toEqual(claims.map((c) => ({ ...c, source: UDP })));
  });

  it('claims no vendor for a FINS node whose model is not named like an Omron CPU, and nothing without controller data', () => {
    const other = { ...CJ2M, controller: { model: 'KV-8000', version: '2.1', furtherBytes: 0 } };
    expect(finsIdentity(device([ok(TCP, other)])).map((c) => c.field)).not.toContain('vendor');
    expect(finsIdentity(device([ok(UDP, REFUSED_READ)]))).toEqual([]);
  });

  it('makes a device that answered FINS a PLC', () => {
    const view = device([ok(UDP, { ...CJ2M, transport: 'udp' })]);
    expect(decideRole('auto', view, mergeIdentity(finsIdentity(view)))).toMatchObject({
      role: 'plc',
      reason: expect.stringMatching(/controller protocol answered: fins/),
    });
  });
});

describe('FINS identity to advisories (ICSA-23-262-05, Omron CJ/CS/CP)', () => {
  const load = (file: string) => {
    const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
    if (!digested.ok) throw new Error(digested.reason);
    return digested.advisory;
  };
  const index = new AdvisoryIndex([load('cisa-more/icsa-23-262-05.json'), load('cisa-more/icsa-24-291-03.json')]);
  const omron = (model: string, version: string) =>
    matchDevice(mergeIdentity(finsIdentity(device([ok(TCP, { ...CJ2M, controller: { model, version, furtherBytes: 0 } })]))), index);

  it('matches a CJ2M CPU by its model against the CJ2M-CPU** family, with the vendor', () => {
    const { coverage, findings } = omron('CJ2M-CPU33', '02.00');
    expect(coverage.outcome).toBe('matched');
    expect(findings.map((f) => f.cve)).toEqual(['CVE-2022-45790']);
    expect(findings[0]).toMatchObject({
      advisory: { id: 'ICSA-23-262-05' },
      status: 'affected',
      match: { nameOnly: true, basis: 'product-name', advisoryValue: 'CJ2M-CPU**', deviceValue: 'CJ2M-CPU33', version: { verdict: 'in-range' } },
    });
  });

  it('weighs the unit version: a CJ2M above 2.0 is past the affected range (fixed)', () => {
    expect(omron('CJ2M-CPU33', '02.10').findings.map((f) => f.status)).toEqual(['fixed']);
  });

  it('matches one item of a list of patterns (CS1H/G-CPU**H, CJ1G-CPU**P)', () => {
    expect(omron('CJ1G-CPU45P', '04.00').findings.map((f) => f.match.advisoryValue)).toEqual(['CS1H/G-CPU**H, CJ1G-CPU**P']);
  });

  it('never matches the pattern without the vendor: a FINS node named like a CJ2M but not claimed as Omron', () => {
    const identity = mergeIdentity(finsIdentity(device([ok(TCP, CJ2M)])).filter((c) => c.field !== 'vendor'));
    expect(matchDevice(identity, index).findings).toEqual([]);
  });

  it('does not match an Omron device of another family on the vendor alone', () => {
    expect(omron('NJ501-1300', '1.48').findings).toEqual([]);
  });
});

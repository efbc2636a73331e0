import { describe, expect, it } from 'vitest';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { testAddress } from '../../test/addresses.ts';
import { bundledProfile } from '../bundled.ts';
import { loadCheckSet } from '../check-set.ts';
import dnp3Instances from '../data/checks/dnp3.json' with { type: 'json' };
import iec104Instances from '../data/checks/iec104.json' with { type: 'json' };
import mapping from '../data/mapping.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { dnp3CheckKinds } from './dnp3.ts';
import { iec104CheckKinds } from './iec104.ts';

const checks = loadCheckSet([...iec104CheckKinds, ...dnp3CheckKinds], [...iec104Instances, ...dnp3Instances]);

const FAMILIES = [
  {
    check: 'iec104.tls-protected',
    service: 'iec104',
    port: 2404,
    tlsService: 'iec104-tls',
    tlsPort: 19998,
    probe: 'iec104.testfr',
    facts: { confirmed: true, before: [], requestsSent: 1 },
  },
  {
    check: 'dnp3.tls-protected',
    service: 'dnp3',
    port: 20000,
    tlsService: 'dnp3-tls',
    tlsPort: 19999,
    probe: 'dnp3.link-status',
    facts: {
      askedAddress: 0xfffc,
      masterAddress: 1,
      function: 'link-status',
      outstationAddress: 1024,
      replyDestination: 1,
      dataFlowControl: false,
      stationFrames: 0,
      requestsSent: 1,
    },
  },
] as const;
type Family = (typeof FAMILIES)[number];

interface Shape {
  readonly open?: boolean;
  readonly tls?: boolean;
  readonly uncheckedTls?: boolean;
  readonly outcome?: 'ok' | 'timeout';
}

function device(f: Family, shape: Shape): DeviceView {
  const services: DeviceObservation['services'] = [];
  if (shape.open ?? true) services.push({ port: f.port, transport: 'tcp', protocol: f.service, confirmed: shape.outcome === 'ok' });
  if (shape.tls) services.push({ port: f.tlsPort, transport: 'tcp', protocol: f.tlsService, confirmed: false });
  const base = { probe: f.probe, version: 1, port: f.port, transcript: [3, 6] as [number, number], durationMs: 4 };
  const outcomes: ProbeOutcome[] =
    shape.outcome === 'ok'
      ? [{ ...base, status: 'ok', facts: f.facts }]
      : shape.outcome === 'timeout'
        ? [{ ...base, status: 'unavailable', failure: { kind: 'timeout', detail: 'no complete reply within 3000 ms' } }]
        : [];
  const observation: DeviceObservation = { address: testAddress('telecontrolChecks', 1), services, outcomes };
  return new DeviceView(shape.uncheckedTls ? { ...observation, unchecked: [{ port: f.tlsPort, reason: 'device budget spent' }] } : observation);
}

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe.each(FAMILIES)('$check', (f) => {
  it('loads into the bundled profile and is mapped to CR 3.1 and CR 4.1', () => {
    expect(bundledProfile().checks.has(f.check)).toBe(true);
    const mapped = Object.entries(mapping.requirements).flatMap(([req, m]) => ((m.checks as string[]).includes(f.check) ? [req] : []));
    expect(mapped).toEqual(['CR 3.1', 'CR 4.1']);
  });

  it('fails on the open cleartext port alone, with nothing sent (no evidence, "not asked")', () => {
    const v = evaluate(f.check, device(f, {}));
    expect(v.status).toBe('fail');
    expect(v.observed).toMatchObject({ cleartextPorts: [{ port: f.port, identified: 'not asked (open port only)' }], [`tlsPort${f.tlsPort}`]: 'closed' });
    expect(v.evidence).toBeUndefined();
  });

  it('points at the opt-in probe where it ran, answered or not', () => {
    const answered = evaluate(f.check, device(f, { outcome: 'ok' }));
    expect(answered).toMatchObject({
      status: 'fail',
      observed: { cleartextPorts: [{ identified: 'answered' }] },
      evidence: [{ probe: f.probe, port: f.port }],
    });
    expect(evaluate(f.check, device(f, { outcome: 'timeout' })).observed).toMatchObject({ cleartextPorts: [{ identified: 'no answer: timeout' }] });
  });

  it('still fails with the TLS port open beside the cleartext one, and says so; not applicable without the cleartext port', () => {
    expect(evaluate(f.check, device(f, { tls: true })).observed).toMatchObject({ [`tlsPort${f.tlsPort}`]: 'open' });
    expect(evaluate(f.check, device(f, { uncheckedTls: true })).observed).toMatchObject({ [`tlsPort${f.tlsPort}`]: 'unchecked' });
    expect(evaluate(f.check, device(f, { open: false, tls: true })).status).toBe('not-applicable');
  });
});

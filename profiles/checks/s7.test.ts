import { describe, expect, it } from 'vitest';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { S7SzlFacts } from '../../probes/s7/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { loadCheckSet } from '../check-set.ts';
import instances from '../data/checks/s7.json' with { type: 'json' };
import { DeviceView } from '../device-view.ts';
import { s7CheckKinds, s7Identity } from './s7.ts';

const WEAK: S7SzlFacts = {
  tsap: { calling: 0x0100, called: 0x0102 },
  tsapRetried: false,
  pduSize: 480,
  supportedSzlIds: [0x0000, 0x0011, 0x001c, 0x0232],
  modules: [
    { index: 1, orderNumber: '6ES7 215-1AG40-0XB0', moduleType: 0, versionRaw: '00000005' },
    { index: 7, orderNumber: '', moduleType: 0, version: 'V2.8.1', versionRaw: '56020801' },
    { index: 0x81, orderNumber: 'Boot Loader', moduleType: 0, version: 'A1.2.3', versionRaw: '41010203' },
  ],
  orderNumber: '6ES7 215-1AG40-0XB0',
  firmware: 'V2.8.1',
  bootLoader: 'A1.2.3',
  component: { plcName: 'PLC_1', serialNumber: 'S C-X4U421302020', moduleTypeName: 'CPU 1215C DC/DC/DC', records: [] },
  protection: { schSchal: 1, schPar: 0, schRel: 1, bartSch: 2, modeSwitch: 'RUN-P', anlSch: 0 },
  unavailable: [],
};

const HARDENED: S7SzlFacts = { ...WEAK, firmware: 'V4.6.1', protection: { schSchal: 1, schPar: 3, schRel: 3, bartSch: 1, modeSwitch: 'RUN', anlSch: 0 } };
const WRITE_ONLY: S7SzlFacts = { ...WEAK, protection: { schSchal: 1, schPar: 2, schRel: 2, bartSch: 0, modeSwitch: 'undefined', anlSch: 0 } };
const { protection: _dropped, ...NO_PROTECTION_BASE } = WEAK;
const NO_PROTECTION: S7SzlFacts = {
  ...NO_PROTECTION_BASE,
  unavailable: [{ szlId: 0x0232, index: 4, reason: 'not-available', detail: 'device answered: object does not exist' }],
};

function ok(facts: S7SzlFacts, port = 102): ProbeOutcome {
  return { probe: 's7.szl', version: 1, port, status: 'ok', facts, transcript: [2, 16], durationMs: 9 };
}

const TIMEOUT: ProbeOutcome = {
  probe: 's7.szl',
  version: 1,
  port: 102,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply' },
  transcript: [1, 3],
  durationMs: 2000,
};

function device(outcomes: ProbeOutcome[], s7PortOpen = outcomes.length > 0): DeviceView {
  const services: DeviceObservation['services'] = s7PortOpen ? [{ port: 102, transport: 'tcp', protocol: 's7', confirmed: outcomes.length > 0 }] : [];
  return new DeviceView({ address: '127.30.2.1', services, outcomes });
}

const checks = loadCheckSet(s7CheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('s7 check instances', () => {
  it('load against their kinds', () => {
    expect([...checks.keys()]).toEqual([
      's7.access-authenticated',
      's7.write-access-protected',
      's7.read-write-access-protected',
      's7.mode-switch-safe',
      's7.diagnostic-buffer-active',
    ]);
  });

  it('reject a protection level that would let a password-less CPU pass', () => {
    const kind = s7CheckKinds.find((k) => k.id === 's7.access-protected');
    expect(kind?.params.safeParse({ minLevel: 1 }).success).toBe(false);
  });
});

describe('s7.access-authenticated', () => {
  const id = 's7.access-authenticated';

  it('fails whenever S7comm answered, even on a protected CPU', () => {
    for (const facts of [WEAK, HARDENED]) {
      const v = evaluate(id, device([ok(facts)]));
      expect(v).toMatchObject({ status: 'fail', observed: { protocol: 's7comm', ports: [102], authentication: 'none' } });
      expect(v.evidence).toEqual([{ probe: 's7.szl', port: 102, transcript: [2, 16] }]);
    }
  });

  it('is not applicable without S7 and unknown when S7 did not answer or was not probed', () => {
    expect(evaluate(id, device([])).status).toBe('not-applicable');
    expect(evaluate(id, device([TIMEOUT]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/timeout/) });
    expect(evaluate(id, device([], true))).toMatchObject({ status: 'unknown', observed: { openPorts: [102] } });
  });
});

describe('s7.access-protected', () => {
  it('fails without a password and passes at or above the level asked for', () => {
    expect(evaluate('s7.write-access-protected', device([ok(WEAK)]))).toMatchObject({
      status: 'fail',
      observed: [{ port: 102, passwordProtectionLevel: 0, effectiveLevel: 1 }],
      expected: { passwordProtectionLevel: { atLeast: 2 } },
    });
    expect(evaluate('s7.write-access-protected', device([ok(WRITE_ONLY)])).status).toBe('pass');
    expect(evaluate('s7.read-write-access-protected', device([ok(WRITE_ONLY)])).status).toBe('fail');
    expect(evaluate('s7.read-write-access-protected', device([ok(HARDENED)])).status).toBe('pass');
  });

  it('is unknown when SZL 0x0232 could not be read, with the reason', () => {
    expect(evaluate('s7.write-access-protected', device([ok(NO_PROTECTION)]))).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/0x0232.*not-available/),
    });
  });

  it('lets the weakest port decide', () => {
    expect(evaluate('s7.write-access-protected', device([ok(HARDENED), ok(WEAK, 1102)])).status).toBe('fail');
  });
});

describe('s7.mode-switch-safe', () => {
  const id = 's7.mode-switch-safe';

  it('fails in RUN-P, passes in RUN, is not applicable without a switch', () => {
    expect(evaluate(id, device([ok(WEAK)]))).toMatchObject({ status: 'fail', observed: [{ port: 102, modeSwitch: 'RUN-P' }] });
    expect(evaluate(id, device([ok(HARDENED)])).status).toBe('pass');
    expect(evaluate(id, device([ok(WRITE_ONLY)])).status).toBe('not-applicable');
    expect(evaluate(id, device([ok(NO_PROTECTION)])).status).toBe('unknown');
  });
});

describe('s7.diagnostic-buffer-active', () => {
  const id = 's7.diagnostic-buffer-active';
  const entry = { eventId: '0x4302', priority: 0xff, obNumber: 0x64, datId: 0xc700, info1: 0, info2: 8, timeRaw: '2403181459072502' };
  const WITH_BUFFER: S7SzlFacts = { ...WEAK, diagnosticBuffer: { entryCount: 3, entries: [{ ...entry, time: '2024-03-18T14:59:07.250' }, entry] } };

  it('passes on a readable buffer with entries, naming the newest one', () => {
    expect(evaluate(id, device([ok(WITH_BUFFER)]))).toMatchObject({
      status: 'pass',
      observed: [{ port: 102, entries: 3, newest: { eventId: '0x4302', time: '2024-03-18T14:59:07.250' } }],
      evidence: [{ probe: 's7.szl', port: 102 }],
    });
    const noTime: S7SzlFacts = { ...WEAK, diagnosticBuffer: { entryCount: 1, entries: [entry] } };
    expect(evaluate(id, device([ok(noTime)]))).toMatchObject({ status: 'pass', observed: [{ newest: { eventId: '0x4302' } }] });
  });

  it('never fails: a buffer that is not offered, not readable or empty is unknown, with the reason', () => {
    const notListed: S7SzlFacts = { ...WEAK, unavailable: [{ szlId: 0x00a0, index: 0, reason: 'not-listed', detail: 'not in the SZL 0x0000 list' }] };
    const tooLong: S7SzlFacts = {
      ...WEAK,
      unavailable: [{ szlId: 0x00a0, index: 0, reason: 'too-long', detail: 'answer still continues after 16 telegrams' }],
    };
    const empty: S7SzlFacts = { ...WEAK, diagnosticBuffer: { entryCount: 0, entries: [] } };
    expect(evaluate(id, device([ok(notListed)]))).toMatchObject({ status: 'unknown', reason: 'SZL 0x00A0 not-listed: not in the SZL 0x0000 list' });
    expect(evaluate(id, device([ok(tooLong)]))).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/too-long/) });
    expect(evaluate(id, device([ok(empty)]))).toMatchObject({ status: 'unknown', reason: 'SZL 0x00A0 readable but empty' });
    expect(evaluate(id, device([ok(WEAK)]))).toMatchObject({ status: 'unknown', reason: 'SZL 0x00A0 not read' });
    expect(evaluate(id, device([TIMEOUT])).status).toBe('unknown');
    expect(evaluate(id, device([])).status).toBe('not-applicable');
  });

  it('passes when one of several S7 ports shows the buffer', () => {
    expect(evaluate(id, device([ok(WEAK, 1102), ok(WITH_BUFFER)]))).toMatchObject({ status: 'pass', observed: [{ port: 102 }] });
  });
});

describe('s7Identity', () => {
  it('claims Siemens, order number, firmware (not the boot loader), serial and name', () => {
    expect(s7Identity(device([ok(WEAK)]))).toEqual([
      { field: 'vendor', value: 'Siemens', source: 's7.szl' },
      { field: 'orderNumber', value: '6ES7 215-1AG40-0XB0', source: 's7.szl' },
      { field: 'model', value: '6ES7 215-1AG40-0XB0', source: 's7.szl' },
      { field: 'product', value: 'CPU 1215C DC/DC/DC', source: 's7.szl' },
      { field: 'firmware', value: 'V2.8.1', source: 's7.szl' },
      { field: 'serial', value: 'S C-X4U421302020', source: 's7.szl' },
      { field: 'name', value: 'PLC_1', source: 's7.szl' },
    ]);
  });

  it('claims no vendor without a 6ES7 order number, and nothing without facts', () => {
    const other: S7SzlFacts = { ...WEAK, orderNumber: 'VIPA 315-4PN23' };
    expect(s7Identity(device([ok(other)])).some((c) => c.field === 'vendor')).toBe(false);
    expect(s7Identity(device([TIMEOUT]))).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startSnap7Fixture } from '../../fixtures/s7/snap7-server.ts';
import { type S7SpecBehaviour, type S7SpecProfile, startS7SpecFixture } from '../../fixtures/s7/spec-server.ts';
import { runProbe } from '../run.ts';
import { testContext, untilClosed } from '../test-kit.ts';
import type { ProbeContext, ProbeOutcome } from '../types.ts';
import type { S7SzlFacts } from './facts.ts';
import { S7_OPS, s7SzlProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const STEP_MS = 400;
const fixtures: Record<string, RunningFixture> = {};
let host = 1;

async function spec(name: string, profile: S7SpecProfile, behaviour: S7SpecBehaviour): Promise<void> {
  fixtures[name] = await startS7SpecFixture({ host: testAddress('s7Probe', host++), port: 0, profile, behaviour });
}

beforeAll(async () => {
  await Promise.all([
    spec('weak', 'weak', 'normal'),
    spec('hardened', 'hardened', 'normal'),
    spec('tsap', 'weak', 'refuse-tsap-0102'),
    spec('multi', 'hardened', 'multi-telegram'),
    spec('no1c', 'weak', 'no-component-id'),
    spec('endless', 'weak', 'endless-followup'),
    spec('reclen', 'weak', 'wrong-record-length'),
    spec('truncated', 'weak', 'truncated'),
    spec('garbage', 'weak', 'garbage'),
    spec('oversized', 'weak', 'oversized'),
    spec('silent', 'weak', 'silent'),
  ]);
  fixtures.snap7 = await startSnap7Fixture({ host: testAddress('s7Snap7', 1), port: 10102 });
  fixtures.nodiag = await startS7SpecFixture({ host: testAddress('s7NoDiagnostics', 1), port: 0, profile: 'weak', behaviour: 'no-diagnostic-buffer' });
});

afterAll(async () => {
  await Promise.all(Object.values(fixtures).map((f) => f.close()));
});

interface Run {
  readonly outcome: ProbeOutcome;
  readonly ctx: ProbeContext;
  readonly connections: number;
  readonly requests: number;
}

async function probe(name: string, signal = new AbortController().signal): Promise<Run> {
  const fixture = fixtures[name];
  if (!fixture) throw new Error(`no fixture ${name}`);
  const connections = fixture.log.connections;
  const requests = fixture.log.requests.length;
  const ctx = testContext(fixture.host, fixture.ports.s7 ?? 0, { stepTimeoutMs: STEP_MS, signal });
  const outcome = await runProbe(s7SzlProbe, ctx);
  await untilClosed(fixture.log);
  return { outcome, ctx, connections: fixture.log.connections - connections, requests: fixture.log.requests.length - requests };
}

function facts(run: Run): S7SzlFacts {
  if (run.outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(run.outcome.failure)}`);
  return run.outcome.facts as S7SzlFacts;
}

function failure(run: Run): { kind: string; detail: string } {
  if (run.outcome.status !== 'unavailable') throw new Error('probe unexpectedly produced facts');
  return run.outcome.failure;
}

/** Only allow-listed operations left the probe, and the fixture saw nothing but reads. */
function expectReadOnly(name: string, run: Run): void {
  const allowed = new Set(['tcp.connect', ...Object.values(S7_OPS)]);
  expect(run.ctx.transcript.sentOps().filter((op) => !allowed.has(op))).toEqual([]);
  expect(fixtures[name]?.log.count('write')).toBe(0);
  expect(fixtures[name]?.log.maxConcurrent).toBe(1);
}

describe('s7.szl against the own S7 fixture', () => {
  it('reads identity and missing protection of a weak CPU over one connection', async () => {
    const run = await probe('weak');
    const f = facts(run);
    expect(f).toMatchObject({
      tsap: { calling: 0x0100, called: 0x0102 },
      tsapRetried: false,
      pduSize: 480,
      orderNumber: '6ES7 215-1AG40-0XB0',
      firmware: 'V2.8.1',
      bootLoader: 'A1.2.3',
      component: { plcName: 'PLC_1', serialNumber: 'S C-X4U421302020', moduleTypeName: 'CPU 1215C DC/DC/DC', copyright: 'Original Siemens Equipment' },
      protection: { schSchal: 1, schPar: 0, schRel: 1, bartSch: 2, modeSwitch: 'RUN-P', anlSch: 0 },
      unavailable: [],
    });
    expect(f.supportedSzlIds).toContain(0x0232);
    expect(f.modules.map((m) => m.index)).toEqual([0x0001, 0x0006, 0x0007, 0x0081]);
    expect(run.connections).toBe(1);
    // CR, setup, 0x0000, 0x0011, 0x001C, 0x0232, 0x00A0: nothing more.
    expect(run.requests).toBe(7);
    expect(run.ctx.transcript.sentOps()).toEqual(['tcp.connect', 's7.cotp-connect', 's7.setup-communication', ...new Array<string>(5).fill('s7.szl-read')]);
    expectReadOnly('weak', run);
  });

  it('reads password protection level 3 and newer firmware of a hardened CPU', async () => {
    const f = facts(await probe('hardened'));
    expect(f).toMatchObject({
      firmware: 'V4.6.1',
      protection: { schPar: 3, schRel: 3, modeSwitch: 'RUN' },
      component: { plantId: 'PLANT-A LINE-3', memoryCardSerial: 'MMC 0815' },
    });
  });

  it('reads the diagnostic buffer listed in 0x0000, newest entry first', async () => {
    expect(facts(await probe('weak')).diagnosticBuffer).toEqual({
      entryCount: 3,
      entries: [
        { eventId: '0x4302', priority: 0xff, obNumber: 0x64, datId: 0xc700, info1: 0, info2: 8, time: '2024-03-18T14:59:07.250', timeRaw: '2403181459072502' },
        { eventId: '0x1381', priority: 0xff, obNumber: 0x64, datId: 0xc700, info1: 0, info2: 8, time: '2024-03-18T14:58:07.250', timeRaw: '2403181458072502' },
        { eventId: '0x4301', priority: 0xff, obNumber: 0x46, datId: 0xc700, info1: 0, info2: 8, time: '2024-03-18T14:57:07.250', timeRaw: '2403181457072502' },
      ],
    });
  });

  it('keeps only the newest ten diagnostic entries of a longer buffer, also across telegrams', async () => {
    for (const name of ['hardened', 'multi']) {
      const buffer = facts(await probe(name)).diagnosticBuffer;
      expect(buffer?.entryCount).toBe(12);
      expect(buffer?.entries.map((e) => e.time)).toEqual(Array.from({ length: 10 }, (_, i) => `2024-03-18T14:${59 - i}:07.250`));
    }
  });

  it('does not ask for the diagnostic buffer when 0x0000 does not list it', async () => {
    const run = await probe('nodiag');
    const f = facts(run);
    expect(f.diagnosticBuffer).toBeUndefined();
    expect(f.unavailable).toEqual([{ szlId: 0x00a0, index: 0, reason: 'not-listed', detail: 'not in the SZL 0x0000 list' }]);
    expect(f.protection?.schPar).toBe(0);
    expect(run.requests).toBe(6);
    expectReadOnly('nodiag', run);
  });

  it('retries with called TSAP 0x0200 when 0x0102 is refused, one connection at a time', async () => {
    const run = await probe('tsap');
    expect(facts(run)).toMatchObject({ tsap: { called: 0x0200 }, tsapRetried: true, firmware: 'V2.8.1' });
    expect(run.connections).toBe(2);
    expectReadOnly('tsap', run);
  });

  it('follows multi-telegram answers and reassembles them by the SZL header', async () => {
    const run = await probe('multi');
    const f = facts(run);
    expect(f).toMatchObject({ firmware: 'V4.6.1', component: { serialNumber: 'S C-H7N104220191' }, protection: { schPar: 3 }, unavailable: [] });
    expect(run.ctx.transcript.sentOps().filter((op) => op === 's7.szl-followup').length).toBeGreaterThan(5);
    expectReadOnly('multi', run);
  });

  it('keeps going when 0x001C does not exist on the CPU', async () => {
    const f = facts(await probe('no1c'));
    expect(f.component).toBeUndefined();
    expect(f.unavailable).toEqual([{ szlId: 0x001c, index: 0, reason: 'not-available', detail: expect.any(String) }]);
    expect(f.protection?.schPar).toBe(0);
  });

  it('stops following an answer that never ends at the telegram cap', async () => {
    const run = await probe('endless');
    const f = facts(run);
    expect(f.unavailable).toEqual([{ szlId: 0x001c, index: 0, reason: 'too-long', detail: expect.any(String) }]);
    expect(run.ctx.transcript.sentOps().filter((op) => op === 's7.szl-followup').length).toBe(15);
    expect(f.protection).toBeDefined();
  });

  it('reports a list whose record length does not match its data as malformed, not as facts', async () => {
    const f = facts(await probe('reclen'));
    expect(f.modules).toEqual([]);
    expect(f.firmware).toBeUndefined();
    expect(f.unavailable).toEqual([{ szlId: 0x0011, index: 0, reason: 'malformed', detail: expect.stringMatching(/records of 30 bytes/) }]);
  });

  it.each([
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['oversized', 'malformed'],
  ])('turns a %s reply into a typed failure and closes the connection', async (name, kind) => {
    const run = await probe(name);
    expect(failure(run).kind).toBe(kind);
    expect(run.connections).toBe(1);
    expectReadOnly(name, run);
  });

  it('keeps what a peer sent instead of a TPKT frame in the transcript, with the same failure', async () => {
    const run = await probe('garbage');
    expect(failure(run)).toEqual({ kind: 'malformed', detail: 'reply is not a TPKT frame (first byte 0x48)' });
    // The Connection Confirm, then the bytes that came in place of the Setup Communication reply.
    const replies = run.ctx.transcript.entries().filter((e) => e.dir === 'rx' && e.op === 's7.reply');
    expect(replies.map((e) => e.hex)).toEqual([expect.stringMatching(/^0300[0-9a-f]{6}d0/), Buffer.from('HTTP/1.0 400 Bad Request\r\n\r\n').toString('hex')]);
    expect(run.connections).toBe(1);
    // The COTP Connection Request and Setup Communication: nothing after the refused reply.
    expect(run.requests).toBe(2);
    expect(run.ctx.transcript.sentOps()).toEqual(['tcp.connect', 's7.cotp-connect', 's7.setup-communication']);
    expectReadOnly('garbage', run);
  });

  it('gives up on a silent device within one step timeout', async () => {
    const started = performance.now();
    const run = await probe('silent');
    expect(failure(run).kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(STEP_MS * 2 + 3000);
    expect(run.outcome.durationMs).toBeLessThan(STEP_MS * 2);
    expect(run.connections).toBe(1);
  });

  it('stops when the device budget is spent', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const run = await probe('silent', controller.signal);
    expect(failure(run).kind).toBe('budget');
    expect(run.outcome.durationMs).toBeLessThan(STEP_MS);
  });

  it('reports a closed port as refused', async () => {
    const outcome = await runProbe(s7SzlProbe, testContext(testAddress('s7Probe', 250), 102, { stepTimeoutMs: STEP_MS }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });
});

describe('s7.szl against snap7', () => {
  it('reads the CPU identity and protection with reads only', async () => {
    const fixture = fixtures.snap7;
    if (!fixture) throw new Error('no snap7 fixture');
    const run = await probe('snap7');
    const f = facts(run);
    expect(f).toMatchObject({
      tsap: { called: 0x0102 },
      tsapRetried: false,
      orderNumber: '6ES7 315-2EH14-0AB0',
      firmware: 'V3.2.6',
      protection: { schPar: 0, modeSwitch: 'RUN-P' },
      unavailable: [],
    });
    expect(f.component?.moduleTypeName ?? f.component?.moduleName).toBeTruthy();
    expect(run.connections).toBe(1);
    // snap7 lists 0x00A0 and answers it with its own ten entries: the parser meets a buffer it did not shape.
    expect(f.diagnosticBuffer?.entryCount).toBe(10);
    expect(f.diagnosticBuffer?.entries.every((e) => /^0x[0-9a-f]{4}$/.test(e.eventId) && e.timeRaw.length === 16)).toBe(true);
    expect(f.diagnosticBuffer?.entries.some((e) => e.time !== undefined)).toBe(true);
    // snap7 reports its events asynchronously: wait for the five SZL reads and the PDU negotiation.
    await expect.poll(() => fixture.log.kinds('read').length, { timeout: 3000 }).toBe(6);
    expect(fixture.log.kinds()).toEqual(['evcNegotiatePDU', ...new Array<string>(5).fill('evcReadSZL')]);
    expect(fixture.log.count('write')).toBe(0);
  });
});

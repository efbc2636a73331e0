import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startModbusServerTcpFixture } from '../../fixtures/modbus/servertcp.ts';
import { type ModbusSpecFixtureOptions, startModbusSpecFixture } from '../../fixtures/modbus/spec-server.ts';
import { runProbe } from '../run.ts';
import { testContext, untilClosed } from '../test-kit.ts';
import type { ProbeContext, ProbeOutcome } from '../types.ts';
import type { ModbusDeviceIdFacts } from './facts.ts';
import { MAX_REQUESTS_PER_CATEGORY, modbusDeviceIdProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const STEP_MS = 400;

const FULL = {
  0: 'ACME Automation',
  1: 'AC-1234-5678',
  2: 'V2.7.1',
  3: 'https://acme.example',
  4: 'ACME Controller',
  5: 'AC-1234',
  6: 'Line 3 packer\0\0',
  128: Uint8Array.of(0xde, 0xad),
  129: 'serial 0042',
};

const context = (fixture: RunningFixture, options: Record<string, unknown> = {}, signal = new AbortController().signal): ProbeContext =>
  testContext(fixture.host, fixture.ports.modbus ?? 0, { stepTimeoutMs: STEP_MS, signal, options });

interface Run {
  readonly outcome: ProbeOutcome;
  readonly ctx: ProbeContext;
  readonly before: { connections: number; requests: number };
}

async function probe(fixture: RunningFixture, options: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Run> {
  const before = { connections: fixture.log.connections, requests: fixture.log.requests.length };
  const ctx = context(fixture, options, signal);
  const outcome = await runProbe(modbusDeviceIdProbe, ctx);
  await untilClosed(fixture.log);
  return { outcome, ctx, before };
}

function facts(run: Run): ModbusDeviceIdFacts {
  if (run.outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(run.outcome.failure)}`);
  return run.outcome.facts as ModbusDeviceIdFacts;
}

/** One connection, closed again, nothing but FC 43 reads, and only the requests the facts report. */
function expectDiscipline(fixture: RunningFixture, run: Run, requests: number): void {
  expect(fixture.log.connections - run.before.connections).toBe(1);
  expect(fixture.log.maxConcurrent).toBe(1);
  expect(fixture.log.openConnections).toBe(0);
  const sent = fixture.log.requests.slice(run.before.requests);
  expect(sent).toHaveLength(requests);
  expect(sent.every((r) => r.class === 'read' && r.kind.startsWith('fc43/14 '))).toBe(true);
  expect(fixture.log.count('write')).toBe(0);
  expect(new Set(run.ctx.transcript.sentOps())).toEqual(new Set(['tcp.connect', 'modbus.read-device-id']));
  expect(run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op === 'modbus.read-device-id')).toHaveLength(requests);
}

const fixtures: Record<string, RunningFixture> = {};
const spec = (name: string, host: string, opts: Omit<ModbusSpecFixtureOptions, 'host'>) => ({ name, host, opts });
const SPEC_FIXTURES = [
  spec('full', testAddress('modbusProbe', 1), { port: 0, objects: FULL, objectsPerReply: 2 }),
  spec('basic-only', testAddress('modbusProbe', 2), { port: 0, objects: { 0: 'Tiny', 1: 'T-1', 2: '1.0' } }),
  spec('no-device-id', testAddress('modbusProbe', 3), { port: 0, objects: FULL, behaviour: 'no-device-id' }),
  spec('silent', testAddress('modbusProbe', 4), { port: 0, objects: FULL, behaviour: 'silent' }),
  spec('garbage', testAddress('modbusProbe', 5), { port: 0, objects: FULL, behaviour: 'garbage' }),
  spec('truncated', testAddress('modbusProbe', 6), { port: 0, objects: FULL, behaviour: 'truncated' }),
  spec('wrong-transaction', testAddress('modbusProbe', 7), { port: 0, objects: FULL, behaviour: 'wrong-transaction' }),
  spec('oversized', testAddress('modbusProbe', 8), { port: 0, objects: FULL, behaviour: 'oversized' }),
  spec('wrong-length', testAddress('modbusProbe', 9), { port: 0, objects: FULL, behaviour: 'wrong-length' }),
  spec('silent-after-basic', testAddress('modbusProbe', 10), { port: 0, objects: FULL, behaviour: 'silent', misbehaveFrom: 2 }),
  spec('endless-paging', testAddress('modbusProbe', 11), {
    port: 0,
    objects: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [0x80 + i, `p${i}`])),
    objectsPerReply: 1,
  }),
];

beforeAll(async () => {
  for (const f of SPEC_FIXTURES) fixtures[f.name] = await startModbusSpecFixture({ host: f.host, name: f.name, ...f.opts });
  fixtures.servertcp = await startModbusServerTcpFixture({
    host: testAddress('modbusServerTcp', 1),
    port: 5020,
    identity: { 0: 'Other Vendor', 1: 'OV-99', 2: '3.1', 4: 'Other PLC', 5: 'OV' },
  });
});

afterAll(async () => {
  await Promise.all(Object.values(fixtures).map((f) => f.close()));
});

function fixture(name: string): RunningFixture {
  const f = fixtures[name];
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

describe('modbusDeviceIdProbe against the spec-exact server', () => {
  it('reads all three categories, following more-follows paging', async () => {
    const f = fixture('full');
    const run = await probe(f);
    const got = facts(run);
    expect(got).toMatchObject({
      unitId: 0xff,
      modbusConfirmed: true,
      deviceIdSupported: true,
      conformityLevel: 0x83,
      objects: {
        vendorName: 'ACME Automation',
        productCode: 'AC-1234-5678',
        majorMinorRevision: 'V2.7.1',
        vendorUrl: 'https://acme.example',
        productName: 'ACME Controller',
        modelName: 'AC-1234',
        userApplicationName: 'Line 3 packer',
        private: [
          { id: 0x80, hex: 'dead' },
          { id: 0x81, hex: Buffer.from('serial 0042').toString('hex') },
        ],
        reserved: [],
      },
    });
    // basic 0,1 | 2 ; regular 3,4 | 5,6 ; extended 0x80,0x81
    expect(got.categories).toEqual([
      { category: 'basic', requests: 2, objectIds: [0, 1, 2] },
      { category: 'regular', requests: 2, objectIds: [3, 4, 5, 6] },
      { category: 'extended', requests: 1, objectIds: [0x80, 0x81] },
    ]);
    expect(got.requestsSent).toBe(5);
    expect(got.interrupted).toBeUndefined();
    expectDiscipline(f, run, 5);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['fc43/14 code 1', 'fc43/14 code 1', 'fc43/14 code 2', 'fc43/14 code 2', 'fc43/14 code 3']);
  });

  it('does not ask for categories above the declared conformity level', async () => {
    const f = fixture('basic-only');
    const run = await probe(f);
    expect(facts(run)).toMatchObject({ conformityLevel: 0x81, categories: [{ category: 'basic', requests: 1 }], objects: { vendorName: 'Tiny' } });
    expectDiscipline(f, run, 1);
  });

  it('sends the configured unit id, and refuses a bad one without connecting', async () => {
    const f = fixture('basic-only');
    const run = await probe(f, { unitId: 1 });
    expect(facts(run).unitId).toBe(1);
    const tx = run.ctx.transcript.entries().find((e) => e.op === 'modbus.read-device-id');
    expect(tx?.hex).toBe('000100000005012b0e0100');
    const connections = f.log.connections;
    const bad = await probe(f, { unitId: 300 });
    expect(bad.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'error' } });
    expect(f.log.connections).toBe(connections);
  });

  it('takes exception 1 as proof of Modbus without device identification', async () => {
    const f = fixture('no-device-id');
    const run = await probe(f);
    expect(facts(run)).toEqual({
      unitId: 0xff,
      modbusConfirmed: true,
      deviceIdSupported: false,
      objects: { private: [], reserved: [] },
      categories: [{ category: 'basic', requests: 1, objectIds: [], exception: { code: 1, name: 'illegal-function' } }],
      requestsSent: 1,
    });
    expectDiscipline(f, run, 1);
  });

  it('gives up on a silent server after one step timeout and closes the connection', async () => {
    const f = fixture('silent');
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'timeout' } });
    expect(run.outcome.durationMs).toBeLessThan(STEP_MS + 600);
    expectDiscipline(f, run, 1);
  });

  it('stops when the device budget is spent', async () => {
    const f = fixture('silent');
    const run = await probe(f, {}, AbortSignal.timeout(100));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'budget' } });
    expect(run.outcome.durationMs).toBeLessThan(STEP_MS);
    expect(f.log.openConnections).toBe(0);
  });

  it.each([
    ['garbage', 'malformed', /protocol id/],
    ['truncated', 'closed', /incomplete reply/],
    ['wrong-transaction', 'malformed', /transaction id/],
    ['oversized', 'malformed', /exceeds the Modbus maximum/],
    ['wrong-length', 'malformed', /announces \d+ bytes, only/],
  ] as const)('turns a %s reply into a typed failure', async (name, kind, detail) => {
    const f = fixture(name);
    const run = await probe(f);
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind } });
    if (run.outcome.status === 'unavailable') expect(run.outcome.failure.detail).toMatch(detail);
    // Bytes that could not start a frame are in the transcript; half a frame before a close is not (TcpSession keeps it).
    const recorded = run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'modbus.reply' && (e.len ?? 0) > 0);
    expect(recorded).toBe(name !== 'truncated');
    expectDiscipline(f, run, 1);
  });

  it('keeps what it read when the device stops answering mid-sequence', async () => {
    const f = fixture('silent-after-basic');
    const run = await probe(f);
    const got = facts(run);
    expect(got.objects).toMatchObject({ vendorName: 'ACME Automation', majorMinorRevision: 'V2.7.1' });
    expect(got.interrupted).toMatchObject({ kind: 'timeout' });
    expect(got.categories.map((c) => c.category)).toEqual(['basic', 'regular']);
    expectDiscipline(f, run, 2);
  });

  it('caps the follow-up requests within a category', async () => {
    const f = fixture('endless-paging');
    const run = await probe(f);
    const got = facts(run);
    // Ids 0x80.. sit in the extended stream only: basic and regular restart at 0 and find nothing.
    expect(got.categories.at(-1)).toMatchObject({ category: 'extended', requests: MAX_REQUESTS_PER_CATEGORY, capped: true });
    expect(got.objects.private).toHaveLength(MAX_REQUESTS_PER_CATEGORY);
    expectDiscipline(f, run, got.requestsSent);
  });
});

describe('modbusDeviceIdProbe against modbus-serial ServerTCP', () => {
  it('reads the identity of an independent implementation', async () => {
    const f = fixture('servertcp');
    const run = await probe(f);
    const got = facts(run);
    expect(got).toMatchObject({
      modbusConfirmed: true,
      deviceIdSupported: true,
      conformityLevel: 0x82,
      objects: { vendorName: 'Other Vendor', productCode: 'OV-99', majorMinorRevision: '3.1', productName: 'Other PLC', modelName: 'OV' },
    });
    // ServerTCP answers every category with all objects; conformity 0x82 spares the extended request.
    expect(got.categories.map((c) => c.category)).toEqual(['basic', 'regular']);
    expectDiscipline(f, run, 2);
  });
});

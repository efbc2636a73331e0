import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type FinsBehaviour, startFinsFixture } from '../../fixtures/fins/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import type { FailureKind, ProbeDefinition, ProbeOutcome } from '../types.ts';
import type { FinsFacts } from './facts.ts';
import { buildControllerDataRead, finsTcpFrameLength, parseControllerData, parseControllerDataResponse, parseNodeAddressResponse } from './frame.ts';
import { finsTcpProbe, finsUdpProbe } from './probe.ts';

const POSTURES = ['spec', 'protected', 'undefined-command', 'truncated', 'oversized', 'garbage', 'drip', 'silent', 'tcp-drops'] as const;
// One fixture per transport: a UDP source counts as a connection that never closes, which would keep a TCP test waiting.
const fixture = fixturesPerPosture<FinsBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startFinsFixture({ host: testAddress('finsProbe', 1 + POSTURES.indexOf(behaviour)), port: 0, behaviour, transports: ['tcp'] }),
);
const udpFixture = fixturesPerPosture<FinsBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startFinsFixture({ host: testAddress('finsProbe', 101 + POSTURES.indexOf(behaviour)), port: 0, behaviour, transports: ['udp'] }),
);

async function probe(definition: ProbeDefinition, f: RunningFixture, stepTimeoutMs = 400) {
  const before = { connections: f.log.connections, requests: f.log.requests.length };
  const ops: string[] = [];
  const ctx = testContext(f.host, f.ports.fins ?? 0, { stepTimeoutMs, budgetMs: 10_000, gate: { pass: async (send) => void ops.push(send.op) } });
  const started = performance.now();
  const outcome = await runProbe(definition, ctx);
  const ms = performance.now() - started;
  if (definition.transport === 'tcp') await untilClosed(f.log);
  return { outcome, ctx, before, ms, ops, seen: f.log.requests.slice(before.requests) };
}

const facts = (outcome: ProbeOutcome) => okFacts<FinsFacts>(outcome);

const CONTROLLER = {
  model: 'CJ2M-CPU33',
  version: '02.00',
  area: {
    programAreaKwords: 60,
    iomKbytes: 23,
    dmWords: 32768,
    timerCounterSize: 8,
    expansionDmBanks: 4,
    stepsTransitions: 0,
    memoryCardKind: 0,
    memoryCardKbytes: 0,
  },
  furtherBytes: 66,
};

describe('fins.controller-data over FINS/TCP against the spec-exact node (weak posture: no access control)', () => {
  it('exchanges node addresses, then reads the controller data once, on one connection, writing nothing', async () => {
    const f = fixture('spec');
    const run = await probe(finsTcpProbe, f);
    const node = Number(f.host.split('.')[3]);
    expect(facts(run.outcome)).toEqual({
      transport: 'tcp',
      nodes: { client: 0xef, server: node },
      responder: { network: 0, node, unit: 0 },
      endCode: 0,
      controller: CONTROLLER,
      requestsSent: 2,
    });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.maxConcurrent).toBe(1);
    expect(run.seen.map((r) => r.kind)).toEqual(['fins.node-address', 'fins.controller-data-read']);
    expect(f.log.count('write')).toBe(0);
    expect(run.ops).toEqual(['tcp.connect', 'fins.node-address', 'fins.controller-data-read']);
    expect(run.ops.every((op) => finsTcpProbe.ops.includes(op))).toBe(true);
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op !== 'tcp.connect');
    // The node address request asks for node 0; the frame goes from the allocated node to the server's CPU, command 05 01.
    expect(tx.map((e) => e.hex)).toEqual([
      '46494e530000000c000000000000000000000000',
      expect.stringMatching(new RegExp(`^46494e5300000014000000020000000080000200${node.toString(16).padStart(2, '0')}0000ef00[0-9a-f]{2}0501$`)),
    ]);
    expect(run.ms).toBeLessThan(400);
  });

  it('keeps a refused node address exchange as a fact, and sends no FINS frame after it', async () => {
    const f = fixture('protected');
    const run = await probe(finsTcpProbe, f);
    expect(facts(run.outcome)).toEqual({
      transport: 'tcp',
      nodeAddressRefused: { code: 0x22, meaning: 'protected node address: this client IP address is not allowed' },
      requestsSent: 1,
    });
    expect(run.seen.map((r) => r.kind)).toEqual(['fins.node-address']);
  });

  it('ends as closed where the server drops the connection at the node address request, sending nothing more', async () => {
    const run = await probe(finsTcpProbe, fixture('tcp-drops'));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'closed' } });
    expect(run.seen.map((r) => r.kind)).toEqual(['fins.node-address']);
  });

  it('keeps the end code of a refused read, without controller data', async () => {
    const run = await probe(finsTcpProbe, fixture('undefined-command'));
    expect(facts(run.outcome)).toMatchObject({ transport: 'tcp', endCode: 0x0401, requestsSent: 2 });
    expect(facts(run.outcome).controller).toBeUndefined();
  });
});

describe('fins.controller-data-udp over FINS/UDP', () => {
  it('reads the controller data with one datagram to the receiving node, from one socket, writing nothing', async () => {
    const f = udpFixture('spec');
    const run = await probe(finsUdpProbe, f);
    expect(facts(run.outcome)).toEqual({
      transport: 'udp',
      responder: { network: 0, node: Number(f.host.split('.')[3]), unit: 0 },
      endCode: 0,
      controller: CONTROLLER,
      requestsSent: 1,
    });
    expect(run.seen.map((r) => r.kind)).toEqual(['fins.controller-data-read']);
    expect(new Set(run.seen.map((r) => r.connection)).size).toBe(1);
    expect(f.log.count('write')).toBe(0);
    expect(run.ops).toEqual(['fins.controller-data-read']);
    // DNA 0, DA1 0, DA2 0: the node that received it, never relayed; SA1 is our host number (127.0.0.1 -> 1).
    const [tx] = run.ctx.transcript.entries().filter((e) => e.dir === 'tx');
    expect(tx?.hex).toMatch(/^800002000000000100[0-9a-f]{2}0501$/);
  });

  it('ends with refused when nothing listens on the UDP port (port unreachable)', async () => {
    const f = await startFinsFixture({ host: testAddress('finsProbe', 50), port: 0, transports: ['tcp'] });
    try {
      const run = await probe(finsUdpProbe, f);
      expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'refused' } });
    } finally {
      await f.close();
    }
  });

  const hostile: readonly (readonly [FinsBehaviour, FailureKind])[] = [
    ['truncated', 'malformed'],
    ['oversized', 'malformed'],
    ['garbage', 'malformed'],
    ['drip', 'malformed'],
    ['silent', 'timeout'],
  ];
  it.each(hostile)('ends the %s posture as %s within its step budget, writing nothing', async (posture, kind) => {
    const f = udpFixture(posture);
    const run = await probe(finsUdpProbe, f);
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind } });
    expect(run.outcome.durationMs).toBeLessThan(2000);
    expect(run.seen.map((r) => r.kind)).toEqual(['fins.controller-data-read']);
    expect(f.log.count('write')).toBe(0);
  });
});

describe('fins.controller-data against hostile postures', () => {
  itEndsHostilePostures(finsTcpProbe, 'fins', fixture, [
    ['truncated', 'closed'],
    ['oversized', 'malformed'],
    ['garbage', 'malformed'],
    ['drip', 'timeout'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes of an answer it cannot frame', async () => {
    const run = await probe(finsTcpProbe, fixture('garbage'));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'malformed' } });
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'fins.reply' && e.hex?.startsWith('48545450'))).toBe(true);
  });
});

describe('the FINS request builder and parsers', () => {
  it('builds only Controller Data Read, and refuses an address that is no byte', () => {
    const frame = buildControllerDataRead({ network: 0, node: 0, unit: 0 }, { network: 0, node: 5, unit: 0 }, 7);
    expect(frame.toString('hex')).toBe('800002000000000500070501');
    expect(thrownUnavailable(() => buildControllerDataRead({ network: 0, node: 256, unit: 0 }, { network: 0, node: 5, unit: 0 }, 7)).kind).toBe('error');
  });

  it('refuses a reply that answers another request or another command', () => {
    const reply = Buffer.from('c00002000500000100070501000000', 'hex');
    expect(parseControllerDataResponse(reply, 7).endCode).toEqual({ main: 0, sub: 0 });
    expect(thrownUnavailable(() => parseControllerDataResponse(reply, 8)).message).toMatch(/service id 7 does not answer request 8/);
    expect(thrownUnavailable(() => parseControllerDataResponse(Buffer.from('c00002000500000100070101000000', 'hex'), 7)).message).toMatch(
      /answers no Controller Data Read/,
    );
    expect(thrownUnavailable(() => parseControllerDataResponse(Buffer.from('800002000500000100070501000000', 'hex'), 7)).message).toMatch(/not a response/);
  });

  it('reads model and version from a short answer, and the area data only when whole', () => {
    const short = parseControllerData(Buffer.concat([Buffer.from('CP1L-EM40DT1-D      '), Buffer.from('V1.10               ')]));
    expect(short.area).toBeUndefined();
    expect(short.model.toString('latin1').trim()).toBe('CP1L-EM40DT1-D');
    expect(thrownUnavailable(() => parseControllerData(Buffer.alloc(39))).kind).toBe('malformed');
    expect(parseControllerData(Buffer.alloc(80)).area).toBeUndefined();
    expect(parseControllerData(Buffer.alloc(92)).area).toBeDefined();
    expect(thrownUnavailable(() => parseControllerData(Buffer.alloc(91))).message).toMatch(/end inside a section/);
  });

  it('refuses a FINS/TCP length beyond an answer before waiting for it, and node numbers that are no FINS node', () => {
    expect(thrownUnavailable(() => finsTcpFrameLength(Buffer.from('46494e5300ffffff', 'hex'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => finsTcpFrameLength(Buffer.from('HTTP'))).kind).toBe('malformed');
    expect(finsTcpFrameLength(Buffer.from('46494e53', 'hex'))).toBeUndefined();
    const body = Buffer.alloc(8);
    body.writeUInt32BE(300, 0);
    expect(thrownUnavailable(() => parseNodeAddressResponse({ command: 1, errorCode: 0, body })).kind).toBe('malformed');
  });
});

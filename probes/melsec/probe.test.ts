import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { type MelsecBehaviour, startMelsecFixture } from '../../fixtures/melsec/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import type { ProbeOutcome } from '../types.ts';
import type { MelsecFacts } from './facts.ts';
import { buildReadCpuModel, parseCpuModel, parseResponse, slmpFrameLength } from './frame.ts';
import { melsecCpuModelProbe } from './probe.ts';

const POSTURES = ['spec', 'locked', 'not-supported', 'truncated', 'oversized', 'garbage', 'drip', 'silent'] as const;
const fixture = fixturesPerPosture<MelsecBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startMelsecFixture({ host: testAddress('melsecProbe', 1 + POSTURES.indexOf(behaviour)), port: 0, behaviour }),
);

async function probe(f: RunningFixture) {
  const before = f.log.requests.length;
  const ops: string[] = [];
  const ctx = testContext(f.host, f.ports.melsec ?? 0, { stepTimeoutMs: 400, gate: { pass: async (send) => void ops.push(send.op) } });
  const started = performance.now();
  const outcome = await runProbe(melsecCpuModelProbe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  return { outcome, ctx, ms, ops, seen: f.log.requests.slice(before) };
}

const facts = (outcome: ProbeOutcome) => okFacts<MelsecFacts>(outcome);

describe('melsec.cpu-model against the spec-exact SLMP server (weak posture: no remote password)', () => {
  it('reads model name and code with one Read CPU Model on one connection, writing nothing', async () => {
    const f = fixture('spec');
    const connections = f.log.connections;
    const run = await probe(f);
    expect(facts(run.outcome)).toEqual({ endCode: 0, modelName: 'Q03UDVCPU', modelCode: '0366', requestsSent: 1 });
    expect(f.log.connections - connections).toBe(1);
    expect(f.log.maxConcurrent).toBe(1);
    expect(run.seen.map((r) => r.kind)).toEqual(['slmp.read-cpu-model']);
    expect(f.log.count('write')).toBe(0);
    expect(run.ops).toEqual(['tcp.connect', 'melsec.read-cpu-model']);
    expect(run.ops.every((op) => melsecCpuModelProbe.ops.includes(op))).toBe(true);
    const tx = run.ctx.transcript.entries().filter((e) => e.dir === 'tx' && e.op !== 'tcp.connect');
    // 3E binary, own station (network 0, station FF, module 03FF, multidrop 0), 6 data bytes, timer 2 s, command 0101/0000.
    expect(tx.map((e) => e.hex)).toEqual(['500000ffff03000600080001010000']);
    expect(run.ms).toBeLessThan(400);
  });

  it('keeps a refusal as a fact: a locked remote password, or a CPU without the command', async () => {
    expect(facts((await probe(fixture('locked'))).outcome)).toEqual({ endCode: 0xc200, requestsSent: 1 });
    expect(facts((await probe(fixture('not-supported'))).outcome)).toEqual({ endCode: 0xc059, requestsSent: 1 });
  });
});

describe('melsec.cpu-model against hostile postures', () => {
  itEndsHostilePostures(melsecCpuModelProbe, 'melsec', fixture, [
    ['truncated', 'closed'],
    ['oversized', 'malformed'],
    ['garbage', 'malformed'],
    ['drip', 'timeout'],
    ['silent', 'timeout'],
  ]);

  it('records the bytes of an answer it cannot frame, and sends only the one request', async () => {
    const run = await probe(fixture('garbage'));
    expect(run.outcome).toMatchObject({ status: 'unavailable', failure: { kind: 'malformed' } });
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'melsec.reply' && e.hex?.startsWith('48545450'))).toBe(true);
    expect(run.seen.map((r) => r.kind)).toEqual(['slmp.read-cpu-model']);
  });
});

describe('the SLMP fixture', () => {
  it('logs any other command as a write and refuses it with C059: a Batch Write of D0 from a raw client', async () => {
    const f = await startMelsecFixture({ host: testAddress('melsecProbe', 50), port: 0 });
    try {
      // 3E binary, own station, Batch Write (1401/0000) of one word, D0 = 0x1234.
      const write = Buffer.from('500000ffff03000e0008000114000000000000a801003412', 'hex');
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const socket = net.connect(f.ports.melsec ?? 0, f.host, () => socket.write(write));
        socket.once('data', (chunk: Buffer) => {
          socket.end();
          resolve(chunk);
        });
        socket.on('error', reject);
      });
      expect(parseResponse(reply).endCode).toBe(0xc059);
      expect(f.log.requests).toEqual([{ kind: 'slmp.device-write', class: 'write', connection: 1 }]);
    } finally {
      await f.close();
    }
  });
});

describe('the SLMP request builder and parsers', () => {
  it('builds only Read CPU Model', () => {
    expect(buildReadCpuModel()).toEqual(Buffer.from('500000ffff03000600080001010000', 'hex'));
  });

  it('refuses an answer from another route, a wrong length or model data of the wrong size', () => {
    const ok = Buffer.from(`d00000ffff030014000000${Buffer.from('Q03UDVCPU       ').toString('hex')}6603`, 'hex');
    expect(parseCpuModel(parseResponse(ok).data).code).toBe(0x0366);
    const otherStation = Buffer.from(ok);
    otherStation.writeUInt8(1, 3);
    expect(thrownUnavailable(() => parseResponse(otherStation)).message).toMatch(/not the own station/);
    expect(thrownUnavailable(() => parseResponse(ok.subarray(0, ok.length - 1))).message).toMatch(/does not match/);
    expect(thrownUnavailable(() => parseCpuModel(Buffer.alloc(17))).kind).toBe('malformed');
  });

  it('refuses a subheader or length beyond an answer before waiting for it', () => {
    expect(thrownUnavailable(() => slmpFrameLength(Buffer.from('5000', 'hex'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => slmpFrameLength(Buffer.from('d00000ffff030060ea', 'hex'))).message).toMatch(/exceeds/);
    expect(slmpFrameLength(Buffer.from('d000', 'hex'))).toBeUndefined();
  });
});

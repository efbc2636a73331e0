import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { ILC_151_ETH, type PcworxBehaviour, startPcworxFixture } from '../../fixtures/pcworx/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { fixturesPerPosture, itEndsHostilePostures, okFacts, probeFixture, thrownUnavailable } from '../test-kit.ts';
import type { ProbeOutcome } from '../types.ts';
import type { PcworxInfoFacts } from './facts.ts';
import { buildRequest, type PcworxRequest, parseInfoReply, replyFrameLength } from './frame.ts';
import { pcworxInfoProbe } from './probe.ts';

const POSTURES = ['spec', 'truncated', 'garbage', 'huge-length', 'wrong-service', 'silent'] as const satisfies readonly PcworxBehaviour[];
const fixture = fixturesPerPosture<PcworxBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startPcworxFixture({ host: testAddress('pcworxProbe', 1 + POSTURES.indexOf(behaviour)), port: 0, identity: ILC_151_ETH, behaviour }),
);

const probe = (f: RunningFixture) => probeFixture(pcworxInfoProbe, f, 'pcworx', { stepTimeoutMs: 400 });

const facts = (outcome: ProbeOutcome) => okFacts<PcworxInfoFacts>(outcome);

describe('pcworx.info against a spec-exact controller', () => {
  it('reads type, model and firmware with three requests on one connection, and writes nothing', async () => {
    const f = fixture('spec');
    const run = await probe(f);
    expect(facts(run.outcome)).toEqual({
      sessionId: 0x2a,
      plcType: 'ILC 151 ETH',
      modelNumber: '2700974',
      firmwareVersion: '4.60',
      firmwareDate: 'Nov  5 2018',
      firmwareTime: '14:05:00',
      requestsSent: 3,
    });
    expect(f.log.connections - run.before.connections).toBe(1);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['init', 'select-info', 'read-info']);
    expect(f.log.count('write')).toBe(0);
    expect(run.ctx.transcript.sentOps()).toEqual(['tcp.connect', 'pcworx.init', 'pcworx.select-info', 'pcworx.read-info']);
    expect(run.ctx.transcript.entries().filter((e) => e.dir === 'rx' && e.op === 'pcworx.reply')).toHaveLength(3);
    expect(run.ms).toBeLessThan(400);
  });

  it('keeps the session id when the device information breaks off, and says why', async () => {
    const run = await probe(fixture('truncated'));
    expect(facts(run.outcome)).toMatchObject({ sessionId: 0x2a, requestsSent: 3, interrupted: { kind: 'closed' } });
    expect(facts(run.outcome).plcType).toBeUndefined();
  });
});

describe('pcworx.info against hostile controllers', () => {
  itEndsHostilePostures(pcworxInfoProbe, 'pcworx', fixture, [
    ['garbage', 'malformed'],
    ['huge-length', 'malformed'],
    ['wrong-service', 'malformed'],
    ['silent', 'timeout'],
  ]);

  it('sends nothing after an init reply it cannot read, and records the bytes', async () => {
    const f = fixture('garbage');
    const run = await probe(f);
    expect(f.log.kinds().slice(run.before.requests)).toEqual(['init']);
    expect(run.ctx.transcript.entries().some((e) => e.dir === 'rx' && e.op === 'pcworx.reply')).toBe(true);
  });
});

describe('the PCWorx request builder and reply parser', () => {
  it('builds only the three identification requests, with the session id in byte 11', () => {
    expect(buildRequest('init').toString('latin1')).toContain('IBETH01N0_M\0');
    expect(buildRequest('readInfo', 0x2a).toString('hex')).toBe('0106000e000200000000002a0400');
    expect(thrownUnavailable(() => buildRequest('stop' as PcworxRequest)).kind).toBe('denied');
    expect(thrownUnavailable(() => buildRequest('readInfo', 256)).kind).toBe('error');
  });

  it('refuses a reply of another service and one too short for the device information', () => {
    expect(thrownUnavailable(() => replyFrameLength('init')(Buffer.from('8106', 'hex'))).message).toMatch(/answers another request/);
    expect(thrownUnavailable(() => parseInfoReply(Buffer.from('81060010', 'hex'))).kind).toBe('malformed');
  });
});

import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { ILC_350_PN, type ProconosBehaviour, startProconosFixture } from '../../fixtures/proconos/server.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, thrownUnavailable, untilClosed } from '../test-kit.ts';
import { buildInfoRequest, infoFrameLength, parseInfoReply } from './frame.ts';
import { proconosInfoProbe } from './probe.ts';

const POSTURES = ['spec', 'truncated', 'garbage', 'silent'] as const satisfies readonly ProconosBehaviour[];
const fixture = fixturesPerPosture<ProconosBehaviour, RunningFixture>(POSTURES, (behaviour) =>
  startProconosFixture({ host: testAddress('proconosProbe', 1 + POSTURES.indexOf(behaviour)), port: 0, identity: ILC_350_PN, behaviour }),
);

describe('proconos.info against a spec-exact runtime', () => {
  it('reads runtime, PLC type and projects with one request on one connection, and writes nothing', async () => {
    const f = fixture('spec');
    const ctx = testContext(f.host, f.ports.proconos ?? 0, { stepTimeoutMs: 400 });
    const started = performance.now();
    const outcome = await runProbe(proconosInfoProbe, ctx);
    const ms = performance.now() - started;
    await untilClosed(f.log);
    expect(outcome).toMatchObject({
      status: 'ok',
      facts: {
        runtime: 'ProConOS V4.1.0267 Jul 31 2012',
        plcType: 'ILC 350 PN V3.71',
        projectName: 'PumpStation',
        bootProject: 'PumpStation',
        projectSource: 'Exist',
        requestsSent: 1,
      },
    });
    expect(f.log.connections).toBe(1);
    expect(f.log.kinds()).toEqual(['read-info']);
    expect(f.log.count('write')).toBe(0);
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'proconos.read-info']);
    expect(ctx.transcript.entries().find((e) => e.op === 'proconos.read-info')?.hex).toBe('cc01000b4002000047ee');
    expect(ms).toBeLessThan(400);
  });
});

describe('proconos.info against hostile runtimes', () => {
  itEndsHostilePostures(proconosInfoProbe, 'proconos', fixture, [
    ['truncated', 'closed'],
    ['garbage', 'malformed'],
    ['silent', 'timeout'],
  ]);
});

describe('the ProConOS request and reply', () => {
  it('has one request, and refuses a reply that does not start 0xCC 0x01 or is too short', () => {
    expect(buildInfoRequest().toString('hex')).toBe('cc01000b4002000047ee');
    expect(thrownUnavailable(() => infoFrameLength(Buffer.from('cc02', 'hex'))).message).toMatch(/second byte 0x02/);
    expect(thrownUnavailable(() => parseInfoReply(Buffer.from('cc01', 'hex'))).kind).toBe('malformed');
  });

  it('reads a field up to its NUL and never past its width', () => {
    const reply = Buffer.alloc(106);
    reply.set([0xcc, 0x01]);
    reply.write('A'.repeat(40), 12, 'latin1');
    expect(parseInfoReply(reply)).toEqual({ runtime: 'A'.repeat(32), plcType: 'A'.repeat(8) });
  });
});

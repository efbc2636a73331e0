import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startWinrmFixture, type WinrmPosture } from '../../fixtures/winrm/server.ts';
import { testAddress } from '../../test/addresses.ts';
import type { HttpFacts } from '../it-services/facts.ts';
import { runProbe } from '../run.ts';
import { fixturesPerPosture, testContext, untilClosed } from '../test-kit.ts';
import { winrmProbe } from './probe.ts';

const POSTURES = ['weak', 'domain', 'not-winrm'] as const;
const fixture = fixturesPerPosture<(typeof POSTURES)[number], RunningFixture>(POSTURES, (posture) =>
  startWinrmFixture({ host: testAddress('winrmProbe', 1 + POSTURES.indexOf(posture)), port: 0, posture }),
);

async function probe(posture: WinrmPosture) {
  const f = fixture(posture);
  const ctx = testContext(f.host, f.ports.winrm ?? 0);
  const started = performance.now();
  const outcome = await runProbe(winrmProbe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
  return { f, facts: outcome.facts as HttpFacts, ctx, ms };
}

describe('winrm.wsman against a WinRM listener on HTTP', () => {
  it('reads the offered schemes from one unauthenticated GET /wsman on one connection', async () => {
    const run = await probe('weak');
    expect(run.facts).toMatchObject({ status: 401, server: 'Microsoft-HTTPAPI/2.0', authSchemes: ['negotiate', 'basic'] });
    expect(run.f.log.connections).toBe(1);
    expect(run.f.log.kinds()).toEqual(['GET /wsman']);
    expect(run.f.log.count('write')).toBe(0);
    expect(run.ctx.transcript.sentOps()).toEqual(['tcp.connect', 'winrm.get-wsman']);
    const request = run.ctx.transcript.entries().find((e) => e.op === 'winrm.get-wsman');
    expect(Buffer.from(request?.hex ?? '', 'hex').toString('latin1')).not.toMatch(/authorization/i);
    expect(run.ms).toBeLessThan(1000);
  });

  it('a domain listener offers Negotiate and Kerberos only', async () => {
    expect((await probe('domain')).facts.authSchemes).toEqual(['negotiate', 'kerberos']);
  });

  it('a web server that is not WinRM answers without schemes', async () => {
    expect((await probe('not-winrm')).facts).toMatchObject({ status: 404, authSchemes: [] });
  });
});

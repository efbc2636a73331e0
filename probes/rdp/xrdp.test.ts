import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningXrdp, startXrdp, XRDP_PATH, xrdpMissing } from '../../fixtures/rdp/xrdp.ts';
import { testAddress } from '../../test/addresses.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { RdpFacts } from './facts.ts';
import { rdpNegotiateProbe } from './probe.ts';

/** xrdp, an RDP server we did not write, as the probe's second peer. xrdp 0.9 has no NLA (CredSSP) server, so only the spec-exact server shows NLA required. */
const skip = xrdpMissing();

describe.skipIf(skip)(`rdp.negotiate against Debian's xrdp (${XRDP_PATH})${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let negotiate: RunningXrdp;
  let standard: RunningXrdp;
  beforeAll(async () => {
    negotiate = await startXrdp({ host: testAddress('xrdp', 1), port: 3389, layer: 'negotiate' });
    standard = await startXrdp({ host: testAddress('xrdp', 2), port: 3389, layer: 'rdp' });
  }, 20_000);
  afterAll(async () => {
    await negotiate?.close();
    await standard?.close();
  });

  async function facts(server: RunningXrdp): Promise<RdpFacts> {
    const outcome = await runProbe(rdpNegotiateProbe, testContext(server.host, 3389, { stepTimeoutMs: 2000 }));
    if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
    return outcome.facts as RdpFacts;
  }

  it('security_layer=negotiate: TLS without NLA accepted, the certificate read on the same one connection', async () => {
    const f = await facts(negotiate);
    expect(f).toMatchObject({ negotiations: [{ offered: ['ssl'], result: 'selected', selected: 'ssl' }], tlsWithoutNla: 'accepted', connections: 1 });
    expect(f.tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(f.certificates[0]).toMatchObject({ subject: 'CN=xrdp-host', selfSigned: true });
    // xrdp's own account: it selected TLS, and the next thing it waited for (MCS Connect-Initial) never came.
    await expect.poll(() => negotiate.output()).toMatch(/selected \[SSL\]/);
    expect(negotiate.output()).toMatch(/Connect-Initial failed/);
  });

  it('security_layer=rdp: xrdp answers a TLS offer by selecting standard RDP security; no TLS is tried', async () => {
    const f = await facts(standard);
    expect(f).toMatchObject({
      negotiations: [{ result: 'selected', selected: 'standard' }],
      standardSecurity: 'accepted',
      tlsWithoutNla: 'refused',
      certificates: [],
    });
    expect(f.tls).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { FIXTURE_IDENTITY, HARDENED_V3_USER } from '../../fixtures/snmp/agent.ts';
import { SNMPD_PATH, snmpdAvailable, startSnmpdFixture } from '../../fixtures/snmp/snmpd.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { ProbeContext } from '../types.ts';
import type { SnmpFacts } from './facts.ts';
import { snmpProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const PORT = 16162;
const WEAK = testAddress('snmpd', 1);
const HARDENED = testAddress('snmpd', 2);
const installed = snmpdAvailable();

function context(address: string, options: Record<string, unknown>): ProbeContext {
  return testContext(address, PORT, { stepTimeoutMs: 1000, options });
}

async function facts(ctx: ProbeContext): Promise<SnmpFacts> {
  const outcome = await runProbe(snmpProbe, ctx);
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${outcome.failure.kind} ${outcome.failure.detail}`);
  return outcome.facts as SnmpFacts;
}

describe.skipIf(!installed)(`snmp.system against Debian snmpd (skipped: ${SNMPD_PATH} is not installed)`, () => {
  const running: RunningFixture[] = [];
  beforeAll(async () => {
    running.push(await startSnmpdFixture({ host: WEAK, port: PORT, posture: 'weak' }));
    running.push(await startSnmpdFixture({ host: HARDENED, port: PORT, posture: 'hardened' }));
  });
  afterAll(async () => {
    for (const f of running) await f.close();
  });

  it('weak: public answers v2c and v1, and the system group is read', async () => {
    const f = await facts(context(WEAK, { communities: ['public'] }));
    expect(f.communities).toMatchObject({ accepted: [{ community: 'public', versions: ['v2c', 'v1'] }] });
    expect(f.system?.descr).toBe(FIXTURE_IDENTITY.descr);
    expect(f.addresses?.rows.some((r) => r.address === '127.0.0.1')).toBe(true);
  });

  it('hardened: v3 discovery, authPriv reads, and a wrong key reported as wrong digest', async () => {
    const ok = await facts(context(HARDENED, { v3: HARDENED_V3_USER }));
    expect(ok.engine.state).toBe('answered');
    expect(ok.readVia).toBe('v3');
    const wrong = await facts(context(HARDENED, { v3: { ...HARDENED_V3_USER, authKey: 'not-the-right-key' } }));
    expect(wrong.v3Access).toEqual({ state: 'rejected', reason: 'wrong-digest' });
  });
});

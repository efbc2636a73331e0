import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runProbe } from '../run.ts';
import { Transcript } from '../transcript.ts';
import type { FailureKind, ProbeContext, ProbeDefinition, ProbeOptions } from '../types.ts';

export interface TestContextOptions {
  readonly stepTimeoutMs?: number;
  /** Whole device budget; the signal aborts after it. */
  readonly budgetMs?: number;
  readonly options?: ProbeOptions;
}

/** A probe context for tests against loopback fixtures, with a fixed clock for observedAt. */
export function testContext(address: string, port: number, opts: TestContextOptions = {}): ProbeContext {
  return {
    address,
    port,
    stepTimeoutMs: opts.stepTimeoutMs ?? 1000,
    signal: AbortSignal.timeout(opts.budgetMs ?? 10_000),
    transcript: new Transcript(),
    options: opts.options ?? {},
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  };
}

/**
 * Starts one fixture per posture before the enclosing describe block and closes them after it;
 * returns a lookup by posture.
 */
export function fixturesPerPosture<P extends string, F extends { close(): Promise<void> }>(
  postures: readonly P[],
  start: (posture: P) => Promise<F>,
): (posture: P) => F {
  const fixtures = new Map<P, F>();
  beforeAll(async () => {
    for (const posture of postures) fixtures.set(posture, await start(posture));
  });
  afterAll(async () => {
    for (const f of fixtures.values()) await f.close();
  });
  return (posture) => {
    const f = fixtures.get(posture);
    if (!f) throw new Error(`no fixture started for posture ${posture}`);
    return f;
  };
}

interface HostileFixture {
  readonly host: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly log: { readonly openConnections: number; count(): number };
}

/**
 * One test per hostile posture: the probe ends with the expected failure kind well within its
 * step budget, and leaves no connection open on the fixture. `silentProbe`: the probe must not
 * have sent the fixture a single request (it waits for a greeting first).
 */
export function itEndsHostilePostures<P extends string>(
  probe: ProbeDefinition,
  protocol: string,
  fixture: (posture: P) => HostileFixture,
  cases: readonly (readonly [P, FailureKind])[],
  opts: { stepTimeoutMs?: number; silentProbe?: boolean } = {},
): void {
  it.each(cases)('ends the %s posture as %s within its step budget', async (posture, kind) => {
    const f = fixture(posture);
    const outcome = await runProbe(probe, testContext(f.host, f.ports[protocol] as number, { stepTimeoutMs: opts.stepTimeoutMs ?? 600 }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe(kind);
    expect(outcome.durationMs).toBeLessThan(2000);
    if (opts.silentProbe) expect(f.log.count()).toBe(0);
    await vi.waitFor(() => expect(f.log.openConnections).toBe(0));
  });
}

import { afterAll, beforeAll } from 'vitest';
import { Transcript } from '../transcript.ts';
import type { ProbeContext, ProbeOptions } from '../types.ts';

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

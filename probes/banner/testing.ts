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

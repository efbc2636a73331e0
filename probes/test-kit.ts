/**
 * The kit every probe test builds on: a probe context with a fixed clock, the one way to wait
 * until a fixture saw the agent's close, the failure a probe throws, and one test per hostile
 * posture. Only tests import it.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runProbe } from './run.ts';
import { Transcript } from './transcript.ts';
import { type FailureKind, type ProbeContext, type ProbeDefinition, type ProbeOutcome, ProbeUnavailable } from './types.ts';

/** What every test context's clock says, so facts carrying a time compare exactly. */
export const FIXED_NOW = '2026-01-02T03:04:05.000Z';

/** The real clock, for a probe that compares the device's time with ours (OPC UA clock drift). */
export const realClock = (): Date => new Date();

export interface TestContextOptions extends Partial<Pick<ProbeContext, 'stepTimeoutMs' | 'signal' | 'options' | 'now' | 'gate' | 'handover' | 'earlier'>> {
  /** Whole device budget: the signal aborts after it. */
  readonly budgetMs?: number;
}

/** A probe context for a test against a loopback peer: 1 s steps, no budget, the fixed clock. */
export function testContext(address: string, port: number, opts: TestContextOptions = {}): ProbeContext {
  const { budgetMs, ...given } = opts;
  return {
    address,
    port,
    stepTimeoutMs: 1000,
    signal: budgetMs === undefined ? new AbortController().signal : AbortSignal.timeout(budgetMs),
    transcript: new Transcript(),
    options: {},
    now: () => new Date(FIXED_NOW),
    ...given,
  };
}

/** A fixture's connection count, as fixtures/request-log.ts keeps it. */
interface ConnectionCount {
  readonly openConnections: number;
}

/**
 * Waits until the peer saw every connection closed: it sees the FIN a moment after the probe
 * returns. `open` is a fixture's log, or how many connections a peer of its own still holds.
 */
export async function untilClosed(open: ConnectionCount | (() => number), timeoutMs = 3000): Promise<void> {
  const count = typeof open === 'function' ? open : () => open.openConnections;
  await vi.waitFor(() => expect(count()).toBe(0), { timeout: timeoutMs, interval: 10 });
}

/** Runs `fn` and returns the ProbeUnavailable it throws; returning, or any other error, fails the test. */
export function thrownUnavailable(fn: () => unknown): ProbeUnavailable {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProbeUnavailable) return err;
    throw err;
  }
  throw new Error('expected a ProbeUnavailable');
}

/** The ProbeUnavailable `work` rejects with; resolving, or any other error, fails the test. */
export async function rejectedUnavailable(work: Promise<unknown>): Promise<ProbeUnavailable> {
  try {
    await work;
  } catch (err) {
    if (err instanceof ProbeUnavailable) return err;
    throw err;
  }
  throw new Error('expected a ProbeUnavailable');
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
  readonly log: ConnectionCount & { count(): number };
}

/** The facts of an outcome a test expects to be ok; any other outcome fails the test with its failure. */
export function okFacts<F>(outcome: ProbeOutcome): F {
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${JSON.stringify(outcome.failure)}`);
  return outcome.facts as F;
}

/**
 * Runs one probe against a fixture's `protocol` port and waits until the fixture saw every
 * connection closed: the outcome, the context (its transcript), the log's counts from before the
 * run and how long the run took.
 */
export async function probeFixture(
  probe: ProbeDefinition,
  f: HostileFixture & { readonly log: { readonly connections: number; readonly requests: readonly unknown[] } },
  protocol: string,
  opts: TestContextOptions = {},
) {
  const before = { connections: f.log.connections, requests: f.log.requests.length };
  const ctx = testContext(f.host, f.ports[protocol] ?? 0, opts);
  const started = performance.now();
  const outcome = await runProbe(probe, ctx);
  const ms = performance.now() - started;
  await untilClosed(f.log);
  return { outcome, ctx, before, ms };
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
    const ctx = testContext(f.host, f.ports[protocol] as number, { stepTimeoutMs: opts.stepTimeoutMs ?? 600, budgetMs: 10_000 });
    const outcome = await runProbe(probe, ctx);
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe(kind);
    expect(outcome.durationMs).toBeLessThan(2000);
    if (opts.silentProbe) expect(f.log.count()).toBe(0);
    await untilClosed(f.log);
  });
}

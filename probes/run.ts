import type { ProbeContext, ProbeDefinition, ProbeOutcome } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/**
 * Runs one probe and always returns an outcome: facts that match the probe's schema, or a typed
 * reason why there are none. No exception from a probe or a peer escapes.
 */
export async function runProbe(def: ProbeDefinition, ctx: ProbeContext): Promise<ProbeOutcome> {
  const first = ctx.transcript.seq + 1;
  const started = performance.now();
  const base = { probe: def.id, version: def.version, port: ctx.port };
  const finish = () => ({
    transcript: [first, Math.max(first, ctx.transcript.seq)] as [number, number],
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const raw = await def.run(ctx);
    const parsed = def.facts.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      return { ...base, status: 'unavailable', failure: { kind: 'error', detail: `probe produced facts outside its schema (${where})` }, ...finish() };
    }
    return { ...base, status: 'ok', facts: parsed.data, ...finish() };
  } catch (err) {
    const failure =
      err instanceof ProbeUnavailable
        ? { kind: err.kind, detail: ctx.transcript.scrub(err.message) }
        : { kind: 'error' as const, detail: ctx.transcript.scrub(err instanceof Error ? err.message : String(err)) };
    ctx.transcript.note(def.id, 'probe.unavailable', `${failure.kind}: ${failure.detail}`);
    return { ...base, status: 'unavailable', failure, ...finish() };
  }
}

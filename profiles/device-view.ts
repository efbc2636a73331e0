import type { z } from 'zod';
import type { DeviceObservation, Service } from '../probes/observation.ts';
import type { Failure } from '../probes/types.ts';
import type { Evidence } from './checks/types.ts';

export type FactsLookup<F> =
  | { readonly state: 'absent' }
  | { readonly state: 'unavailable'; readonly failures: readonly Failure[]; readonly evidence: readonly Evidence[] }
  | { readonly state: 'ok'; readonly facts: readonly { readonly port: number; readonly facts: F }[]; readonly evidence: readonly Evidence[] };

/** What a check may know beyond the device itself; fixed per run so re-evaluation is reproducible. */
export interface EvaluationContext {
  /** When the observation was collected (ISO 8601): "now" for expiry checks. */
  readonly at: string;
  /** The zone's configured address ranges (CIDR), for checks about paths around the zone. */
  readonly zoneCidrs: readonly string[];
}

/** Read-only access for check kinds to one device's observations. */
export class DeviceView {
  readonly observation: DeviceObservation;
  readonly context: EvaluationContext;

  constructor(observation: DeviceObservation, context: EvaluationContext = { at: new Date(0).toISOString(), zoneCidrs: [] }) {
    this.observation = observation;
    this.context = context;
  }

  get services(): readonly Service[] {
    return this.observation.services;
  }

  /**
   * The facts every successful run of `probeId` produced (one per port), validated against the
   * probe's own schema. `absent` means the probe never ran (e.g. the service is not there).
   */
  facts<F>(probeId: string, schema: z.ZodType<F>): FactsLookup<F> {
    const outcomes = this.observation.outcomes.filter((o) => o.probe === probeId);
    if (outcomes.length === 0) return { state: 'absent' };
    const evidence = outcomes.map((o) => ({ probe: o.probe, port: o.port, transcript: o.transcript }));
    const ok: { port: number; facts: F }[] = [];
    const failures: Failure[] = [];
    for (const o of outcomes) {
      if (o.status === 'unavailable') {
        failures.push(o.failure);
        continue;
      }
      const parsed = schema.safeParse(o.facts);
      if (parsed.success) ok.push({ port: o.port, facts: parsed.data });
      else failures.push({ kind: 'malformed', detail: `recorded facts of ${probeId} do not match its schema` });
    }
    if (ok.length === 0) return { state: 'unavailable', failures, evidence };
    return { state: 'ok', facts: ok, evidence: evidence.filter((e) => ok.some((f) => f.port === e.port)) };
  }

  /**
   * The facts of whichever of `probeIds` ran (a probe an opt-in replaces by one collecting the same
   * facts and more), with its id; the first id and `absent` when none ran.
   */
  factsOfFirst<F>(probeIds: readonly [string, ...string[]], schema: z.ZodType<F>): { probe: string; found: FactsLookup<F> } {
    for (const probe of probeIds) {
      const found = this.facts(probe, schema);
      if (found.state !== 'absent') return { probe, found };
    }
    return { probe: probeIds[0], found: { state: 'absent' } };
  }
}

import { type ConduitUse, type ZoneModel, zoneOfHost } from '../profiles/zone-model.ts';
import type { DualHomed, RunBoundary, RunViolations } from './run-boundary.ts';

/**
 * What the latest runs say of each zone's boundary (issue 21), for the zone pages and the zone map:
 * the violations the zone's own agent found (outgoing) and those other zones' agents found into
 * it (incoming), each with its path; how each declared conduit fared; and the devices the SNMP
 * interface tables show as dual-homed. Pure: the latest runs' boundary facts and the model in, view out.
 */

export interface PathViolation {
  readonly fromZone: string;
  /** The destination's zone or external network by the model's ranges (or as the agent named it); undefined: outside every one. */
  readonly toZone: string | undefined;
  readonly host: string;
  readonly port: number;
  readonly reason: string;
  /** Where it shows: the zone's 3-3 SR 5.1/5.2 and the destination device's 4-2 CR 5.1. */
  readonly requirements: string[];
  readonly runId: string;
  readonly collectedAt: string;
}

export interface ZoneBoundary {
  readonly zone: string;
  /** The latest run of the zone; undefined when none is stored. */
  readonly run?: { runId: string; collectedAt: string };
  /** Paths the latest run tried; undefined when it did not run the check. */
  readonly tried: number | undefined;
  readonly outgoing: PathViolation[];
  readonly incoming: PathViolation[];
  /** The zone's conduits as its latest run judged them (signed); the model's, untested, when it did not run the check. */
  readonly conduits: ConduitUse[];
  readonly dualHomed: (DualHomed & { zone: string })[];
}

function violationsOf(model: ZoneModel | undefined, run: RunViolations, violations = run.violations): PathViolation[] {
  return violations.map((v) => ({
    fromZone: run.zone,
    toZone: (model && zoneOfHost(model, v.host)) ?? v.zone,
    host: v.host,
    port: v.port,
    reason: v.reason,
    requirements: v.requirements,
    runId: run.runId,
    collectedAt: run.collectedAt,
  }));
}

/** One zone's boundary from its latest run (if any) and the plant's violations (at least those from and into it). */
function boundaryOf(model: ZoneModel | undefined, zone: string, run: RunBoundary | undefined, violations: readonly PathViolation[]): ZoneBoundary {
  const declared = model?.zones.find((z) => z.name === zone)?.conduits ?? [];
  return {
    zone,
    ...(run ? { run: { runId: run.runId, collectedAt: run.collectedAt } } : {}),
    tried: run?.tried,
    outgoing: violations.filter((v) => v.fromZone === zone),
    incoming: violations.filter((v) => v.toZone === zone),
    conduits: run?.tried !== undefined ? run.conduits : declared.map((conduit) => ({ conduit, use: 'untested' as const, tried: 0 })),
    dualHomed: (run?.dualHomed ?? []).map((d) => ({ ...d, zone })),
  };
}

/** Every zone of the model and of the runs, each with its boundary as the latest runs show it (the zone map). */
export function plantBoundaries(model: ZoneModel | undefined, latest: readonly RunBoundary[]): ZoneBoundary[] {
  const runs = new Map(latest.map((r) => [r.zone, r]));
  const names = [...new Set([...(model?.zones ?? []).map((z) => z.name), ...runs.keys()])].sort((a, b) => a.localeCompare(b));
  const violations = latest.flatMap((r) => violationsOf(model, r));
  return names.map((zone) => boundaryOf(model, zone, runs.get(zone), violations));
}

/**
 * One zone's boundary (its page), built alone from its own latest run and every zone's latest
 * violations; undefined when neither the model nor a run knows the zone.
 */
export function zoneBoundary(
  model: ZoneModel | undefined,
  run: RunBoundary | undefined,
  latest: readonly RunViolations[],
  zone: string,
): ZoneBoundary | undefined {
  if (!run && !model?.zones.some((z) => z.name === zone)) return undefined;
  // Incoming paths can come from any zone's run; only their destinations need placing in the model.
  return boundaryOf(
    model,
    zone,
    run,
    latest.flatMap((r) => violationsOf(model, r)),
  );
}

/** The violations whose destination is one address (a device's page), from every zone's latest run. */
export function violationsInto(model: ZoneModel | undefined, latest: readonly RunViolations[], host: string): PathViolation[] {
  return latest.flatMap((r) =>
    violationsOf(
      model,
      r,
      r.violations.filter((v) => v.host === host),
    ),
  );
}

import type { BoundaryViolation, ConduitUse } from '../profiles/zone-model.ts';
import type { Result } from '../report/result.ts';
import type { Sql, SqlRow } from './db.ts';
import { isoTime } from './payload.ts';

/**
 * What the zone pages, the zone map and the reachability answer need of a run (issue 21), kept
 * at ingest in `run_boundaries` (migration 5), so none of them decodes every zone's stored
 * document on each request: the devices' TCP service ports, the reachability check's outcome as
 * the agent signed it, and the devices the SNMP interface tables show dual-homed.
 */
export interface DeviceServices {
  readonly host: string;
  readonly ports: number[];
}

export interface DualHomed {
  readonly address: string;
  readonly name: string | undefined;
  /** Interface addresses outside the zone's ranges. */
  readonly outside: string[];
}

export interface RunBoundary {
  readonly runId: string;
  readonly zone: string;
  readonly collectedAt: string;
  readonly services: DeviceServices[];
  /** Paths the run tried; undefined when it did not run the check. */
  readonly tried: number | undefined;
  readonly violations: BoundaryViolation[];
  /** Each conduit's use as the agent judged it; empty when it did not run the check. */
  readonly conduits: ConduitUse[];
  readonly dualHomed: DualHomed[];
}

const DUAL_HOMED_CHECK = 'snmp.single-zone';

function dualHomedOf(result: Result): DualHomed[] {
  return result.devices.flatMap((d) => {
    const check = d.checks.find((c) => c.id === DUAL_HOMED_CHECK && c.status === 'fail');
    if (!check) return [];
    const observed = check.observed as { outside?: unknown } | undefined;
    return [{ address: d.address, name: d.name, outside: Array.isArray(observed?.outside) ? observed.outside.map(String) : [] }];
  });
}

/** The run's boundary facts. Pure. */
export function runBoundaryOf(result: Result): RunBoundary {
  return {
    runId: result.runId,
    zone: result.zone.name,
    collectedAt: isoTime(result.collectedAt),
    services: result.devices.map((d) => ({
      host: d.address,
      ports: [...new Set(d.services.filter((s) => s.transport === 'tcp').map((s) => s.port))].sort((a, b) => a - b),
    })),
    tried: result.reachability?.length,
    violations: result.boundaryViolations ?? [],
    conduits: result.boundary?.conduits ?? [],
    dualHomed: dualHomedOf(result),
  };
}

/** Written in the transaction that stores the run. */
export async function writeRunBoundary(tx: Sql, result: Result): Promise<void> {
  const b = runBoundaryOf(result);
  await tx.run(
    `INSERT INTO run_boundaries (run_id, zone, collected_at, services, tried, violations, conduits, dual_homed)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
    [
      b.runId,
      b.zone,
      b.collectedAt,
      JSON.stringify(b.services),
      b.tried ?? null,
      JSON.stringify(b.violations),
      JSON.stringify(b.conduits),
      JSON.stringify(b.dualHomed),
    ],
  );
}

/** What a page that places violations needs of a run: the zone and device pages read no more. */
export type RunViolations = Pick<RunBoundary, 'runId' | 'zone' | 'collectedAt' | 'violations'>;

const violationsRow = (r: SqlRow): RunViolations => ({
  runId: String(r.run_id),
  zone: String(r.zone),
  collectedAt: String(r.collected_at),
  violations: JSON.parse(String(r.violations)) as BoundaryViolation[],
});

function boundaryOf(r: SqlRow): RunBoundary {
  return {
    ...violationsRow(r),
    services: JSON.parse(String(r.services)) as DeviceServices[],
    tried: r.tried == null ? undefined : Number(r.tried),
    conduits: JSON.parse(String(r.conduits)) as ConduitUse[],
    dualHomed: JSON.parse(String(r.dual_homed)) as DualHomed[],
  };
}

/**
 * The `columns` of each zone's newest run (of two runs collected at the same time, the lower run
 * id, as the zone list picks), only `zone`'s when given; decoded by `decode`, one row a zone.
 */
async function latestRows<T>(sql: Sql, columns: string, decode: (r: SqlRow) => T, zone?: string): Promise<T[]> {
  const rows = await sql.all(
    `SELECT ${columns} FROM run_boundaries b WHERE b.collected_at = (SELECT MAX(r.collected_at) FROM results r WHERE r.zone = b.zone)
     ${zone === undefined ? '' : 'AND b.zone = ?'} ORDER BY b.zone, b.run_id`,
    zone === undefined ? [] : [zone],
  );
  const byZone = new Map<string, SqlRow>();
  for (const r of rows) if (!byZone.has(String(r.zone))) byZone.set(String(r.zone), r);
  return [...byZone.values()].map(decode);
}

/** The boundary facts of each zone's newest run (the zone map). */
export function latestRunBoundaries(sql: Sql): Promise<RunBoundary[]> {
  return latestRows(sql, 'b.*', boundaryOf);
}

/** The TCP services each zone's newest run found, without the rest of its boundary facts (the reachability answer). */
export function latestServices(sql: Sql): Promise<Pick<RunBoundary, 'zone' | 'services'>[]> {
  return latestRows(sql, 'b.run_id, b.zone, b.services', (r) => ({ zone: String(r.zone), services: JSON.parse(String(r.services)) as DeviceServices[] }));
}

/** One zone's newest boundary facts (its page); undefined when no run of it is stored. */
export async function latestRunBoundary(sql: Sql, zone: string): Promise<RunBoundary | undefined> {
  return (await latestRows(sql, 'b.*', boundaryOf, zone))[0];
}

/** The violations of each zone's newest run, without the services, conduits and interfaces (the zone and device pages). */
export function latestViolations(sql: Sql): Promise<RunViolations[]> {
  return latestRows(sql, 'b.run_id, b.zone, b.collected_at, b.violations', violationsRow);
}

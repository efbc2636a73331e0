import { ipv4ToInt } from '../profiles/cidr.ts';
import { type DeviceDrift, diffResults, regressionText } from '../report/diff.ts';
import { headlineOf } from '../report/headline.ts';
import type { DeviceResult, Result } from '../report/result.ts';
import type { Sql, SqlRow } from './db.ts';
import { resultOfEnvelope } from './payload.ts';

/** One device of one run, as stored at ingest (no document decoded). */
export interface DeviceRow {
  readonly runId: string;
  readonly zone: string;
  readonly collectedAt: string;
  readonly address: string;
  readonly name: string | null;
  readonly role: string;
  readonly meetsTarget: boolean;
  readonly gaps: number;
  readonly slT: number[];
  readonly demonstrated: number[];
  readonly ceiling: number[];
}

export interface FrStatus {
  readonly fr: number;
  /** Devices whose demonstrated level reaches their SL-T on this FR. */
  readonly meeting: number;
  /** Devices whose ceiling reaches it (would meet it once not-assessed items are attested). */
  readonly couldMeet: number;
  readonly devices: number;
  /** The device with the lowest demonstrated level (then lowest ceiling, then lowest address). */
  readonly worst?: { address: string; name: string | null; demonstrated: number; ceiling: number; target: number };
}

/** A zone's newest run as the results table holds it, before its devices are counted. */
export interface ZoneRun {
  readonly zone: string;
  readonly slT: number[];
  readonly runs: number;
  readonly latest: { runId: string; agentId: string; collectedAt: string; receivedAt: string; gaps: number };
}

export interface ZoneRow extends ZoneRun {
  readonly devices: number;
  readonly devicesMeeting: number;
  /** Devices that could meet SL-T once not-assessed items are attested, and those observation refutes. */
  readonly devicesCouldMeet: number;
  readonly devicesRefuted: number;
  readonly frs: FrStatus[];
}

/** The zone's row counted from its device rows (signed or weighed), each device's standing decided once. Pure. */
export function countedZone(z: ZoneRun, rows: readonly DeviceRow[]): ZoneRow {
  const h = headlineOf(rows);
  return { ...z, devices: h.devices, devicesMeeting: h.meets, devicesCouldMeet: h.couldMeet, devicesRefuted: h.refuted, frs: frStatus(rows) };
}

const vector = (v: unknown): number[] => {
  const parsed = JSON.parse(String(v ?? '[]')) as unknown;
  return Array.isArray(parsed) ? parsed.map(Number) : [];
};

function deviceRow(r: SqlRow): DeviceRow {
  return {
    runId: String(r.run_id),
    zone: String(r.zone),
    collectedAt: String(r.collected_at),
    address: String(r.address),
    name: r.name == null ? null : String(r.name),
    role: String(r.role),
    meetsTarget: Number(r.meets_target) === 1,
    gaps: Number(r.gaps),
    slT: vector(r.sl_t),
    demonstrated: vector(r.demonstrated),
    ceiling: vector(r.ceiling),
  };
}

/** Addresses in numeric order (10.0.0.9 before 10.0.0.10); text order otherwise. */
export function compareAddresses(a: string, b: string): number {
  const na = ipv4ToInt(a);
  const nb = ipv4ToInt(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per FR: how many devices meet their target, how many could, and the worst device. Pure. */
export function frStatus(devices: readonly DeviceRow[]): FrStatus[] {
  const byAddress = [...devices].sort((a, b) => compareAddresses(a.address, b.address));
  return [1, 2, 3, 4, 5, 6, 7].map((fr) => {
    const i = fr - 1;
    let worst: FrStatus['worst'];
    let meeting = 0;
    let couldMeet = 0;
    for (const d of byAddress) {
      const target = d.slT[i] ?? 0;
      const demonstrated = d.demonstrated[i] ?? 0;
      const ceiling = d.ceiling[i] ?? 0;
      if (demonstrated >= target) meeting++;
      if (ceiling >= target) couldMeet++;
      if (!worst || demonstrated < worst.demonstrated || (demonstrated === worst.demonstrated && ceiling < worst.ceiling))
        worst = { address: d.address, name: d.name, demonstrated, ceiling, target };
    }
    return { fr, meeting, couldMeet, devices: devices.length, ...(worst ? { worst } : {}) };
  });
}

export interface ZoneFilter {
  /** Case-insensitive part of the zone name or agent id. */
  readonly q?: string;
  /** Only zones with a device below its target. */
  readonly belowTarget?: boolean;
  /** Exactly this zone. */
  readonly zone?: string;
}

const like = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The newest run of every zone, uncounted: what a page needs before it knows which device rows to count. */
export async function latestZoneRuns(sql: Sql, filter: Omit<ZoneFilter, 'belowTarget'> = {}): Promise<ZoneRun[]> {
  const where: string[] = [];
  const args: string[] = [];
  if (filter.q) {
    where.push("(LOWER(r.zone) LIKE ? ESCAPE '\\' OR LOWER(r.agent_id) LIKE ? ESCAPE '\\')");
    args.push(like(filter.q), like(filter.q));
  }
  if (filter.zone !== undefined) {
    where.push('r.zone = ?');
    args.push(filter.zone);
  }
  const latest = await sql.all(
    `SELECT r.run_id, r.zone, r.agent_id, r.collected_at, r.received_at, r.gaps, r.zone_sl_t, r.device_count, r.devices_meeting FROM results r
     WHERE r.collected_at = (SELECT MAX(r2.collected_at) FROM results r2 WHERE r2.zone = r.zone) ${where.map((w) => `AND ${w}`).join(' ')}`,
    args,
  );
  const counts = new Map(
    (
      await sql.all(
        `SELECT zone, COUNT(*) AS runs FROM results ${filter.zone !== undefined ? 'WHERE zone = ?' : ''} GROUP BY zone`,
        filter.zone !== undefined ? [filter.zone] : [],
      )
    ).map((r) => [String(r.zone), Number(r.runs)]),
  );
  const byZone = new Map<string, SqlRow>();
  for (const r of latest.sort((a, b) => String(a.run_id).localeCompare(String(b.run_id)))) if (!byZone.has(String(r.zone))) byZone.set(String(r.zone), r);
  return [...byZone.values()]
    .map(
      (r): ZoneRun => ({
        zone: String(r.zone),
        slT: vector(r.zone_sl_t),
        runs: counts.get(String(r.zone)) ?? 0,
        latest: {
          runId: String(r.run_id),
          agentId: String(r.agent_id),
          collectedAt: String(r.collected_at),
          receivedAt: String(r.received_at),
          gaps: Number(r.gaps),
        },
      }),
    )
    .sort((a, b) => a.zone.localeCompare(b.zone));
}

/** The newest run of every zone, with per-FR status. One query per table, whatever the fleet size. */
export async function zoneOverview(sql: Sql, filter: ZoneFilter = {}): Promise<ZoneRow[]> {
  const runs = await latestZoneRuns(sql, filter);
  const devices = Map.groupBy(
    await devicesOfRuns(
      sql,
      runs.map((z) => z.latest.runId),
    ),
    (d) => d.runId,
  );
  const zones = runs.map((z) => countedZone(z, devices.get(z.latest.runId) ?? []));
  return zones.filter((z) => !filter.belowTarget || z.devicesMeeting < z.devices);
}

export async function devicesOfRuns(sql: Sql, runIds: readonly string[]): Promise<DeviceRow[]> {
  const out: DeviceRow[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    const chunk = runIds.slice(i, i + 500);
    out.push(...(await sql.all(`SELECT * FROM result_devices WHERE run_id IN (${chunk.map(() => '?').join(', ')})`, chunk)).map(deviceRow));
  }
  return out.sort((a, b) => compareAddresses(a.address, b.address));
}

export interface RunRow {
  readonly runId: string;
  readonly agentId: string;
  readonly zone: string;
  readonly collectedAt: string;
  readonly receivedAt: string;
  readonly gaps: number;
  readonly devices: number;
  readonly devicesMeeting: number;
}

export async function zoneRuns(sql: Sql, zone: string, limit: number): Promise<RunRow[]> {
  const rows = await sql.all(
    'SELECT run_id, agent_id, zone, collected_at, received_at, gaps, device_count, devices_meeting FROM results WHERE zone = ? ORDER BY collected_at DESC LIMIT ?',
    [zone, limit],
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    agentId: String(r.agent_id),
    zone: String(r.zone),
    collectedAt: String(r.collected_at),
    receivedAt: String(r.received_at),
    gaps: Number(r.gaps),
    devices: Number(r.device_count),
    devicesMeeting: Number(r.devices_meeting),
  }));
}

/** The device in each stored run of its zone, newest first. */
export async function deviceHistory(sql: Sql, zone: string, address: string, limit: number): Promise<DeviceRow[]> {
  const rows = await sql.all('SELECT * FROM result_devices WHERE zone = ? AND address = ? ORDER BY collected_at DESC LIMIT ?', [zone, address, limit]);
  return rows.map(deviceRow);
}

export async function storedResult(sql: Sql, runId: string): Promise<Result | undefined> {
  const row = await sql.get('SELECT envelope FROM results WHERE run_id = ?', [runId]);
  return row ? resultOfEnvelope(String(row.envelope)) : undefined;
}

/** The run of the same zone collected just before this one, for drift. */
export async function previousRunId(sql: Sql, zone: string, collectedAt: string): Promise<string | undefined> {
  const row = await sql.get('SELECT run_id FROM results WHERE zone = ? AND collected_at < ? ORDER BY collected_at DESC LIMIT 1', [zone, collectedAt]);
  return row ? String(row.run_id) : undefined;
}

export interface DeviceStep {
  readonly from: { runId: string; collectedAt: string };
  readonly to: { runId: string; collectedAt: string };
  /** This device's part of the zone drift: changes, and the regressions that make it worse. */
  readonly change?: DeviceDrift;
  readonly appeared: boolean;
  readonly regressions: string[];
}

/** Drift of one device between consecutive runs (`results` newest first), from report/diff.ts. */
export function deviceDrift(results: readonly Result[], address: string): DeviceStep[] {
  const steps: DeviceStep[] = [];
  for (let i = 0; i + 1 < results.length; i++) {
    const newer = results[i];
    const older = results[i + 1];
    if (!newer || !older) continue;
    const drift = diffResults(older, newer);
    const change = drift.changed.find((d) => d.address === address);
    steps.push({
      from: drift.old,
      to: drift.new,
      ...(change ? { change } : {}),
      appeared: drift.appeared.some((d) => d.address === address),
      regressions: drift.regressions.filter((r) => r.address === address).map(regressionText),
    });
  }
  return steps;
}

export const deviceIn = (result: Result, address: string): DeviceResult | undefined => result.devices.find((d) => d.address === address);

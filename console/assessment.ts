import type { JudgedType } from '../profiles/catalog.ts';
import type { RequirementResult } from '../profiles/model.ts';
import { actionPlan } from '../profiles/plan.ts';
import { scoredFields, unusedStatements, weighStatements, withoutStatements } from '../profiles/weigh-statements.ts';
import type { DeviceResult, Result } from '../report/result.ts';
import { resultSummary } from '../report/summary.ts';
import { ANSWER, COUNTERMEASURE, entriesOf, type StatementFileText, statementFiles, type ZoneStatements, zoneStatements } from './answers.ts';
import type { Sql } from './db.ts';
import { countedZone, type DeviceRow, storedResult, type ZoneRow, type ZoneRun } from './fleet.ts';
import { asOf, type Proposal, type Proposals } from './proposals.ts';

/**
 * A zone's stored results weighed with its approved answers. The agent's signed document is never
 * changed: the console takes the requirement rows as observation left them and weighs them again
 * with the same functions `evaluate` uses (profiles/weigh-statements.ts), at the run's collection
 * time, so `evaluate --attestations/--exceptions` with the exported files gives the same numbers.
 */

/** Re-weighs a result's devices with statements; pure. */
export function weighResult(result: Result, s: ZoneStatements, files: { attestations: StatementFileText; exceptions: StatementFileText }): Result {
  const statements = { attestations: entriesOf(s.attestations), exceptions: entriesOf(s.exceptions) };
  const at = result.collectedAt;
  const weighed = result.devices.map((d) => {
    const w = weighStatements(withoutStatements(d.requirements), d.checks, d.slT, statements, { address: d.address, name: d.name }, at);
    return { w, device: { ...d, ...scoredFields(w) } as DeviceResult };
  });
  const devices = weighed.map((x) => x.device);
  const source = (f: StatementFileText) => ({ sha256: f.sha256, entries: f.entries });
  return {
    ...result,
    devices,
    summary: resultSummary(devices, result.summary.addressesPlanned),
    statements: {
      at,
      attestations: source(files.attestations),
      exceptions: source(files.exceptions),
      unused: unusedStatements(
        { attestations: { entries: statements.attestations }, exceptions: { entries: statements.exceptions } },
        weighed.map((x) => x.w),
      ),
    },
    plan: actionPlan(devices),
  };
}

export interface ZoneAnswers {
  readonly statements: ZoneStatements;
  readonly files: { attestations: StatementFileText; exceptions: StatementFileText };
  /** Approved answers and countermeasures in force. */
  readonly approved: number;
  /** Open proposals of the zone, both kinds. */
  readonly pending: readonly Proposal[];
}

/**
 * The zone's answers in force at `now` as statements and files. Reading writes nothing: an answer past
 * its expiry day reads as expired (asOf) and is left out; the sweep or the next write records its end.
 */
export async function zoneAnswers(proposals: Proposals, zone: string, latest: Result | undefined, now: Date): Promise<ZoneAnswers> {
  // One query per kind, split by status (oldest first either way).
  const [ofAnswer = [], ofCountermeasure = []] = await Promise.all(
    [ANSWER, COUNTERMEASURE].map(async (kind) => (await proposals.list({ kind, subject: zone, statuses: ['approved', 'proposed'] })).map((p) => asOf(p, now))),
  );
  const approved = (list: readonly Proposal[]) => list.filter((p) => p.status === 'approved');
  const answers = approved(ofAnswer);
  const countermeasures = approved(ofCountermeasure);
  const statements = zoneStatements(zone, answers, countermeasures, latest);
  return {
    statements,
    files: statementFiles(statements),
    approved: answers.length + countermeasures.length,
    pending: [...ofAnswer, ...ofCountermeasure].filter((p) => p.status === 'proposed'),
  };
}

/** The zone's answers resolved against its newest stored run (`latest` undefined when none is stored): the published files, without weighing. */
export async function latestZoneAnswers(
  sql: Sql,
  proposals: Proposals,
  zone: string,
  now: Date,
): Promise<{ latest: Result | undefined; answers: ZoneAnswers }> {
  const runId = await latestRunOf(sql, zone);
  const latest = runId === undefined ? undefined : await storedResult(sql, runId);
  return { latest, answers: await zoneAnswers(proposals, zone, latest, now) };
}

export interface WeighedRun {
  readonly signed: Result;
  /** The signed result weighed with the zone's approved answers (the signed one when there are none). */
  readonly weighed: Result;
  readonly answers: ZoneAnswers;
}

/** A stored run of a zone, weighed with the zone's answers; undefined when the run is not stored. */
export async function weighedRun(sql: Sql, proposals: Proposals, zone: string, runId: string, now: Date): Promise<WeighedRun | undefined> {
  const signed = await storedResult(sql, runId);
  return signed && weighedSigned(proposals, zone, signed, now);
}

/** A run's signed result, already decoded, weighed with the zone's answers. */
export async function weighedSigned(proposals: Proposals, zone: string, signed: Result, now: Date): Promise<WeighedRun> {
  const answers = await zoneAnswers(proposals, zone, signed, now);
  return { signed, weighed: answers.approved === 0 ? signed : weighResult(signed, answers.statements, answers.files), answers };
}

/** One device's open row: what observation saw for a requirement no probe can decide. */
export interface OpenDevice {
  readonly address: string;
  readonly name?: string | undefined;
  readonly observation: RequirementResult['observation'];
  /** The checks mapped to the row that ran, with their verdicts. */
  readonly checks: readonly { id: string; status: string }[];
  /** The row after weighing: its status and, when an answer covers it, the answer's state. */
  readonly weighed?: RequirementResult | undefined;
}

/** A requirement of one component type, open on some devices of the zone. */
export interface OpenItem {
  readonly requirement: string;
  readonly componentType: JudgedType;
  readonly fr: number;
  readonly sl: number;
  readonly devices: readonly OpenDevice[];
}

/**
 * Every requirement at or below each device's SL-T that observation left open (not assessed) or
 * that an answer tries to decide but observation refutes, grouped by component type and
 * requirement, in FR and level order.
 */
export function openItems(signed: Result, weighed: Result): OpenItem[] {
  const items = new Map<string, { requirement: string; componentType: JudgedType; fr: number; sl: number; devices: OpenDevice[] }>();
  for (const d of signed.devices) {
    const after = weighed.devices.find((w) => w.address === d.address);
    for (const row of withoutStatements(d.requirements)) {
      if (row.sl > (d.slT[row.fr - 1] ?? 0)) continue;
      const weighedRow = after?.requirements.find((r) => r.id === row.id && r.componentType === row.componentType);
      const contested = row.status === 'not-satisfied' && weighedRow?.attestation !== undefined;
      if (row.status !== 'not-assessed' && !contested) continue;
      const key = `${row.componentType} ${row.id}`;
      const item = items.get(key) ?? { requirement: row.id, componentType: row.componentType, fr: row.fr, sl: row.sl, devices: [] };
      item.devices.push({
        address: d.address,
        name: d.name,
        observation: row.observation,
        checks: d.checks.filter((c) => row.checks.includes(c.id)).map((c) => ({ id: c.id, status: c.status })),
        weighed: weighedRow,
      });
      items.set(key, item);
    }
  }
  return [...items.values()].sort(
    (a, b) =>
      a.fr - b.fr || a.sl - b.sl || a.componentType.localeCompare(b.componentType) || a.requirement.localeCompare(b.requirement, 'en', { numeric: true }),
  );
}

/** Zones with at least one approved answer or countermeasure: the ones whose pages show weighed levels. */
export async function zonesWithAnswers(sql: Sql): Promise<Set<string>> {
  const rows = await sql.all("SELECT DISTINCT subject FROM proposals WHERE kind IN (?, ?) AND status = 'approved'", [ANSWER, COUNTERMEASURE]);
  return new Set(rows.map((r) => String(r.subject)));
}

/** Stored device rows with the levels, gaps and standing of the weighed result. */
export function weighedRows(rows: readonly DeviceRow[], weighed: Result): DeviceRow[] {
  return rows.map((row) => {
    const d = weighed.devices.find((w) => w.address === row.address);
    return d ? { ...row, demonstrated: [...d.slC.demonstrated], ceiling: [...d.slC.ceiling], meetsTarget: d.meetsTarget, gaps: d.gaps.length } : row;
  });
}

/** A zone's row counted from weighed device rows, with the weighed run's gaps. */
export function weighedZoneRow(z: ZoneRun, rows: readonly DeviceRow[], weighed: Result): ZoneRow {
  return { ...countedZone(z, rows), latest: { ...z.latest, gaps: weighed.summary.gaps } };
}

/** The zone's newest stored run (by collection time), or undefined. */
export async function latestRunOf(sql: Sql, zone: string): Promise<string | undefined> {
  const row = await sql.get('SELECT run_id FROM results WHERE zone = ? ORDER BY collected_at DESC, run_id LIMIT 1', [zone]);
  return row ? String(row.run_id) : undefined;
}

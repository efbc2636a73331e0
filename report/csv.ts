import { boundaryCsvRows } from './boundary.ts';
import { problemOf } from './gaps.ts';
import type { Result } from './result.ts';

export const FINDINGS_COLUMNS = [
  'run_id',
  'address',
  'device_name',
  'role',
  'component_type',
  'check_id',
  'check_title',
  'problem',
  'status',
  'requirements',
  'observed',
  'expected',
  'reason',
  'remediation',
  'evidence',
] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; device-supplied
 * text (banners, names) must never do that, so such a cell gets a leading apostrophe.
 */
function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function cell(value: string): string {
  const v = neutralise(value);
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** RFC 4180 text (comma-separated, CRLF, quoted where needed) with a UTF-8 byte order mark, so spreadsheet programs read non-ASCII text right. */
export function renderCsv(rows: readonly (readonly string[])[]): string {
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

/** findings.csv: one row per device x check, then one per path the zone-boundary check tried. */
export function renderFindingsCsv(result: Result): string {
  const rows: string[][] = [[...FINDINGS_COLUMNS]];
  for (const d of result.devices) {
    for (const c of d.checks) {
      rows.push([
        result.runId,
        d.address,
        d.name ?? '',
        d.role,
        d.componentType,
        c.id,
        c.title,
        c.status === 'fail' ? problemOf(c) : '',
        c.status,
        c.requirements.join('; '),
        json(c.observed),
        json(c.expected),
        c.reason ?? '',
        c.remediation,
        c.evidence.map((e) => `${e.probe}@${e.port}#${e.transcript[0]}-${e.transcript[1]}`).join('; '),
      ]);
    }
  }
  rows.push(...boundaryCsvRows(result));
  return renderCsv(rows);
}

/** plan.csv: one row per ranked change. */
export function renderPlanCsv(result: Pick<Result, 'runId' | 'plan'>): string {
  const rows: string[][] = [
    ['run_id', 'rank', 'action_id', 'action', 'effort', 'devices', 'checks', 'requirements', 'gaps_closed', 'frs_raised', 'ceiling_after', 'advisory'],
  ];
  for (const e of result.plan ?? [])
    rows.push([
      result.runId,
      String(e.rank),
      e.id,
      e.action,
      e.effort,
      e.devices.join('; '),
      e.checks.join('; '),
      e.requirements.join('; '),
      String(e.closes.length),
      String(e.frsRaised),
      Object.entries(e.ceilingAfter)
        .map(([address, v]) => `${address}: ${v.join(' ')}`)
        .join('; '),
      e.advisory ? `${e.advisory.id}${e.advisory.cvss === undefined ? '' : ` (CVSS ${e.advisory.cvss})`}` : '',
    ]);
  return renderCsv(rows);
}

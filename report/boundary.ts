import { ZONE_SYSTEM_REQUIREMENTS } from '../profiles/zone-model.ts';
import { html, type SafeHtml } from './html-template.ts';
import { wrap } from './text-wrap.ts';
import type { Result } from './result.ts';

type Boundary = NonNullable<Result['boundary']>;
type Violation = NonNullable<Result['boundaryViolations']>[number];

/** Why the 3-3 rows appear beside a 4-2 catalog: said once wherever violations are shown. */
export const BOUNDARY_NOTE =
  'SR 5.1 and SR 5.2 are IEC 62443-3-3 system requirements of the zone, outside the 4-2 catalog this report scores: a violation does not change SL-C here; it counts against CR 5.1 of the destination device in its own zone.';

function counts(result: Result): string {
  const paths = result.reachability ?? [];
  const n = (state: string) => paths.filter((p) => p.state === state).length;
  const unchecked = (result.boundary?.unchecked ?? []).reduce((sum, u) => sum + u.ports.length, 0);
  return `${paths.length} path(s) tried: ${n('reachable')} reachable, ${n('refused')} refused, ${n('filtered')} filtered; ${unchecked} not tried`;
}

const where = (v: Violation) => `${v.host} TCP ${v.port}${v.zone ? ` (zone ${v.zone})` : ''}`;
const conduitText = (c: Boundary['conduits'][number]) =>
  `to ${c.conduit.to} TCP ${c.conduit.ports.join(', ')} (${c.conduit.purpose}${c.conduit.owner ? `, ${c.conduit.owner}` : ''})`;
const USE_TEXT: Record<Boundary['conduits'][number]['use'], string> = {
  verified: 'verified: a path it allows is open',
  unused: 'unused: every path tried under it was refused or filtered',
  untested: 'untested: no destination fell under it',
};

/** The terminal's zone-boundary block, wrapped to 100 columns; empty when the check did not run. */
export function boundaryLines(result: Result, paint: (code: string, text: string) => string): string[] {
  const b = result.boundary;
  if (!b) return [];
  const violations = result.boundaryViolations ?? [];
  const items: [code: string | undefined, text: string][] = [['1', `Zone boundary (destinations from the ${b.source}): ${counts(result)}`]];
  if (b.notice) items.push(['33', `  nothing tried: ${b.notice}`]);
  for (const v of violations) items.push(['31', `  VIOLATION ${where(v)}: no conduit allows it; ${v.requirements.join(', ')}`]);
  if (violations.length > 0) items.push([undefined, `  ${BOUNDARY_NOTE}`]);
  for (const c of b.conduits) items.push([undefined, `  conduit ${conduitText(c)}: ${USE_TEXT[c.use]}`]);
  for (const d of b.dualHomed) items.push(['31', `  dual-homed: ${d.address} has interface address(es) outside the zone: ${d.outside.join(', ')}`]);
  const lines = items.flatMap(([code, text]) => wrap(text, 100, 4).map((line) => (code ? paint(code, line) : line)));
  return [...lines, ''];
}

/** report.html's zone-boundary section; empty when the check did not run. */
export function boundarySection(result: Result): SafeHtml | '' {
  const b = result.boundary;
  if (!b) return '';
  const violations = result.boundaryViolations ?? [];
  const violationRows = violations.map(
    (v) =>
      html`<tr class="violation"><td>${result.zone.name} → ${v.zone ?? 'outside every zone'}</td><td>${v.host}</td><td>${v.port}</td><td>${v.reason}</td><td>${v.requirements.join(', ')}</td></tr>`,
  );
  const violationTable =
    violations.length === 0
      ? html`<p class="pass">No reachable path outside the declared conduits.</p>`
      : html`<table class="boundary-violations"><tr><th>Path</th><th>Destination</th><th>TCP port</th><th>Why</th><th>Shows on</th></tr>${violationRows}</table><p class="muted">${BOUNDARY_NOTE}</p>`;
  const conduits = b.conduits.map((c) => html`<li class="conduit ${c.use}">${conduitText(c)}: ${USE_TEXT[c.use]} (${c.tried} path(s) tried)</li>`);
  const dual = b.dualHomed.map((d) => html`<li class="dual-homed">${d.address}: interface address(es) outside the zone: ${d.outside.join(', ')}</li>`);
  const unchecked = b.unchecked.map((u) => html`<li>${u.host} TCP ${u.ports.join(', ')}: ${u.reason}</li>`);
  return html`<section id="boundary"><h2>Zone boundary</h2>
<p>Destinations from the ${b.source}; TCP connect and close only. ${counts(result)}.</p>${b.notice ? html`<p class="unknown">Nothing tried: ${b.notice}</p>` : ''}
${violationTable}
<h3>Conduits</h3>${conduits.length > 0 ? html`<ul>${conduits}</ul>` : html`<p class="muted">No conduit declared: every reachable path is a violation.</p>`}
<h3>Dual-homed devices</h3>${dual.length > 0 ? html`<ul>${dual}</ul>` : html`<p class="muted">No device of this run showed an interface address outside the zone (SNMP interface tables, where readable).</p>`}
${unchecked.length > 0 ? html`<h3>Not tried</h3><ul>${unchecked}</ul>` : ''}</section>`;
}

/** Check id of the boundary rows in findings.csv: one row per path tried, `fail` where no conduit allows a reachable one. */
export const BOUNDARY_CHECK_ID = 'zone.boundary';

/** The zone's 3-3 rows a path is judged against, as a passed row names them. */
const ZONE_REQUIREMENTS = ZONE_SYSTEM_REQUIREMENTS.map((r) => `62443-3-3 ${r.id}`).join('; ');

/** findings.csv rows of the zone-boundary check, in FINDINGS_COLUMNS order (the destination as the address). */
export function boundaryCsvRows(result: Result): string[][] {
  const violations = new Map((result.boundaryViolations ?? []).map((v) => [`${v.host}:${v.port}`, v]));
  return (result.reachability ?? []).map((p) => {
    const v = violations.get(`${p.host}:${p.port}`);
    return [
      result.runId,
      p.host,
      '',
      '',
      '',
      BOUNDARY_CHECK_ID,
      'Path out of the zone only where a conduit allows it',
      v ? 'Reachable path that no conduit allows' : '',
      v ? 'fail' : 'pass',
      v ? v.requirements.join('; ') : ZONE_REQUIREMENTS,
      JSON.stringify({ state: p.state, zone: p.zone }),
      '',
      v?.reason ?? '',
      v ? 'Close the path at the zone boundary (firewall), or declare the conduit if the plant needs it.' : '',
      `reachability-${p.host}.jsonl`,
    ];
  });
}

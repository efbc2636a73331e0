import { bundledCatalog } from '../../profiles/catalog.ts';
import { chart, deviceGaps, findings, identity, services, slTable } from '../../report/html-fragments.ts';
import { html, type SafeHtml } from '../../report/html-template.ts';
import { type Headline, headlineText, toAttestOf } from '../../report/headline.ts';
import type { DeviceResult, Result } from '../../report/result.ts';
import type { PlanEntry } from '../../profiles/plan.ts';
import { type Role, roleAtLeast, ROLES, type Session } from '../accounts.ts';
import { AUDIT_ACTIONS, type AuditEntry } from '../audit.ts';
import type { DeviceRow, DeviceStep, FrStatus, RunRow, ZoneRow } from '../fleet.ts';
import type { StoredRun } from '../store.ts';

/** Server-rendered pages: pure functions from data to HTML, built with the escaping template (report/html-template.ts). */

const enc = encodeURIComponent;
export const zoneHref = (zone: string) => `/zones/${enc(zone)}`;
export const deviceHref = (zone: string, address: string, runId?: string) => `${zoneHref(zone)}/devices/${enc(address)}${runId ? `?run=${enc(runId)}` : ''}`;
export const runHref = (runId: string) => `/runs/${enc(runId)}`;

export interface PageContext {
  readonly session?: Session;
  readonly flash?: string;
}

export const csrfField = (s: Session | undefined) => (s ? html`<input type="hidden" name="csrf" value="${s.csrf}">` : '');

export function page(title: string, ctx: PageContext, body: SafeHtml): string {
  const s = ctx.session;
  const nav = s
    ? html`<nav><a href="/">Zones</a><a href="/zone-map">Zone map</a><a href="/zone-model">Zone model</a>${roleAtLeast(s.role, 'admin') ? html`<a href="/admin/users">Users</a><a href="/admin/audit">Audit log</a>` : ''}</nav>
<span class="who">${s.user} (${s.role}) <form class="inline" method="post" action="/logout">${csrfField(s)}<button type="submit">Log out</button></form></span>`
    : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · cellcheck console</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body><header class="top"><strong>cellcheck console</strong>${nav}</header>
<main>${ctx.flash ? html`<p class="flash" role="alert">${ctx.flash}</p>` : ''}<h1>${title}</h1>
${body}</main></body></html>
`.text;
}

export function loginPage(loginToken: string, next: string, flash?: string): string {
  return page(
    'Log in',
    flash ? { flash } : {},
    html`<form class="login" method="post" action="/login">
<input type="hidden" name="login_csrf" value="${loginToken}"><input type="hidden" name="next" value="${next}">
<label for="name">User name</label><input id="name" name="name" autocomplete="username" required maxlength="64">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<p><button type="submit">Log in</button></p></form>`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return page(status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Error', ctx, html`<p>${message}</p><p><a href="/">Back to the zones</a></p>`);
}

/** An SL vector as people read it: `SL 2` when every FR has the same level, else the levels FR1 to FR7. */
const vec = (v: readonly number[]) => (v.length > 0 && v.every((l) => l === v[0]) ? `SL ${v[0]}` : v.join('·'));
export const when = (iso: string) => html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
const meets = (yes: boolean) => (yes ? 'meets' : 'misses');

/** Devices that meet, could meet once attested, and are refuted: three coloured counts. */
const counts = (meets: number, could: number, refuted: number) =>
  html`<span class="n meets" title="meet SL-T">${meets}</span><span class="n could" title="could once attested">${could}</span><span class="n refuted" title="refuted by observation">${refuted}</span>`;

function frCell(f: FrStatus): SafeHtml {
  const worst = f.worst
    ? `; worst ${f.worst.address}${f.worst.name ? ` (${f.worst.name})` : ''}: ${f.worst.demonstrated}/${f.worst.ceiling}, SL-T ${f.worst.target}`
    : '';
  const title = `FR${f.fr}: ${f.meeting} of ${f.devices} meet SL-T, ${f.couldMeet} could once attested${worst}`;
  return html`<td class="fr" data-fr="${f.fr}" data-meeting="${f.meeting}" title="${title}">${counts(f.meeting, f.couldMeet - f.meeting, f.devices - f.couldMeet)}</td>`;
}

const LEGEND = html`<p class="legend muted">Counts of devices: <span class="n meets">n</span> meet SL-T, <span class="n could">n</span> could once not-assessed items are attested, <span class="n refuted">n</span> refuted by observation (cannot reach SL-T until fixed). Hover a cell for its worst device.</p>`;

const frHeads = () => [1, 2, 3, 4, 5, 6, 7].map((fr) => html`<th>FR${fr}</th>`);

function exportLinks(base: string, query: URLSearchParams): SafeHtml {
  const link = (format: string) => {
    const q = new URLSearchParams(query);
    q.set('format', format);
    return html`<a href="${`${base}?${q}`}" download>${format.toUpperCase()}</a>`;
  };
  return html`<p class="exports">Export: ${link('csv')}${link('json')}</p>`;
}

export function overviewPage(ctx: PageContext, zones: readonly ZoneRow[], query: URLSearchParams): string {
  const rows = zones.map(
    (z) => html`<tr data-zone="${z.zone}"><td><a href="${zoneHref(z.zone)}">${z.zone}</a></td><td>${vec(z.slT)}</td>
<td class="standing">${counts(z.devicesMeeting, z.devicesCouldMeet, z.devicesRefuted)} <span class="muted">of ${z.devices}</span></td><td>${z.latest.gaps}</td>
<td><a href="${runHref(z.latest.runId)}">${z.latest.runId}</a><br>${when(z.latest.collectedAt)}<br><span class="muted">${z.latest.agentId} · ${z.runs} run(s)</span></td>${z.frs.map(frCell)}</tr>`,
  );
  return page(
    'Zones',
    ctx,
    html`<form class="search" method="get" action="/"><input name="q" value="${query.get('q') ?? ''}" placeholder="zone or agent" aria-label="search zones">
<label><input type="checkbox" name="below" value="1"${query.get('below') ? html` checked` : ''}> only zones below target</label><button type="submit">Filter</button></form>
${exportLinks('/', query)}
${
  zones.length === 0
    ? html`<p class="muted">No zone matches, or no agent has uploaded a result yet.</p>`
    : html`<table id="zones"><thead><tr><th>Zone</th><th>SL-T</th><th>Devices</th><th>Gaps</th><th>Latest run</th>${frHeads()}</tr></thead><tbody>${rows}</tbody></table>`
}
${LEGEND}`,
  );
}

const selected = (yes: boolean) => (yes ? html` selected` : '');

/** One FR of one device: demonstrated/ceiling, coloured by where it stands against the device's SL-T. */
function levelCell(d: DeviceRow, i: number): SafeHtml {
  const t = d.slT[i] ?? 0;
  const dem = d.demonstrated[i] ?? 0;
  const ceil = d.ceiling[i] ?? 0;
  const s = dem >= t ? 'meets' : ceil >= t ? 'could' : 'refuted';
  return html`<td class="lv ${s}" title="FR${i + 1}: demonstrated ${dem}, ceiling ${ceil}, SL-T ${t}">${dem}/${ceil}</td>`;
}

function planAside(zone: ZoneRow, plan: readonly PlanEntry[]): SafeHtml {
  const shown = plan.slice(0, 10);
  const steps = shown.map(
    (e) =>
      html`<li class="${e.rank <= 3 ? 'step top' : 'step'}">${e.action} <span class="muted">(${e.effort.replace('-', ' ')}; closes ${e.closes.length} gap(s); raises ${e.frsRaised} FR ceiling(s))</span></li>`,
  );
  return html`<aside class="plan" id="plan"><h2>What to fix first</h2>${
    plan.length === 0
      ? html`<p class="muted">No failing check in the latest run, or the agent predates the plan.</p>`
      : html`<ol>${steps}</ol><p class="muted">${shown.length} of ${plan.length} change(s). All of them: <a href="${`${runHref(zone.latest.runId)}/report.html`}">the run's report</a> or <a href="${`${zoneHref(zone.zone)}?format=plan-csv`}" download>plan CSV</a>.</p>`
  }</aside>`;
}

/** The zone's headline from the counts its row already holds (no standing decided again), plus the run's items to attest. */
const zoneHeadline = (z: ZoneRow, latest: Result): Headline => ({
  devices: z.devices,
  meets: z.devicesMeeting,
  couldMeet: z.devicesCouldMeet,
  refuted: z.devicesRefuted,
  toAttest: toAttestOf(latest),
});

export function zonePage(
  ctx: PageContext,
  zone: ZoneRow,
  devices: readonly DeviceRow[],
  runs: readonly RunRow[],
  query: URLSearchParams,
  latest: Result | undefined,
  boundary?: SafeHtml,
  answers?: SafeHtml,
): string {
  const deviceRows = devices.map(
    (d) =>
      html`<tr data-address="${d.address}"><td><a href="${deviceHref(zone.zone, d.address)}">${d.address}</a>${d.name ? html` <span class="muted">${d.name}</span>` : ''}</td><td>${d.role}</td><td>${d.gaps}</td>${[0, 1, 2, 3, 4, 5, 6].map((i) => levelCell(d, i))}</tr>`,
  );
  const runRows = runs.map(
    (r) =>
      html`<tr><td><a href="${runHref(r.runId)}">${r.runId}</a></td><td>${when(r.collectedAt)}</td><td>${r.agentId}</td><td>${r.devicesMeeting}/${r.devices}</td><td>${r.gaps}</td></tr>`,
  );
  return page(
    `Zone ${zone.zone}`,
    ctx,
    html`<dl class="kv"><dt>SL-T</dt><dd>${vec(zone.slT)}</dd><dt>Latest run</dt><dd><a href="${runHref(zone.latest.runId)}">${zone.latest.runId}</a> by ${zone.latest.agentId}, collected ${when(zone.latest.collectedAt)}</dd>
<dt>Where it stands</dt><dd id="headline">${latest ? headlineText(zoneHeadline(zone, latest)) : `${zone.devicesMeeting} of ${zone.devices} meet SL-T`}</dd>
<dt>Levels</dt><dd>${answers ?? ''}</dd></dl>
<div class="zone-layout"><section>
<h2>Devices by FR in the latest run</h2>
<form class="search" method="get" action="${zoneHref(zone.zone)}"><input name="q" value="${query.get('q') ?? ''}" placeholder="address, name or role" aria-label="search devices">
<select name="meets" aria-label="target"><option value="">all devices</option><option value="no"${selected(query.get('meets') === 'no')}>below SL-T</option><option value="yes"${selected(query.get('meets') === 'yes')}>meeting SL-T</option></select>
<button type="submit">Filter</button> <input data-filter="devices" placeholder="filter as you type" aria-label="filter rows"></form>
<table id="devices" class="grid"><thead><tr><th>Device</th><th>Role</th><th>Gaps</th>${frHeads()}</tr></thead><tbody>${deviceRows}</tbody></table>
<p class="legend muted">Each cell: demonstrated/ceiling. <span class="lv meets">green</span> meets SL-T, <span class="lv could">amber</span> could once not-assessed items are attested, <span class="lv refuted">red</span> refuted by observation.</p>
${exportLinks(zoneHref(zone.zone), query)}
</section>${planAside(zone, latest?.plan ?? [])}</div>
<h2>Per FR</h2><table class="zone-frs"><thead><tr>${frHeads()}</tr></thead><tbody><tr>${zone.frs.map(frCell)}</tr></tbody></table>${LEGEND}
${boundary}
<h2>Runs</h2><table id="runs"><thead><tr><th>Run</th><th>Collected</th><th>Agent</th><th>Meeting SL-T</th><th>Gaps</th></tr></thead><tbody>${runRows}</tbody></table>`,
  );
}

function stepText(s: DeviceStep): SafeHtml {
  const c = s.change;
  const items: string[] = [];
  if (s.appeared) items.push('appeared in this run');
  for (const i of c?.identity ?? []) items.push(`${i.field}: ${i.old ?? '(none)'} → ${i.new ?? '(none)'}`);
  for (const x of c?.servicesOpened ?? []) items.push(`service opened: ${x}`);
  for (const x of c?.servicesClosed ?? []) items.push(`service closed: ${x}`);
  for (const x of c?.slC ?? []) items.push(`FR${x.fr} SL-C ${x.old.demonstrated}/${x.old.ceiling} → ${x.new.demonstrated}/${x.new.ceiling}`);
  for (const x of c?.checks ?? []) items.push(`${x.id}: ${x.old} → ${x.new}`);
  for (const x of c?.gapsOpened ?? []) items.push(`gap opened: ${x}`);
  for (const x of c?.gapsClosed ?? []) items.push(`gap closed: ${x}`);
  const verdict = s.regressions.length
    ? html`<p class="regression"><strong>Worse:</strong> ${s.regressions.join('; ')}</p>`
    : html`<p class="pass">Not worse.</p>`;
  return html`<li class="step" data-from="${s.from.runId}" data-to="${s.to.runId}"><a href="${runHref(s.from.runId)}">${s.from.runId}</a> → <a href="${runHref(s.to.runId)}">${s.to.runId}</a> ${when(s.to.collectedAt)}
${verdict}${items.length ? html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>` : html`<p class="muted">No change on this device.</p>`}</li>`;
}

export function devicePage(
  ctx: PageContext,
  zone: string,
  runId: string,
  d: DeviceResult,
  history: readonly DeviceRow[],
  drift: readonly DeviceStep[],
  answers?: { note: SafeHtml; rows: SafeHtml },
  boundary?: SafeHtml,
): string {
  const failing = d.checks.filter((c) => c.status === 'fail');
  const historyRows = history.map(
    (
      h,
    ) => html`<tr${h.runId === runId ? html` class="current"` : ''}><td><a href="${deviceHref(zone, d.address, h.runId)}">${h.runId}</a></td><td>${when(h.collectedAt)}</td>
<td>${vec(h.demonstrated)}</td><td>${vec(h.ceiling)}</td><td>${h.gaps}</td><td class="${meets(h.meetsTarget)}">${h.meetsTarget ? 'yes' : 'no'}</td></tr>`,
  );
  return page(
    `${d.address}${d.name ? ` · ${d.name}` : ''}`,
    ctx,
    html`<dl class="kv"><dt>Zone</dt><dd><a href="${zoneHref(zone)}">${zone}</a></dd><dt>Run shown</dt><dd><a href="${runHref(runId)}">${runId}</a></dd>
<dt>Role</dt><dd>${d.role} (${d.componentTypes.join(' + ')}), ${d.roleSource.source === 'config' ? 'from the config' : `inferred: ${d.roleSource.reason}`}</dd>
<dt>SL-T</dt><dd>${vec(d.slT)} <span class="badge ${meets(d.meetsTarget)}">${d.meetsTarget ? 'meets SL-T' : 'below SL-T'}</span></dd>
<dt>Levels</dt><dd>${answers?.note ?? ''}</dd></dl>
<h2>SL-C against SL-T</h2>${chart(d)}${slTable(d)}
<h2>Gaps (${d.gaps.length})</h2>${deviceGaps(d, bundledCatalog)}
${answers?.rows ?? ''}
<h2>Evidence: failing checks (${failing.length})</h2>${findings(d)}
<p class="muted">Transcript entries are in the agent's run directory; the signed result names them.</p>
<h2>Identity</h2>${identity(d)}
<h2>Services</h2>${services(d)}
${boundary}
<h2>History</h2>${answers ? html`<p class="muted">Levels as each run was signed, without the zone's answers.</p>` : ''}<table id="history"><thead><tr><th>Run</th><th>Collected</th><th>Demonstrated</th><th>Ceiling</th><th>Gaps</th><th>Meets SL-T</th></tr></thead><tbody>${historyRows}</tbody></table>
<h2>Drift between consecutive runs</h2>${drift.length === 0 ? html`<p class="muted">Only one run of this zone holds the device.</p>` : html`<ol class="drift">${drift.map(stepText)}</ol>`}`,
  );
}

export interface RunView {
  readonly stored: StoredRun;
  readonly result: Result;
  /** Checked again on this page view against the agent's enrolled keys. */
  readonly verifiesNow: { ok: true } | { ok: false; reason: string };
}

export function runPage(ctx: PageContext, v: RunView): string {
  const r = v.result;
  const s = v.stored;
  const canDelete = ctx.session && roleAtLeast(ctx.session.role, 'engineer');
  const devices = r.devices.map(
    (d) => html`<tr><td><a href="${deviceHref(r.zone.name, d.address, r.runId)}">${d.address}</a></td><td>${d.name ?? ''}</td><td>${d.role}</td>
<td class="${meets(d.meetsTarget)}">${d.meetsTarget ? 'yes' : 'no'}</td><td>${d.gaps.length}</td></tr>`,
  );
  const now = v.verifiesNow.ok
    ? html`<span class="pass">the signature verifies now too</span>`
    : html`<span class="fail">does not verify now: ${v.verifiesNow.reason}</span>`;
  return page(
    `Run ${r.runId}`,
    ctx,
    html`<dl class="kv"><dt>Zone</dt><dd><a href="${zoneHref(r.zone.name)}">${r.zone.name}</a>, SL-T ${vec(r.zone.slT)}</dd>
<dt>Agent</dt><dd>${r.agent.id}, cellcheck ${r.agent.version}</dd>
<dt>Signature</dt><dd id="signature">${s.verification.status} (${s.verification.alg}, key ${s.verification.kid}) at ${when(s.verification.verifiedAt)}; ${now}</dd>
<dt>Collected</dt><dd>${when(r.collectedAt)} to ${when(r.finishedAt)}</dd><dt>Received</dt><dd>${when(s.receivedAt)}</dd>
<dt>Payload SHA-256</dt><dd><code>${s.payloadSha256}</code></dd><dt>Catalog</dt><dd>${r.catalog.name} ${r.catalog.version}</dd></dl>
<p><a id="report-link" href="${`${runHref(r.runId)}/report.html`}">HTML report of this run</a></p>
<h2>Devices (${r.devices.length})</h2><table id="run-devices"><thead><tr><th>Address</th><th>Name</th><th>Role</th><th>Meets SL-T</th><th>Gaps</th></tr></thead><tbody>${devices}</tbody></table>
${
  canDelete
    ? html`<form method="post" action="${`${runHref(r.runId)}/delete`}" data-confirm="Delete run ${r.runId} from the console?">${csrfField(ctx.session)}<button class="danger" type="submit">Delete this run</button></form>`
    : ''
}`,
  );
}

export function usersPage(ctx: PageContext, users: readonly { name: string; role: Role; createdAt: string }[]): string {
  const rows = users.map(
    (u) =>
      html`<tr data-user="${u.name}"><td>${u.name}</td><td>${u.role}</td><td>${when(u.createdAt)}</td><td>${
        u.name === ctx.session?.user
          ? html`<span class="muted">you</span>`
          : html`<form class="inline" method="post" action="/admin/users/${enc(u.name)}/delete" data-confirm="Delete user ${u.name}?">${csrfField(ctx.session)}<button class="danger" type="submit">Delete</button></form>`
      }</td></tr>`,
  );
  return page(
    'Users',
    ctx,
    html`<table id="users"><thead><tr><th>Name</th><th>Role</th><th>Created</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<h2>Add a user</h2><form method="post" action="/admin/users">${csrfField(ctx.session)}
<label>Name <input name="name" required maxlength="64" autocomplete="off"></label>
<label>Role <select name="role">${ROLES.map((r) => html`<option>${r}</option>`)}</select></label>
<label>Password <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
<button type="submit">Add</button></form>`,
  );
}

export function auditPage(ctx: PageContext, entries: readonly AuditEntry[], action: string): string {
  const rows = entries.map((e) => html`<tr><td>${when(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.subject}</td><td>${e.detail}</td></tr>`);
  return page(
    'Audit log',
    ctx,
    html`<form class="search" method="get" action="/admin/audit"><select name="action" aria-label="action"><option value="">every action</option>${AUDIT_ACTIONS.map(
      (a) => html`<option${selected(a === action)}>${a}</option>`,
    )}</select><button type="submit">Filter</button></form>
<table id="audit"><thead><tr><th>At</th><th>Actor</th><th>Action</th><th>Subject</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

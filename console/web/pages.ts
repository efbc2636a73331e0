import { bundledCatalog } from '../../profiles/catalog.ts';
import { chart, deviceGaps, esc, finding, identity, services, slTable } from '../../report/html.ts';
import type { DeviceResult, Result } from '../../report/result.ts';
import { type Role, roleAtLeast, ROLES, type Session } from '../accounts.ts';
import { AUDIT_ACTIONS, type AuditEntry } from '../audit.ts';
import type { DeviceRow, DeviceStep, FrStatus, RunRow, ZoneRow } from '../fleet.ts';
import type { StoredRun } from '../store.ts';

/** Server-rendered pages: pure functions from data to HTML; everything stored or device-sent is escaped. */

const enc = encodeURIComponent;
export const zoneHref = (zone: string) => `/zones/${enc(zone)}`;
export const deviceHref = (zone: string, address: string, runId?: string) => `${zoneHref(zone)}/devices/${enc(address)}${runId ? `?run=${enc(runId)}` : ''}`;
export const runHref = (runId: string) => `/runs/${enc(runId)}`;

export interface PageContext {
  readonly session?: Session;
  readonly flash?: string;
}

const csrfField = (s: Session | undefined) => (s ? `<input type="hidden" name="csrf" value="${esc(s.csrf)}">` : '');

export function page(title: string, ctx: PageContext, body: string): string {
  const s = ctx.session;
  const nav = s
    ? `<nav><a href="/">Zones</a>${roleAtLeast(s.role, 'admin') ? '<a href="/admin/users">Users</a><a href="/admin/audit">Audit log</a>' : ''}</nav>
<span class="who">${esc(s.user)} (${esc(s.role)}) <form class="inline" method="post" action="/logout">${csrfField(s)}<button type="submit">Log out</button></form></span>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · cellcheck console</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/console.css"><script src="/assets/console.js" defer></script></head>
<body><header class="top"><strong>cellcheck console</strong>${nav}</header>
<main>${ctx.flash ? `<p class="flash" role="alert">${esc(ctx.flash)}</p>` : ''}<h1>${esc(title)}</h1>
${body}</main></body></html>
`;
}

export function loginPage(loginToken: string, next: string, flash?: string): string {
  return page(
    'Log in',
    flash ? { flash } : {},
    `<form class="login" method="post" action="/login">
<input type="hidden" name="login_csrf" value="${esc(loginToken)}"><input type="hidden" name="next" value="${esc(next)}">
<label for="name">User name</label><input id="name" name="name" autocomplete="username" required maxlength="64">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<p><button type="submit">Log in</button></p></form>`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): string {
  return page(status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Error', ctx, `<p>${esc(message)}</p><p><a href="/">Back to the zones</a></p>`);
}

const vec = (v: readonly number[]) => esc(v.join(' '));
const when = (iso: string) => `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>`;

function frCell(f: FrStatus): string {
  const worst = f.worst ? `<span class="worst">worst ${esc(f.worst.address)}: ${f.worst.demonstrated}/${f.worst.ceiling} (SL-T ${f.worst.target})</span>` : '';
  return `<td class="fr" data-fr="${f.fr}" data-meeting="${f.meeting}">${f.meeting}/${f.devices} meet<br>${f.couldMeet}/${f.devices} could${worst}</td>`;
}

const frHeads = () => [1, 2, 3, 4, 5, 6, 7].map((fr) => `<th>FR${fr}</th>`).join('');

function exportLinks(base: string, query: URLSearchParams): string {
  const link = (format: string) => {
    const q = new URLSearchParams(query);
    q.set('format', format);
    return `<a href="${esc(`${base}?${q}`)}" download>${format.toUpperCase()}</a>`;
  };
  return `<p class="exports">Export: ${link('csv')}${link('json')}</p>`;
}

export function overviewPage(ctx: PageContext, zones: readonly ZoneRow[], query: URLSearchParams): string {
  const rows = zones.map(
    (z) => `<tr data-zone="${esc(z.zone)}"><td><a href="${esc(zoneHref(z.zone))}">${esc(z.zone)}</a></td><td>${vec(z.slT)}</td>
<td class="${z.devicesMeeting < z.devices ? 'misses' : 'meets'}">${z.devicesMeeting}/${z.devices}</td><td>${z.latest.gaps}</td>
<td><a href="${esc(runHref(z.latest.runId))}">${esc(z.latest.runId)}</a><br>${when(z.latest.collectedAt)}<br><span class="muted">${esc(z.latest.agentId)} · ${z.runs} run(s)</span></td>${z.frs.map(frCell).join('')}</tr>`,
  );
  return page(
    'Zones',
    ctx,
    `<form class="search" method="get" action="/"><input name="q" value="${esc(query.get('q') ?? '')}" placeholder="zone or agent" aria-label="search zones">
<label><input type="checkbox" name="below" value="1"${query.get('below') ? ' checked' : ''}> only zones below target</label><button type="submit">Filter</button></form>
${exportLinks('/', query)}
${
  zones.length === 0
    ? '<p class="muted">No zone matches, or no agent has uploaded a result yet.</p>'
    : `<table id="zones"><thead><tr><th>Zone</th><th>SL-T</th><th>Devices meeting SL-T</th><th>Gaps</th><th>Latest run</th>${frHeads()}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}
<p class="muted">Per FR: devices whose demonstrated level meets their SL-T, devices whose ceiling could (once not-assessed items are attested), and the worst device (demonstrated/ceiling).</p>`,
  );
}

export function zonePage(ctx: PageContext, zone: ZoneRow, devices: readonly DeviceRow[], runs: readonly RunRow[], query: URLSearchParams): string {
  const deviceRows = devices.map(
    (
      d,
    ) => `<tr data-address="${esc(d.address)}"><td><a href="${esc(deviceHref(zone.zone, d.address))}">${esc(d.address)}</a></td><td>${esc(d.name ?? '')}</td><td>${esc(d.role)}</td>
<td class="${d.meetsTarget ? 'meets' : 'misses'}">${d.meetsTarget ? 'yes' : 'no'}</td><td>${d.gaps}</td><td>${vec(d.slT)}</td><td>${vec(d.demonstrated)}</td><td>${vec(d.ceiling)}</td></tr>`,
  );
  const runRows = runs.map(
    (r) =>
      `<tr><td><a href="${esc(runHref(r.runId))}">${esc(r.runId)}</a></td><td>${when(r.collectedAt)}</td><td>${esc(r.agentId)}</td><td>${r.devicesMeeting}/${r.devices}</td><td>${r.gaps}</td></tr>`,
  );
  return page(
    `Zone ${zone.zone}`,
    ctx,
    `<dl class="kv"><dt>SL-T</dt><dd>${vec(zone.slT)}</dd><dt>Latest run</dt><dd><a href="${esc(runHref(zone.latest.runId))}">${esc(zone.latest.runId)}</a> by ${esc(zone.latest.agentId)}, collected ${when(zone.latest.collectedAt)}</dd>
<dt>Devices meeting SL-T</dt><dd>${zone.devicesMeeting}/${zone.devices}</dd></dl>
<h2>Per FR</h2><table class="zone-frs"><thead><tr>${frHeads()}</tr></thead><tbody><tr>${zone.frs.map(frCell).join('')}</tr></tbody></table>
<h2>Devices in the latest run</h2>
<form class="search" method="get" action="${esc(zoneHref(zone.zone))}"><input name="q" value="${esc(query.get('q') ?? '')}" placeholder="address, name or role" aria-label="search devices">
<select name="meets" aria-label="target"><option value="">all devices</option><option value="no"${query.get('meets') === 'no' ? ' selected' : ''}>below SL-T</option><option value="yes"${query.get('meets') === 'yes' ? ' selected' : ''}>meeting SL-T</option></select>
<button type="submit">Filter</button> <input data-filter="devices" placeholder="filter as you type" aria-label="filter rows"></form>
${exportLinks(zoneHref(zone.zone), query)}
<table id="devices"><thead><tr><th>Address</th><th>Name</th><th>Role</th><th>Meets SL-T</th><th>Gaps</th><th>SL-T</th><th>Demonstrated</th><th>Ceiling</th></tr></thead><tbody>${deviceRows.join('')}</tbody></table>
<h2>Runs</h2><table id="runs"><thead><tr><th>Run</th><th>Collected</th><th>Agent</th><th>Meeting SL-T</th><th>Gaps</th></tr></thead><tbody>${runRows.join('')}</tbody></table>`,
  );
}

function stepText(s: DeviceStep): string {
  const c = s.change;
  const items: string[] = [];
  if (s.appeared) items.push('appeared in this run');
  for (const i of c?.identity ?? []) items.push(`${esc(i.field)}: ${esc(i.old ?? '(none)')} → ${esc(i.new ?? '(none)')}`);
  for (const x of c?.servicesOpened ?? []) items.push(`service opened: ${esc(x)}`);
  for (const x of c?.servicesClosed ?? []) items.push(`service closed: ${esc(x)}`);
  for (const x of c?.slC ?? []) items.push(`FR${x.fr} SL-C ${x.old.demonstrated}/${x.old.ceiling} → ${x.new.demonstrated}/${x.new.ceiling}`);
  for (const x of c?.checks ?? []) items.push(`${esc(x.id)}: ${esc(x.old)} → ${esc(x.new)}`);
  for (const x of c?.gapsOpened ?? []) items.push(`gap opened: ${esc(x)}`);
  for (const x of c?.gapsClosed ?? []) items.push(`gap closed: ${esc(x)}`);
  const verdict = s.regressions.length
    ? `<p class="regression"><strong>Worse:</strong> ${s.regressions.map(esc).join('; ')}</p>`
    : '<p class="pass">Not worse.</p>';
  return `<li class="step" data-from="${esc(s.from.runId)}" data-to="${esc(s.to.runId)}"><a href="${esc(runHref(s.from.runId))}">${esc(s.from.runId)}</a> → <a href="${esc(runHref(s.to.runId))}">${esc(s.to.runId)}</a> ${when(s.to.collectedAt)}
${verdict}${items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p class="muted">No change on this device.</p>'}</li>`;
}

export function devicePage(
  ctx: PageContext,
  zone: string,
  runId: string,
  d: DeviceResult,
  history: readonly DeviceRow[],
  drift: readonly DeviceStep[],
): string {
  const failing = d.checks.filter((c) => c.status === 'fail');
  const historyRows = history.map(
    (
      h,
    ) => `<tr${h.runId === runId ? ' class="current"' : ''}><td><a href="${esc(deviceHref(zone, d.address, h.runId))}">${esc(h.runId)}</a></td><td>${when(h.collectedAt)}</td>
<td>${vec(h.demonstrated)}</td><td>${vec(h.ceiling)}</td><td>${h.gaps}</td><td class="${h.meetsTarget ? 'meets' : 'misses'}">${h.meetsTarget ? 'yes' : 'no'}</td></tr>`,
  );
  return page(
    `${d.address}${d.name ? ` · ${d.name}` : ''}`,
    ctx,
    `<dl class="kv"><dt>Zone</dt><dd><a href="${esc(zoneHref(zone))}">${esc(zone)}</a></dd><dt>Run shown</dt><dd><a href="${esc(runHref(runId))}">${esc(runId)}</a></dd>
<dt>Role</dt><dd>${esc(d.role)} (${esc(d.componentTypes.join(' + '))}), ${d.roleSource.source === 'config' ? 'from the config' : `inferred: ${esc(d.roleSource.reason)}`}</dd>
<dt>SL-T</dt><dd>${vec(d.slT)} <span class="badge ${d.meetsTarget ? 'meets' : 'misses'}">${d.meetsTarget ? 'meets SL-T' : 'below SL-T'}</span></dd></dl>
<h2>SL-C against SL-T</h2>${chart(d)}${slTable(d)}
<h2>Gaps (${d.gaps.length})</h2>${deviceGaps(d, bundledCatalog)}
<h2>Evidence: failing checks (${failing.length})</h2>${failing.length === 0 ? '<p class="muted">No check failed.</p>' : failing.map((c) => finding(c, d.address)).join('\n')}
<p class="muted">Transcript entries are in the agent's run directory; the signed result names them.</p>
<h2>Identity</h2>${identity(d)}
<h2>Services</h2>${services(d)}
<h2>History</h2><table id="history"><thead><tr><th>Run</th><th>Collected</th><th>Demonstrated</th><th>Ceiling</th><th>Gaps</th><th>Meets SL-T</th></tr></thead><tbody>${historyRows.join('')}</tbody></table>
<h2>Drift between consecutive runs</h2>${drift.length === 0 ? '<p class="muted">Only one run of this zone holds the device.</p>' : `<ol class="drift">${drift.map(stepText).join('')}</ol>`}`,
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
    (d) => `<tr><td><a href="${esc(deviceHref(r.zone.name, d.address, r.runId))}">${esc(d.address)}</a></td><td>${esc(d.name ?? '')}</td><td>${esc(d.role)}</td>
<td class="${d.meetsTarget ? 'meets' : 'misses'}">${d.meetsTarget ? 'yes' : 'no'}</td><td>${d.gaps.length}</td></tr>`,
  );
  const now = v.verifiesNow.ok
    ? '<span class="pass">the signature verifies now too</span>'
    : `<span class="fail">does not verify now: ${esc(v.verifiesNow.reason)}</span>`;
  return page(
    `Run ${r.runId}`,
    ctx,
    `<dl class="kv"><dt>Zone</dt><dd><a href="${esc(zoneHref(r.zone.name))}">${esc(r.zone.name)}</a>, SL-T ${vec(r.zone.slT)}</dd>
<dt>Agent</dt><dd>${esc(r.agent.id)}, cellcheck ${esc(r.agent.version)}</dd>
<dt>Signature</dt><dd id="signature">${esc(s.verification.status)} (${esc(s.verification.alg)}, key ${esc(s.verification.kid)}) at ${when(s.verification.verifiedAt)}; ${now}</dd>
<dt>Collected</dt><dd>${when(r.collectedAt)} to ${when(r.finishedAt)}</dd><dt>Received</dt><dd>${when(s.receivedAt)}</dd>
<dt>Payload SHA-256</dt><dd><code>${esc(s.payloadSha256)}</code></dd><dt>Catalog</dt><dd>${esc(r.catalog.name)} ${esc(r.catalog.version)}</dd></dl>
<p><a id="report-link" href="${esc(`${runHref(r.runId)}/report.html`)}">HTML report of this run</a></p>
<h2>Devices (${r.devices.length})</h2><table id="run-devices"><thead><tr><th>Address</th><th>Name</th><th>Role</th><th>Meets SL-T</th><th>Gaps</th></tr></thead><tbody>${devices.join('')}</tbody></table>
${
  canDelete
    ? `<form method="post" action="${esc(`${runHref(r.runId)}/delete`)}" data-confirm="Delete run ${esc(r.runId)} from the console?">${csrfField(ctx.session)}<button class="danger" type="submit">Delete this run</button></form>`
    : ''
}`,
  );
}

export function usersPage(ctx: PageContext, users: readonly { name: string; role: Role; createdAt: string }[]): string {
  const rows = users.map(
    (u) =>
      `<tr data-user="${esc(u.name)}"><td>${esc(u.name)}</td><td>${esc(u.role)}</td><td>${when(u.createdAt)}</td><td>${
        u.name === ctx.session?.user
          ? '<span class="muted">you</span>'
          : `<form class="inline" method="post" action="/admin/users/${enc(u.name)}/delete" data-confirm="Delete user ${esc(u.name)}?">${csrfField(ctx.session)}<button class="danger" type="submit">Delete</button></form>`
      }</td></tr>`,
  );
  return page(
    'Users',
    ctx,
    `<table id="users"><thead><tr><th>Name</th><th>Role</th><th>Created</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h2>Add a user</h2><form method="post" action="/admin/users">${csrfField(ctx.session)}
<label>Name <input name="name" required maxlength="64" autocomplete="off"></label>
<label>Role <select name="role">${ROLES.map((r) => `<option>${r}</option>`).join('')}</select></label>
<label>Password <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
<button type="submit">Add</button></form>`,
  );
}

export function auditPage(ctx: PageContext, entries: readonly AuditEntry[], action: string): string {
  const rows = entries.map(
    (e) => `<tr><td>${when(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${esc(e.subject)}</td><td>${esc(e.detail)}</td></tr>`,
  );
  return page(
    'Audit log',
    ctx,
    `<form class="search" method="get" action="/admin/audit"><select name="action" aria-label="action"><option value="">every action</option>${AUDIT_ACTIONS.map(
      (a) => `<option${a === action ? ' selected' : ''}>${a}</option>`,
    ).join('')}</select><button type="submit">Filter</button></form>
<table id="audit"><thead><tr><th>At</th><th>Actor</th><th>Action</th><th>Subject</th><th>Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  );
}

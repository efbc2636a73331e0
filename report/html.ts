import { bundledCatalog, type Catalog } from '../profiles/catalog.ts';
import type { CheckResult } from '../profiles/model.ts';
import { deviceName } from './cyclonedx.ts';
import { type Drift, regressionText, renderDrift } from './diff.ts';
import { gapCauses, rankedGaps } from './gaps.ts';
import type { DeviceResult, Result } from './result.ts';

/**
 * Whether the run's result carries a signature. The agent fills it in from the run directory;
 * the report only shows it and never claims a signature it was not told about.
 */
export interface SignatureStatus {
  readonly status: 'signed' | 'not-signed';
  /** E.g. the signature file and key id. */
  readonly detail?: string;
}

export interface HtmlOptions {
  readonly signature: SignatureStatus;
  /** Drift against the previous run of the same zone, when there is one. */
  readonly drift?: Drift;
  /** Short titles and assessment kinds of requirements (default: the bundled catalog). */
  readonly catalog?: Catalog;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Everything a device sent (banners, names) is hostile until escaped. */
export const esc = (text: string | number) => String(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

/** Observed/expected values are data of any shape; long ones are cut so one device cannot bloat the report. */
function value(v: unknown): string {
  if (v === undefined) return '<span class="muted">-</span>';
  const text = JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ');
  return `<code>${esc(text.length > 1200 ? `${text.slice(0, 1200)}…` : text)}</code>`;
}

/** The configured name says most to the people of the plant; the model or product otherwise. */
const label = (d: DeviceResult) => `${d.address} · ${d.name ?? deviceName(d)}`;

const anchor = (address: string) => `dev-${address.replace(/[^0-9A-Za-z]/g, '-')}`;

/** The report's stylesheet; the console's pages use it too, so both look alike. */
export const STYLE = `
:root{--fail:#b3261e;--pass:#1e7b34;--warn:#9a6700;--muted:#5f6368;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 24px}
header{padding-top:20px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-word;white-space:pre-wrap}
.muted{color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;border:1px solid currentColor}
.fail,.not-satisfied{color:var(--fail)}.pass,.satisfied{color:var(--pass)}.unknown,.error,.not-assessed{color:var(--warn)}.not-applicable{color:var(--muted)}
.meets{color:var(--pass)}.misses{color:var(--fail)}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}
.kv dt{color:var(--muted)}.kv dd{margin:0}
nav ul{columns:3;padding-left:18px}
.device{border-top:3px solid var(--line);margin-top:28px}
.finding{border-left:4px solid var(--fail);background:#fff8f7;padding:8px 12px;margin:10px 0}
.finding h4{margin:0 0 6px;font-size:14px}
.finding .remedy{border-top:1px dashed var(--line);margin-top:6px;padding-top:6px}
.chart{display:block;max-width:640px}
.regression{color:var(--fail)}
pre.drift{background:var(--bg);padding:8px;overflow-x:auto;font-size:12px}
@media print{
  @page{size:A4;margin:14mm}
  body{font-size:10.5pt}
  header,main,footer{max-width:none;padding:0}
  nav{display:none}
  .device{break-before:page;border-top:none}
  .finding,table tr,.chart{break-inside:avoid}
  *{print-color-adjust:exact;-webkit-print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
}`;

/** SL-C per FR as bars: ceiling (light) behind demonstrated (dark), SL-T as a line; printable and without scripts. */
export function chart(d: DeviceResult): string {
  const W = 620;
  const H = 190;
  const left = 34;
  const top = 18;
  const bottom = 30;
  const plotH = H - top - bottom;
  const slot = (W - left - 10) / 7;
  const y = (level: number) => top + plotH - (plotH * level) / 4;
  const parts: string[] = [];
  for (let l = 0; l <= 4; l++) {
    parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y(l)}" y2="${y(l)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 8}" y="${y(l) + 4}" text-anchor="end" font-size="11" fill="#5f6368">${l}</text>`);
  }
  for (const f of d.frs) {
    const x = left + (f.fr - 1) * slot;
    const bw = slot * 0.5;
    const bx = x + (slot - bw) / 2;
    const colour = f.demonstrated >= f.target ? '#1e7b34' : f.ceiling >= f.target ? '#9a6700' : '#b3261e';
    parts.push(
      `<g class="fr" data-fr="${f.fr}" data-demonstrated="${f.demonstrated}" data-ceiling="${f.ceiling}" data-target="${f.target}">` +
        `<title>FR${f.fr}: demonstrated ${f.demonstrated}, ceiling ${f.ceiling}, target ${f.target}</title>` +
        `<rect x="${bx}" y="${y(f.ceiling)}" width="${bw}" height="${y(0) - y(f.ceiling)}" fill="${colour}" fill-opacity="0.25" stroke="${colour}"/>` +
        `<rect x="${bx}" y="${y(f.demonstrated)}" width="${bw}" height="${y(0) - y(f.demonstrated)}" fill="${colour}"/>` +
        `<line x1="${x + 4}" x2="${x + slot - 4}" y1="${y(f.target)}" y2="${y(f.target)}" stroke="#1f2328" stroke-width="2" stroke-dasharray="5 3"/>` +
        `<text x="${x + slot / 2}" y="${y(f.ceiling) - 3}" text-anchor="middle" font-size="11" fill="${colour}">${f.demonstrated}/${f.ceiling}</text>` +
        `<text x="${x + slot / 2}" y="${H - 10}" text-anchor="middle" font-size="12">FR${f.fr}</text></g>`,
    );
  }
  return `<svg class="chart" role="img" aria-label="SL-C per FR against SL-T" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>
<p class="muted">Solid bar: demonstrated. Light bar: ceiling. Dashed line: SL-T. Green meets the target, amber only if not-assessed items hold, red refuted by observation.</p>`;
}

export function slTable(d: DeviceResult): string {
  const row = (label: string, pick: (f: DeviceResult['frs'][number]) => number) =>
    `<tr><th>${label}</th>${d.frs.map((f) => `<td>${pick(f)}</td>`).join('')}</tr>`;
  return `<table class="sl"><tr><th></th>${d.frs.map((f) => `<th>FR${f.fr}</th>`).join('')}</tr>${row('SL-T', (f) => f.target)}${row('Demonstrated', (f) => f.demonstrated)}${row('Ceiling', (f) => f.ceiling)}</table>`;
}

export function identity(d: DeviceResult): string {
  const rows = Object.entries(d.identity).flatMap(([field, v]) =>
    v
      ? [
          `<tr><td>${esc(field)}</td><td>${esc(v.value)}</td><td class="muted">${esc(v.source)}</td><td>${(v.alternatives ?? []).map((a) => `${esc(a.value)} <span class="muted">(${esc(a.source)})</span>`).join('<br>')}</td></tr>`,
        ]
      : [],
  );
  if (rows.length === 0) return '<p class="muted">No identity was read from this device.</p>';
  return `<table class="identity"><tr><th>Field</th><th>Value</th><th>Source</th><th>Other values seen</th></tr>${rows.join('')}</table>`;
}

export function services(d: DeviceResult): string {
  if (d.services.length === 0) return '<p class="muted">No service found.</p>';
  const rows = d.services.map(
    (s) =>
      `<tr><td>${esc(s.protocol)}</td><td>${esc(s.transport)}/${s.port}</td><td>${s.confirmed ? 'confirmed by a probe' : 'assumed from the port'}</td></tr>`,
  );
  return `<table class="services"><tr><th>Protocol</th><th>Port</th><th>How known</th></tr>${rows.join('')}</table>`;
}

function evidence(c: CheckResult, address: string): string {
  if (c.evidence.length === 0) return '<span class="muted">none recorded</span>';
  const file = `transcripts/${address.replace(/[^0-9A-Za-z.-]/g, '_')}.jsonl`;
  return c.evidence.map((e) => `${esc(e.probe)} on port ${e.port}, ${esc(file)} entries ${e.transcript[0]}–${e.transcript[1]}`).join('<br>');
}

export function finding(c: CheckResult, address: string): string {
  return `<div class="finding" data-check="${esc(c.id)}">
<h4>✗ ${esc(c.title)} <span class="muted">(${esc(c.id)})</span></h4>
<dl class="kv">${c.informational === undefined ? `<dt>Requirements</dt><dd>${esc(c.requirements.join(', '))}</dd>` : `<dt>Informational</dt><dd>${esc(c.informational)}</dd>`}
<dt>Observed</dt><dd class="observed">${value(c.observed)}</dd>
<dt>Expected</dt><dd class="expected">${value(c.expected)}</dd>
<dt>Evidence</dt><dd>${evidence(c, address)}</dd></dl>
<div class="remedy"><strong>Remediation:</strong> ${esc(c.remediation)}</div></div>`;
}

function otherChecks(d: DeviceResult): string {
  const rest = d.checks.filter((c) => c.status !== 'fail');
  if (rest.length === 0) return '';
  const rows = rest.map((c) => `<tr><td>${esc(c.id)}</td><td>${esc(c.title)}</td><td class="${c.status}">${c.status}</td><td>${esc(c.reason ?? '')}</td></tr>`);
  return `<h3>Other checks</h3><table class="checks"><tr><th>Check</th><th>Title</th><th>Status</th><th>Why (when not decided)</th></tr>${rows.join('')}</table>`;
}

function probesUnavailable(d: DeviceResult): string {
  const down = d.probes.filter((p) => p.status === 'unavailable');
  if (down.length === 0) return '';
  const rows = down.map(
    (p) => `<tr><td>${esc(p.id)}</td><td>${p.port}</td><td>${esc(p.failure?.kind ?? '')}</td><td>${esc(p.failure?.detail ?? '')}</td></tr>`,
  );
  return `<h3>Probes without an answer</h3><table class="probes"><tr><th>Probe</th><th>Port</th><th>Failure</th><th>Detail</th></tr>${rows.join('')}</table>`;
}

/** Why an item at or below the target is still open: the catalog's assessment and what the checks saw. */
function whyNotAssessed(d: DeviceResult, id: string, catalog: Catalog): string {
  const assessment = catalog.byId.get(id)?.assessment;
  const req = d.requirements.find((r) => r.id === id);
  if (assessment === 'manual') return 'no network probe can see it; needs an operator attestation';
  if (req?.observation === 'consistent') return 'the checks found nothing against it, but a probe cannot confirm it alone';
  return 'no check could observe it on this device (service absent or no answer)';
}

function notAssessed(d: DeviceResult, catalog: Catalog): string {
  const items = d.frs.flatMap((f) => f.toAssess.map((id) => ({ fr: f.fr, id })));
  if (items.length === 0) return '<p class="muted">Nothing at or below the target is left unassessed.</p>';
  const rows = items.map(
    ({ fr, id }) => `<tr><td>FR${fr}</td><td>${esc(id)}</td><td>${esc(catalog.byId.get(id)?.title ?? '')}</td><td>${whyNotAssessed(d, id, catalog)}</td></tr>`,
  );
  return `<table class="not-assessed"><tr><th>FR</th><th>Requirement</th><th>Short title</th><th>Why not assessed</th></tr>${rows.join('')}</table>`;
}

export function deviceGaps(d: DeviceResult, catalog: Catalog): string {
  if (d.gaps.length === 0) return '<p class="muted">No gap refuted by observation.</p>';
  // d.gaps is already in the scorer's order.
  const rows = d.gaps.map(
    (g) =>
      `<tr><td>${esc(g.requirement)}</td><td>${esc(catalog.byId.get(g.requirement)?.title ?? '')}</td><td>FR${g.fr}</td><td>SL${g.sl}</td><td>${g.levelsBelowTarget}</td><td>${gapCauses(
        d,
        g.requirement,
      )
        .map((c) => esc(c.id))
        .join(', ')}</td></tr>`,
  );
  return `<table class="gaps"><tr><th>Requirement</th><th>Short title</th><th>FR</th><th>SL</th><th>Levels below target</th><th>Failing checks</th></tr>${rows.join('')}</table>`;
}

function device(d: DeviceResult, catalog: Catalog): string {
  const failing = d.checks.filter((c) => c.status === 'fail');
  return `<article class="device" id="${anchor(d.address)}" data-address="${esc(d.address)}">
<h2>${esc(label(d))} <span class="badge ${d.meetsTarget ? 'meets' : 'misses'}">${d.meetsTarget ? 'meets SL-T' : 'below SL-T'}</span></h2>
<dl class="kv"><dt>Role</dt><dd>${esc(d.role)} (${esc(d.componentTypes.join('+'))}), ${d.roleSource.source === 'config' ? 'from the config' : d.role === 'unknown' ? `<strong>${esc(d.roleSource.reason)}</strong>` : `inferred: ${esc(d.roleSource.reason)}`}</dd>${d.name ? `<dt>Name</dt><dd>${esc(d.name)}</dd>` : ''}</dl>
<h3>SL-C against SL-T</h3>${chart(d)}${slTable(d)}
<h3>Gaps (${d.gaps.length})</h3>${deviceGaps(d, catalog)}
<h3>Findings (${failing.length})</h3>${failing.length === 0 ? '<p class="muted">No check failed.</p>' : failing.map((c) => finding(c, d.address)).join('\n')}
${otherChecks(d)}
<h3>Not assessed</h3>${notAssessed(d, catalog)}
${knownVulnerabilities(d)}
<h3>Identity</h3>${identity(d)}
<h3>Services</h3>${services(d)}
${probesUnavailable(d)}
</article>`;
}

/** Known vulnerabilities from the advisory store: one row per advisory vulnerability, with the match behind it. */
function knownVulnerabilities(d: DeviceResult): string {
  if (!d.vulnerabilityCoverage) return '';
  const rows = (d.vulnerabilities ?? []).map(
    (f) =>
      `<tr class="vuln ${esc(f.status)}"><td>${esc(f.status)}</td><td>${esc(f.advisory.id)}</td><td>${esc(f.cve ?? f.title ?? '')}</td><td>${f.cvss ? esc(f.cvss.baseScore) : ''}</td><td>${esc(f.fixedVersion ?? '')}</td><td>${esc(f.remediations[0] ? `${f.remediations[0].category}: ${f.remediations[0].details}` : '')}</td><td>${esc(f.match.confidence)}${f.match.nameOnly ? ' (name only)' : ''}: ${esc(f.match.reason)}</td></tr>`,
  );
  const table =
    rows.length === 0
      ? ''
      : `<table class="vulnerabilities"><tr><th>Status</th><th>Advisory</th><th>CVE</th><th>CVSS</th><th>Fixed in</th><th>Fix or mitigation</th><th>Match</th></tr>${rows.join('')}</table>`;
  return `<h3>Known vulnerabilities (${rows.length})</h3><p class="muted">${esc(d.vulnerabilityCoverage.reason)}. Advisory findings inform patch priority; they do not change SL-C.</p>${table}`;
}

function zoneGaps(result: Result, catalog: Catalog): string {
  const gaps = rankedGaps(result);
  if (gaps.length === 0) return '<p class="muted">No gap refuted by observation. Requirements a probe cannot see stay "not assessed" until attested.</p>';
  const rows = gaps.map(
    ({ device: d, gap: g }) =>
      `<tr><td><a href="#${anchor(d.address)}">${esc(d.address)}</a></td><td>${esc(g.requirement)}</td><td>${esc(catalog.byId.get(g.requirement)?.title ?? '')}</td><td>FR${g.fr}</td><td>SL${g.sl}</td><td>${g.levelsBelowTarget}</td><td>${gapCauses(
        d,
        g.requirement,
      )
        .map((c) => `✗ ${esc(c.title)}`)
        .join('; ')}</td></tr>`,
  );
  return `<table class="gaps ranked"><tr><th>Device</th><th>Requirement</th><th>Short title</th><th>FR</th><th>SL</th><th>Levels below target</th><th>Why</th></tr>${rows.join('')}</table>`;
}

function driftSection(drift: Drift | undefined): string {
  if (!drift) return '<p class="muted">No earlier run of this zone in the same output folder to compare with.</p>';
  const verdict = drift.worse
    ? `<p class="regression"><strong>Security got worse</strong> since run ${esc(drift.old.runId)}:</p><ul>${drift.regressions.map((r) => `<li class="regression">${esc(r.address)}: ${esc(regressionText(r))}</li>`).join('')}</ul>`
    : `<p class="pass">Security did not get worse since run ${esc(drift.old.runId)}.</p>`;
  return `${verdict}<pre class="drift">${esc(renderDrift(drift, 160))}</pre>`;
}

/** report.html: one self-contained page (inline CSS and SVG, no script, no fetch), printable. */
export function renderHtml(result: Result, opts: HtmlOptions): string {
  return [...renderHtmlPieces(result, opts)].join('');
}

/** report.html in pieces (one per device section), so a large zone's page is written without holding it whole. */
export function* renderHtmlPieces(result: Result, opts: HtmlOptions): Generator<string> {
  const catalog = opts.catalog ?? bundledCatalog;
  const s = result.summary;
  const sig = opts.signature;
  const worst = result.zone.slT.map((t, i) => `<td>${s.worstDemonstrated[i] ?? 0} / ${t}</td>`).join('');
  yield `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cellcheck · ${esc(result.zone.name)} · ${esc(result.runId)}</title>
<style>${STYLE}</style></head>
<body>
<header><h1>cellcheck report: ${esc(result.zone.name)}</h1>
<dl class="kv"><dt>Run</dt><dd>${esc(result.runId)}</dd>
<dt>Collected</dt><dd>${esc(result.collectedAt)} to ${esc(result.finishedAt)}</dd>
<dt>Agent</dt><dd>${esc(result.agent.id)}, cellcheck ${esc(result.agent.version)}</dd>
<dt>Catalog</dt><dd>${esc(result.catalog.name)}, ${esc(result.catalog.version)}</dd>
<dt>Signature</dt><dd id="signature" class="${sig.status === 'signed' ? 'pass' : 'unknown'}">${sig.status === 'signed' ? 'signed' : 'not signed'}${sig.detail ? `: ${esc(sig.detail)}` : ''}</dd></dl></header>
<main>
<section id="summary"><h2>Zone summary</h2>
<p>${s.devicesFound} device(s) found on ${s.addressesPlanned} address(es) · ${s.devicesMeetingTarget} meet(s) the target · ${s.gaps} gap(s).</p>
<table class="zone-sl"><tr><th></th>${result.zone.slT.map((_, i) => `<th>FR${i + 1}</th>`).join('')}</tr><tr><th>Worst demonstrated / SL-T</th>${worst}</tr></table>
<p class="muted">Demonstrated stays 0 until requirements no network probe can see are attested; the ceiling is the most a device could reach once they are.</p></section>
<section id="gaps"><h2>Gaps, ranked</h2>${zoneGaps(result, catalog)}</section>
<section id="drift"><h2>Changes since the previous run</h2>${driftSection(opts.drift)}</section>
<nav><h2>Devices</h2><ul>${result.devices.map((d) => `<li><a href="#${anchor(d.address)}">${esc(label(d))}</a></li>`).join('')}</ul></nav>
<section id="devices">`;
  if (result.devices.length === 0) yield '<p>No device answered on any address.</p>';
  for (const [i, d] of result.devices.entries()) yield `${i > 0 ? '\n' : ''}${device(d, catalog)}`;
  yield `</section>
</main>
<footer><p class="muted">Requirement titles are cellcheck's own short names, not text of IEC 62443-4-2. Every verdict points at transcript entries in the run directory.</p></footer>
</body></html>
`;
}

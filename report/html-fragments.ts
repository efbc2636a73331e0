import type { Catalog } from '../profiles/catalog.ts';
import type { CheckResult } from '../profiles/model.ts';
import { gapCauses, problemOf } from './gaps.ts';
import { html, joinHtml, type SafeHtml } from './html-template.ts';
import type { DeviceResult } from './result.ts';

/**
 * The pieces of a device's page that the run report and the console's device page share, so
 * both look alike and say the same: stylesheet, SL chart and table, identity, services, findings
 * and gaps. Every value passes the escaping template (report/html-template.ts).
 */

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
}ol.plan{padding-left:24px}ol.plan li.step{margin:6px 0}ol.plan li.top{background:#fff8e1;border-left:4px solid var(--warn);padding:4px 8px}
.ceiling-after{white-space:nowrap}
details>summary{cursor:pointer;margin:10px 0 4px;font-weight:600}
nav.toc{margin:12px 0;font-size:13px}
`;

const isPlain = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const plainText = (v: string | number | boolean | null) => (v === null ? 'none' : v === true ? 'yes' : v === false ? 'no' : String(v));

/**
 * Observed/expected values as people read them: text for simple values, lists and flat records
 * ("openPorts: 23, 2323"), JSON only when nested. Long ones are cut so one device cannot bloat the page.
 */
function valueText(v: unknown): { text: string; json: boolean } {
  const flat = (x: unknown) =>
    isPlain(x) ? plainText(x) : Array.isArray(x) && x.every(isPlain) ? (x.length ? x.map(plainText).join(', ') : 'none') : undefined;
  const simple =
    flat(v) ??
    (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => flat(x) !== undefined)
      ? Object.entries(v)
          .map(([k, x]) => `${k}: ${flat(x)}`)
          .join('; ')
      : undefined);
  const text = simple ?? JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ');
  return { text: text.length > 1200 ? `${text.slice(0, 1200)}…` : text, json: simple === undefined };
}

function value(v: unknown): SafeHtml {
  if (v === undefined) return html`<span class="muted">-</span>`;
  const { text, json } = valueText(v);
  return json ? html`<code>${text}</code>` : html`${text}`;
}

/** SL-C per FR as bars: ceiling (light) behind demonstrated (dark), SL-T as a line; printable and without scripts. */
export function chart(d: DeviceResult): SafeHtml {
  const W = 620;
  const H = 190;
  const left = 34;
  const top = 18;
  const bottom = 30;
  const plotH = H - top - bottom;
  const slot = (W - left - 10) / 7;
  const y = (level: number) => top + plotH - (plotH * level) / 4;
  const grid = [0, 1, 2, 3, 4].map(
    (l) =>
      html`<line x1="${left}" x2="${W - 10}" y1="${y(l)}" y2="${y(l)}" stroke="#e5e7eb"/><text x="${left - 8}" y="${y(l) + 4}" text-anchor="end" font-size="11" fill="#5f6368">${l}</text>`,
  );
  const bars = d.frs.map((f) => {
    const x = left + (f.fr - 1) * slot;
    const bw = slot * 0.5;
    const bx = x + (slot - bw) / 2;
    const colour = f.demonstrated >= f.target ? '#1e7b34' : f.ceiling >= f.target ? '#9a6700' : '#b3261e';
    return html`<g class="fr" data-fr="${f.fr}" data-demonstrated="${f.demonstrated}" data-ceiling="${f.ceiling}" data-target="${f.target}"><title>FR${f.fr}: demonstrated ${f.demonstrated}, ceiling ${f.ceiling}, target ${f.target}</title><rect x="${bx}" y="${y(f.ceiling)}" width="${bw}" height="${y(0) - y(f.ceiling)}" fill="${colour}" fill-opacity="0.25" stroke="${colour}"/><rect x="${bx}" y="${y(f.demonstrated)}" width="${bw}" height="${y(0) - y(f.demonstrated)}" fill="${colour}"/><line x1="${x + 4}" x2="${x + slot - 4}" y1="${y(f.target)}" y2="${y(f.target)}" stroke="#1f2328" stroke-width="2" stroke-dasharray="5 3"/><text x="${x + slot / 2}" y="${y(f.ceiling) - 3}" text-anchor="middle" font-size="11" fill="${colour}">${f.demonstrated}/${f.ceiling}</text><text x="${x + slot / 2}" y="${H - 10}" text-anchor="middle" font-size="12">FR${f.fr}</text></g>`;
  });
  return html`<svg class="chart" role="img" aria-label="SL-C per FR against SL-T" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${grid}${bars}</svg>
<p class="muted">Solid bar: demonstrated. Light bar: ceiling. Dashed line: SL-T. Green meets the target, amber only if not-assessed items hold, red refuted by observation.</p>`;
}

export function slTable(d: DeviceResult): SafeHtml {
  const row = (label: string, pick: (f: DeviceResult['frs'][number]) => number) =>
    html`<tr><th>${label}</th>${d.frs.map((f) => html`<td>${pick(f)}</td>`)}</tr>`;
  return html`<table class="sl"><tr><th></th>${d.frs.map((f) => html`<th>FR${f.fr}</th>`)}</tr>${row('SL-T', (f) => f.target)}${row('Demonstrated', (f) => f.demonstrated)}${row('Ceiling', (f) => f.ceiling)}</table>`;
}

export function identity(d: DeviceResult): SafeHtml {
  const rows = Object.entries(d.identity).flatMap(([field, v]) =>
    v
      ? [
          html`<tr><td>${field}</td><td>${v.value}</td><td class="muted">${v.source}</td><td>${joinHtml(
            (v.alternatives ?? []).map((a) => html`${a.value} <span class="muted">(${a.source})</span>`),
            html`<br>`,
          )}</td></tr>`,
        ]
      : [],
  );
  if (rows.length === 0) return html`<p class="muted">No identity was read from this device.</p>`;
  return html`<table class="identity"><tr><th>Field</th><th>Value</th><th>Source</th><th>Other values seen</th></tr>${rows}</table>`;
}

export function services(d: DeviceResult): SafeHtml {
  if (d.services.length === 0) return html`<p class="muted">No service found.</p>`;
  const rows = d.services.map(
    (s) => html`<tr><td>${s.protocol}</td><td>${s.transport}/${s.port}</td><td>${s.confirmed ? 'confirmed by a probe' : 'assumed from the port'}</td></tr>`,
  );
  return html`<table class="services"><tr><th>Protocol</th><th>Port</th><th>How known</th></tr>${rows}</table>`;
}

function evidence(c: CheckResult, address: string): SafeHtml {
  if (c.evidence.length === 0) return html`<span class="muted">none recorded</span>`;
  const file = `transcripts/${address.replace(/[^0-9A-Za-z.-]/g, '_')}.jsonl`;
  return joinHtml(
    c.evidence.map((e) => html`${e.probe} on port ${e.port}, ${file} entries ${e.transcript[0]}–${e.transcript[1]}`),
    html`<br>`,
  );
}

export function finding(c: CheckResult, address: string): SafeHtml {
  return html`<div class="finding" data-check="${c.id}">
<h4>✗ ${problemOf(c)} <span class="muted">(${c.id})</span></h4>
<dl class="kv"><dt>Should be</dt><dd>${c.title}</dd>${c.informational === undefined ? html`<dt>Requirements</dt><dd>${c.requirements.join(', ')}</dd>` : html`<dt>Informational</dt><dd>${c.informational}</dd>`}
<dt>Observed</dt><dd class="observed">${value(c.observed)}</dd>
<dt>Expected</dt><dd class="expected">${value(c.expected)}</dd>
<dt>Evidence</dt><dd>${evidence(c, address)}</dd></dl>
<div class="remedy"><strong>Remediation:</strong> ${c.remediation}</div></div>`;
}

/** Failing checks as findings, or a line saying none failed. */
export function findings(d: DeviceResult): SafeHtml {
  const failing = d.checks.filter((c) => c.status === 'fail');
  return failing.length === 0
    ? html`<p class="muted">No check failed.</p>`
    : joinHtml(
        failing.map((c) => finding(c, d.address)),
        html`
`,
      );
}

export function deviceGaps(d: DeviceResult, catalog: Catalog): SafeHtml {
  if (d.gaps.length === 0) return html`<p class="muted">No gap refuted by observation.</p>`;
  // d.gaps is already in the scorer's order.
  const rows = d.gaps.map(
    (g) =>
      html`<tr><td>${g.requirement}</td><td>${catalog.byId.get(g.requirement)?.title ?? ''}</td><td>FR${g.fr}</td><td>SL${g.sl}</td><td>${g.levelsBelowTarget}</td><td>${gapCauses(
        d,
        g.requirement,
      )
        .map((c) => c.id)
        .join(', ')}</td></tr>`,
  );
  return html`<table class="gaps"><tr><th>Requirement</th><th>Short title</th><th>FR</th><th>SL</th><th>Levels below target</th><th>Failing checks</th></tr>${rows}</table>`;
}

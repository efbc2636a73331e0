import { bundledCatalog, type Catalog } from '../profiles/catalog.ts';
import { deviceName } from './cyclonedx.ts';
import { type Drift, regressionText, renderDrift } from './diff.ts';
import { deviceLabel, gapCauses, problemOf, rankedGaps } from './gaps.ts';
import { chart, deviceGaps, findings, identity, STYLE, services, slTable } from './html-fragments.ts';
import { html, joinHtml, type SafeHtml, trustedHtml } from './html-template.ts';
import { headlineText, resultHeadline, standing } from './headline.ts';
import type { DeviceResult, Result } from './result.ts';
import { boundarySection } from './boundary.ts';

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

/** The configured name says most to the people of the plant; the model or product otherwise. */
const label = (d: DeviceResult) => `${d.address} · ${d.name ?? deviceName(d)}`;

const anchor = (address: string) => `dev-${address.replace(/[^0-9A-Za-z]/g, '-')}`;

function otherChecks(d: DeviceResult): SafeHtml | '' {
  const rest = d.checks.filter((c) => c.status !== 'fail');
  if (rest.length === 0) return '';
  const rows = rest.map((c) => html`<tr><td>${c.id}</td><td>${c.title}</td><td class="${c.status}">${c.status}</td><td>${c.reason ?? ''}</td></tr>`);
  const by = (s: string) => rest.filter((c) => c.status === s).length;
  return html`<details class="other-checks"><summary>Other checks: ${by('pass')} pass, ${by('unknown')} unknown, ${by('not-applicable')} not applicable</summary><table class="checks"><tr><th>Check</th><th>Title</th><th>Status</th><th>Why (when not decided)</th></tr>${rows}</table></details>`;
}

function probesUnavailable(d: DeviceResult): SafeHtml | '' {
  const down = d.probes.filter((p) => p.status === 'unavailable');
  if (down.length === 0) return '';
  const rows = down.map((p) => html`<tr><td>${p.id}</td><td>${p.port}</td><td>${p.failure?.kind ?? ''}</td><td>${p.failure?.detail ?? ''}</td></tr>`);
  return html`<details class="probes"><summary>Probes without an answer (${down.length})</summary><table class="probes"><tr><th>Probe</th><th>Port</th><th>Failure</th><th>Detail</th></tr>${rows}</table></details>`;
}

/** Why an item at or below the target is still open: the catalog's assessment and what the checks saw. */
function whyNotAssessed(d: DeviceResult, id: string, catalog: Catalog): string {
  const assessment = catalog.byId.get(id)?.assessment;
  const req = d.requirements.find((r) => r.id === id);
  if (assessment === 'manual') return 'no network probe can see it; needs an operator attestation';
  if (req?.observation === 'consistent') return 'the checks found nothing against it, but a probe cannot confirm it alone';
  return 'no check could observe it on this device (service absent or no answer)';
}

function notAssessed(d: DeviceResult, catalog: Catalog): SafeHtml {
  const items = d.frs.flatMap((f) => f.toAssess.map((id) => ({ fr: f.fr, id })));
  if (items.length === 0) return html`<p class="muted">Nothing at or below the target is left unassessed.</p>`;
  const rows = items.map(
    ({ fr, id }) => html`<tr><td>FR${fr}</td><td>${id}</td><td>${catalog.byId.get(id)?.title ?? ''}</td><td>${whyNotAssessed(d, id, catalog)}</td></tr>`,
  );
  return html`<details class="not-assessed"><summary>${items.length} requirement(s) at or below SL-T wait for an attestation or an observation</summary><table class="not-assessed"><tr><th>FR</th><th>Requirement</th><th>Short title</th><th>Why not assessed</th></tr>${rows}</table></details>`;
}

function roleText(d: DeviceResult): SafeHtml | string {
  if (d.roleSource.source === 'config') return 'from the config';
  return d.role === 'unknown' ? html`<strong>${d.roleSource.reason}</strong>` : `inferred: ${d.roleSource.reason}`;
}

const STANDING_TEXT = { meets: 'meets SL-T', 'could-meet': 'could meet SL-T once attested', refuted: 'refuted by observation' } as const;
/** The device list's badge: its colour and its text come from one standing, so they cannot disagree. */
function standingBadge(d: DeviceResult): SafeHtml {
  const s = standing({ slT: d.slT, demonstrated: d.slC.demonstrated, ceiling: d.slC.ceiling });
  return html`<span class="badge ${s === 'meets' ? 'meets' : 'misses'}">${STANDING_TEXT[s]}</span>`;
}

function device(d: DeviceResult, catalog: Catalog): SafeHtml {
  const failing = d.checks.filter((c) => c.status === 'fail');
  return html`<article class="device" id="${anchor(d.address)}" data-address="${d.address}">
<h2>${label(d)} <span class="badge ${d.meetsTarget ? 'meets' : 'misses'}">${d.meetsTarget ? 'meets SL-T' : 'below SL-T'}</span></h2>
<dl class="kv"><dt>Role</dt><dd>${d.role} (${d.componentTypes.join('+')}), ${roleText(d)}</dd>${d.name ? html`<dt>Name</dt><dd>${d.name}</dd>` : ''}</dl>
<h3>SL-C against SL-T</h3>${chart(d)}${slTable(d)}
<h3>Gaps (${d.gaps.length})</h3>${deviceGaps(d, catalog)}
<h3>Findings (${failing.length})</h3>${findings(d)}
${otherChecks(d)}
<h3>Not assessed</h3>${notAssessed(d, catalog)}
${knownVulnerabilities(d)}
<h3>Identity</h3>${identity(d)}
<h3>Services</h3>${services(d)}
${probesUnavailable(d)}
</article>`;
}

/** Known vulnerabilities from the advisory store: one row per advisory vulnerability, with the match behind it. */
function knownVulnerabilities(d: DeviceResult): SafeHtml | '' {
  if (!d.vulnerabilityCoverage) return '';
  const rows = (d.vulnerabilities ?? []).map(
    (f) =>
      html`<tr class="vuln ${f.status}"><td>${f.status}</td><td>${f.advisory.id}</td><td>${f.cve ?? f.title ?? ''}</td><td>${f.cvss ? f.cvss.baseScore : ''}</td><td>${f.fixedVersion ?? ''}</td><td>${f.remediations[0] ? `${f.remediations[0].category}: ${f.remediations[0].details}` : ''}</td><td>${f.match.confidence}${f.match.nameOnly ? ' (name only)' : ''}: ${f.match.reason}</td></tr>`,
  );
  const table =
    rows.length === 0
      ? ''
      : html`<table class="vulnerabilities"><tr><th>Status</th><th>Advisory</th><th>CVE</th><th>CVSS</th><th>Fixed in</th><th>Fix or mitigation</th><th>Match</th></tr>${rows}</table>`;
  return html`<h3>Known vulnerabilities (${rows.length})</h3><p class="muted">${d.vulnerabilityCoverage.reason}. Advisory findings inform patch priority; they do not change SL-C.</p>${table}`;
}

function zoneGaps(result: Result, catalog: Catalog): SafeHtml {
  const gaps = rankedGaps(result);
  if (gaps.length === 0) return html`<p class="muted">No gap refuted by observation. Requirements a probe cannot see stay "not assessed" until attested.</p>`;
  const rows = gaps.map(
    ({ device: d, gap: g }) =>
      html`<tr><td><a href="#${anchor(d.address)}">${deviceLabel(d)}</a></td><td>${g.requirement}</td><td>${catalog.byId.get(g.requirement)?.title ?? ''}</td><td>FR${g.fr}</td><td>SL${g.sl}</td><td>${g.levelsBelowTarget}</td><td>${gapCauses(
        d,
        g.requirement,
      )
        .map((c) => `✗ ${problemOf(c)}`)
        .join('; ')}</td></tr>`,
  );
  return html`<table class="gaps ranked"><tr><th>Device</th><th>Requirement</th><th>Short title</th><th>FR</th><th>SL</th><th>Levels below target</th><th>Why</th></tr>${rows}</table>`;
}

function driftSection(drift: Drift | undefined): SafeHtml {
  if (!drift) return html`<p class="muted">No earlier run of this zone in the same output folder to compare with.</p>`;
  const verdict = drift.worse
    ? html`<p class="regression"><strong>Security got worse</strong> since run ${drift.old.runId}:</p><ul>${drift.regressions.map((r) => html`<li class="regression">${r.address}: ${regressionText(r)}</li>`)}</ul>`
    : html`<p class="pass">Security did not get worse since run ${drift.old.runId}.</p>`;
  return html`${verdict}<pre class="drift">${renderDrift(drift, 160)}</pre>`;
}

/** The ranked plan: the first three stand out; each step says what it buys and the ceilings after it. */
function planSection(result: Result): SafeHtml {
  const plan = result.plan ?? [];
  if (plan.length === 0) return html`<p class="muted">No failing check and no advisory with a fix: nothing to change for the gaps a probe can see.</p>`;
  const items = plan.map(
    (e) =>
      html`<li class="${e.rank <= 3 ? 'step top' : 'step'}" data-action="${e.id}"><strong>${e.action}</strong><br><span class="muted">${e.effort.replace('-', ' ')} · closes ${e.closes.length} gap(s)${e.requirements.length ? ` (${e.requirements.join(', ')})` : ''} · raises ${e.frsRaised} FR ceiling(s) toward SL-T${e.advisory?.cvss === undefined ? '' : ` · CVSS ${e.advisory.cvss}`}</span><br>Ceiling after: ${joinHtml(
        Object.entries(e.ceilingAfter).map(([address, v]) => html`<span class="ceiling-after">${address} ${v.join(' ')}</span>`),
        html`; `,
      )}</li>`,
  );
  return html`<p>${plan.length} change(s), ranked by the FR ceilings each raises toward SL-T on top of those before it, then devices, gaps closed and effort. Ceilings read FR1 to FR7.</p><ol class="plan">${items}</ol>`;
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
  const worst = result.zone.slT.map((t, i) => html`<td>${s.worstDemonstrated[i] ?? 0} / ${t}</td>`);
  yield html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cellcheck · ${result.zone.name} · ${result.runId}</title>
<style>${trustedHtml(STYLE)}</style></head>
<body>
<header><h1>cellcheck report: ${result.zone.name}</h1>
<dl class="kv"><dt>Run</dt><dd>${result.runId}</dd>
<dt>Collected</dt><dd>${result.collectedAt} to ${result.finishedAt}</dd>
<dt>Agent</dt><dd>${result.agent.id}, cellcheck ${result.agent.version}</dd>
<dt>Catalog</dt><dd>${result.catalog.name}, ${result.catalog.version}</dd>
<dt>Signature</dt><dd id="signature" class="${sig.status === 'signed' ? 'pass' : 'unknown'}">${sig.status === 'signed' ? 'signed' : 'not signed'}${sig.detail ? `: ${sig.detail}` : ''}</dd></dl></header>
<main>
<nav class="toc"><a href="#plan">What to fix first</a> · <a href="#summary">Zone summary</a> · <a href="#gaps">Gaps</a> · ${result.boundary ? html`<a href="#boundary">Zone boundary</a> · ` : ''}<a href="#drift">Changes</a> · <a href="#contents">Devices</a></nav>
<section id="plan"><h2>What to fix first</h2>${planSection(result)}</section>
<section id="summary"><h2>Zone summary</h2>
<p>${s.devicesFound} device(s) found on ${s.addressesPlanned} address(es) · ${s.gaps} gap(s).</p>
<p id="headline">${result.devices.length > 0 ? headlineText(resultHeadline(result)) : ''}</p>
<table class="zone-sl"><tr><th></th>${result.zone.slT.map((_, i) => html`<th>FR${i + 1}</th>`)}</tr><tr><th>Worst demonstrated / SL-T</th>${worst}</tr></table>
<p class="muted">Demonstrated stays 0 until requirements no network probe can see are attested; the ceiling is the most a device could reach once they are.</p></section>
<section id="gaps"><h2>Gaps, ranked</h2>${zoneGaps(result, catalog)}</section>
${boundarySection(result)}
<section id="drift"><h2>Changes since the previous run</h2>${driftSection(opts.drift)}</section>
<nav id="contents"><h2>Devices</h2><ul>${result.devices.map((d) => html`<li><a href="#${anchor(d.address)}">${label(d)}</a> ${standingBadge(d)} <span class="muted">${d.gaps.length} gap(s)</span></li>`)}</ul></nav>
<section id="devices">`.text;
  if (result.devices.length === 0) yield '<p>No device answered on any address.</p>';
  for (const [i, d] of result.devices.entries()) yield `${i > 0 ? '\n' : ''}${device(d, catalog).text}`;
  yield `</section>
</main>
<footer><p class="muted">Requirement titles are cellcheck's own short names, not text of IEC 62443-4-2. Every verdict points at transcript entries in the run directory.</p></footer>
</body></html>
`;
}

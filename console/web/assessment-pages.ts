import { bundledCatalog, JudgedType } from '../../profiles/catalog.ts';
import { IDENTITY_FIELDS } from '../../profiles/identity.ts';
import { STYLE } from '../../report/html-fragments.ts';
import { html, type SafeHtml, trustedHtml } from '../../report/html-template.ts';
import type { DeviceResult, Result } from '../../report/result.ts';
import { roleAtLeast } from '../accounts.ts';
import { type AnswerPayload, COUNTERMEASURE, type CountermeasurePayload, day, scopeText } from '../answers.ts';
import type { OpenItem, ZoneAnswers } from '../assessment.ts';
import { type EvidenceFile, MAX_EVIDENCE_BYTES } from '../evidence.ts';
import { dayOf, type Proposal } from '../proposals.ts';
import { decisionForms } from './decision-forms.ts';
import { csrfField, deviceHref, type PageContext, page, runHref, when, zoneHref } from './pages.ts';

/** The gap-analysis pages of a zone: what observation left open, the answers, their four-eyes state, the forms and the auditor's report. */

export const assessmentHref = (zone: string) => `${zoneHref(zone)}/assessment`;
const title = (id: string) => bundledCatalog.byId.get(id)?.title ?? '';
const isAnswer = (p: Proposal): p is Proposal & { payload: AnswerPayload } => p.kind !== COUNTERMEASURE;
const payloadOf = (p: Proposal) => p.payload as (AnswerPayload | CountermeasurePayload) | null;

/** A document id as text, a web address as a link, an uploaded file as a link to the console's copy. */
export function evidenceRef(zone: string, evidence: string | undefined): SafeHtml {
  if (!evidence) return html``;
  const file = /^sha256:([0-9a-f]{64})/.exec(evidence);
  if (file) return html`<a href="${`${assessmentHref(zone)}/evidence/${file[1]}`}">${evidence}</a>`;
  return /^https?:\/\/\S+$/.test(evidence) ? html`<a href="${evidence}" rel="noreferrer">${evidence}</a>` : html`${evidence}`;
}

/** What a proposal says, in one cell. */
function proposalText(zone: string, p: Proposal): SafeHtml {
  const pl = payloadOf(p);
  if (pl === null) return html`<em>retire ${p.replaces ?? ''}</em>`;
  if ('countermeasure' in pl)
    return html`<strong>countermeasure</strong> (${scopeText(pl.scope)}): ${pl.countermeasure} <span class="muted">Why: ${pl.justification}</span>${pl.reference ? html` · ref ${evidenceRef(zone, pl.reference)}` : ''}`;
  return html`<strong>${pl.status}</strong> (${scopeText(pl.scope)}): ${pl.statement} <span class="muted">evidence ${evidenceRef(zone, pl.evidence)}</span>`;
}

const requirementOf = (p: Proposal) => payloadOf(p)?.requirement ?? '';

function pendingTable(ctx: PageContext, zone: string, pending: readonly Proposal[]): SafeHtml {
  if (pending.length === 0) return html`<p class="muted">No proposal waits for approval.</p>`;
  const rows = pending.map(
    (p) =>
      html`<tr data-proposal="${p.id}"><td><code>${p.id}</code></td><td>${requirementOf(p)}</td><td>${proposalText(zone, p)}${p.replaces ? html`<br><span class="muted">changes ${p.replaces}</span>` : ''}</td><td>${p.proposedBy}<br>${when(p.proposedAt)}</td><td>${p.expires ?? ''}</td><td>${decisionForms(ctx, p, `${assessmentHref(zone)}/proposals/${encodeURIComponent(p.id)}`)}</td></tr>`,
  );
  return html`<table id="pending"><thead><tr><th>Proposal</th><th>Requirement</th><th>Proposed change</th><th>By</th><th>Expires</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function approvedTable(ctx: PageContext, zone: string, a: ZoneAnswers): SafeHtml {
  const entries = [...a.statements.attestations, ...a.statements.exceptions];
  if (entries.length === 0) return html`<p class="muted">No approved answer yet.</p>`;
  const canEdit = ctx.session && roleAtLeast(ctx.session.role, 'engineer');
  const rows = entries.map(({ proposal: p, unresolved }) => {
    const kind = isAnswer(p) ? 'answer' : 'countermeasure';
    const edit = canEdit
      ? html`<a href="${`${assessmentHref(zone)}/${kind}?replaces=${encodeURIComponent(p.id)}`}">Change</a> <form class="inline" method="post" action="${`${assessmentHref(zone)}/proposals/${encodeURIComponent(p.id)}/retire`}">${csrfField(ctx.session)}<button type="submit">Propose retiring</button></form>`
      : '';
    return html`<tr data-approved="${p.id}"><td><code>${p.id}</code><br><span class="muted" title="SHA-256 of the approved payload">${p.payloadSha256.slice(0, 16)}</span></td><td>${requirementOf(p)}</td><td>${proposalText(zone, p)}${unresolved ? html`<br><span class="fail">not applied: ${unresolved}</span>` : ''}</td><td>${p.proposedBy}</td><td>${p.decidedBy ?? ''} ${p.decidedAt ? when(p.decidedAt) : ''}</td><td>${p.expires ?? 'no expiry'}</td><td>${edit}</td></tr>`;
  });
  return html`<table id="approved"><thead><tr><th>Answer</th><th>Requirement</th><th>Statement</th><th>Proposed by</th><th>Approved by</th><th>Expires</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Answers and countermeasures in force that end within `days` of `now`. */
export function expiringSoon(a: ZoneAnswers, now: Date, days = 30): Proposal[] {
  const limit = dayOf(new Date(now.getTime() + days * 86_400_000));
  return [...a.statements.attestations, ...a.statements.exceptions].map((e) => e.proposal).filter((p) => p.expires !== undefined && p.expires <= limit);
}

function expiringList(zone: string, a: ZoneAnswers, now: Date): SafeHtml {
  const soon = expiringSoon(a, now);
  if (soon.length === 0) return html`<p class="muted">No answer in force expires within 30 days.</p>`;
  return html`<ul id="expiring">${soon.map((p) => html`<li><strong>${p.expires}</strong>: ${requirementOf(p)} <code>${p.id}</code>, ${proposalText(zone, p)}</li>`)}</ul>`;
}

/** The answers (approved and pending) that speak to an open item. */
const covering = (item: OpenItem, proposals: readonly Proposal[]) =>
  proposals.filter((p) => {
    const pl = payloadOf(p);
    return pl !== null && pl.requirement === item.requirement && (pl.scope.componentType === undefined || pl.scope.componentType === item.componentType);
  });

function openTable(ctx: PageContext, zone: string, items: readonly OpenItem[], approved: readonly Proposal[], pending: readonly Proposal[]): SafeHtml {
  const canPropose = ctx.session && roleAtLeast(ctx.session.role, 'engineer');
  const rows = items.map((item) => {
    const devices = item.devices.map((d) => {
      const state = d.weighed?.attestation?.state;
      const seen = d.checks.length ? d.checks.map((c) => `${c.id}: ${c.status}`).join(', ') : 'no check';
      return html`<li><a href="${deviceHref(zone, d.address)}">${d.address}</a>${d.name ? ` ${d.name}` : ''}: <span class="${d.observation === 'refuted' ? 'fail' : 'muted'}">${d.observation === 'none' ? 'not observed' : d.observation}</span> <span class="muted">(${seen})</span>${
        state ? html` · answer <span class="${state === 'applied' ? 'pass' : 'fail'}">${state}</span>` : ''
      }</li>`;
    });
    const answers = covering(item, [...approved, ...pending]).map(
      (p) =>
        html`<li>${p.status === 'approved' ? '' : html`<em>${p.status}</em> `}${proposalText(zone, p)} <span class="muted">by ${p.proposedBy}${p.decidedBy ? `, approved by ${p.decidedBy}` : ''}${p.expires ? `, expires ${p.expires}` : ''}</span></li>`,
    );
    const link = canPropose
      ? html`<a href="${`${assessmentHref(zone)}/answer?requirement=${encodeURIComponent(item.requirement)}&componentType=${item.componentType}`}">Answer</a>`
      : '';
    return html`<tr data-requirement="${item.requirement}" data-type="${item.componentType}"><td>FR${item.fr} SL${item.sl}</td><td><strong>${item.requirement}</strong> ${item.componentType}<br><span class="muted">${title(item.requirement)}</span></td><td><ul>${devices}</ul></td><td>${answers.length ? html`<ul>${answers}</ul>` : html`<span class="muted">none</span>`}</td><td>${link}</td></tr>`;
  });
  return html`<p><input data-filter="open" placeholder="filter as you type" aria-label="filter open items"></p>
<table id="open"><thead><tr><th>Level</th><th>Requirement</th><th>Devices and what the probes saw</th><th>Answers</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function gapsTable(ctx: PageContext, zone: string, weighed: Result): SafeHtml {
  const canPropose = ctx.session && roleAtLeast(ctx.session.role, 'engineer');
  const rows = weighed.devices.flatMap((d) =>
    [...d.gaps, ...d.compensated].map(
      (g) =>
        html`<tr><td><a href="${deviceHref(zone, d.address)}">${d.address}</a>${d.name ? ` ${d.name}` : ''}</td><td>${g.requirement} <span class="muted">${title(g.requirement)}</span></td><td>${g.causes.join(', ')}</td><td>${
          g.exception
            ? html`<span class="${g.exception.state === 'active' ? 'pass' : 'fail'}">${g.exception.state}</span>: ${g.exception.countermeasure}`
            : html`<span class="muted">open</span>`
        }</td><td>${
          canPropose
            ? html`<a href="${`${assessmentHref(zone)}/countermeasure?requirement=${encodeURIComponent(g.requirement)}&device=${encodeURIComponent(d.name ?? d.address)}`}">Countermeasure</a>`
            : ''
        }</td></tr>`,
    ),
  );
  if (rows.length === 0) return html`<p class="muted">Observation refutes no requirement at or below SL-T.</p>`;
  return html`<table id="gaps"><thead><tr><th>Device</th><th>Requirement</th><th>Failing checks</th><th>Countermeasure</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** "with N approved answers" and the digests that name them: the same words on every page that shows weighed levels. */
export function answersNote(zone: string, a: ZoneAnswers | undefined): SafeHtml {
  if (!a || a.approved === 0)
    return html`<span class="muted">as signed by the agent; no approved answer (<a href="${assessmentHref(zone)}">gap analysis</a>)</span>`;
  return html`<span id="with-answers">with ${a.approved} approved answer(s)</span> <span class="muted">(attestations sha256 <code>${a.files.attestations.sha256.slice(0, 16)}</code>, exceptions sha256 <code>${a.files.exceptions.sha256.slice(0, 16)}</code>; the agent's signed result is unchanged; <a href="${assessmentHref(zone)}">gap analysis</a>)</span>`;
}

/** The answers and countermeasures weighed on one device: which rows they decided, contradicted or compensate. */
export function deviceAnswers(zone: string, d: DeviceResult): SafeHtml {
  const rows = d.requirements.flatMap((r) =>
    r.attestation
      ? [
          html`<tr><td>${r.id} ${r.componentType}</td><td class="${r.attestation.state === 'applied' ? 'pass' : 'fail'}">${r.attestation.state}</td><td>${r.attestation.status}: ${r.attestation.statement}</td><td>${evidenceRef(zone, r.attestation.evidence)}</td><td>${r.attestation.by} ${r.attestation.date}</td><td>${r.attestation.expires ?? ''}</td></tr>`,
        ]
      : [],
  );
  const compensated = [...d.compensated, ...d.gaps].flatMap((g) =>
    g.exception
      ? [
          html`<tr><td>${g.requirement}</td><td class="${g.exception.state === 'active' ? 'pass' : 'fail'}">compensated (${g.exception.state})</td><td>${g.exception.countermeasure}</td><td>${evidenceRef(zone, g.exception.reference)}</td><td>approved by ${g.exception.approvedBy} ${g.exception.approved}</td><td>${g.exception.expires}</td></tr>`,
        ]
      : [],
  );
  const all = [...rows, ...compensated];
  return html`<h2>Answers on this device (${all.length})</h2>${
    all.length
      ? html`<table id="device-answers"><thead><tr><th>Requirement</th><th>State</th><th>Answer</th><th>Evidence</th><th>By</th><th>Expires</th></tr></thead><tbody>${all}</tbody></table>`
      : html`<p class="muted">No answer covers this device (<a href="${assessmentHref(zone)}">gap analysis</a>).</p>`
  }`;
}

const worst = (r: Result) => r.summary.worstDemonstrated.join('·');

export interface AssessmentView {
  readonly zone: string;
  readonly runId: string;
  readonly signed: Result;
  readonly weighed: Result;
  readonly answers: ZoneAnswers;
  readonly items: readonly OpenItem[];
  readonly evidence: readonly EvidenceFile[];
  readonly now: Date;
}

/** An upload form for one evidence file; `keep` carries the answer being written back to its form. */
function uploadForm(ctx: PageContext, zone: string, keep: Record<string, string> = {}): SafeHtml {
  if (!ctx.session || !roleAtLeast(ctx.session.role, 'engineer')) return html``;
  return html`<form id="evidence-upload" method="post" enctype="multipart/form-data" action="${`${assessmentHref(zone)}/evidence`}">${csrfField(ctx.session)}${Object.entries(
    keep,
  ).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
<label>Evidence file (at most ${MAX_EVIDENCE_BYTES / 1024 / 1024} MiB) <input type="file" name="file" required></label> <button type="submit">Upload</button></form>`;
}

function evidenceTable(ctx: PageContext, zone: string, files: readonly EvidenceFile[]): SafeHtml {
  const rows = files.map(
    (f) => html`<tr><td>${evidenceRef(zone, `sha256:${f.sha256}`)}</td><td>${f.name}</td><td>${f.size}</td><td>${f.uploadedBy} ${when(f.uploadedAt)}</td></tr>`,
  );
  return html`${files.length ? html`<table id="evidence"><thead><tr><th>Reference (cite it as evidence)</th><th>Name</th><th>Bytes</th><th>Uploaded</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p class="muted" id="evidence">No file uploaded for this zone.</p>`}
${uploadForm(ctx, zone)}`;
}

export function assessmentPage(ctx: PageContext, v: AssessmentView): string {
  const z = v.zone;
  const approved = [...v.answers.statements.attestations, ...v.answers.statements.exceptions].map((e) => e.proposal);
  const base = assessmentHref(z);
  return page(
    `Gap analysis: zone ${z}`,
    ctx,
    html`<dl class="kv"><dt>Zone</dt><dd><a href="${zoneHref(z)}">${z}</a>, latest run <a href="${runHref(v.runId)}">${v.runId}</a> collected ${when(v.signed.collectedAt)}</dd>
<dt>Weighed</dt><dd>${answersNote(z, v.answers)}</dd>
<dt>Devices meeting SL-T</dt><dd id="meeting">${v.signed.summary.devicesMeetingTarget} of ${v.signed.summary.devicesFound} as signed → <strong>${v.weighed.summary.devicesMeetingTarget}</strong> with answers</dd>
<dt>Worst demonstrated per FR</dt><dd id="worst">${worst(v.signed)} as signed → <strong>${worst(v.weighed)}</strong> with answers</dd>
<dt>Files</dt><dd><a id="export-attestations" href="${`${base}/attestations.yaml`}" download>attestations (${v.answers.files.attestations.entries})</a> · <a id="export-exceptions" href="${`${base}/exceptions.yaml`}" download>exceptions (${v.answers.files.exceptions.entries})</a> · <a id="auditor-report" href="${`${base}/report`}">printable gap-analysis report</a></dd></dl>
<p class="muted">Files for <code>cellcheck evaluate RUN --attestations FILE --exceptions FILE</code>; an agent whose config names this console fetches the same statements before each scheduled run.</p>
<h2>Expiring within 30 days</h2>${expiringList(z, v.answers, v.now)}
<h2>Waiting for approval (${v.answers.pending.length})</h2>${pendingTable(ctx, z, v.answers.pending)}
<h2>Open requirements (${v.items.length})</h2><p class="muted">Every requirement at or below SL-T that observation left open, by level, component type and requirement, with what the probes saw. An answer a failing check contradicts is shown as contradicted and not applied.</p>
${openTable(ctx, z, v.items, approved, v.answers.pending)}
<h2>Gaps and compensating countermeasures</h2>${gapsTable(ctx, z, v.weighed)}
<h2>Approved answers and countermeasures</h2>${approvedTable(ctx, z, v.answers)}
<h2>Evidence files</h2>${evidenceTable(ctx, z, v.evidence)}`,
  );
}

const option = (value: string, label: string, chosen: string | undefined) =>
  html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;

/** The scope fields shared by both forms. */
function scopeFields(form: URLSearchParams, withType: boolean): SafeHtml {
  const scope = form.get('scope') ?? 'zone';
  return html`<fieldset><legend>Covers</legend>
<label><input type="radio" name="scope" value="zone"${scope === 'zone' ? html` checked` : ''}> every device of the zone the requirement applies to</label><br>
<label><input type="radio" name="scope" value="devices"${scope === 'devices' ? html` checked` : ''}> these devices (addresses or names, comma separated)</label> <input name="devices" value="${form.get('devices') ?? ''}" maxlength="4000" aria-label="devices"><br>
<label><input type="radio" name="scope" value="identity"${scope === 'identity' ? html` checked` : ''}> devices whose</label> <select name="identityField" aria-label="identity field">${IDENTITY_FIELDS.map((f) => option(f, f, form.get('identityField') ?? 'model'))}</select> is <input name="identityValue" value="${form.get('identityValue') ?? ''}" maxlength="200" aria-label="identity value">
${withType ? html`<br><label>Only the rows of component type <select name="componentType">${option('', 'any', form.get('componentType') ?? '')}${JudgedType.options.map((t) => option(t, t, form.get('componentType') ?? ''))}</select></label>` : ''}</fieldset>`;
}

export function answerFormPage(ctx: PageContext, zone: string, form: URLSearchParams): string {
  const requirement = form.get('requirement') ?? '';
  return page(
    `Answer ${requirement} in zone ${zone}`,
    ctx,
    html`<p class="muted">${title(requirement)}. Your answer is a proposal: another engineer or an admin approves it before it applies.</p>
<form id="answer-form" method="post" action="${`${assessmentHref(zone)}/answers`}">${csrfField(ctx.session)}
<input type="hidden" name="replaces" value="${form.get('replaces') ?? ''}">
<label>Requirement <input name="requirement" value="${requirement}" required maxlength="40"></label>
${scopeFields(form, true)}
<label>Status <select name="status">${option('satisfied', 'satisfied', form.get('status') ?? 'satisfied')}${option('not-applicable', 'not applicable', form.get('status') ?? '')}</select></label><br>
<label>Statement<br><textarea name="statement" rows="3" cols="80" required maxlength="2000">${form.get('statement') ?? ''}</textarea></label><br>
<label>Evidence (document id, URL, or sha256:… of an uploaded file) <input name="evidence" value="${form.get('evidence') ?? ''}" required maxlength="500"></label><br>
<label>Expires <input name="expires" type="date" value="${form.get('expires') ?? ''}"></label><br>
<button type="submit">Propose</button> <a href="${assessmentHref(zone)}">Cancel</a></form>
<h2>Upload a file as evidence</h2><p class="muted">The console keeps the file with its SHA-256 and brings this form back with it as the evidence; what you typed above is not kept, so upload first.</p>
${uploadForm(ctx, zone, { requirement, ...(form.get('componentType') ? { componentType: form.get('componentType') ?? '' } : {}) })}`,
  );
}

export function countermeasureFormPage(ctx: PageContext, zone: string, form: URLSearchParams): string {
  const requirement = form.get('requirement') ?? '';
  return page(
    `Countermeasure for ${requirement} in zone ${zone}`,
    ctx,
    html`<p class="muted">A compensating countermeasure moves the gap to "compensated"; it never raises SL-C. Another engineer or an admin approves it.</p>
<form id="countermeasure-form" method="post" action="${`${assessmentHref(zone)}/countermeasures`}">${csrfField(ctx.session)}
<input type="hidden" name="replaces" value="${form.get('replaces') ?? ''}">
<label>Requirement <input name="requirement" value="${requirement}" required maxlength="40"></label>
${scopeFields(form, false)}
<label>Countermeasure<br><textarea name="countermeasure" rows="3" cols="80" required maxlength="2000">${form.get('countermeasure') ?? ''}</textarea></label><br>
<label>Justification<br><textarea name="justification" rows="3" cols="80" required maxlength="2000">${form.get('justification') ?? ''}</textarea></label><br>
<label>Reference <input name="reference" value="${form.get('reference') ?? ''}" maxlength="500"></label><br>
<label>Expires <input name="expires" type="date" value="${form.get('expires') ?? ''}" required></label><br>
<button type="submit">Propose</button> <a href="${assessmentHref(zone)}">Cancel</a></form>`,
  );
}

/** Per requirement at or below SL-T, how each device's row was decided after weighing. */
type Decision = 'observed' | 'attested' | 'compensated' | 'open' | 'not-applicable' | 'refuted';

function decisionOf(status: string, decidedBy: string, compensated: boolean): Decision {
  if (compensated) return 'compensated';
  if (status === 'not-satisfied') return 'refuted';
  if (decidedBy === 'attested') return 'attested';
  if (status === 'not-applicable') return 'not-applicable';
  return status === 'satisfied' ? 'observed' : 'open';
}

/**
 * The auditor's report: one self-contained printable page (inline CSS, no script), per FR and
 * requirement how many device rows observation decided, answers attested, countermeasures
 * compensated, observation refuted or remain open, with the answers' evidence and approvers.
 */
export function auditorReport(v: AssessmentView): string {
  const rows = new Map<string, { fr: number; sl: number; id: string; counts: Record<Decision, number> }>();
  for (const d of v.weighed.devices)
    for (const r of d.requirements) {
      if (r.sl > (d.slT[r.fr - 1] ?? 0)) continue;
      const e = rows.get(r.id) ?? {
        fr: r.fr,
        sl: r.sl,
        id: r.id,
        counts: { observed: 0, attested: 0, compensated: 0, open: 0, 'not-applicable': 0, refuted: 0 },
      };
      e.counts[
        decisionOf(
          r.status,
          r.decidedBy,
          d.compensated.some((g) => g.requirement === r.id),
        )
      ]++;
      rows.set(r.id, e);
    }
  const approved = [...v.answers.statements.attestations, ...v.answers.statements.exceptions].map((e) => e.proposal);
  const sorted = [...rows.values()].sort((a, b) => a.fr - b.fr || a.sl - b.sl || a.id.localeCompare(b.id, 'en', { numeric: true }));
  const DECISIONS: Decision[] = ['observed', 'attested', 'compensated', 'not-applicable', 'refuted', 'open'];
  const frSections = [1, 2, 3, 4, 5, 6, 7].map((fr) => {
    const own = sorted.filter((r) => r.fr === fr);
    if (own.length === 0) return html``;
    const body = own.map((r) => {
      const answers = approved.filter((p) => requirementOf(p) === r.id);
      return html`<tr><td>${r.id}</td><td>${title(r.id)}</td><td>SL${r.sl}</td>${DECISIONS.map((k) => html`<td class="num ${r.counts[k] && (k === 'open' || k === 'refuted') ? 'fail' : ''}">${r.counts[k] || ''}</td>`)}<td>${answers.map(
        (p) =>
          html`<div>${proposalText(v.zone, p)} <span class="muted">(${p.id}; proposed by ${p.proposedBy} ${day(p.proposedAt)}, approved by ${p.decidedBy ?? ''} ${day(p.decidedAt)}${p.expires ? `, expires ${p.expires}` : ''})</span></div>`,
      )}</td></tr>`;
    });
    return html`<h2>FR${fr}</h2><table><thead><tr><th>Requirement</th><th>Title</th><th>Level</th>${DECISIONS.map((k) => html`<th>${k}</th>`)}<th>Answers, evidence and approvals</th></tr></thead><tbody>${body}</tbody></table>`;
  });
  const soon = expiringSoon(v.answers, v.now);
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gap analysis ${v.zone}</title>
<style>${trustedHtml(STYLE)} td.num{text-align:right} .muted{color:#666} @media print{a{color:inherit;text-decoration:none}}</style></head><body><main>
<h1>Gap analysis: zone ${v.zone}</h1>
<p>Run ${v.runId} collected ${v.signed.collectedAt}, SL-T ${v.signed.zone.slT.join('·')}. Weighed ${v.answers.approved ? `with ${v.answers.approved} approved answer(s)` : 'without answers'}; attestations sha256 ${v.answers.files.attestations.sha256}, exceptions sha256 ${v.answers.files.exceptions.sha256}. Printed ${v.now.toISOString()}.</p>
<p>Devices meeting SL-T: ${v.weighed.summary.devicesMeetingTarget} of ${v.weighed.summary.devicesFound} (as signed: ${v.signed.summary.devicesMeetingTarget}). Worst demonstrated per FR: ${worst(v.weighed)}.</p>
<p>Counts are device rows (a device judged as two component types counts twice): <b>observed</b> confirmed by a probe, <b>attested</b> by an approved answer, <b>compensated</b> by an approved countermeasure (SL-C not raised), <b>refuted</b> by a failing check, <b>open</b> not assessed.</p>
${frSections}
<h2>Expiring within 30 days</h2>${soon.length ? html`<ul>${soon.map((p) => html`<li>${p.expires}: ${requirementOf(p)} (${p.id})</li>`)}</ul>` : html`<p>None.</p>`}
</main></body></html>
`.text;
}

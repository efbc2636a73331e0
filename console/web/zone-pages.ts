import type { ZoneModel } from '../../profiles/zone-model.ts';
import { html, type SafeHtml } from '../../report/html-template.ts';
import { roleAtLeast } from '../accounts.ts';
import type { PathViolation, ZoneBoundary } from '../boundary-view.ts';
import type { Proposal } from '../proposals.ts';
import type { ModelChange } from '../zone-model-diff.ts';
import type { ModelInForce } from '../zone-model-store.ts';
import { decisionForms } from './decision-forms.ts';
import { csrfField, deviceHref, type PageContext, page, runHref, when, zoneHref } from './pages.ts';
import { mapOf, zoneMapLegend, zoneMapSvg } from './zone-map.ts';

/** The zone model's pages (issue 21): the map, the model with its proposals, and the boundary section of a zone page. */

const proposalHref = (id: string) => `/zone-model/proposals/${encodeURIComponent(id)}`;
const ports = (p: readonly number[]) => p.join(', ');

function violationRows(vs: readonly PathViolation[]): SafeHtml {
  return html`${vs.map(
    (v) =>
      html`<tr class="violation"><td><a href="${zoneHref(v.fromZone)}">${v.fromZone}</a> → ${v.toZone ? html`<a href="${zoneHref(v.toZone)}">${v.toZone}</a>` : 'outside every zone'}</td><td>${v.toZone ? html`<a href="${deviceHref(v.toZone, v.host)}">${v.host}</a>` : v.host}:${v.port}</td><td>${v.reason}</td><td>${v.requirements.join(', ')}</td><td><a href="${runHref(v.runId)}">${v.runId}</a></td></tr>`,
  )}`;
}

const VIOLATION_HEAD = html`<thead><tr><th>Path</th><th>Destination</th><th>Why</th><th>Shows on</th><th>Run</th></tr></thead>`;

/** How the model in force stands to the zone: it holds the zone or not, and was approved after the zone's latest run or not. */
export interface ModelStanding {
  readonly modelled: boolean;
  readonly changedAfterRun: boolean;
  /** The model's SL-T and the one the latest run was judged against, when they differ (FR1..FR7). */
  readonly slTDiffers?: { model: number[]; run: number[] };
}

/** A zone's boundary: violations out of it and into it, its conduits' use, dual-homed devices; one view. */
export function boundarySection(b: ZoneBoundary, standing: ModelStanding): SafeHtml {
  const conduits = b.conduits.map(
    (u) =>
      html`<tr class="conduit ${u.use}"><td>${u.conduit.to}</td><td>${ports(u.conduit.ports)}</td><td>${u.conduit.purpose}</td><td>${u.conduit.owner ?? ''}</td><td class="${u.use === 'unused' ? 'fail' : u.use === 'verified' ? 'pass' : 'unknown'}">${u.use}${u.tried ? ` (${u.tried} path(s))` : ''}</td></tr>`,
  );
  const dual = b.dualHomed.map(
    (d) =>
      html`<tr><td><a href="${deviceHref(d.zone, d.address)}">${d.address}</a>${d.name ? html` <span class="muted">${d.name}</span>` : ''}</td><td>${d.outside.join(', ')}</td></tr>`,
  );
  const tried =
    b.tried === undefined
      ? html`<p class="muted">The latest run did not check reachability (opt-in <code>reachability</code> in the agent's config): outgoing paths are not known.</p>`
      : html`<p>The latest run tried ${b.tried} path(s) out of the zone; ${b.outgoing.length} reachable that no conduit allows.</p>`;
  return html`<section id="boundary"><h2>Zone boundary</h2>${tried}${standing.changedAfterRun ? html`<p class="muted">The zone model changed after this run; the next run is judged against it.</p>` : ''}${standing.slTDiffers ? html`<p class="unknown" id="slt-differs">The zone model sets SL-T ${standing.slTDiffers.model.join('·')}; the latest run was judged against ${standing.slTDiffers.run.join('·')} (the agent's config): align one with the other.</p>` : ''}${standing.modelled ? '' : html`<p class="unknown" id="not-modelled">This zone is not in the approved zone model: the console declares no ranges or conduits for it (<a href="/zone-model">Zone model</a>), and gives its agent no destinations.</p>`}
<h3>Violations out of this zone (${b.outgoing.length})</h3>${b.outgoing.length ? html`<table id="violations-out">${VIOLATION_HEAD}<tbody>${violationRows(b.outgoing)}</tbody></table>` : html`<p class="muted">None found.</p>`}
<h3>Violations into this zone (${b.incoming.length})</h3>${b.incoming.length ? html`<table id="violations-in">${VIOLATION_HEAD}<tbody>${violationRows(b.incoming)}</tbody></table>` : html`<p class="muted">None found by other zones' runs.</p>`}
<h3>Conduits (${b.conduits.length})</h3>${b.conduits.length ? html`<table id="conduits"><thead><tr><th>To</th><th>TCP ports</th><th>Purpose</th><th>Owner</th><th>Use</th></tr></thead><tbody>${conduits}</tbody></table>` : standing.modelled ? html`<p class="muted">No conduit declared: nothing may cross this zone's boundary.</p>` : ''}
<h3>Dual-homed devices (${b.dualHomed.length})</h3>${b.dualHomed.length ? html`<table id="dual-homed"><thead><tr><th>Device</th><th>Interface addresses outside the zone</th></tr></thead><tbody>${dual}</tbody></table>` : html`<p class="muted">None shown by the SNMP interface tables read.</p>`}
<p><a href="/zone-map">Zone map</a> · <a href="/zone-model">Zone model</a></p></section>`;
}

/** On a device's page: the paths into it that other zones found open and no conduit allows (its 4-2 CR 5.1). */
export function deviceViolationsSection(vs: readonly PathViolation[]): SafeHtml {
  if (vs.length === 0) return html``;
  return html`<section id="device-boundary"><h2>Reachable across a zone boundary (${vs.length})</h2><p>Paths into this device that another zone's agent found open and no conduit allows: they count against its CR 5.1.</p><table id="device-violations">${VIOLATION_HEAD}<tbody>${violationRows(vs)}</tbody></table></section>`;
}

export function zoneMapPage(ctx: PageContext, inForce: ModelInForce | undefined, boundaries: readonly ZoneBoundary[]): string {
  const map = mapOf(inForce?.model, boundaries);
  const rows = map.edges.map((e) => html`<tr class="${e.kind}"><td>${e.from}</td><td>${e.to}</td><td>${e.kind}</td><td>${e.detail}</td></tr>`);
  return page(
    'Zone map',
    ctx,
    html`<p>${inForce ? html`Zone model <a href="${proposalHref(inForce.proposal.id)}">${inForce.proposal.id}</a>, approved by ${inForce.proposal.decidedBy ?? ''} ${when(inForce.proposal.decidedAt ?? '')}.` : html`No zone model approved yet: zones are drawn from their runs, without conduits. <a href="/zone-model">Propose one</a>.`} Boxes: zones (click for the zone) and external networks; arrows: conduits and violations from the latest run of each zone.</p>
${zoneMapSvg(map)}${zoneMapLegend()}
<h2>Every arrow</h2><table id="map-edges"><thead><tr><th>From</th><th>To</th><th>Kind</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function modelTables(model: ZoneModel): SafeHtml {
  const zones = model.zones.map(
    (z) =>
      html`<tr data-zone="${z.name}"><td><a href="${zoneHref(z.name)}">${z.name}</a></td><td>${z.slT === undefined ? '' : Array.isArray(z.slT) ? z.slT.join('·') : z.slT}</td><td>${z.ranges.join(', ')}</td><td>${z.conduits.length ? html`<ul class="plain">${z.conduits.map((c) => html`<li>→ ${c.to}: TCP ${ports(c.ports)}, ${c.purpose}${c.owner ? ` (owner ${c.owner})` : ''}</li>`)}</ul>` : html`<span class="muted">none</span>`}</td></tr>`,
  );
  const external = (model.externalNetworks ?? []).map((n) => html`<tr><td>${n.name}</td><td>${n.ranges.join(', ')}</td></tr>`);
  const canaries = (model.canaries ?? []).map((c) => html`<tr><td>${c.zone}</td><td>${c.host}</td><td>${ports(c.ports)}</td></tr>`);
  return html`<table id="model-zones"><thead><tr><th>Zone</th><th>SL-T</th><th>Ranges</th><th>Conduits</th></tr></thead><tbody>${zones}</tbody></table>
${external.length ? html`<h3>External networks</h3><table id="model-external"><thead><tr><th>Name</th><th>Ranges</th></tr></thead><tbody>${external}</tbody></table>` : ''}
${canaries.length ? html`<h3>Canaries</h3><table id="model-canaries"><thead><tr><th>Zone</th><th>Address</th><th>TCP ports</th></tr></thead><tbody>${canaries}</tbody></table>` : ''}`;
}

function proposalRows(ctx: PageContext, proposals: readonly Proposal[]): SafeHtml {
  return html`${proposals.map(
    (p) =>
      html`<tr data-proposal="${p.id}" class="${p.status}"><td><a href="${proposalHref(p.id)}">${p.id}</a></td><td>${p.summary}</td><td>${p.status}</td><td>${p.proposedBy} ${when(p.proposedAt)}</td><td>${p.decidedBy ? html`${p.decidedBy} ${when(p.decidedAt ?? '')}` : ''}</td><td>${decisionForms(ctx, p, proposalHref(p.id))}</td></tr>`,
  )}`;
}

const PROPOSAL_HEAD = html`<thead><tr><th>Proposal</th><th>Summary</th><th>Status</th><th>Proposed</th><th>Decided</th><th></th></tr></thead>`;

/** The zone choices of the edit forms: the model's zones and those seen only in runs. */
const zoneOptions = (names: readonly string[]) => html`${names.map((n) => html`<option>${n}</option>`)}`;

export function zoneModelPage(ctx: PageContext, inForce: ModelInForce | undefined, history: readonly Proposal[], zoneNames: readonly string[]): string {
  const s = ctx.session;
  const canPropose = s !== undefined && roleAtLeast(s.role, 'engineer');
  const open = history.filter((p) => p.status === 'proposed');
  const summaryField = html`<label>Summary <input name="summary" required maxlength="300" placeholder="what changes and why"></label>`;
  const edit = canPropose
    ? html`<h2>Propose a change</h2><p class="muted">Every change is a proposal of the whole model; another engineer or an admin approves it before it is in force.</p>
<form method="post" action="/zone-model/conduits" class="edit">${csrfField(s)}<fieldset><legend>Add a conduit</legend>
<label>From zone <select name="zone" required>${zoneOptions(inForce?.model.zones.map((z) => z.name) ?? [])}</select></label>
<label>To <input name="to" required maxlength="120" placeholder="zone, external network or CIDR"></label>
<label>TCP ports <input name="ports" required maxlength="400" placeholder="4840, 502"></label>
<label>Purpose <input name="purpose" required maxlength="120"></label><label>Owner <input name="owner" maxlength="120"></label>
${summaryField}<button type="submit">Propose</button></fieldset></form>
<form method="post" action="/zone-model/ranges" class="edit">${csrfField(s)}<fieldset><legend>Set a zone's address ranges (adds the zone when new)</legend>
<label>Zone <input name="zone" required maxlength="120" list="zone-names"></label><datalist id="zone-names">${zoneOptions(zoneNames)}</datalist>
<label>Ranges <input name="ranges" maxlength="4000" placeholder="10.10.3.0/24, 10.10.4.0/28"></label>
${summaryField}<button type="submit">Propose</button></fieldset></form>
<form method="post" action="/zone-model/import" class="edit">${csrfField(s)}<fieldset><legend>Edit the whole model, or paste a model file (JSON or YAML, schema <a href="/zone-model/schema.json">zone-model.schema.json</a>)</legend>
<textarea name="model" rows="12" cols="100" required maxlength="60000" aria-label="model file">${inForce ? JSON.stringify(inForce.model, null, 2) : ''}</textarea>
${summaryField}<button type="submit">Propose</button></fieldset></form>`
    : '';
  return page(
    'Zone model',
    ctx,
    html`${
      inForce
        ? html`<p>In force: <a href="${proposalHref(inForce.proposal.id)}">${inForce.proposal.id}</a> (${inForce.proposal.summary}), proposed by ${inForce.proposal.proposedBy}, approved by ${inForce.proposal.decidedBy ?? ''} ${when(inForce.proposal.decidedAt ?? '')}. <a id="export" href="/zone-model/export.json" download>Export the model file</a> · <a href="/zone-map">Zone map</a></p>${modelTables(inForce.model)}`
        : html`<p class="muted">No zone model approved yet.</p>`
    }
<h2>Open proposals (${open.length})</h2>${open.length ? html`<table id="open-proposals">${PROPOSAL_HEAD}<tbody>${proposalRows(ctx, open)}</tbody></table>` : html`<p class="muted">None.</p>`}
${edit}
<h2>History</h2><table id="model-history">${PROPOSAL_HEAD}<tbody>${proposalRows(ctx, history)}</tbody></table>`,
  );
}

function changeList(changes: readonly ModelChange[]): SafeHtml {
  if (changes.length === 0) return html`<p class="muted">No change against the model it replaces.</p>`;
  const sign = { added: '+', removed: '−', changed: '~' } as const;
  return html`<ul id="changes" class="plain">${changes.map((c) => html`<li class="${c.kind === 'removed' ? 'fail' : c.kind === 'added' ? 'pass' : 'unknown'}">${sign[c.kind]} ${c.text}</li>`)}</ul>`;
}

/** One proposal: what it changes against the model it replaces (what its proposer saw), then the whole model. */
export function modelProposalPage(ctx: PageContext, p: Proposal, model: ZoneModel, changes: readonly ModelChange[], inForceId: string | undefined): string {
  return page(
    `Zone model proposal ${p.id}`,
    ctx,
    html`<dl class="kv"><dt>Summary</dt><dd>${p.summary}</dd><dt>Status</dt><dd>${p.status}${p.id === inForceId ? ' (in force)' : ''}</dd>
<dt>Proposed</dt><dd>${p.proposedBy} ${when(p.proposedAt)}</dd>${p.decidedBy ? html`<dt>Decided</dt><dd>${p.decidedBy} ${when(p.decidedAt ?? '')}${p.note ? `: ${p.note}` : ''}</dd>` : ''}
<dt>Replaces</dt><dd>${p.replaces ? html`<a href="${proposalHref(p.replaces)}">${p.replaces}</a>` : 'nothing (first model)'}</dd><dt>SHA-256</dt><dd><code>${p.payloadSha256}</code></dd></dl>
<h2>Changes (${changes.length})</h2>${changeList(changes)}<p>${decisionForms(ctx, p, proposalHref(p.id))}</p><h2>The whole model</h2>${modelTables(model)}<p><a href="/zone-model">Back to the zone model</a></p>`,
  );
}

import type { ZoneModel } from '../../profiles/zone-model.ts';
import { zoneModelSchemaText } from '../../report/write-schema.ts';
import { plantBoundaries, violationsInto, zoneBoundary } from '../boundary-view.ts';
import { StoreError } from '../db.ts';
import { latestZoneRuns } from '../fleet.ts';
import { latestRunBoundaries, latestRunBoundary, latestViolations, type RunBoundary } from '../run-boundary.ts';
import type { ConsoleStore } from '../store.ts';
import { modelChanges } from '../zone-model-diff.ts';
import {
  type ModelInForce,
  modelHistory,
  modelProblems,
  modelText,
  parseModelText,
  proposedModel,
  proposeModel,
  readModelInForce,
  ZONE_MODEL_KIND,
} from '../zone-model-store.ts';
import { html } from '../../report/html-template.ts';
import { headers, htmlReply, redirect, type WebReply } from './http-kit.ts';
import { errorPage } from './pages.ts';
import { actorOf, type Ctx, ctxOf, notFound, type Route } from './route-kit.ts';
import { boundarySection, deviceViolationsSection, modelProposalPage, zoneMapPage, zoneModelPage } from './zone-pages.ts';

/** The zone model's web routes (issue 21): map, model, proposals of a model, their decisions. */

/** The model in force (or why it cannot be read) and the boundary facts of each zone's latest run. */
export async function plantNow(store: ConsoleStore): Promise<{ inForce: ModelInForce | undefined; problem?: string; latest: RunBoundary[] }> {
  const [{ inForce, problem }, latest] = await Promise.all([readModelInForce(store), latestRunBoundaries(store.db)]);
  return { inForce, ...(problem ? { problem } : {}), latest };
}

/** The model's SL-T against the one the run was judged against (its zone_sl_t column), when they differ. */
async function slTMismatch(store: ConsoleStore, runId: string, slT: number | number[]): Promise<{ model: number[]; run: number[] } | undefined> {
  const row = await store.db.get('SELECT zone_sl_t FROM results WHERE run_id = ?', [runId]);
  const run = JSON.parse(String(row?.zone_sl_t ?? '[]')) as number[];
  const model = Array.isArray(slT) ? slT : Array.from({ length: 7 }, () => slT);
  return run.join() === model.join() ? undefined : { model, run };
}

/**
 * The boundary section of one zone's page (the zone page in routes.ts calls it). A model in force
 * that no longer reads (a schema tightened since its approval) is said there, not a failed page.
 */
export async function zoneBoundarySection(store: ConsoleStore, zone: string) {
  // Its own run whole; of the others, only the violations (some may lead into it).
  const [{ inForce, problem }, run, latest] = await Promise.all([readModelInForce(store), latestRunBoundary(store.db, zone), latestViolations(store.db)]);
  if (problem) return html`<section id="boundary"><h2>Zone boundary</h2><p class="fail">${problem}</p></section>`;
  const b = zoneBoundary(inForce?.model, run, latest, zone);
  if (!b) return undefined;
  const modelled = inForce?.model.zones.find((z) => z.name === zone);
  const slTDiffers = modelled?.slT !== undefined && b.run ? await slTMismatch(store, b.run.runId, modelled.slT) : undefined;
  return boundarySection(b, {
    modelled: modelled !== undefined,
    changedAfterRun: inForce !== undefined && b.run !== undefined && (inForce.proposal.decidedAt ?? '') > b.run.collectedAt,
    ...(slTDiffers ? { slTDiffers } : {}),
  });
}

/** The device page's section: violations whose destination is this address (the device page in routes.ts calls it). */
export async function deviceBoundarySection(store: ConsoleStore, address: string) {
  // A model that no longer reads is named on the zone page; here the paths keep the zones their agents named.
  const [{ inForce }, latest] = await Promise.all([readModelInForce(store), latestViolations(store.db)]);
  return deviceViolationsSection(violationsInto(inForce?.model, latest, address));
}

async function modelPage(c: Ctx, flash?: string, status = 200): Promise<WebReply> {
  const store = c.o.store;
  const [{ inForce, problem }, history, zones] = await Promise.all([readModelInForce(store), modelHistory(store), latestZoneRuns(store.db)]);
  const names = [...new Set([...(inForce?.model.zones ?? []).map((z) => z.name), ...zones.map((z) => z.zone)])].sort();
  const message = [flash, problem && `${problem}: propose a model that replaces it.`].filter(Boolean).join(' ');
  return htmlReply(c.o, status, zoneModelPage(ctxOf(c, message || undefined), inForce, history, names));
}

/** Proposes the model `change` makes of the one in force; a problem goes back to the page as its message. */
async function proposeChange(c: Ctx, form: URLSearchParams, change: (current: ZoneModel | undefined) => unknown): Promise<WebReply> {
  try {
    const { inForce } = await readModelInForce(c.o.store);
    const checked = modelProblems(change(inForce?.model && structuredClone(inForce.model)));
    if ('problems' in checked) return modelPage(c, `Not proposed: ${checked.problems.join('; ')}`, 400);
    await proposeModel(c.o.store, checked.model, form.get('summary') ?? '', actorOf(c), c.o.now());
  } catch (err) {
    if (err instanceof StoreError) return modelPage(c, `Not proposed: ${err.message}`, 400);
    throw err;
  }
  return redirect(c.o, '/zone-model');
}

const list = (text: string | null) =>
  (text ?? '')
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
/** Ports as typed; anything that is not a whole number stays text, so the schema names it. */
const portList = (text: string | null) => list(text).map((p) => (/^\d{1,5}$/.test(p) ? Number(p) : p));

function addConduit(c: Ctx, form: URLSearchParams) {
  return proposeChange(c, form, (model) => {
    const zone = model?.zones.find((z) => z.name === form.get('zone'));
    if (!model || !zone) throw new StoreError(`zone ${JSON.stringify(form.get('zone') ?? '')} is not in the model in force; set its ranges first`);
    const owner = form.get('owner')?.trim();
    // Typed as the form gave it; proposeChange validates the whole model before anything is stored.
    zone.conduits.push({
      to: form.get('to') ?? '',
      ports: portList(form.get('ports')) as number[],
      purpose: form.get('purpose') ?? '',
      ...(owner ? { owner } : {}),
    });
    return model;
  });
}

/** The SL-T a zone's latest run carries, as the model writes it (one level, or seven); undefined when none fits. */
async function runSlT(c: Ctx, zone: string): Promise<ZoneModel['zones'][number]['slT']> {
  // The run's row only: its devices need not be read or counted.
  const v = (await latestZoneRuns(c.o.store.db, { zone }))[0]?.slT ?? [];
  if (v.length !== 7 || !v.every((l) => l >= 1 && l <= 4)) return undefined;
  return v.every((l) => l === v[0]) ? v[0] : v;
}

/** Sets a zone's ranges; a zone new to the model takes the SL-T its latest run was judged against. */
async function setRanges(c: Ctx, form: URLSearchParams) {
  const name = (form.get('zone') ?? '').trim();
  const slT = await runSlT(c, name);
  return proposeChange(c, form, (model) => {
    const next = model ?? { zones: [] };
    const zone = next.zones.find((z) => z.name === name);
    if (zone) zone.ranges = list(form.get('ranges'));
    else next.zones.push({ name, ...(slT === undefined ? {} : { slT }), ranges: list(form.get('ranges')), conduits: [] });
    return next;
  });
}

function importModel(c: Ctx, form: URLSearchParams) {
  return proposeChange(c, form, () => parseModelText(form.get('model') ?? '', 'the imported model'));
}

/** A page saying why a stored model cannot be shown (it no longer passes the schema). */
const unreadable = (c: Ctx, problem: string) => htmlReply(c.o, 409, errorPage(ctxOf(c), 409, problem));

async function proposal(c: Ctx): Promise<WebReply> {
  try {
    const found = await proposedModel(c.o.store, c.params[0] ?? '');
    if (!found) return notFound(c, `No zone model proposal ${c.params[0] ?? ''}.`);
    const replaced = found.proposal.replaces === undefined ? undefined : await proposedModel(c.o.store, found.proposal.replaces);
    const { inForce } = await readModelInForce(c.o.store);
    return htmlReply(c.o, 200, modelProposalPage(ctxOf(c), found.proposal, found.model, modelChanges(replaced?.model, found.model), inForce?.proposal.id));
  } catch (err) {
    if (err instanceof StoreError) return unreadable(c, err.message);
    throw err;
  }
}

const decide =
  (step: 'approve' | 'reject' | 'withdraw') =>
  async (c: Ctx, form: URLSearchParams): Promise<WebReply> => {
    const id = c.params[0] ?? '';
    if ((await c.o.store.proposals.get(id))?.kind !== ZONE_MODEL_KIND) return notFound(c, `No zone model proposal ${id}.`);
    const actor = actorOf(c);
    try {
      if (step === 'withdraw') await c.o.store.proposals.withdraw(id, actor, c.o.now());
      else await c.o.store.proposals[step](id, actor, c.o.now(), form.get('note') ?? '');
    } catch (err) {
      if (err instanceof StoreError) return modelPage(c, `Not done: ${err.message}`, 409);
      throw err;
    }
    return redirect(c.o, '/zone-model');
  };

async function exportModel(c: Ctx): Promise<WebReply> {
  const { inForce, problem } = await readModelInForce(c.o.store);
  if (problem) return unreadable(c, problem);
  if (!inForce) return notFound(c, 'No zone model is approved yet.');
  return {
    status: 200,
    headers: { ...headers(c.o, 'application/json'), 'content-disposition': 'attachment; filename="zone-model.json"' },
    body: modelText(inForce.model),
  };
}

async function zoneMap(c: Ctx): Promise<WebReply> {
  const { inForce, problem, latest } = await plantNow(c.o.store);
  return htmlReply(c.o, 200, zoneMapPage(ctxOf(c, problem), inForce, plantBoundaries(inForce?.model, latest)));
}

const SEGMENT = '([^/]+)';
export const ZONE_ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/zone-map$/, role: 'viewer', handle: zoneMap },
  { method: 'GET', path: /^\/zone-model$/, role: 'viewer', handle: (c) => modelPage(c) },
  { method: 'GET', path: /^\/zone-model\/export\.json$/, role: 'viewer', handle: exportModel },
  {
    method: 'GET',
    path: /^\/zone-model\/schema\.json$/,
    role: 'viewer',
    handle: (c) => ({ status: 200, headers: headers(c.o, 'application/schema+json'), body: zoneModelSchemaText() }),
  },
  { method: 'GET', path: new RegExp(`^/zone-model/proposals/${SEGMENT}$`), role: 'viewer', handle: proposal },
  { method: 'POST', path: /^\/zone-model\/conduits$/, role: 'engineer', handle: addConduit },
  { method: 'POST', path: /^\/zone-model\/ranges$/, role: 'engineer', handle: setRanges },
  { method: 'POST', path: /^\/zone-model\/import$/, role: 'engineer', handle: importModel },
  { method: 'POST', path: new RegExp(`^/zone-model/proposals/${SEGMENT}/approve$`), role: 'engineer', handle: decide('approve') },
  { method: 'POST', path: new RegExp(`^/zone-model/proposals/${SEGMENT}/reject$`), role: 'engineer', handle: decide('reject') },
  { method: 'POST', path: new RegExp(`^/zone-model/proposals/${SEGMENT}/withdraw$`), role: 'engineer', handle: decide('withdraw') },
];

import { bundledCatalog } from '../../profiles/catalog.ts';
import type { IdentityField } from '../../profiles/identity.ts';
import { html, type SafeHtml } from '../../report/html-template.ts';
import type { Result } from '../../report/result.ts';
import { ANSWER, AnswerPayload, COUNTERMEASURE, CountermeasurePayload, payloadProblems, scopeText } from '../answers.ts';
import { latestRunOf, latestZoneAnswers, openItems, type WeighedRun, weighedRows, weighedRun, weighedZoneRow, zonesWithAnswers } from '../assessment.ts';
import { countedZone, type DeviceRow, type ZoneRow, type ZoneRun } from '../fleet.ts';
import { evidenceBytes, evidenceInfo, MAX_EVIDENCE_BYTES, storeEvidence, zoneEvidence } from '../evidence.ts';
import { asOf, dayOf, ProposalError } from '../proposals.ts';
import type { UploadedFile } from './multipart.ts';
import { headers, htmlReply, REPORT_CSP, redirect, type WebReply } from './http-kit.ts';
import { answerFormPage, answersNote, assessmentHref, assessmentPage, auditorReport, countermeasureFormPage, expiringSoon } from './assessment-pages.ts';
import { actorOf, type Ctx, ctxOf, notFound, type Route } from './route-kit.ts';

/** The gap analysis of a zone in the console: pages, the forms that propose answers, and the four-eyes decisions. */

const zoneParam = (c: Ctx) => c.params[0] ?? '';

const latestRunId = (c: Ctx, zone: string) => latestRunOf(c.o.store.db, zone);
const noRun = (c: Ctx, zone: string) => notFound(c, `No stored run of zone ${zone}.`);

async function latestWeighed(c: Ctx, zone: string): Promise<(WeighedRun & { runId: string }) | undefined> {
  const runId = await latestRunId(c, zone);
  const run = runId === undefined ? undefined : await weighedRun(c.o.store.db, c.o.store.proposals, zone, runId, c.o.now());
  return run && runId ? { ...run, runId } : undefined;
}

async function assessment(c: Ctx, flash?: string, status = 200): Promise<WebReply> {
  const zone = zoneParam(c);
  const run = await latestWeighed(c, zone);
  if (!run) return noRun(c, zone);
  const view = {
    zone,
    runId: run.runId,
    signed: run.signed,
    weighed: run.weighed,
    answers: run.answers,
    items: openItems(run.signed, run.weighed),
    evidence: await zoneEvidence(c.o.store.db, zone),
    now: c.o.now(),
  };
  return htmlReply(c.o, status, assessmentPage(ctxOf(c, flash), view));
}

async function report(c: Ctx): Promise<WebReply> {
  const zone = zoneParam(c);
  const run = await latestWeighed(c, zone);
  if (!run) return noRun(c, zone);
  const body = auditorReport({
    zone,
    runId: run.runId,
    signed: run.signed,
    weighed: run.weighed,
    answers: run.answers,
    items: [],
    evidence: [],
    now: c.o.now(),
  });
  return { status: 200, headers: headers(c.o, 'text/html; charset=utf-8', REPORT_CSP), body };
}

const exportFile = (list: 'attestations' | 'exceptions') => async (c: Ctx) => {
  const zone = zoneParam(c);
  // The files only: no need to weigh the run.
  const { latest, answers } = await latestZoneAnswers(c.o.store.db, c.o.store.proposals, zone, c.o.now());
  if (!latest) return noRun(c, zone);
  const file = answers.files[list];
  return {
    status: 200,
    headers: { ...headers(c.o, 'application/yaml; charset=utf-8'), 'content-disposition': `attachment; filename="${file.name}"` },
    body: file.text,
  };
};

/** The scope the form describes. */
function scopeOf(form: URLSearchParams, withType: boolean) {
  const componentType = withType && form.get('componentType') ? { componentType: form.get('componentType') } : {};
  switch (form.get('scope')) {
    case 'devices':
      return {
        devices: (form.get('devices') ?? '')
          .split(/[,\n]/)
          .map((d) => d.trim())
          .filter(Boolean),
        ...componentType,
      };
    case 'identity':
      return { identity: { field: (form.get('identityField') ?? '') as IdentityField, value: form.get('identityValue') ?? '' }, ...componentType };
    default:
      return componentType;
  }
}

const optional = (form: URLSearchParams, key: string) => (form.get(key)?.trim() ? { [key]: form.get(key)?.trim() } : {});

/** Validates a form against the payload schema and the catalog, then records it as a proposal; the form comes back with the problem otherwise. */
async function propose(c: Ctx, form: URLSearchParams, kind: typeof ANSWER | typeof COUNTERMEASURE): Promise<WebReply> {
  const zone = zoneParam(c);
  const again = (problem: string) => htmlReply(c.o, 400, (kind === ANSWER ? answerFormPage : countermeasureFormPage)(ctxOf(c, problem), zone, form));
  if ((await latestRunId(c, zone)) === undefined) return noRun(c, zone);
  const common = { requirement: form.get('requirement')?.trim(), scope: scopeOf(form, kind === ANSWER), ...optional(form, 'expires') };
  const parsed =
    kind === ANSWER
      ? AnswerPayload.safeParse({ ...common, status: form.get('status'), statement: form.get('statement'), evidence: form.get('evidence') })
      : CountermeasurePayload.safeParse({
          ...common,
          countermeasure: form.get('countermeasure'),
          justification: form.get('justification'),
          ...optional(form, 'reference'),
        });
  if (!parsed.success) return again(parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; '));
  const payload = parsed.data;
  const problem = payloadProblems(payload, bundledCatalog)[0];
  if (problem) return again(problem.message);
  const cited = [
    ...`${'evidence' in payload ? payload.evidence : ''} ${'reference' in payload ? (payload.reference ?? '') : ''}`.matchAll(/sha256:([0-9a-f]{64})/g),
  ];
  for (const [, sha256 = ''] of cited)
    if (!(await evidenceInfo(c.o.store.db, sha256))) return again(`evidence: no uploaded file has SHA-256 ${sha256}; upload it first`);
  if (payload.expires !== undefined && payload.expires < dayOf(c.o.now())) return again(`expires: ${payload.expires} is in the past`);
  const summary = `${payload.requirement} ${'status' in payload ? payload.status : 'countermeasure'}, ${scopeText(payload.scope)}`;
  try {
    await c.o.store.proposals.propose(
      {
        kind,
        subject: zone,
        payload,
        summary,
        ...(payload.expires ? { expires: payload.expires } : {}),
        ...(form.get('replaces') ? { replaces: form.get('replaces') ?? '' } : {}),
      },
      actorOf(c),
      c.o.now(),
    );
  } catch (err) {
    if (err instanceof ProposalError) return again(err.message);
    throw err;
  }
  return redirect(c.o, `${assessmentHref(zone)}#pending`);
}

/** A form to propose an answer or countermeasure; `replaces` fills it with the approved one it changes. */
const proposalForm = (kind: typeof ANSWER | typeof COUNTERMEASURE) => async (c: Ctx) => {
  const zone = zoneParam(c);
  const form = new URLSearchParams(c.url.searchParams);
  const replaces = form.get('replaces');
  if (replaces) {
    const stored = await c.o.store.proposals.get(replaces);
    const p = stored && asOf(stored, c.o.now());
    if (!p || p.kind !== kind || p.subject !== zone || p.status !== 'approved') return notFound(c, `No approved ${kind} ${replaces} in zone ${zone}.`);
    fillForm(form, p.payload as AnswerPayload | CountermeasurePayload);
  }
  if (form.get('device')) {
    form.set('scope', 'devices');
    form.set('devices', form.get('device') ?? '');
  }
  return htmlReply(c.o, 200, (kind === ANSWER ? answerFormPage : countermeasureFormPage)(ctxOf(c), zone, form));
};

function fillForm(form: URLSearchParams, p: AnswerPayload | CountermeasurePayload): void {
  const s = p.scope;
  const fields: Record<string, string | undefined> = {
    requirement: p.requirement,
    scope: s.devices ? 'devices' : s.identity ? 'identity' : 'zone',
    devices: s.devices?.join(', '),
    identityField: s.identity?.field,
    identityValue: s.identity?.value,
    componentType: s.componentType,
    expires: p.expires,
    ...('status' in p
      ? { status: p.status, statement: p.statement, evidence: p.evidence }
      : { countermeasure: p.countermeasure, justification: p.justification, reference: p.reference }),
  };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.set(k, v);
}

/** Approve, reject, withdraw or propose retiring one of the zone's answers. */
const decide = (step: 'approve' | 'reject' | 'withdraw' | 'retire') => async (c: Ctx, form: URLSearchParams) => {
  const [zone = '', id = ''] = c.params;
  const p = await c.o.store.proposals.get(id);
  if (!p || p.subject !== zone || (p.kind !== ANSWER && p.kind !== COUNTERMEASURE)) return notFound(c, `No answer ${id} in zone ${zone}.`);
  const actor = actorOf(c);
  const at = c.o.now();
  try {
    if (step === 'approve' || step === 'reject') await c.o.store.proposals[step](id, actor, at, form.get('note') ?? '');
    else if (step === 'withdraw') await c.o.store.proposals.withdraw(id, actor, at);
    else await c.o.store.proposals.propose({ kind: p.kind, subject: zone, payload: null, replaces: id, summary: `retire: ${p.summary}` }, actor, at);
  } catch (err) {
    if (err instanceof ProposalError) return assessment(c, err.message, 409);
    throw err;
  }
  return redirect(c.o, assessmentHref(zone));
};

/** Keeps an uploaded evidence file; back to the answer form with the file as its evidence, or to the list. */
async function uploadEvidence(c: Ctx, form: URLSearchParams, file?: UploadedFile): Promise<WebReply> {
  const zone = zoneParam(c);
  if ((await latestRunId(c, zone)) === undefined) return noRun(c, zone);
  if (!file || file.bytes.length === 0) return assessment(c, 'Choose a file to upload.', 400);
  const stored = await storeEvidence(c.o.store.db, zone, file, c.session?.user ?? '-', c.o.now());
  const requirement = form.get('requirement');
  if (!requirement) return redirect(c.o, `${assessmentHref(zone)}#evidence`);
  const back = new URLSearchParams({ requirement, evidence: `sha256:${stored.sha256}` });
  if (form.get('componentType')) back.set('componentType', form.get('componentType') ?? '');
  return redirect(c.o, `${assessmentHref(zone)}/answer?${back}`);
}

/** An evidence file, as a download only (never rendered in the console's origin). */
async function downloadEvidence(c: Ctx): Promise<WebReply> {
  const sha256 = c.params[1] ?? '';
  const e = /^[0-9a-f]{64}$/.test(sha256) ? await evidenceBytes(c.o.store.db, sha256) : undefined;
  if (!e) return notFound(c, `No evidence file ${sha256}.`);
  return {
    status: 200,
    headers: { ...headers(c.o, 'application/octet-stream', REPORT_CSP), 'content-disposition': `attachment; filename="${e.file.name}"` },
    body: e.bytes,
  };
}

const ZONE = '/zones/([^/]+)/assessment';
export const ASSESSMENT_ROUTES: readonly Route[] = [
  { method: 'GET', path: new RegExp(`^${ZONE}$`), role: 'viewer', handle: (c) => assessment(c) },
  { method: 'GET', path: new RegExp(`^${ZONE}/report$`), role: 'viewer', handle: report },
  { method: 'GET', path: new RegExp(`^${ZONE}/attestations\\.yaml$`), role: 'viewer', handle: exportFile('attestations') },
  { method: 'GET', path: new RegExp(`^${ZONE}/exceptions\\.yaml$`), role: 'viewer', handle: exportFile('exceptions') },
  { method: 'GET', path: new RegExp(`^${ZONE}/answer$`), role: 'engineer', handle: proposalForm(ANSWER) },
  { method: 'GET', path: new RegExp(`^${ZONE}/countermeasure$`), role: 'engineer', handle: proposalForm(COUNTERMEASURE) },
  { method: 'POST', path: new RegExp(`^${ZONE}/answers$`), role: 'engineer', handle: (c, f) => propose(c, f, ANSWER) },
  { method: 'POST', path: new RegExp(`^${ZONE}/countermeasures$`), role: 'engineer', handle: (c, f) => propose(c, f, COUNTERMEASURE) },
  { method: 'POST', path: new RegExp(`^${ZONE}/evidence$`), role: 'engineer', upload: MAX_EVIDENCE_BYTES, handle: uploadEvidence },
  { method: 'GET', path: new RegExp(`^${ZONE}/evidence/([^/]+)$`), role: 'viewer', handle: downloadEvidence },
  ...(['approve', 'reject', 'withdraw', 'retire'] as const).map(
    (step): Route => ({ method: 'POST', path: new RegExp(`^${ZONE}/proposals/([^/]+)/${step}$`), role: 'engineer', handle: decide(step) }),
  ),
];

/**
 * The levels the zone, device and overview pages show: the stored rows weighed with the zone's
 * approved answers (the signed rows when there are none), with the note that says so. The zone's
 * row is counted here, once, from whichever rows are shown.
 */
export async function zoneWithAnswers(
  c: Ctx,
  z: ZoneRun,
  rows: readonly DeviceRow[],
): Promise<{ zone: ZoneRow; rows: DeviceRow[]; latest: Result | undefined; note: SafeHtml }> {
  const run = await weighedRun(c.o.store.db, c.o.store.proposals, z.zone, z.latest.runId, c.o.now());
  if (!run || run.answers.approved === 0) return { zone: countedZone(z, rows), rows: [...rows], latest: run?.signed, note: answersNote(z.zone, run?.answers) };
  const weighed = weighedRows(rows, run.weighed);
  const soon = expiringSoon(run.answers, c.o.now());
  const note = html`${answersNote(z.zone, run.answers)}${
    soon.length
      ? html`<br><span class="fail" id="expiring-soon">${soon.length} expire within 30 days: ${soon.map((p) => `${p.expires} ${p.summary}`).join('; ')}</span>`
      : ''
  }`;
  return { zone: weighedZoneRow(z, weighed, run.weighed), rows: weighed, latest: run.weighed, note };
}

/**
 * Every zone of the overview, each counted once from the rows it shows: weighed with its answers
 * (only zones that have approved answers are decoded), signed otherwise. `rows`: the zones' latest runs' device rows.
 */
export async function overviewWithAnswers(c: Ctx, zones: readonly ZoneRun[], rows: readonly DeviceRow[]): Promise<ZoneRow[]> {
  const answered = await zonesWithAnswers(c.o.store.db);
  const byRun = Map.groupBy(rows, (d) => d.runId);
  const out: ZoneRow[] = [];
  for (const z of zones) {
    const own = byRun.get(z.latest.runId) ?? [];
    out.push(answered.has(z.zone) ? (await zoneWithAnswers(c, z, own)).zone : countedZone(z, own));
  }
  return out;
}

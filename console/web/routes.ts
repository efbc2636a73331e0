import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { diffResults } from '../../report/diff.ts';
import { renderHtml } from '../../report/html.ts';
import { renderCsv, renderPlanCsv } from '../../report/csv.ts';
import { verifySignedResult } from '../../report/sign.ts';
import { isRole, roleAtLeast } from '../accounts.ts';
import { AUDIT_ACTIONS, listAudit } from '../audit.ts';
import { StoreError } from '../db.ts';
import { deviceDrift, deviceHistory, deviceIn, devicesOfRuns, latestZoneRuns, previousRunId, storedResult, zoneRuns } from '../fleet.ts';
import { resultOfEnvelope } from '../payload.ts';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.ts';
import {
  clientAddress,
  cookie,
  cookieName,
  crossSite,
  headers,
  htmlReply,
  MAX_FORM_BYTES,
  REPORT_CSP,
  readCookie,
  readForm,
  readUpload,
  redirect,
  safeNext,
  sameSecret,
  type WebOptions,
  type WebReply,
} from './http-kit.ts';
import type { UploadedFile } from './multipart.ts';
import * as pages from './pages.ts';
import { type Ctx, ctxOf, notFound, type Route } from './route-kit.ts';
import { deviceBoundarySection, ZONE_ROUTES, zoneBoundarySection } from './zone-routes.ts';
import { ASSESSMENT_ROUTES, overviewWithAnswers, zoneWithAnswers } from './assessment-routes.ts';
import { answersNote, deviceAnswers } from './assessment-pages.ts';
import { weighedSigned } from '../assessment.ts';

/** How many runs of a device the drift section compares (each one is a stored document to decode). */
const DRIFT_RUNS = 10;
const HISTORY_RUNS = 50;

function exportReply(o: WebOptions, format: string | null, name: string, json: unknown, rows: () => string[][]): WebReply | undefined {
  if (format === 'json')
    return {
      status: 200,
      headers: { ...headers(o, 'application/json'), 'content-disposition': `attachment; filename="${name}.json"` },
      body: `${JSON.stringify(json, null, 1)}\n`,
    };
  if (format === 'csv')
    return {
      status: 200,
      headers: { ...headers(o, 'text/csv; charset=utf-8'), 'content-disposition': `attachment; filename="${name}.csv"` },
      body: renderCsv(rows()),
    };
  return undefined;
}

const FR_NUMBERS = [1, 2, 3, 4, 5, 6, 7];

async function overview(c: Ctx): Promise<WebReply> {
  const q = c.url.searchParams;
  // Below target is decided on the levels with approved answers, so it is filtered after weighing them.
  const runs = await latestZoneRuns(c.o.store.db, q.get('q') ? { q: q.get('q') ?? '' } : {});
  const rows = await devicesOfRuns(
    c.o.store.db,
    runs.map((z) => z.latest.runId),
  );
  const zones = (await overviewWithAnswers(c, runs, rows)).filter((z) => q.get('below') !== '1' || z.devicesMeeting < z.devices);
  const exported = exportReply(c.o, q.get('format'), 'zones', { zones }, () => [
    [
      'zone',
      'sl_t',
      'runs',
      'latest_run',
      'agent',
      'collected_at',
      'devices',
      'devices_meeting',
      'gaps',
      ...FR_NUMBERS.flatMap((f) => [`fr${f}_meeting`, `fr${f}_worst`]),
    ],
    ...zones.map((z) => [
      z.zone,
      z.slT.join(' '),
      String(z.runs),
      z.latest.runId,
      z.latest.agentId,
      z.latest.collectedAt,
      String(z.devices),
      String(z.devicesMeeting),
      String(z.latest.gaps),
      ...z.frs.flatMap((f) => [String(f.meeting), f.worst ? `${f.worst.address} ${f.worst.demonstrated}/${f.worst.ceiling}` : '']),
    ]),
  ]);
  return exported ?? htmlReply(c.o, 200, pages.overviewPage(ctxOf(c), zones, q));
}

async function zone(c: Ctx): Promise<WebReply> {
  const name = c.params[0] ?? '';
  const [latestRun] = await latestZoneRuns(c.o.store.db, { zone: name });
  if (!latestRun) return notFound(c, `No stored run of zone ${name}.`);
  // The levels with the zone's approved answers weighed in (the signed ones when it has none), counted once.
  const answered = await zoneWithAnswers(c, latestRun, await devicesOfRuns(c.o.store.db, [latestRun.latest.runId]));
  const z = answered.zone;
  const q = c.url.searchParams;
  const text = (q.get('q') ?? '').toLowerCase();
  const meets = q.get('meets');
  const devices = answered.rows.filter(
    (d) =>
      (text === '' || [d.address, d.name ?? '', d.role].some((f) => f.toLowerCase().includes(text))) &&
      (meets !== 'yes' || d.meetsTarget) &&
      (meets !== 'no' || !d.meetsTarget),
  );
  const exported = exportReply(c.o, q.get('format'), 'devices', { zone: z.zone, runId: z.latest.runId, devices }, () => [
    ['zone', 'run_id', 'collected_at', 'address', 'name', 'role', 'meets_target', 'gaps', 'sl_t', 'demonstrated', 'ceiling'],
    ...devices.map((d) => [
      d.zone,
      d.runId,
      d.collectedAt,
      d.address,
      d.name ?? '',
      d.role,
      d.meetsTarget ? 'yes' : 'no',
      String(d.gaps),
      d.slT.join(' '),
      d.demonstrated.join(' '),
      d.ceiling.join(' '),
    ]),
  ]);
  if (exported) return exported;
  const latest = answered.latest;
  if (q.get('format') === 'plan-csv')
    return {
      status: 200,
      headers: { ...headers(c.o, 'text/csv; charset=utf-8'), 'content-disposition': 'attachment; filename="plan.csv"' },
      body: latest ? renderPlanCsv(latest) : renderPlanCsv({ runId: z.latest.runId, plan: [] }),
    };
  const boundary = await zoneBoundarySection(c.o.store, z.zone);
  return htmlReply(c.o, 200, pages.zonePage(ctxOf(c), z, devices, await zoneRuns(c.o.store.db, z.zone, HISTORY_RUNS), q, latest, boundary, answered.note));
}

async function device(c: Ctx): Promise<WebReply> {
  const [zoneName = '', address = ''] = c.params;
  const history = await deviceHistory(c.o.store.db, zoneName, address, HISTORY_RUNS);
  const runId = c.url.searchParams.get('run') ?? history[0]?.runId;
  if (!history.some((h) => h.runId === runId) || runId === undefined)
    return notFound(c, `No stored run of zone ${zoneName} holds device ${address}${c.url.searchParams.get('run') ? ' in that run' : ''}.`);
  const recent = [];
  for (const h of history.slice(0, DRIFT_RUNS)) {
    const r = await storedResult(c.o.store.db, h.runId);
    if (r) recent.push(r);
  }
  // The shown run is usually among the recent ones, already decoded.
  const signed = recent.find((r) => r.runId === runId) ?? (await storedResult(c.o.store.db, runId));
  const shown = signed && (await weighedSigned(c.o.store.proposals, zoneName, signed, c.o.now()));
  const d = shown && deviceIn(shown.weighed, address);
  if (!d) return notFound(c, `Run ${runId} does not hold device ${address}.`);
  return htmlReply(
    c.o,
    200,
    pages.devicePage(
      ctxOf(c),
      zoneName,
      runId,
      d,
      history,
      deviceDrift(recent, address),
      { note: answersNote(zoneName, shown.answers), rows: deviceAnswers(zoneName, d) },
      await deviceBoundarySection(c.o.store, address),
    ),
  );
}

async function run(c: Ctx): Promise<WebReply> {
  const runId = c.params[0] ?? '';
  const stored = await c.o.store.run(runId);
  if (!stored) return notFound(c, `No stored run ${runId}.`);
  const v = await verifySignedResult(JSON.parse(stored.envelope), await c.o.store.agentKeys(stored.agentId));
  const { envelope, ...meta } = stored;
  return htmlReply(
    c.o,
    200,
    pages.runPage(ctxOf(c), { stored: meta, result: resultOfEnvelope(envelope), verifiesNow: v.ok ? { ok: true } : { ok: false, reason: v.reason } }),
  );
}

async function report(c: Ctx): Promise<WebReply> {
  const runId = c.params[0] ?? '';
  const stored = await c.o.store.run(runId);
  if (!stored) return notFound(c, `No stored run ${runId}.`);
  const result = resultOfEnvelope(stored.envelope);
  const previous = await previousRunId(c.o.store.db, stored.zone, stored.collectedAt);
  const older = previous === undefined ? undefined : await storedResult(c.o.store.db, previous);
  const v = stored.verification;
  const body = renderHtml(result, {
    signature: { status: 'signed', detail: `${v.alg}, key ${v.kid}, verified by the console at ${v.verifiedAt}` },
    ...(older ? { drift: diffResults(older, result) } : {}),
  });
  return { status: 200, headers: headers(c.o, 'text/html; charset=utf-8', REPORT_CSP), body };
}

async function deleteRun(c: Ctx): Promise<WebReply> {
  const runId = c.params[0] ?? '';
  const stored = await c.o.store.run(runId);
  if (!stored || !(await c.o.store.deleteRun(runId, c.session?.user ?? '-', c.o.now()))) return notFound(c, `No stored run ${runId}.`);
  return redirect(c.o, pages.zoneHref(stored.zone));
}

async function users(c: Ctx, flash?: string, status = 200): Promise<WebReply> {
  return htmlReply(c.o, status, pages.usersPage(ctxOf(c, flash), await c.o.store.accounts.listUsers()));
}

async function addUser(c: Ctx, form: URLSearchParams): Promise<WebReply> {
  const role = form.get('role') ?? '';
  if (!isRole(role)) return users(c, `role: one of viewer, engineer, admin`, 400);
  try {
    await c.o.store.accounts.addUser(form.get('name') ?? '', form.get('password') ?? '', role, c.session?.user ?? '-', c.o.now());
  } catch (err) {
    if (err instanceof StoreError) return users(c, err.message, 400);
    throw err;
  }
  return redirect(c.o, '/admin/users');
}

async function deleteUser(c: Ctx): Promise<WebReply> {
  const name = c.params[0] ?? '';
  if (name === c.session?.user) return users(c, 'You cannot delete your own account.', 400);
  try {
    await c.o.store.accounts.deleteUser(name, c.session?.user ?? '-', c.o.now());
  } catch (err) {
    if (err instanceof StoreError) return users(c, err.message, 404);
    throw err;
  }
  return redirect(c.o, '/admin/users');
}

async function audit(c: Ctx): Promise<WebReply> {
  const action = c.url.searchParams.get('action') ?? '';
  const known = (AUDIT_ACTIONS as readonly string[]).includes(action);
  return htmlReply(c.o, 200, pages.auditPage(ctxOf(c), await listAudit(c.o.store.db, { ...(known ? { action } : {}), limit: 500 }), known ? action : ''));
}

function loginForm(c: Ctx, status: number, flash?: string): WebReply {
  const token = randomBytes(24).toString('base64url');
  return htmlReply(c.o, status, pages.loginPage(token, safeNext(c.url.searchParams.get('next')), flash), {
    'set-cookie': cookie(c.o, 'cellcheck_login', token),
  });
}

async function login(c: Ctx, form: URLSearchParams): Promise<WebReply> {
  if (!sameSecret(form.get('login_csrf'), readCookie(c.req, cookieName(c.o, 'cellcheck_login')) ?? ''))
    return loginForm(c, 403, 'The login form expired; please try again.');
  const outcome = await c.o.store.accounts.login(form.get('name') ?? '', form.get('password') ?? '', clientAddress(c.req, c.o.trustedProxies), c.o.now());
  if (!outcome.ok)
    return outcome.reason === 'throttled'
      ? loginForm(c, 429, `Too many failed logins; try again in ${Math.ceil((outcome.retryAfterS ?? 60) / 60)} minute(s).`)
      : loginForm(c, 401, 'Wrong user name or password.');
  return redirect(c.o, safeNext(form.get('next')), {
    'set-cookie': [cookie(c.o, 'cellcheck_session', outcome.sessionId), cookie(c.o, 'cellcheck_login', '', 0)],
  });
}

async function logout(c: Ctx): Promise<WebReply> {
  if (c.sessionId && c.session) await c.o.store.accounts.logout(c.sessionId, c.session.user, c.o.now());
  return redirect(c.o, '/login', { 'set-cookie': cookie(c.o, 'cellcheck_session', '', 0) });
}

const asset =
  (type: string, body: string) =>
  (c: Ctx): WebReply => ({ status: 200, headers: { ...headers(c.o, type), 'cache-control': 'no-cache' }, body });

const SEGMENT = '([^/]+)';
const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^\/assets\/console\.css$/, handle: asset('text/css; charset=utf-8', CONSOLE_CSS) },
  { method: 'GET', path: /^\/assets\/console\.js$/, handle: asset('text/javascript; charset=utf-8', CONSOLE_JS) },
  { method: 'GET', path: /^\/login$/, handle: (c) => (c.session ? redirect(c.o, '/') : loginForm(c, 200)) },
  { method: 'POST', path: /^\/login$/, handle: login },
  { method: 'POST', path: /^\/logout$/, role: 'viewer', handle: logout },
  { method: 'GET', path: /^\/$/, role: 'viewer', handle: overview },
  { method: 'GET', path: new RegExp(`^/zones/${SEGMENT}$`), role: 'viewer', handle: zone },
  { method: 'GET', path: new RegExp(`^/zones/${SEGMENT}/devices/${SEGMENT}$`), role: 'viewer', handle: device },
  { method: 'GET', path: new RegExp(`^/runs/${SEGMENT}$`), role: 'viewer', handle: run },
  { method: 'GET', path: new RegExp(`^/runs/${SEGMENT}/report\\.html$`), role: 'viewer', handle: report },
  { method: 'POST', path: new RegExp(`^/runs/${SEGMENT}/delete$`), role: 'engineer', handle: deleteRun },
  { method: 'GET', path: /^\/admin\/users$/, role: 'admin', handle: (c) => users(c) },
  { method: 'POST', path: /^\/admin\/users$/, role: 'admin', handle: addUser },
  { method: 'POST', path: new RegExp(`^/admin/users/${SEGMENT}/delete$`), role: 'admin', handle: deleteUser },
  { method: 'GET', path: /^\/admin\/audit$/, role: 'admin', handle: audit },
  ...ZONE_ROUTES,
  ...ASSESSMENT_ROUTES,
];

/**
 * Every page for people. Each route names the least role it needs and is refused below it; every
 * POST needs the session's CSRF token (the login form its own cookie-bound token) and a same-site origin.
 */
export async function handleWeb(req: http.IncomingMessage, o: WebOptions): Promise<WebReply> {
  const url = new URL(req.url ?? '/', 'http://console');
  const sessionId = readCookie(req, cookieName(o, 'cellcheck_session'));
  const session = sessionId ? await o.store.accounts.session(sessionId, o.now()) : undefined;
  const base = { req, url, o, session, sessionId, params: [] as string[] };
  const matches = ROUTES.filter((r) => r.path.test(url.pathname));
  const route = matches.find((r) => r.method === req.method);
  if (!route) {
    if (matches.length > 0)
      return htmlReply(o, 405, pages.errorPage(ctxOf(base), 405, `${req.method} is not served on ${url.pathname}`), {
        allow: matches.map((r) => r.method).join(', '),
      });
    return notFound(base, `No page ${url.pathname}.`);
  }
  let params: string[];
  try {
    params = (route.path.exec(url.pathname) ?? []).slice(1).map((p) => decodeURIComponent(p));
  } catch {
    return notFound(base, 'The address is not well formed.');
  }
  const c: Ctx = { ...base, params };
  if (route.role) {
    if (!session)
      return req.method === 'GET'
        ? redirect(o, `/login?next=${encodeURIComponent(url.pathname + url.search)}`)
        : htmlReply(o, 401, pages.errorPage({}, 401, 'Log in first.'));
    if (!roleAtLeast(session.role, route.role))
      return htmlReply(o, 403, pages.errorPage(ctxOf(c), 403, `This needs the ${route.role} role; you are ${session.role}.`));
  }
  let form = new URLSearchParams();
  let file: UploadedFile | undefined;
  if (req.method === 'POST') {
    if (crossSite(req)) return htmlReply(o, 403, pages.errorPage(ctxOf(c), 403, 'Refused: the form was sent from another site.'));
    const parsed = route.upload === undefined ? await readForm(req, o.inFlight) : await readUpload(req, route.upload, o.inFlight);
    if (parsed === 'busy')
      return htmlReply(o, 503, pages.errorPage(ctxOf(c), 503, 'The console is busy; send the form again in a moment.'), { 'retry-after': '5' });
    if (typeof parsed === 'string')
      return htmlReply(
        o,
        400,
        pages.errorPage(
          ctxOf(c),
          400,
          route.upload === undefined
            ? `Send the form as application/x-www-form-urlencoded, at most ${MAX_FORM_BYTES} bytes.`
            : `The upload was refused: ${parsed}.`,
        ),
      );
    form = parsed instanceof URLSearchParams ? parsed : parsed.fields;
    file = parsed instanceof URLSearchParams ? undefined : parsed.file;
    if (route.role && !sameSecret(form.get('csrf'), session?.csrf ?? ''))
      return htmlReply(o, 403, pages.errorPage(ctxOf(c), 403, 'Refused: the form token is missing or stale; reload the page.'));
  }
  return route.handle(c, form, file);
}

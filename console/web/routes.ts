import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { diffResults } from '../../report/diff.ts';
import { renderHtml } from '../../report/html.ts';
import { renderCsv } from '../../report/csv.ts';
import { verifySignedResult } from '../../report/sign.ts';
import { isRole, type Role, roleAtLeast, type Session } from '../accounts.ts';
import { AUDIT_ACTIONS, listAudit } from '../audit.ts';
import { type BodyProblem, type InFlightBytes, withBody } from '../body.ts';
import { StoreError } from '../db.ts';
import { deviceDrift, deviceHistory, deviceIn, devicesOfRuns, previousRunId, storedResult, zoneOverview, zoneRuns, type ZoneRow } from '../fleet.ts';
import { resultOfEnvelope } from '../payload.ts';
import type { ConsoleStore } from '../store.ts';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.ts';
import * as pages from './pages.ts';

export interface WebReply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
}

export interface WebOptions {
  readonly store: ConsoleStore;
  /** Served over TLS: cookies get Secure and the __Host- prefix, and HSTS is sent. */
  readonly secure: boolean;
  readonly now: () => Date;
  /** The allowance of body bytes shared with uploads. */
  readonly inFlight: InFlightBytes;
}

const MAX_FORM_BYTES = 64 * 1024;
/** How many runs of a device the drift section compares (each one is a stored document to decode). */
const DRIFT_RUNS = 10;
const HISTORY_RUNS = 50;

/** Pages load only our own stylesheet and script; nothing from elsewhere, no inline code, no framing. */
const PAGE_CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The run report is one self-contained page with inline CSS and no script. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function headers(o: WebOptions, type: string, csp: string = PAGE_CSP): Record<string, string | string[]> {
  return {
    'content-type': type,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on our own form posts.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
    ...(o.secure ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
}

const html = (o: WebOptions, status: number, body: string, extra: Record<string, string | string[]> = {}): WebReply => ({
  status,
  headers: { ...headers(o, 'text/html; charset=utf-8'), ...extra },
  body,
});
const redirect = (o: WebOptions, location: string, extra: Record<string, string | string[]> = {}): WebReply => ({
  status: 303,
  headers: { ...headers(o, 'text/plain; charset=utf-8'), location, ...extra },
  body: '',
});

const cookieName = (o: WebOptions, base: string) => (o.secure ? `__Host-${base}` : base);

function cookie(o: WebOptions, base: string, value: string, maxAgeS?: number): string {
  return [
    `${cookieName(o, base)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    ...(o.secure ? ['Secure'] : []),
    ...(maxAgeS !== undefined ? [`Max-Age=${maxAgeS}`] : []),
  ].join('; ');
}

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const sameSecret = (a: string | null | undefined, b: string) => {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * A plain path on this console to return to after login; anything else goes to the start page.
 * Only the characters a path and query may hold unescaped: no control character, space, tab or
 * backslash (a browser drops or turns them into `/`, so `/\t/host` or `/\\host` would leave the
 * site), no `//` at the start (another host), and nothing a header may not carry.
 */
export const safeNext = (next: string | null) => (next && next.length <= 2048 && /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/.test(next) ? next : '/');

/** The posted form, or why it cannot be read: not a urlencoded form, too large, or the console busy with other bodies. */
async function readForm(req: http.IncomingMessage, pool: InFlightBytes): Promise<URLSearchParams | BodyProblem | 'not-a-form'> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return 'not-a-form';
  return withBody(req, MAX_FORM_BYTES, pool, async (body) => (body.ok ? new URLSearchParams(body.text) : body.problem));
}

/** A browser tells where a request came from; a form posted from another site is refused whatever its cookies. */
function crossSite(req: http.IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

interface Ctx {
  readonly req: http.IncomingMessage;
  readonly url: URL;
  readonly o: WebOptions;
  readonly session: Session | undefined;
  readonly sessionId: string | undefined;
  /** Path parameters of the matched route, decoded. */
  readonly params: string[];
}

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  /** Least role that may use the route; undefined: open to anyone (login page, assets). */
  readonly role?: Role;
  readonly handle: (c: Ctx, form: URLSearchParams) => Promise<WebReply> | WebReply;
}

const notFound = (c: Ctx, what: string) => html(c.o, 404, pages.errorPage(ctxOf(c), 404, what));
const ctxOf = (c: Ctx, flash?: string): pages.PageContext => ({ ...(c.session ? { session: c.session } : {}), ...(flash ? { flash } : {}) });

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
  const zones = await zoneOverview(c.o.store.db, { ...(q.get('q') ? { q: q.get('q') ?? '' } : {}), belowTarget: q.get('below') === '1' });
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
  return exported ?? html(c.o, 200, pages.overviewPage(ctxOf(c), zones, q));
}

async function zoneOf(c: Ctx, zone: string): Promise<ZoneRow | undefined> {
  return (await zoneOverview(c.o.store.db, { zone }))[0];
}

async function zone(c: Ctx): Promise<WebReply> {
  const name = c.params[0] ?? '';
  const z = await zoneOf(c, name);
  if (!z) return notFound(c, `No stored run of zone ${name}.`);
  const q = c.url.searchParams;
  const text = (q.get('q') ?? '').toLowerCase();
  const meets = q.get('meets');
  const devices = (await devicesOfRuns(c.o.store.db, [z.latest.runId])).filter(
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
  return exported ?? html(c.o, 200, pages.zonePage(ctxOf(c), z, devices, await zoneRuns(c.o.store.db, z.zone, HISTORY_RUNS), q));
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
  const shown = recent.find((r) => r.runId === runId) ?? (await storedResult(c.o.store.db, runId));
  const d = shown && deviceIn(shown, address);
  if (!d) return notFound(c, `Run ${runId} does not hold device ${address}.`);
  return html(c.o, 200, pages.devicePage(ctxOf(c), zoneName, runId, d, history, deviceDrift(recent, address)));
}

async function run(c: Ctx): Promise<WebReply> {
  const runId = c.params[0] ?? '';
  const stored = await c.o.store.run(runId);
  if (!stored) return notFound(c, `No stored run ${runId}.`);
  const v = await verifySignedResult(JSON.parse(stored.envelope), await c.o.store.agentKeys(stored.agentId));
  const { envelope, ...meta } = stored;
  return html(
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
  return html(c.o, status, pages.usersPage(ctxOf(c, flash), await c.o.store.accounts.listUsers()));
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
  return html(c.o, 200, pages.auditPage(ctxOf(c), await listAudit(c.o.store.db, { ...(known ? { action } : {}), limit: 500 }), known ? action : ''));
}

function loginForm(c: Ctx, status: number, flash?: string): WebReply {
  const token = randomBytes(24).toString('base64url');
  return html(c.o, status, pages.loginPage(token, safeNext(c.url.searchParams.get('next')), flash), { 'set-cookie': cookie(c.o, 'cellcheck_login', token) });
}

async function login(c: Ctx, form: URLSearchParams): Promise<WebReply> {
  if (!sameSecret(form.get('login_csrf'), readCookie(c.req, cookieName(c.o, 'cellcheck_login')) ?? ''))
    return loginForm(c, 403, 'The login form expired; please try again.');
  const outcome = await c.o.store.accounts.login(form.get('name') ?? '', form.get('password') ?? '', c.req.socket.remoteAddress ?? '-', c.o.now());
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
      return html(o, 405, pages.errorPage(ctxOf(base), 405, `${req.method} is not served on ${url.pathname}`), {
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
        : html(o, 401, pages.errorPage({}, 401, 'Log in first.'));
    if (!roleAtLeast(session.role, route.role))
      return html(o, 403, pages.errorPage(ctxOf(c), 403, `This needs the ${route.role} role; you are ${session.role}.`));
  }
  let form = new URLSearchParams();
  if (req.method === 'POST') {
    if (crossSite(req)) return html(o, 403, pages.errorPage(ctxOf(c), 403, 'Refused: the form was sent from another site.'));
    const parsed = await readForm(req, o.inFlight);
    if (parsed === 'busy') return html(o, 503, pages.errorPage(ctxOf(c), 503, 'The console is busy; send the form again in a moment.'), { 'retry-after': '5' });
    if (typeof parsed === 'string')
      return html(o, 400, pages.errorPage(ctxOf(c), 400, `Send the form as application/x-www-form-urlencoded, at most ${MAX_FORM_BYTES} bytes.`));
    form = parsed;
    if (route.role && !sameSecret(form.get('csrf'), session?.csrf ?? ''))
      return html(o, 403, pages.errorPage(ctxOf(c), 403, 'Refused: the form token is missing or stale; reload the page.'));
  }
  return route.handle(c, form);
}

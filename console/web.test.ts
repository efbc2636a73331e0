import { rmSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import { headlineText, resultHeadline } from '../report/headline.ts';
import { craftedRuns } from '../test/crafted-runs.ts';
import { fleetResult, uploadResult, WebClient } from '../test/setup/console-fleet.ts';
import { storeKinds } from '../test/setup/console-stores.ts';
import { makeTestPki, opensslMissing } from '../test/tls-certs.ts';
import { listAudit } from './audit.ts';
import { type RunningConsole, startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';
import { TEST_RANGES, testAddress } from '../test/addresses.ts';

const kinds = storeKinds(testAddress('consoleWeb', 1), TEST_RANGES.consoleWeb.port);
afterAll(() => {
  for (const k of kinds) k.stop();
});

const pair = newSigningKeyPair();
const priv = parsePrivateKey(pair.privatePem, 'k');
const pub = parsePublicKey(pair.publicPem, 'p');
const PASSWORD = 'a long test password';

/** A console with users of every role and two zones: Line 1 with three runs (the third opens Telnet), Line 2 with one. */
async function populated(location: string, host: string) {
  const store = await ConsoleStore.open(location);
  const svc = await startConsole({ store, host, port: 0 });
  const token = await store.enrollAgent('edge-1', pub, await keyId(pub), new Date(), { zones: ['Line 1', 'Line 2 <b>'] });
  for (const [name, role] of [
    ['vera', 'viewer'],
    ['eric', 'engineer'],
    ['ada', 'admin'],
  ] as const)
    await store.accounts.addUser(name, PASSWORD, role, 'cli', new Date());
  const runs = [
    { runId: 'l1-a', zone: 'Line 1', collectedAt: '2026-03-01T08:00:00.000Z', addresses: ['127.87.2.10', '127.87.2.11'] },
    { runId: 'l1-b', zone: 'Line 1', collectedAt: '2026-03-02T08:00:00.000Z', addresses: ['127.87.2.10', '127.87.2.11'] },
    { runId: 'l1-c', zone: 'Line 1', collectedAt: '2026-03-03T08:00:00.000Z', addresses: ['127.87.2.10', '127.87.2.11', '127.87.2.12'], telnetOnFirst: true },
    { runId: 'l2-a', zone: 'Line 2 <b>', collectedAt: '2026-03-02T09:00:00.000Z', addresses: ['127.87.2.20'] },
  ];
  for (const r of runs) expect(await uploadResult(svc.url, token, priv, fleetResult({ ...r, agentId: 'edge-1' }))).toMatchObject({ status: 201 });
  return { store, svc };
}

for (const k of kinds) {
  describe.skipIf(k.skip !== undefined)(`web console on ${k.kind} ${k.skip ?? ''}`, () => {
    let store: ConsoleStore;
    let svc: RunningConsole;
    beforeAll(async () => {
      ({ store, svc } = await populated(await k.fresh('web'), k.kind === 'sqlite' ? '127.87.2.2' : '127.87.2.3'));
    });
    afterAll(async () => {
      await svc?.close();
      await store?.close();
    });

    it('sends people to the login page, with a cookie-bound login token; wrong passwords get 401', async () => {
      const c = new WebClient(svc.url);
      const start = await c.get('/zones/Line%201?q=x');
      expect(start.status).toBe(303);
      expect(start.headers.get('location')).toBe('/login?next=%2Fzones%2FLine%25201%3Fq%3Dx');
      const form = await c.get('/login');
      expect(form.setCookies[0]).toMatch(/^cellcheck_login=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
      expect(await new WebClient(svc.url).request('POST', '/login', { login_csrf: 'forged', name: 'vera', password: PASSWORD })).toMatchObject({ status: 403 });
      expect(await c.login('vera', 'not the password')).toBe(401);
      expect(await c.login('vera', PASSWORD)).toBe(303);
      expect([...c.cookies.keys()]).toEqual(['cellcheck_session']);
    });

    it('shows every zone with SL-T and per-FR status, filters, and exports CSV and JSON', async () => {
      const c = new WebClient(svc.url);
      await c.login('vera', PASSWORD);
      const page = await c.get('/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(page.text).toContain('<a href="/zones/Line%201">Line 1</a>');
      expect(page.text).toContain('Line 2 &lt;b&gt;');
      expect(page.text).not.toContain('Line 2 <b>');
      expect(page.text).toMatch(
        /data-fr="1" data-meeting="(\d+)" title="FR1: \1 of 3 meet SL-T, \d could once attested; worst 127\.87\.2\.1\d: \d\/\d, SL-T 2">/,
      );
      expect(page.text).toMatch(
        /<td class="standing"><span class="n meets" title="meet SL-T">\d<\/span><span class="n could" title="could once attested">\d<\/span><span class="n refuted" title="refuted by observation">\d<\/span> <span class="muted">of 3<\/span><\/td>/,
      );
      expect((await c.get('/?q=line%202')).text).not.toContain('/zones/Line%201');
      const csv = await c.get('/?format=csv');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const rows = parseCsv(csv.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => [r.zone, r.latest_run, r.devices, r.runs])).toEqual([
        ['Line 1', 'l1-c', '3', '3'],
        ['Line 2 <b>', 'l2-a', '1', '1'],
      ]);
      expect(rows[0]?.fr1_worst).toMatch(/^127\.87\.2\.1\d \d\/\d$/);
      const json = JSON.parse((await c.get('/?format=json')).text) as { zones: { zone: string; frs: unknown[] }[] };
      expect(json.zones.map((z) => z.zone)).toEqual(['Line 1', 'Line 2 <b>']);
      expect(json.zones[0]?.frs).toHaveLength(7);
      const devices = JSON.parse((await c.get('/zones/Line%201?format=json&q=.12')).text) as { devices: { address: string }[] };
      expect(devices.devices.map((d) => d.address)).toEqual(['127.87.2.12']);
    });

    it('device page: identity, services, chart against SL-T, gaps with evidence, history and drift between runs', async () => {
      const c = new WebClient(svc.url);
      await c.login('vera', PASSWORD);
      const zone = await c.get('/zones/Line%201');
      expect(zone.text).toContain('href="/zones/Line%201/devices/127.87.2.10"');
      const dev = await c.get('/zones/Line%201/devices/127.87.2.10');
      expect(dev.status).toBe(200);
      expect(dev.text).toContain('<svg class="chart"');
      const servicesOf = (html: string) => /<table class="services">.*?<\/table>/s.exec(html)?.[0] ?? '';
      expect(servicesOf(dev.text)).toContain('telnet');
      expect(dev.text).toContain('<h2>Identity</h2>');
      expect(dev.text).toMatch(/<table id="history">.*l1-c.*l1-b.*l1-a/s);
      expect(dev.text).toMatch(/data-from="l1-b" data-to="l1-c">.*service opened: telnet tcp\/23/s);
      expect(dev.text).toMatch(/data-from="l1-b" data-to="l1-c">.*Worse:/s);
      expect(dev.text).toMatch(/data-from="l1-a" data-to="l1-b">.*No change on this device/s);
      const older = await c.get('/zones/Line%201/devices/127.87.2.10?run=l1-a');
      expect(servicesOf(older.text)).toContain('modbus');
      expect(servicesOf(older.text)).not.toContain('telnet');
      expect((await c.get('/zones/Line%201/devices/127.87.2.99')).status).toBe(404);
    });

    it('run page: signature status, agent, times, and the run report with its own CSP', async () => {
      const c = new WebClient(svc.url);
      await c.login('vera', PASSWORD);
      const run = await c.get('/runs/l1-c');
      expect(run.text).toMatch(/id="signature">verified \(EdDSA, key [\w-]+\)/);
      expect(run.text).toContain('the signature verifies now too');
      expect(run.text).toContain('edge-1, cellcheck');
      expect(run.text).toContain('href="/runs/l1-c/report.html"');
      expect(run.text).not.toContain('Delete this run');
      const report = await c.get('/runs/l1-c/report.html');
      expect(report.status).toBe(200);
      expect(report.headers.get('content-security-policy')).toContain("style-src 'unsafe-inline'");
      expect(report.text).toContain('cellcheck report: Line 1');
      expect(report.text).toContain('since run l1-b');
    });

    it('checks the role on every page and form, and a CSRF token and same-site origin on every form', async () => {
      const viewer = new WebClient(svc.url);
      await viewer.login('vera', PASSWORD);
      const vcsrf = WebClient.csrf((await viewer.get('/')).text);
      expect((await viewer.request('POST', '/runs/l1-a/delete', { csrf: vcsrf })).status).toBe(403);
      expect((await viewer.get('/admin/users')).status).toBe(403);
      expect((await viewer.get('/admin/audit')).status).toBe(403);
      expect((await new WebClient(svc.url).request('POST', '/runs/l1-a/delete', { csrf: vcsrf })).status).toBe(401);

      const eng = new WebClient(svc.url);
      await eng.login('eric', PASSWORD);
      const page = await eng.get('/runs/l1-a');
      expect(page.text).toContain('Delete this run');
      const csrf = WebClient.csrf(page.text);
      expect((await eng.request('POST', '/runs/l1-a/delete', {})).status).toBe(403);
      expect((await eng.request('POST', '/runs/l1-a/delete', { csrf: vcsrf })).status).toBe(403);
      expect((await eng.request('POST', '/runs/l1-a/delete', { csrf }, { origin: 'https://evil.example' })).status).toBe(403);
      expect((await eng.request('POST', '/runs/l1-a/delete', { csrf }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect(await store.run('l1-a')).toBeDefined();
      const done = await eng.request('POST', '/runs/l1-a/delete', { csrf });
      expect(done.status).toBe(303);
      expect(await store.run('l1-a')).toBeUndefined();
      expect((await listAudit(store.db, { action: 'run.delete', limit: 5 })).map((e) => [e.actor, e.subject])).toEqual([['eric', 'l1-a']]);
    });

    it('admin: adds and deletes users through forms, reads the audit log of logins, enrolments and deletions', async () => {
      const admin = new WebClient(svc.url);
      await admin.login('ada', PASSWORD);
      const users = await admin.get('/admin/users');
      expect(users.text).toContain('data-user="vera"');
      const csrf = WebClient.csrf(users.text);
      expect((await admin.request('POST', '/admin/users', { csrf, name: 'newbie', role: 'viewer', password: 'short' })).text).toContain(
        'at least 12 characters',
      );
      expect((await admin.request('POST', '/admin/users', { csrf, name: 'newbie', role: 'viewer', password: PASSWORD })).status).toBe(303);
      const newbie = new WebClient(svc.url);
      expect(await newbie.login('newbie', PASSWORD)).toBe(303);
      expect((await admin.request('POST', '/admin/users/newbie/delete', { csrf })).status).toBe(303);
      expect((await newbie.get('/')).status).toBe(303);
      const audit = await admin.get('/admin/audit');
      for (const action of ['agent.enroll', 'user.add', 'user.delete', 'login', 'login.failed', 'run.delete'])
        expect(audit.text).toContain(`<td>${action}</td>`);
      expect(audit.text).not.toContain(PASSWORD);
    });

    it('zone page: devices by FR coloured against SL-T, the headline, and the plan beside them with a CSV export', async () => {
      // A run with failing checks (Modbus and Telnet open), so the zone has a plan.
      const token = await store.enrollAgent('edge-1', pub, await keyId(pub), new Date(), { zones: ['Line 1', 'Line 2 <b>', 'Line 3'] });
      const { newer } = craftedRuns();
      expect(await uploadResult(svc.url, token, priv, { ...newer, agent: { ...newer.agent, id: 'edge-1' } })).toMatchObject({ status: 201 });
      const c = new WebClient(svc.url);
      await c.login('vera', PASSWORD);
      const zonePage = (await c.get('/zones/Line%203')).text;
      expect(zonePage).toContain(`<dd id="headline">${headlineText(resultHeadline(newer))}</dd>`);
      const cells = [...zonePage.matchAll(/<tr data-address="127\.83\.2\.10">.*?<\/tr>/gs)][0]?.[0] ?? '';
      expect([...cells.matchAll(/<td class="lv (meets|could|refuted)" title="FR(\d)[^"]*">(\d)\/(\d)<\/td>/g)].map((m) => m[2])).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
      ]);
      expect(cells).toContain('<span class="muted">plc-10</span>');
      const plan = newer.plan ?? [];
      expect(plan.length).toBeGreaterThan(0);
      const steps = [...zonePage.matchAll(/<li class="step(?: top)?">([^<]*) <span/g)].map((m) => m[1]);
      expect(steps).toEqual(plan.slice(0, 10).map((e) => e.action));
      const csv = await c.get('/zones/Line%203?format=plan-csv');
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="plan.csv"');
      const rows = parseCsv(csv.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r.action_id)).toEqual(plan.map((e) => e.id));
    });

    it('logout ends the session on the server, not just in the browser', async () => {
      const c = new WebClient(svc.url);
      await c.login('vera', PASSWORD);
      const cookie = c.cookies.get('cellcheck_session') ?? '';
      const out = await c.request('POST', '/logout', { csrf: WebClient.csrf((await c.get('/')).text) });
      expect(out.status).toBe(303);
      expect(out.setCookies[0]).toContain('Max-Age=0');
      const replay = new WebClient(svc.url);
      replay.cookies.set('cellcheck_session', cookie);
      expect((await replay.get('/')).status).toBe(303);
    });
  });
}

const pgKind = kinds[1];
describe.skipIf(pgKind?.skip !== undefined)(`two console instances on one PostgreSQL ${pgKind?.skip ?? ''}`, () => {
  it('share sessions and results: log in on one, read on the other what an agent posted to it', async () => {
    if (!pgKind) throw new Error('no postgres kind');
    const location = await pgKind.fresh('shared');
    const a = await populated(location, '127.87.2.4');
    const storeB = await ConsoleStore.open(location);
    const b = await startConsole({ store: storeB, host: '127.87.2.5', port: 0 });
    try {
      const token = await storeB.enrollAgent('edge-2', pub, await keyId(pub), new Date()).catch(() => undefined);
      expect(token).toBeUndefined(); // the key is edge-1's already: the store says so whichever instance is asked
      const agentKey = newSigningKeyPair();
      const pub2 = parsePublicKey(agentKey.publicPem, 'p2');
      const token2 = await storeB.enrollAgent('edge-2', pub2, await keyId(pub2), new Date(), { zones: ['Line 3'] });
      const posted = await uploadResult(
        b.url,
        token2,
        parsePrivateKey(agentKey.privatePem, 'k2'),
        fleetResult({ runId: 'l3-a', zone: 'Line 3', agentId: 'edge-2', collectedAt: '2026-03-04T08:00:00.000Z', addresses: ['127.87.2.30'] }),
      );
      expect(posted).toMatchObject({ status: 201 });
      const onA = new WebClient(a.svc.url);
      await onA.login('vera', PASSWORD);
      const onB = new WebClient(b.url);
      onB.cookies.set('cellcheck_session', onA.cookies.get('cellcheck_session') ?? '');
      expect((await onA.get('/')).text).toContain('/zones/Line%203');
      expect((await onB.get('/zones/Line%201')).status).toBe(200);
    } finally {
      await b.close();
      await storeB.close();
      await a.svc.close();
      await a.store.close();
    }
  });
});

describe.skipIf(opensslMissing() !== undefined)(`web console over TLS ${opensslMissing() ?? ''}`, () => {
  it('marks cookies Secure with the __Host- prefix and sends HSTS', async () => {
    const sqlite = kinds[0];
    if (!sqlite) throw new Error('no sqlite kind');
    const pki = makeTestPki('127.87.2.6');
    const store = await ConsoleStore.open(await sqlite.fresh('tls'));
    const svc = await startConsole({ store, host: '127.87.2.6', port: 0, tls: { cert: pki.read('serverCert'), key: pki.read('serverKey') } });
    try {
      const res = await new Promise<{ cookie: string; hsts: string }>((resolve, reject) => {
        import('node:https').then(({ request }) =>
          request(`${svc.url}/login`, { ca: pki.read('ca') }, (r) => {
            r.resume();
            resolve({ cookie: String(r.headers['set-cookie']?.[0]), hsts: String(r.headers['strict-transport-security']) });
          })
            .on('error', reject)
            .end(),
        );
      });
      expect(res.cookie).toMatch(/^__Host-cellcheck_login=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
      expect(res.hsts).toBe('max-age=31536000');
    } finally {
      await svc.close();
      await store.close();
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});

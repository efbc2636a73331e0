import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestationFile } from '../profiles/statements.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import type { Result } from '../report/result.ts';
import { testAddress } from '../test/addresses.ts';
import { fleetResult, uploadResult, WebClient } from '../test/setup/console-fleet.ts';
import { listAudit } from './audit.ts';
import { MAX_EVIDENCE_BYTES } from './evidence.ts';
import { type RunningConsole, startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';

const PASSWORD = 'a long test password';
const ZONE = 'Line 1';
const BASE = '/zones/Line%201/assessment';
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-assessment-web-'));
let store: ConsoleStore;
let svc: RunningConsole;
let signed: Result;

/** A logged-in client and the CSRF token of the assessment page. */
async function as(name: string): Promise<{ c: WebClient; csrf: string }> {
  const c = new WebClient(svc.url);
  expect(await c.login(name, PASSWORD)).toBe(303);
  return { c, csrf: WebClient.csrf((await c.get(BASE)).text) };
}

const answerForm = (csrf: string, requirement: string, extra: Record<string, string> = {}) => ({
  csrf,
  requirement,
  scope: 'zone',
  status: 'satisfied',
  statement: `${requirement} is handled by the plant procedure`,
  evidence: 'OT-PROC-07',
  ...extra,
});

/** The newest proposal of a requirement. */
async function proposalOf(requirement: string) {
  const all = await store.proposals.list({ kind: 'answer', subject: ZONE });
  const p = all.filter((x) => (x.payload as { requirement?: string } | null)?.requirement === requirement).at(-1);
  if (!p) throw new Error(`no proposal for ${requirement}`);
  return p;
}

beforeAll(async () => {
  store = await ConsoleStore.open(join(dir, 'web.db'));
  svc = await startConsole({ store, host: testAddress('assessmentWeb', 1), port: 0 });
  const pair = newSigningKeyPair();
  const pub = parsePublicKey(pair.publicPem, 'p');
  const token = await store.enrollAgent('edge-1', pub, await keyId(pub), new Date(), { zones: [ZONE] });
  for (const [name, role] of [
    ['vera', 'viewer'],
    ['eric', 'engineer'],
    ['erin', 'engineer'],
    ['ada', 'admin'],
  ] as const)
    await store.accounts.addUser(name, PASSWORD, role, 'cli', new Date());
  signed = fleetResult({
    runId: 'a-1',
    zone: ZONE,
    agentId: 'edge-1',
    collectedAt: new Date().toISOString(),
    addresses: [testAddress('assessmentWeb', 10), testAddress('assessmentWeb', 11)],
  });
  expect(await uploadResult(svc.url, token, parsePrivateKey(pair.privatePem, 'k'), signed)).toMatchObject({ status: 201 });
});

afterAll(async () => {
  await svc?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the gap analysis pages', () => {
  it('shows a viewer the open requirements with what the probes saw, without any form to propose or decide', async () => {
    const { c } = await as('vera');
    const page = await c.get(BASE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Open requirements');
    expect(page.text).toMatch(/data-requirement="CR 1\.3"/);
    expect(page.text).toContain('not observed');
    expect(page.text).not.toContain('/answer?requirement=');
    expect(page.text).not.toContain('/approve"');
    for (const path of [`${BASE}/answer?requirement=CR%201.3`, `${BASE}/countermeasure?requirement=CR%201.1`])
      expect((await c.get(path)).status, path).toBe(403);
    const posted = await c.request('POST', `${BASE}/answers`, answerForm(WebClient.csrf(page.text), 'CR 1.3'));
    expect(posted.status).toBe(403);
    expect(await store.proposals.list({ kind: 'answer', subject: ZONE })).toEqual([]);
  });

  it('refuses every new form without the session’s CSRF token or from another site', async () => {
    const { c, csrf } = await as('eric');
    const p = await store.proposals.propose(
      { kind: 'answer', subject: ZONE, payload: { requirement: 'CR 1.4' }, summary: 'csrf probe' },
      { user: 'ada', role: 'admin' },
      new Date(),
    );
    const forms: [string, Record<string, string>][] = [
      [`${BASE}/answers`, answerForm('', 'CR 1.3')],
      [`${BASE}/countermeasures`, { requirement: 'CR 1.1', countermeasure: 'x', justification: 'y', expires: '2099-01-01' }],
      ...['approve', 'reject', 'withdraw', 'retire'].map((step): [string, Record<string, string>] => [`${BASE}/proposals/${p.id}/${step}`, {}]),
    ];
    for (const [path, form] of forms) {
      expect((await c.request('POST', path, { ...form, csrf: 'forged' })).status, `${path} forged token`).toBe(403);
      expect((await c.request('POST', path, { ...form, csrf }, { origin: 'http://evil.example' })).status, `${path} cross-site`).toBe(403);
      expect((await new WebClient(svc.url).request('POST', path, { ...form, csrf })).status, `${path} logged out`).toBe(401);
    }
    expect((await store.proposals.get(p.id))?.status).toBe('proposed');
    await store.proposals.withdraw(p.id, { user: 'ada', role: 'admin' }, new Date());
  });

  it('names what is wrong with a proposed answer and keeps what was typed', async () => {
    const { c, csrf } = await as('eric');
    const cases: [Record<string, string>, RegExp][] = [
      [answerForm(csrf, 'CR 99.1'), /requirement/],
      [answerForm(csrf, 'CR 1.3', { statement: '  ' }), /statement must not be empty/],
      [answerForm(csrf, 'CR 1.3', { expires: '2001-01-01' }), /expires: 2001-01-01 is in the past/],
      [answerForm(csrf, 'CR 1.3', { scope: 'devices', devices: '' }), /scope\.devices/],
      [answerForm(csrf, 'EDR 2.4', { componentType: 'NDR' }), /EDR 2\.4 does not apply to NDR/],
    ];
    for (const [form, message] of cases) {
      const r = await c.request('POST', `${BASE}/answers`, form);
      expect(r.status, JSON.stringify(form)).toBe(400);
      expect(r.text).toMatch(message);
      expect(r.text).toContain(form.statement?.trim() || 'name="statement"');
    }
    expect(await store.proposals.list({ kind: 'answer', subject: ZONE, statuses: ['proposed'] })).toEqual([]);
  });

  it('an engineer proposes, cannot approve their own; another approves; the zone and device pages show the levels with answers', async () => {
    const eric = await as('eric');
    const before = await eric.c.get('/zones/Line%201');
    expect(before.text).toContain('no approved answer');
    expect((await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, 'CR 1.3'))).status).toBe(303);
    const p = await proposalOf('CR 1.3');
    const own = await eric.c.request('POST', `${BASE}/proposals/${p.id}/approve`, { csrf: eric.csrf });
    expect(own.status).toBe(409);
    expect(own.text).toContain('another engineer or an admin approves it');
    const erin = await as('erin');
    await expect(erin.c.get(BASE).then((r) => r.text)).resolves.toContain(`/proposals/${p.id}/approve`);
    expect((await erin.c.request('POST', `${BASE}/proposals/${p.id}/approve`, { csrf: erin.csrf })).status).toBe(303);
    const zonePage = await eric.c.get('/zones/Line%201');
    expect(zonePage.text).toContain('with 1 approved answer(s)');
    expect(zonePage.text).not.toContain('expiring-soon');
    const device = await eric.c.get(`/zones/Line%201/devices/${testAddress('assessmentWeb', 10)}`);
    expect(device.text).toContain('with 1 approved answer(s)');
    expect(device.text).toMatch(
      /<table id="device-answers">.*<td>CR 1\.3 EDR<\/td><td class="pass">applied<\/td><td>satisfied: CR 1\.3 is handled by the plant procedure<\/td><td>OT-PROC-07<\/td><td>eric /s,
    );
    const audit = await listAudit(store.db, { limit: 50 });
    expect(audit.filter((e) => e.subject === `answer ${ZONE}`).map((e) => [e.actor, e.action])).toEqual(
      expect.arrayContaining([
        ['eric', 'proposal.propose'],
        ['erin', 'proposal.approve'],
      ]),
    );
  });

  it('answering every open row of an FR raises demonstrated SL-C on the zone page; the signed run is untouched', async () => {
    const device = signed.devices[0];
    if (!device) throw new Error('no device');
    // An FR whose ceiling reaches 1 but demonstrated is 0: observation left its SL1 rows open, none refuted.
    const fr = [1, 2, 3, 4, 5, 6, 7].find((f) => device.slC.demonstrated[f - 1] === 0 && (device.slC.ceiling[f - 1] ?? 0) >= 1) ?? 0;
    expect(fr).toBeGreaterThan(0);
    const open = [...new Set(device.requirements.filter((r) => r.fr === fr && r.sl === 1 && r.status === 'not-assessed').map((r) => r.id))];
    const eric = await as('eric');
    const ada = await as('ada');
    for (const requirement of open) {
      if (
        (await store.proposals.list({ kind: 'answer', subject: ZONE, statuses: ['approved'] })).some(
          (p) => (p.payload as { requirement: string }).requirement === requirement,
        )
      )
        continue;
      expect((await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, requirement))).status).toBe(303);
      expect((await ada.c.request('POST', `${BASE}/proposals/${(await proposalOf(requirement)).id}/approve`, { csrf: ada.csrf })).status).toBe(303);
    }
    const zone = await eric.c.get('/zones/Line%201?format=json');
    const rows = (JSON.parse(zone.text) as { devices: { address: string; demonstrated: number[] }[] }).devices;
    expect(rows.find((d) => d.address === device.address)?.demonstrated[fr - 1]).toBe(1);
    const page = await eric.c.get('/zones/Line%201');
    expect(page.text).toMatch(new RegExp(`title="FR${fr}: demonstrated 1,`));
    const overview = JSON.parse((await eric.c.get('/?format=json')).text) as { zones: { zone: string; frs: { worst?: { demonstrated: number } }[] }[] };
    expect(overview.zones.find((z) => z.zone === ZONE)?.frs[fr - 1]?.worst?.demonstrated).toBe(1);
    const stored = await store.run('a-1');
    expect(stored?.payloadSha256).toBeDefined();
    expect(JSON.parse(Buffer.from((JSON.parse(stored?.envelope ?? '{}') as { payload: string }).payload, 'base64url').toString()).devices[0].slC).toEqual(
      device.slC,
    );
  });

  it('lists the answers expiring within 30 days on the zone page and the gap-analysis page', async () => {
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const eric = await as('eric');
    expect((await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, 'CR 1.5', { expires: soon }))).status).toBe(303);
    await store.proposals.approve((await proposalOf('CR 1.5')).id, { user: 'ada', role: 'admin' }, new Date());
    expect((await eric.c.get('/zones/Line%201')).text).toMatch(new RegExp(`id="expiring-soon">1 expire within 30 days: ${soon} CR 1\\.5 satisfied`));
    expect((await eric.c.get(BASE)).text).toMatch(new RegExp(`<ul id="expiring"><li><strong>${soon}</strong>: CR 1\\.5`));
  });

  it('exports the approved answers as an attestation file in the published schema', async () => {
    const { c } = await as('vera');
    const r = await c.get(`${BASE}/attestations.yaml`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toContain('Line-1-attestations.yaml');
    const file = AttestationFile.parse(parseYaml(r.text));
    expect(file.attestations.map((a) => a.requirement)).toContain('CR 1.3');
    expect(file.attestations.find((a) => a.requirement === 'CR 1.3')).toMatchObject({ by: 'eric', evidence: 'OT-PROC-07', status: 'satisfied' });
    expect(r.text).toMatch(/# p[0-9a-f]{12} \(sha256 [0-9a-f]{16}\): proposed by eric, approved by erin/);
  });

  it('an edit replaces the approved answer once approved; a retirement ends it; both are four-eyes', async () => {
    const eric = await as('eric');
    const erin = await as('erin');
    const old = await proposalOf('CR 1.3');
    const form = await eric.c.get(`${BASE}/answer?replaces=${old.id}`);
    expect(form.text).toContain('CR 1.3 is handled by the plant procedure');
    expect((await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, 'CR 1.3', { replaces: old.id, evidence: 'OT-PROC-07 rev 4' }))).status).toBe(
      303,
    );
    const edit = await proposalOf('CR 1.3');
    expect(edit.replaces).toBe(old.id);
    await erin.c.request('POST', `${BASE}/proposals/${edit.id}/approve`, { csrf: erin.csrf });
    expect((await store.proposals.get(old.id))?.status).toBe('superseded');
    expect((await eric.c.request('POST', `${BASE}/proposals/${edit.id}/retire`, { csrf: eric.csrf })).status).toBe(303);
    const retire = (await store.proposals.list({ kind: 'answer', subject: ZONE, statuses: ['proposed'] })).find((x) => x.replaces === edit.id);
    expect(retire?.payload).toBeNull();
    if (!retire) throw new Error('no retirement proposed');
    await erin.c.request('POST', `${BASE}/proposals/${retire.id}/reject`, { csrf: erin.csrf, note: 'still valid' });
    expect((await store.proposals.get(edit.id))?.status).toBe('approved');
  });

  it('keeps an uploaded evidence file by its SHA-256, serves it only as a download, and lets an answer cite it', async () => {
    const upload = async (who: WebClient, form: Record<string, string>, bytes: Buffer, extra: Record<string, string> = {}) => {
      const data = new FormData();
      for (const [k, v] of Object.entries(form)) data.append(k, v);
      data.append('file', new Blob([bytes], { type: 'text/html' }), 'checklist<script>.html');
      const cookie = [...who.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      return fetch(`${svc.url}${BASE}/evidence`, { method: 'POST', body: data, redirect: 'manual', headers: { cookie, origin: svc.url, ...extra } });
    };
    const bytes = Buffer.concat([Buffer.from('<script>alert(1)</script>'), Buffer.from([0, 0xff, 0xfe])]);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const vera = await as('vera');
    expect((await upload(vera.c, { csrf: vera.csrf }, bytes)).status).toBe(403);
    const eric = await as('eric');
    expect((await upload(eric.c, { csrf: 'forged' }, bytes)).status).toBe(403);
    expect((await upload(eric.c, { csrf: eric.csrf }, bytes, { origin: 'http://evil.example' })).status).toBe(403);
    const big = await upload(eric.c, { csrf: eric.csrf }, Buffer.alloc(MAX_EVIDENCE_BYTES + 1));
    expect(big.status).toBe(400);
    expect(await big.text()).toContain(`the file is larger than ${MAX_EVIDENCE_BYTES} bytes`);
    expect((await eric.c.request('POST', `${BASE}/evidence`, { csrf: eric.csrf })).text).toContain('send it as multipart/form-data');
    const sent = await upload(eric.c, { csrf: eric.csrf, requirement: 'CR 2.1' }, bytes);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(`${BASE}/answer?requirement=CR+2.1&evidence=sha256%3A${sha}`);
    const form = await eric.c.get(sent.headers.get('location') ?? '');
    expect(form.text).toContain(`value="sha256:${sha}"`);
    const download = await vera.c.get(`${BASE}/evidence/${sha}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="checklist<script>.html"');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    const raw = await fetch(`${svc.url}${BASE}/evidence/${sha}`, { headers: { cookie: [...vera.c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(Buffer.from(await raw.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await vera.c.get(`${BASE}/evidence/${'0'.repeat(64)}`)).status).toBe(404);
    const unknown = await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, 'CR 2.1', { evidence: `sha256:${'1'.repeat(64)}` }));
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('no uploaded file has SHA-256');
    expect((await eric.c.request('POST', `${BASE}/answers`, answerForm(eric.csrf, 'CR 2.1', { evidence: `sha256:${sha}` }))).status).toBe(303);
    const page = await vera.c.get(BASE);
    expect(page.text).toContain(`href="${BASE}/evidence/${sha}"`);
    expect(page.text).toContain('checklist&lt;script&gt;.html');
    expect((await listAudit(store.db, { action: 'evidence.upload', limit: 5 }))[0]).toMatchObject({ actor: 'eric', detail: expect.stringContaining(sha) });
  });

  it('prints a self-contained gap-analysis report per FR with who approved what', async () => {
    const { c } = await as('vera');
    const r = await c.get(`${BASE}/report`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(r.text).not.toContain('<script');
    expect(r.text).toContain('<h2>FR1</h2>');
    expect(r.text).toMatch(/CR 1\.3<\/td>/);
    expect(r.text).toContain('approved by erin');
    expect(r.text).toContain('Expiring within 30 days');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_RANGES, testAddress } from '../test/addresses.ts';
import { WebClient } from '../test/setup/console-fleet.ts';
import { storeKinds } from '../test/setup/console-stores.ts';
import { CELL_PATHS, enrolAndUpload, judgedBoundary, PLANT_MODEL, PLANT_RUNS, plantResult, withDualHomed } from '../test/setup/zone-plant.ts';
import { listAudit } from './audit.ts';
import { type RunningConsole, startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';
import { mapOf, zoneMapSvg } from './web/zone-map.ts';
import { modelInForce, modelText } from './zone-model-store.ts';

const kinds = storeKinds(testAddress('zoneWeb', 1), TEST_RANGES.zoneWeb.port);
afterAll(() => {
  for (const k of kinds) k.stop();
});
const PASSWORD = 'zone web test password';

/** Posts a form of the page at `from` (its CSRF token) as the client's user. */
async function postFrom(c: WebClient, from: string, action: string, form: Record<string, string>) {
  const page = await c.get(from);
  return c.request('POST', action, { csrf: WebClient.csrf(page.text), ...form });
}

async function loggedIn(url: string, name: string) {
  const c = new WebClient(url);
  expect(await c.login(name, PASSWORD)).toBe(303);
  return c;
}

const openProposal = (html: string) => /data-proposal="(p[0-9a-f]+)" class="proposed"/.exec(html)?.[1] ?? '';

describe('zone map drawing', () => {
  it('escapes every name a model or a run brings into the SVG', () => {
    const evil = '<script>alert(1)</script>"';
    const svg = zoneMapSvg(
      mapOf(
        {
          zones: [{ name: evil, ranges: [], conduits: [{ to: 'ext', ports: [1], purpose: '</text><script>' }] }],
          externalNetworks: [{ name: 'ext', ranges: ['10.0.0.0/8'] }],
        },
        [
          {
            zone: evil,
            tried: undefined,
            outgoing: [],
            incoming: [],
            conduits: [{ conduit: { to: 'ext', ports: [1], purpose: '</text><script>' }, use: 'untested', tried: 0 }],
            dualHomed: [],
          },
        ],
      ),
    ).text;
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
  });
});

for (const k of kinds) {
  describe.skipIf(k.skip !== undefined)(`zone model pages on ${k.kind} ${k.skip ?? ''}`, () => {
    let store: ConsoleStore;
    let svc: RunningConsole;

    beforeAll(async () => {
      store = await ConsoleStore.open(await k.fresh('zoneweb'));
      svc = await startConsole({ store, host: testAddress('zoneWeb', k.kind === 'sqlite' ? 2 : 3), port: 0 });
      for (const [name, role] of [
        ['erin', 'engineer'],
        ['omar', 'engineer'],
        ['vic', 'viewer'],
      ] as const)
        await store.accounts.addUser(name, PASSWORD, role, 'cli', new Date());
      const runs = {
        cell: judgedBoundary(PLANT_RUNS.cell, PLANT_MODEL, CELL_PATHS),
        scada: withDualHomed(PLANT_RUNS.scada, '127.102.3.21', ['10.9.9.9']),
        // A zone with runs that the model does not hold yet.
        hmi: plantResult({
          runId: 'hmi-1',
          zone: 'hmi',
          agentId: 'agent-hmi',
          collectedAt: '2026-03-01T10:00:00.000Z',
          devices: [{ address: '127.102.3.40', tcp: [443] }],
        }),
      };
      for (const run of Object.values(runs)) await enrolAndUpload(store, svc.url, run);
    });
    afterAll(async () => {
      await svc?.close();
      await store?.close();
    });

    it('lets a viewer read the model page but not propose', async () => {
      const vic = await loggedIn(svc.url, 'vic');
      const unmodelled = (await vic.get('/zones/cell')).text;
      expect(unmodelled).toContain('id="not-modelled"');
      expect(unmodelled).not.toContain('nothing may cross');
      const page = await vic.get('/zone-model');
      expect(page.status).toBe(200);
      expect(page.text).toContain('No zone model approved yet');
      expect(page.text).not.toContain('action="/zone-model/import"');
      expect((await postFrom(vic, '/zone-model', '/zone-model/import', { model: modelText(PLANT_MODEL), summary: 'x' })).status).toBe(403);
      expect((await vic.get('/zone-model/export.json')).status).toBe(404);
    });

    it('imports a model file as a proposal that only another engineer can put in force, then exports it byte for byte', async () => {
      const erin = await loggedIn(svc.url, 'erin');
      const omar = await loggedIn(svc.url, 'omar');
      const bad = await postFrom(erin, '/zone-model', '/zone-model/import', {
        model: '{"zones": [{"name": "<x>", "ranges": ["10.0.0.1/24"]}]}',
        summary: 'broken',
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('zones.0.ranges.0');
      expect(bad.text).not.toContain('<x>');
      expect((await postFrom(erin, '/zone-model', '/zone-model/import', { model: modelText(PLANT_MODEL), summary: 'the plant as drawn' })).status).toBe(303);
      const mine = await erin.get('/zone-model');
      const id = openProposal(mine.text);
      expect(id).not.toBe('');
      expect(mine.text).toContain(`action="/zone-model/proposals/${id}/withdraw"`);
      expect(mine.text).not.toContain(`action="/zone-model/proposals/${id}/approve"`);
      const selfApproval = await postFrom(erin, '/zone-model', `/zone-model/proposals/${id}/approve`, {});
      expect(selfApproval.status).toBe(409);
      expect(selfApproval.text).toContain('four eyes');
      expect(await modelInForce(store)).toBeUndefined();
      expect((await postFrom(omar, '/zone-model', `/zone-model/proposals/${id}/approve`, {})).status).toBe(303);
      const exported = await omar.get('/zone-model/export.json');
      expect(exported.headers.get('content-disposition')).toBe('attachment; filename="zone-model.json"');
      expect(exported.text).toBe(modelText(PLANT_MODEL));
      const schema = await omar.get('/zone-model/schema.json');
      expect(JSON.parse(schema.text).$id).toBe('urn:cellcheck:schema:zone-model:1');
      const audit = await listAudit(store.db, { limit: 20 });
      expect(audit.filter((e) => e.subject === 'zone-model plant').map((e) => `${e.action} ${e.actor}`)).toEqual([
        'proposal.approve omar',
        'proposal.propose erin',
      ]);
    });

    it('adds a conduit and a zone through the forms, each approved before it is in force', async () => {
      const erin = await loggedIn(svc.url, 'erin');
      const omar = await loggedIn(svc.url, 'omar');
      const badPorts = await postFrom(erin, '/zone-model', '/zone-model/conduits', {
        zone: 'scada',
        to: 'cell',
        ports: '80, http',
        purpose: 'HMI',
        summary: 'HMI',
      });
      expect(badPorts.status).toBe(400);
      expect(badPorts.text).toContain('zones.1.conduits.0.ports.1');
      expect(
        (
          await postFrom(erin, '/zone-model', '/zone-model/conduits', {
            zone: 'scada',
            to: 'cell',
            ports: '80 443',
            purpose: 'HMI',
            owner: '',
            summary: 'HMI access',
          })
        ).status,
      ).toBe(303);
      const id = openProposal((await omar.get('/zone-model')).text);
      const review = (await omar.get(`/zone-model/proposals/${id}`)).text;
      expect(/<ul id="changes"[^>]*>([\s\S]*?)<\/ul>/.exec(review)?.[1]).toBe('<li class="pass">+ conduit scada → cell: TCP 80, 443 (HMI)</li>');
      expect((await postFrom(omar, '/zone-model', `/zone-model/proposals/${id}/approve`, {})).status).toBe(303);
      expect((await modelInForce(store))?.model.zones[1]?.conduits).toEqual([{ to: 'cell', ports: [80, 443], purpose: 'HMI' }]);
      expect((await postFrom(omar, '/zone-model', '/zone-model/ranges', { zone: 'dmz', ranges: '127.102.3.32/28', summary: 'the DMZ' })).status).toBe(303);
      const dmz = openProposal((await erin.get('/zone-model')).text);
      expect((await postFrom(erin, '/zone-model', `/zone-model/proposals/${dmz}/reject`, { note: 'not yet' })).status).toBe(303);
      expect((await modelInForce(store))?.model.zones.map((z) => z.name)).toEqual(['cell', 'scada']);
      const rejected = (await erin.get(`/zone-model/proposals/${dmz}`)).text;
      expect(rejected).toContain('rejected');
      expect(rejected).toContain('+ zone dmz: ranges 127.102.3.32/28, SL-T none');
      // A zone known from its runs enters the model with the SL-T its run was judged against.
      expect((await postFrom(omar, '/zone-model', '/zone-model/ranges', { zone: 'hmi', ranges: '', summary: 'known zone' })).status).toBe(303);
      const known = openProposal((await erin.get('/zone-model')).text);
      expect((await erin.get(`/zone-model/proposals/${known}`)).text).toContain('+ zone hmi: ranges none, SL-T 2');
    });

    it("shows the violation on both zones' pages with its path, the conduits' use and the dual-homed device", async () => {
      const vic = await loggedIn(svc.url, 'vic');
      const cell = (await vic.get('/zones/cell')).text;
      expect(cell).not.toContain('id="not-modelled"');
      expect(cell).not.toContain('id="slt-differs"');
      const out = /<table id="violations-out">([\s\S]*?)<\/table>/.exec(cell)?.[1] ?? '';
      expect(out).toContain('<a href="/zones/cell">cell</a> → <a href="/zones/scada">scada</a>');
      expect(out).toContain('127.102.3.20</a>:502');
      expect(out).toContain('62443-3-3 SR 5.1');
      expect(out).not.toContain(':4840');
      const conduits = /<table id="conduits">([\s\S]*?)<\/table>/.exec(cell)?.[1] ?? '';
      expect(conduits).toMatch(/<td>scada<\/td><td>4840<\/td>.*verified \(1 path\(s\)\)/);
      expect(conduits).toMatch(/<td>vendor<\/td><td>22<\/td>.*untested/);
      const scada = (await vic.get('/zones/scada')).text;
      expect(/<table id="violations-in">([\s\S]*?)<\/table>/.exec(scada)?.[1]).toContain('127.102.3.20</a>:502');
      expect(scada).toContain('The latest run did not check reachability');
      expect(/<table id="dual-homed">([\s\S]*?)<\/table>/.exec(scada)?.[1]).toContain('10.9.9.9');
      const target = (await vic.get('/zones/scada/devices/127.102.3.20')).text;
      expect(/<table id="device-violations">([\s\S]*?)<\/table>/.exec(target)?.[1]).toContain('127.102.3.20</a>:502');
      expect((await vic.get('/zones/scada/devices/127.102.3.21')).text).not.toContain('id="device-boundary"');
    });

    it('draws the zone map as inline SVG under the console CSP: zones, the external network, conduits and the violation', async () => {
      const vic = await loggedIn(svc.url, 'vic');
      const res = await vic.get('/zone-map');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(res.text).not.toMatch(/<script(?! src="\/assets\/console\.js")/);
      expect(res.text).not.toContain(' style=');
      const nodes = [...res.text.matchAll(/data-node="([^"]+)" data-kind="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);
      expect(nodes).toEqual(['cell:zone', 'hmi:zone', 'scada:zone', 'vendor:external']);
      const edges = [...res.text.matchAll(/class="map-edge" data-kind="([^"]+)" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => `${m[2]}→${m[3]} ${m[1]}`);
      expect(edges.sort()).toEqual(['cell→scada verified', 'cell→scada violation', 'cell→vendor untested', 'scada→cell untested']);
      expect(res.text).toContain('>no conduit: TCP 502</text>');
    });

    it('keeps zone pages up when the model in force no longer reads, and says why', async () => {
      const id = (await modelInForce(store))?.proposal.id ?? '';
      await store.db.run('UPDATE proposals SET payload = ? WHERE id = ?', ['{"zones": []}', id]);
      const vic = await loggedIn(svc.url, 'vic');
      const cell = await vic.get('/zones/cell');
      expect(cell.status).toBe(200);
      expect(cell.text).toContain(`zone model ${id} no longer passes the schema: zones: list at least one zone`);
      expect(cell.text).toContain('<table id="devices"');
      const modelPage = await vic.get('/zone-model');
      expect(modelPage.status).toBe(200);
      expect(modelPage.text).toContain('no longer passes the schema: zones: list at least one zone: propose a model that replaces it.');
      expect((await vic.get('/zone-map')).status).toBe(200);
      expect((await vic.get('/zone-model/export.json')).status).toBe(409);
      expect((await vic.get(`/zone-model/proposals/${id}`)).status).toBe(409);
      const reader = await store.addReader('auditor', new Date());
      const api = await fetch(`${svc.url}/api/v1/zones/cell/reachability`, { headers: { authorization: `Bearer ${reader}` } });
      expect(api.status).toBe(500);
      expect(await api.json()).toMatchObject({ error: 'zone-model-unreadable' });
      // A replacement can still be proposed and approved: the console recovers without touching the database.
      const erin = await loggedIn(svc.url, 'erin');
      const omar = await loggedIn(svc.url, 'omar');
      expect((await postFrom(erin, '/zone-model', '/zone-model/import', { model: modelText(PLANT_MODEL), summary: 'repair' })).status).toBe(303);
      const repair = openProposal((await omar.get('/zone-model')).text);
      expect((await postFrom(omar, '/zone-model', `/zone-model/proposals/${repair}/approve`, {})).status).toBe(303);
      expect((await modelInForce(store))?.model).toEqual(PLANT_MODEL);
    });
  });
}

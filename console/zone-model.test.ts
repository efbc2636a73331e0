import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ReachabilityView } from '../profiles/zone-model.ts';
import { ZONE_MODEL_SCHEMA_ID } from '../report/write-schema.ts';
import { TEST_RANGES, testAddress } from '../test/addresses.ts';
import { storeKinds } from '../test/setup/console-stores.ts';
import { enrolAndUpload, PLANT_MODEL, PLANT_RUNS, plantResult } from '../test/setup/zone-plant.ts';
import { listAudit } from './audit.ts';
import { StoreError } from './db.ts';
import { migrate } from './migrations.ts';
import { type RunningConsole, startConsole } from './server.ts';
import { ConsoleStore } from './store.ts';
import { modelChanges } from './zone-model-diff.ts';
import { modelHistory, modelInForce, modelText, parseModelText, proposeModel } from './zone-model-store.ts';

const kinds = storeKinds(testAddress('zoneModelStore', 1), TEST_RANGES.zoneModelStore.port);
afterAll(() => {
  for (const k of kinds) k.stop();
});

const ENG = { user: 'erin', role: 'engineer' } as const;
const ENG2 = { user: 'omar', role: 'engineer' } as const;
const at = (minute: number) => new Date(Date.UTC(2026, 2, 2, 10, minute));

describe('zone model file', () => {
  it('exports with its schema named and reads back the same model', () => {
    const text = modelText(PLANT_MODEL);
    expect(JSON.parse(text).$schema).toBe(ZONE_MODEL_SCHEMA_ID);
    expect(parseModelText(text, 'plant.json')).toEqual(PLANT_MODEL);
    expect(modelText(parseModelText(text, 'plant.json'))).toBe(text);
  });

  it('is valid against the published schema, so a model kept in version control is checked by any editor', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(readFileSync(new URL('../report/zone-model.schema.json', import.meta.url), 'utf8')));
    expect(validate(JSON.parse(modelText(PLANT_MODEL))), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ $schema: ZONE_MODEL_SCHEMA_ID, zones: [{ name: 'a', ranges: [], conduits: [{ to: 'b', ports: [], purpose: 'p' }] }] })).toBe(false);
    expect(validate({ zones: [{ name: 'a', ranges: [] }], extra: 1 })).toBe(false);
  });

  it('reads YAML too, and names the file and every problem of a broken one', () => {
    expect(parseModelText('zones:\n  - name: a\n    ranges: [10.0.0.0/24]\n', 'plant.yaml').zones[0]?.conduits).toEqual([]);
    expect(() => parseModelText('zones: [', 'x.yaml')).toThrow(/^x\.yaml: not YAML or JSON/);
    // Aliases are refused outright: no entity expansion from a pasted file.
    expect(() => parseModelText('a: &x [1]\nzones: [{name: a, ranges: *x}]\n', 'x.yaml')).toThrow(/^x\.yaml: not YAML or JSON/);
    expect(() => parseModelText(JSON.stringify({ $schema: 'urn:other', zones: [] }), 'x.json')).toThrow(
      'x.json: $schema: expected urn:cellcheck:schema:zone-model:1',
    );
    const broken = { zones: [{ name: 'a', ranges: ['10.0.0.1/24'], conduits: [{ to: 'nowhere', ports: [0], purpose: 'p' }] }] };
    const err = (() => {
      try {
        parseModelText(JSON.stringify(broken), 'x.json');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect(err?.message).toContain('zones.0.ranges.0');
    expect(err?.message).toContain('zones.0.conduits.0.ports.0');
    expect(() => parseModelText('[1, 2]', 'x.json')).toThrow(/x\.json: not a zone model/);
  });
});

describe('zone model changes for the reviewer', () => {
  it('lists every added, removed and changed zone, range, SL-T, conduit, network and canary', () => {
    const next = structuredClone(PLANT_MODEL);
    const [cell, scada] = next.zones;
    if (!cell || !scada) throw new Error('plant model');
    cell.ranges = ['127.102.3.0/27'];
    cell.conduits = [cell.conduits[0] as (typeof cell.conduits)[number], { to: 'scada', ports: [502], purpose: 'Modbus' }];
    scada.slT = [3, 3, 3, 2, 3, 3, 3];
    next.externalNetworks = [];
    next.canaries = [{ zone: 'scada', host: '127.102.3.31', ports: [3389] }];
    next.zones.push({ name: 'dmz', ranges: [], conduits: [{ to: 'scada', ports: [443], purpose: 'web' }] });
    expect(modelChanges(PLANT_MODEL, next).map((c) => `${c.kind} ${c.text}`)).toEqual([
      'added zone dmz: ranges none, SL-T none',
      'added conduit dmz → scada: TCP 443 (web)',
      'changed zone cell: ranges 127.102.3.0/28 → 127.102.3.0/27',
      'added conduit cell → scada: TCP 502 (Modbus)',
      'removed conduit cell → vendor: TCP 22 (remote support)',
      'changed zone scada: SL-T 3 → 3·3·3·2·3·3·3',
      'removed external network vendor: 127.102.3.64/28',
      'added canary 127.102.3.31 in scada: TCP 3389',
      'removed canary 127.102.3.30 in scada: TCP 3389',
    ]);
    expect(modelChanges(PLANT_MODEL, PLANT_MODEL)).toEqual([]);
    expect(modelChanges(undefined, PLANT_MODEL)).toHaveLength(6);
  });
});

for (const k of kinds) {
  describe.skipIf(k.skip !== undefined)(`zone model and reachability API on ${k.kind} ${k.skip ?? ''}`, () => {
    let store: ConsoleStore;
    let svc: RunningConsole;
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      store = await ConsoleStore.open(await k.fresh('zones'));
      svc = await startConsole({ store, host: testAddress('zoneModelStore', k.kind === 'sqlite' ? 2 : 3), port: 0 });
      for (const zone of ['cell', 'scada'] as const) tokens[`agent-${zone}`] = await enrolAndUpload(store, svc.url, PLANT_RUNS[zone]);
      tokens.reader = await store.addReader('auditor', new Date());
    });
    afterAll(async () => {
      await svc?.close();
      await store?.close();
    });

    const fetchView = (zone: string, token?: string) =>
      fetch(`${svc.url}/api/v1/zones/${encodeURIComponent(zone)}/reachability`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

    it('has no model until one is approved, and answers 404 for a zone without one', async () => {
      expect(await modelInForce(store)).toBeUndefined();
      const res = await fetchView('cell', tokens['agent-cell']);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'zone-not-modelled' });
    });

    it('puts a model in force only when someone other than its proposer approves it, all in the audit log', async () => {
      await expect(proposeModel(store, PLANT_MODEL, 'first model', { user: 'vic', role: 'viewer' }, at(0))).rejects.toThrow(/engineer or admin/);
      const first = await proposeModel(store, PLANT_MODEL, 'first model', ENG, at(1));
      await expect(store.proposals.approve(first.id, ENG, at(2))).rejects.toThrow(/four eyes/);
      expect(await modelInForce(store)).toBeUndefined();
      await store.proposals.approve(first.id, ENG2, at(3));
      const inForce = await modelInForce(store);
      expect(inForce?.model).toEqual(PLANT_MODEL);
      expect(inForce?.proposal).toMatchObject({ id: first.id, proposedBy: 'erin', decidedBy: 'omar' });
      const audit = await listAudit(store.db, { limit: 50 });
      expect(audit.filter((e) => e.subject === 'zone-model plant').map((e) => `${e.action} ${e.actor}`)).toEqual([
        'proposal.approve omar',
        'proposal.propose erin',
      ]);
    });

    it('refuses a proposal made on a model that was changed meanwhile (no lost update)', async () => {
      const wider = structuredClone(PLANT_MODEL);
      wider.zones[0]?.conduits.push({ to: 'scada', ports: [502], purpose: 'Modbus polling' });
      const a = await proposeModel(store, wider, 'Modbus polling', ENG, at(4));
      const b = await proposeModel(store, PLANT_MODEL, 'no change', ENG2, at(5));
      await store.proposals.approve(b.id, ENG, at(6));
      await expect(store.proposals.approve(a.id, ENG2, at(7))).rejects.toThrow(/no longer approved; propose the change again/);
      expect((await modelInForce(store))?.proposal.id).toBe(b.id);
      expect((await modelHistory(store)).map((p) => p.status)).toEqual(['approved', 'proposed', 'superseded']);
    });

    it('checks the model in force once per approval: two reads give the same model object, a new approval another', async () => {
      const first = await modelInForce(store);
      expect((await modelInForce(store))?.model).toBe(first?.model);
      const next = await proposeModel(store, PLANT_MODEL, 'the same model, approved again', ENG, at(8));
      await store.proposals.approve(next.id, ENG2, at(9));
      const after = await modelInForce(store);
      expect(after?.proposal.id).toBe(next.id);
      expect(after?.model).toEqual(first?.model);
      expect(after?.model).not.toBe(first?.model);
      expect((await modelInForce(store))?.model).toBe(after?.model);
    });

    it('gives the cell agent the SCADA devices on their TCP ports and the canary, never its own finds', async () => {
      const res = await fetchView('cell', tokens['agent-cell']);
      expect(res.status).toBe(200);
      const body = await res.json();
      const documented = (parseYaml(readFileSync(new URL('./openapi.yaml', import.meta.url), 'utf8')) as { components: { schemas: Record<string, object> } })
        .components.schemas.ReachabilityView;
      const validate = new Ajv2020({ strict: false }).compile(documented ?? {});
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      const view = ReachabilityView.parse(body);
      expect(view.zone).toBe('cell');
      expect(view.ranges).toEqual(['127.102.3.0/28']);
      expect(view.conduits.map((c) => c.to)).toEqual(['scada', 'vendor']);
      expect(view.destinations).toEqual([
        { host: '127.102.3.20', ports: [502, 4840], zone: 'scada' },
        { host: '127.102.3.21', ports: [22], zone: 'scada' },
        { host: '127.102.3.30', ports: [3389], zone: 'scada' },
      ]);
      expect(res.headers.get('cellcheck-pairs-cut')).toBe('0');
      const scada = ReachabilityView.parse(await (await fetchView('scada', tokens['agent-scada'])).json());
      expect(scada.destinations).toEqual([{ host: '127.102.3.10', ports: [80, 502], zone: 'cell' }]);
    });

    it("keeps each run's boundary facts at ingest, rebuilds them for runs stored before (migration 5), and drops them with the run", async () => {
      const { latestRunBoundaries } = await import('./run-boundary.ts');
      const before = await latestRunBoundaries(store.db);
      expect(before.map((b) => `${b.zone} ${b.runId} ${JSON.stringify(b.services)}`)).toEqual([
        'cell cell-1 [{"host":"127.102.3.10","ports":[80,502]},{"host":"127.102.3.22","ports":[8080]}]',
        'scada scada-1 [{"host":"127.102.3.20","ports":[502,4840]},{"host":"127.102.3.21","ports":[22]},{"host":"127.102.3.23","ports":[]}]',
      ]);
      await store.db.run('DROP TABLE run_boundaries');
      await store.db.run('DELETE FROM schema_migrations WHERE version = 5');
      expect(await migrate(store.db, new Date())).toEqual([5]);
      expect(await latestRunBoundaries(store.db)).toEqual(before);
      const extra = plantResult({ runId: 'scada-0', zone: 'scada', agentId: 'agent-scada-old', collectedAt: '2026-02-01T09:00:00.000Z', devices: [] });
      expect(await enrolAndUpload(store, svc.url, extra)).not.toBe('');
      expect(await store.deleteRun('scada-0', 'erin', new Date())).toBe(true);
      expect(await store.db.get('SELECT 1 AS one FROM run_boundaries WHERE run_id = ?', ['scada-0'])).toBeUndefined();
    });

    it("reads for a zone page only its own zone's facts whole and the other zones' violations", async () => {
      const { latestRunBoundaries, latestRunBoundary, latestViolations } = await import('./run-boundary.ts');
      const all = await latestRunBoundaries(store.db);
      expect(await latestRunBoundary(store.db, 'scada')).toEqual(all.find((b) => b.zone === 'scada'));
      expect(await latestRunBoundary(store.db, 'nowhere')).toBeUndefined();
      const violations = await latestViolations(store.db);
      expect(violations).toEqual(all.map(({ runId, zone, collectedAt, violations }) => ({ runId, zone, collectedAt, violations })));
      expect(violations.flatMap((v) => Object.keys(v).filter((k) => !['runId', 'zone', 'collectedAt', 'violations'].includes(k)))).toEqual([]);
    });

    it('answers an agent only for its own zone, a reader for any, and nobody else', async () => {
      expect((await fetchView('scada', tokens['agent-cell'])).status).toBe(403);
      expect((await fetchView('cell')).status).toBe(401);
      expect((await fetchView('cell', 'not-a-token')).status).toBe(401);
      expect((await fetchView('scada', tokens.reader)).status).toBe(200);
      expect((await fetch(`${svc.url}/api/v1/zones/cell/reachability`, { method: 'POST', headers: { authorization: `Bearer ${tokens.reader}` } })).status).toBe(
        405,
      );
      expect((await fetch(`${svc.url}/api/v1/zones/%E0%A4%A/reachability`, { headers: { authorization: `Bearer ${tokens.reader}` } })).status).toBe(400);
    });
  });
}

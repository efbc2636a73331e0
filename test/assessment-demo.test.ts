/**
 * The done-criterion of issue 20: the demo cell scanned without statements and stored in the
 * console, the example answers (examples/demo-cell-attestations.yaml and -exceptions.yaml) entered
 * through the console's four-eyes proposals, gives the same SL-C as `evaluate` with the example
 * files; and the console's exported files, fed to `evaluate`, reproduce the console's result.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { loadStatements } from '../agent/judge/statements.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { ANSWER, COUNTERMEASURE } from '../console/answers.ts';
import { postResult } from '../console/api.ts';
import { openItems, type WeighedRun, weighedRun, weighResult } from '../console/assessment.ts';
import type { Actor } from '../console/proposals.ts';
import { startConsole } from '../console/server.ts';
import { ConsoleStore } from '../console/store.ts';
import { type RunningCell, startCell } from '../fixtures/cell.ts';
import { PROBES } from '../probes/registry.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import type { DeviceResult, Result } from '../report/result.ts';
import { signResult } from '../report/sign.ts';
import { testAddress } from './addresses.ts';
import { runCli } from './run-process.ts';
import { WebClient } from './setup/console-fleet.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ATTESTATIONS = join(ROOT, 'examples/demo-cell-attestations.yaml');
const EXCEPTIONS = join(ROOT, 'examples/demo-cell-exceptions.yaml');
const out = mkdtempSync(join(tmpdir(), 'cellcheck-assessment-demo-'));
const eric: Actor = { user: 'eric', role: 'engineer' };
const ada: Actor = { user: 'ada', role: 'admin' };

let cell: RunningCell;
let store: ConsoleStore;
let runDir: string;
let signed: Result;
let consoleRun: WeighedRun;

const evaluate = async (attestations: string, exceptions: string) => {
  const r = await runCli(['evaluate', runDir, '--attestations', attestations, '--exceptions', exceptions, '--format', 'json'], out);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Result;
};
/** What SL-C and the gap lists say about a device, without who wrote the statements. */
const standing = (d: DeviceResult) => ({
  address: d.address,
  slC: d.slC,
  meetsTarget: d.meetsTarget,
  gaps: d.gaps.map((g) => g.requirement),
  compensated: d.compensated.map((g) => g.requirement),
  statuses: d.requirements.map((r) => `${r.componentType} ${r.id} ${r.status} ${r.decidedBy}`),
});

beforeAll(async () => {
  cell = await startCell({ prefix: testAddress('assessmentDemoCell') });
  const judge = loadJudge();
  const scanned = await runScan({ config: parseConfigText(cell.config, 'demo cell'), outDir: out, probes: PROBES, judge, runId: 'demo-unattested' });
  runDir = scanned.runDir;
  signed = scanned.result;
  store = await ConsoleStore.open(join(out, 'console.db'));
  const pair = newSigningKeyPair();
  const pub = parsePublicKey(pair.publicPem, 'p');
  await store.enrollAgent(signed.agent.id, pub, await keyId(pub), new Date(), { zones: [signed.zone.name] });
  const envelope = await signResult(signed, parsePrivateKey(pair.privatePem, 'k'));
  expect(await postResult(store, signed.agent.id, JSON.stringify(envelope), new Date(), 60_000)).toMatchObject({ status: 201 });

  // Each example statement entered as a person would: proposed on its date by one engineer, approved by an admin.
  const examples = loadStatements({ attestations: ATTESTATIONS, exceptions: EXCEPTIONS }, judge.profile.catalog);
  const zone = signed.zone.name;
  for (const a of examples.attestations?.entries ?? []) {
    const scope = { ...(a.devices ? { devices: a.devices } : {}), ...(a.componentType ? { componentType: a.componentType } : {}) };
    const payload = {
      requirement: a.requirement,
      scope,
      status: a.status,
      statement: a.statement,
      evidence: a.evidence,
      ...(a.expires ? { expires: a.expires } : {}),
    };
    const at = new Date(`${a.date}T09:00:00Z`);
    const p = await store.proposals.propose(
      { kind: ANSWER, subject: zone, payload, summary: a.requirement, ...(a.expires ? { expires: a.expires } : {}) },
      eric,
      at,
    );
    await store.proposals.approve(p.id, ada, at);
  }
  for (const e of examples.exceptions?.entries ?? []) {
    const payload = {
      requirement: e.requirement,
      scope: e.devices ? { devices: e.devices } : {},
      countermeasure: e.countermeasure,
      justification: e.justification,
      expires: e.expires,
      ...(e.reference ? { reference: e.reference } : {}),
    };
    const at = new Date(`${e.approved}T09:00:00Z`);
    const p = await store.proposals.propose({ kind: COUNTERMEASURE, subject: zone, payload, summary: e.requirement, expires: e.expires }, eric, at);
    await store.proposals.approve(p.id, ada, at);
  }
  const weighed = await weighedRun(store.db, store.proposals, zone, signed.runId, new Date(signed.collectedAt));
  if (!weighed) throw new Error('the stored run is missing');
  consoleRun = weighed;
}, 180_000);

afterAll(async () => {
  await store?.close();
  await cell?.close();
  rmSync(out, { recursive: true, force: true });
});

describe('the demo cell with the example answers entered through the console', () => {
  it('raises demonstrated SL-C from the signed run, which stays as the agent signed it', () => {
    const sum = (r: Result) => r.devices.reduce((n, d) => n + d.slC.demonstrated.reduce((a, b) => a + b, 0), 0);
    expect(sum(consoleRun.weighed)).toBeGreaterThan(sum(consoleRun.signed));
    expect(consoleRun.signed).toEqual(signed);
    expect(consoleRun.weighed.summary.devicesMeetingTarget).toBeGreaterThan(signed.summary.devicesMeetingTarget);
  });

  it('shows the same SL-C, gaps and statuses as `evaluate` with the example files', async () => {
    const example = await evaluate(ATTESTATIONS, EXCEPTIONS);
    expect(consoleRun.weighed.devices.map(standing)).toEqual(example.devices.map(standing));
    expect(consoleRun.weighed.summary).toEqual(example.summary);
    expect(consoleRun.weighed.plan).toEqual(example.plan);
  });

  it('shows the same levels on the console’s zone page, through HTTP, as `evaluate` with the example files', async () => {
    const svc = await startConsole({ store, host: testAddress('assessmentDemoCell', 250), port: 0 });
    try {
      await store.accounts.addUser('vera', 'a long test password', 'viewer', 'cli', new Date());
      const c = new WebClient(svc.url);
      expect(await c.login('vera', 'a long test password')).toBe(303);
      const zonePath = `/zones/${encodeURIComponent(signed.zone.name)}`;
      const rows = (JSON.parse((await c.get(`${zonePath}?format=json`)).text) as { devices: { address: string; demonstrated: number[]; ceiling: number[] }[] })
        .devices;
      const example = await evaluate(ATTESTATIONS, EXCEPTIONS);
      expect(Object.fromEntries(rows.map((d) => [d.address, [d.demonstrated, d.ceiling]]))).toEqual(
        Object.fromEntries(example.devices.map((d) => [d.address, [d.slC.demonstrated, d.slC.ceiling]])),
      );
      const page = await c.get(zonePath);
      expect(page.text).toContain(`with ${consoleRun.answers.approved} approved answer(s)`);
      expect(page.text).toContain(consoleRun.answers.files.attestations.sha256.slice(0, 16));
    } finally {
      await svc.close();
    }
  });

  it('weighs a result an agent already judged with statements from its observation, not on top of them', async () => {
    const judgedWithExamples = await evaluate(ATTESTATIONS, EXCEPTIONS);
    const again = weighResult(judgedWithExamples, consoleRun.answers.statements, consoleRun.answers.files);
    expect(again.devices).toEqual(consoleRun.weighed.devices);
  });

  it('exports files that `evaluate` accepts unchanged and that reproduce the console result exactly', async () => {
    const { attestations, exceptions } = consoleRun.answers.files;
    writeFileSync(join(out, attestations.name), attestations.text);
    writeFileSync(join(out, exceptions.name), exceptions.text);
    const exported = await evaluate(join(out, attestations.name), join(out, exceptions.name));
    expect(exported.devices).toEqual(consoleRun.weighed.devices);
    expect(exported.statements).toEqual(consoleRun.weighed.statements);
    expect(attestations.text).toContain('approved by ada');
  });

  it('lists the contradicted answer among the open items, and the expired one is no longer applied', () => {
    const items = openItems(consoleRun.signed, consoleRun.weighed);
    const cr18 = items.filter((i) => i.requirement === 'CR 1.8').flatMap((i) => i.devices.filter((d) => d.name === 'hmi-hardened'));
    expect(cr18.map((d) => [d.observation, d.weighed?.attestation?.state])).toEqual([
      ['refuted', 'contradicted'],
      ['refuted', 'contradicted'],
    ]);
    expect(items.every((i) => i.devices.length > 0)).toBe(true);
    const switchWeak = consoleRun.weighed.devices.find((d) => d.name === 'switch-weak');
    expect(switchWeak?.requirements.find((r) => r.id === 'CR 7.6')?.status).toBe('not-assessed');
  });
});

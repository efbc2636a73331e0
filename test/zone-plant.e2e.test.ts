import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKeyPair } from '../agent/delivery/signing.ts';
import { storedResult } from '../console/fleet.ts';
import { type RunningConsole, startConsole } from '../console/server.ts';
import { ConsoleStore } from '../console/store.ts';
import { proposeModel } from '../console/zone-model-store.ts';
import { type ListenerFixture, serveListener } from '../fixtures/tcp-listener.ts';
import { keyId, parsePublicKey } from '../report/keys.ts';
import { Result } from '../report/result.ts';
import { testAddress } from './addresses.ts';

/**
 * Issue 21's simulated plant: two zones as loopback ranges (cell 127.101.2.0/28, scada .16/28),
 * the console with the approved zone model, and each zone's agent as its own `cellcheck agent
 * --once` process. The scada agent scans its zone and uploads; the cell agent fetches its
 * destinations from the console and tries them: the declared conduit (OPC UA to the historian) is
 * verified, the undeclared path to the engineering workstation is found, and the safety PLC on
 * the cell's deny list is never contacted from the cell.
 */
const ROOT = resolve(import.meta.dirname, '..');
const at = (n: number) => testAddress('zonePlant', n);
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-zone-plant-'));

let store: ConsoleStore;
let svc: RunningConsole;
let cellPlc: ListenerFixture;
let historian: ListenerFixture;
let workstation: ListenerFixture;
let safetyPlc: ListenerFixture;
const port = (f: ListenerFixture) => f.ports.tcp ?? 0;

async function enrol(zone: string): Promise<void> {
  const keys = await writeKeyPair(join(dir, `keys-${zone}`));
  const pub = parsePublicKey(readFileSync(keys.publicFile, 'utf8'), 'pub');
  writeFileSync(join(dir, `token-${zone}.txt`), await store.enrollAgent(`agent-${zone}`, pub, await keyId(pub), new Date(), { zones: [zone] }));
}

function agentConfig(zone: string, body: string): string {
  const file = `${zone}.yaml`;
  writeFileSync(
    join(dir, file),
    `${body}\nscan: {connectTimeoutMs: 300, stepTimeoutMs: 300, deviceBudgetMs: 8000}\n` +
      `signing: {keyFile: keys-${zone}/signing.key, agentId: agent-${zone}}\n` +
      `upload: {url: "${svc.url}", tokenFile: token-${zone}.txt, spoolDir: spool-${zone}, retry: {attempts: 1}}\n`,
  );
  return file;
}

/** One `cellcheck agent --once` process; resolves with its exit code and the result of its run. */
function runAgent(zone: string, config: string): Promise<{ code: number | null; result: Result }> {
  const out = join(dir, `runs-${zone}`);
  const child = spawn(process.execPath, [join(ROOT, 'agent/cli.ts'), 'agent', '--once', '--config', config, '--out', out, '--log', join(dir, `${zone}.log`)], {
    cwd: dir,
    stdio: 'ignore',
  });
  return new Promise((done) =>
    child.on('exit', (code) => {
      const runId = readdirSync(out).find((n) => !n.startsWith('.')) ?? '';
      done({ code, result: Result.parse(JSON.parse(readFileSync(join(out, runId, 'result.json'), 'utf8'))) });
    }),
  );
}

beforeAll(async () => {
  [cellPlc, historian, workstation, safetyPlc] = await Promise.all([
    serveListener({ name: 'cell-plc', host: at(5) }),
    serveListener({ name: 'historian', host: at(20) }),
    serveListener({ name: 'engineering-ws', host: at(21) }),
    serveListener({ name: 'safety-plc', host: at(22) }),
  ]);
  store = await ConsoleStore.open(join(dir, 'console.db'));
  svc = await startConsole({ store, host: at(1), port: 0 });
  await enrol('cell');
  await enrol('scada');
  const model = {
    zones: [
      {
        name: 'cell',
        slT: 2,
        ranges: [`${at(0)}/28`],
        conduits: [{ to: 'scada', ports: [port(historian)], purpose: 'OPC UA to the historian', owner: 'OT team' }],
      },
      { name: 'scada', slT: 2, ranges: [`${at(16)}/28`], conduits: [] },
    ],
  };
  const proposal = await proposeModel(store, model, 'two zones, one conduit', { user: 'erin', role: 'engineer' }, new Date());
  await store.proposals.approve(proposal.id, { user: 'omar', role: 'engineer' }, new Date());
}, 30_000);
afterAll(async () => {
  await Promise.all([cellPlc, historian, workstation, safetyPlc].map((f) => f?.close()));
  await svc?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated two-zone plant', () => {
  it('finds the undeclared path, verifies the conduit, and keeps the deny list', async () => {
    const scada = await runAgent(
      'scada',
      agentConfig(
        'scada',
        `zone: {name: scada, slT: 2, cidrs: ["${at(16)}/28"]}\n` +
          `targets: [{host: ${at(20)}, ports: {opcua: ${port(historian)}}}, {host: ${at(21)}, ports: {vnc: ${port(workstation)}}}, {host: ${at(22)}, ports: {modbus: ${port(safetyPlc)}}}]`,
      ),
    );
    expect(scada.result.devices.map((d) => d.address).sort()).toEqual([at(20), at(21), at(22)]);
    expect(scada.result.boundary).toBeUndefined();

    const seen = (f: ListenerFixture) => ({ connections: f.log.connections, bytes: f.bytesReceived() });
    const before = { historian: seen(historian), workstation: seen(workstation), safety: seen(safetyPlc) };
    const cell = await runAgent(
      'cell',
      agentConfig(
        'cell',
        `zone: {name: cell, slT: 2, cidrs: ["${at(0)}/28"]}\ntargets: [{host: ${at(5)}, ports: {modbus: ${port(cellPlc)}}}]\n` +
          `deny: [${at(22)}]\nreachability: {fromConsole: true, limits: {connectTimeoutMs: 500}}`,
      ),
    );
    expect(cell.code).toBe(0);
    const r = cell.result;
    expect(r.boundary?.source).toBe('console');
    expect(r.reachability).toEqual([
      { host: at(20), port: port(historian), zone: 'scada', state: 'reachable' },
      { host: at(21), port: port(workstation), zone: 'scada', state: 'reachable' },
    ]);
    expect(r.boundaryViolations?.map((v) => [v.host, v.port, v.zone])).toEqual([[at(21), port(workstation), 'scada']]);
    expect(r.boundary?.conduits.map((c) => c.use)).toEqual(['verified']);
    expect(r.boundary?.unchecked).toEqual([{ host: at(22), zone: 'scada', ports: [port(safetyPlc)], reason: 'on the deny list' }]);
    // One connect and close per path, not a byte sent; nothing at all to the denied PLC.
    expect(seen(historian)).toEqual({ connections: before.historian.connections + 1, bytes: before.historian.bytes });
    expect(seen(workstation)).toEqual({ connections: before.workstation.connections + 1, bytes: before.workstation.bytes });
    expect(seen(safetyPlc)).toEqual(before.safety);
    // The signed result the console stored carries the violation for both zones' pages.
    expect((await storedResult(store.db, r.runId))?.boundaryViolations?.map((v) => v.host)).toEqual([at(21)]);
  }, 60_000);
});

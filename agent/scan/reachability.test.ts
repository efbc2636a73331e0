import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileFixture } from '../../fixtures/hostile.ts';
import { type ListenerFixture, serveListener } from '../../fixtures/tcp-listener.ts';
import { untilClosed } from '../../probes/test-kit.ts';
import { parseConfig } from '../config/config.ts';
import { judgeBoundary } from '../judge/boundary.ts';
import { judgeRun } from '../judge/judge.ts';
import { loadJudge } from '../judge/judge-loader.ts';
import { readResult, readRunDir } from '../run-dir/rundir.ts';
import { runScan } from './run-scan.ts';
import { planScan, renderPlan } from './plan.ts';
import { progressReporter } from './progress.ts';
import { checkReachability, planPairs, planReachability, worstCaseMs } from './reachability.ts';

/** The zone under test is 127.101.0.0/29; the "other zone" is 127.101.0.16/28. */
const OWN = '127.101.0.2';
const ALLOWED = '127.101.0.17';
const UNDECLARED = '127.101.0.18';
const DENIED = '127.101.0.19';
const NOBODY = '127.101.0.20';

let own: ListenerFixture;
let allowed: ListenerFixture;
let undeclared: ListenerFixture;
let denied: ListenerFixture;
let closedPort: number;

/** A port where nothing listens: bound once, then closed. */
async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  [own, allowed, undeclared, denied] = await Promise.all([
    serveListener({ name: 'own', host: OWN }),
    serveListener({ name: 'historian', host: ALLOWED }),
    serveListener({ name: 'engineering-ws', host: UNDECLARED }),
    serveListener({ name: 'safety-plc', host: DENIED }),
  ]);
  closedPort = await freePort(NOBODY);
});
afterAll(async () => {
  await Promise.all([own, allowed, undeclared, denied].map((f) => f.close()));
});

const port = (f: ListenerFixture) => f.ports.tcp ?? 0;

function config(extra: { maxPairs?: number } = {}) {
  return parseConfig(
    {
      zone: {
        name: 'cell',
        slT: 2,
        cidrs: ['127.101.0.0/29'],
        conduits: [{ to: 'scada', ports: [port(allowed)], purpose: 'OPC UA to the historian' }],
      },
      targets: [{ host: OWN }],
      deny: [DENIED],
      reachability: {
        destinations: [
          { host: ALLOWED, ports: [port(allowed)], zone: 'scada' },
          { host: UNDECLARED, ports: [port(undeclared)], zone: 'scada' },
          { host: DENIED, ports: [port(denied)], zone: 'scada' },
          { host: NOBODY, ports: [closedPort], zone: 'scada' },
          { host: OWN, ports: [port(own)] },
        ],
        limits: { connectTimeoutMs: 1000, ...(extra.maxPairs ? { maxPairs: extra.maxPairs } : {}) },
      },
    },
    'zone.yaml',
  );
}

describe('zone-boundary check', () => {
  it('plans without the deny list and the own zone, and bounds the cost', () => {
    const plan = planReachability(config());
    expect(plan?.destinations.map((d) => d.host)).toEqual([ALLOWED, UNDECLARED, NOBODY]);
    expect(plan?.unchecked).toEqual([
      { host: DENIED, zone: 'scada', ports: [port(denied)], reason: 'on the deny list' },
      { host: OWN, ports: [port(own)], reason: "inside the zone's own ranges: no boundary to cross" },
    ]);
    if (!plan) throw new Error('planned');
    expect(planPairs(plan)).toBe(3);
    // 3 pairs, 4 at a time, 1000 ms each at worst: one round of timeouts.
    expect(worstCaseMs(plan)).toBe(1000);
  });

  it('is labelled in scan --plan with its cost, what it tries, what it never tries and the conduits', () => {
    const text = renderPlan(planScan(config(), []));
    const section = text.slice(text.indexOf('Zone-boundary check'));
    expect(section.split('\n').slice(0, 2)).toEqual([
      'Zone-boundary check (opt-in reachability, destinations from the config): tcp.connect and an immediate close per path, no data sent',
      '  cost: 3 connects to 3 address(es) in other zones, 4 at a time, one port at a time each, 20 connects/s, connect 1000 ms; at least 100 ms, at most 1000 ms (limit 120000 ms, 1024 paths)',
    ]);
    expect(section).toContain(`  ${UNDECLARED} (zone scada): TCP ${port(undeclared)}`);
    expect(section).toContain(`  not tried: ${DENIED} TCP ${port(denied)} (on the deny list)`);
    expect(section).toContain(`  conduit: to scada, TCP ${port(allowed)} (OPC UA to the historian)`);
    expect(renderPlan(planScan(parseConfig({ zone: { name: 'cell', slT: 2 }, targets: [{ host: OWN }] }, 'zone.yaml'), []))).not.toContain('Zone-boundary');
  });

  it('connects and closes once per path, sends no byte, and finds the undeclared path', async () => {
    const cfg = config();
    const plan = planReachability(cfg);
    if (!plan) throw new Error('planned');
    const { facts, transcripts } = await checkReachability(plan, cfg);
    await untilClosed(() => allowed.log.openConnections + undeclared.log.openConnections);
    expect(facts.paths).toEqual([
      { host: ALLOWED, port: port(allowed), zone: 'scada', state: 'reachable' },
      { host: UNDECLARED, port: port(undeclared), zone: 'scada', state: 'reachable' },
      { host: NOBODY, port: closedPort, zone: 'scada', state: 'refused' },
    ]);
    for (const f of [allowed, undeclared]) {
      expect(f.log.connections).toBe(1);
      expect(f.bytesReceived()).toBe(0);
      expect(f.log.requests).toEqual([]);
    }
    expect(denied.log.connections).toBe(0);
    expect(own.log.connections).toBe(0);
    expect(transcripts.get(ALLOWED)?.map((e) => e.op)).toEqual(['tcp.connect', 'tcp.connected', 'tcp.close']);

    const judged = judgeBoundary('cell', facts, []);
    expect(judged.boundaryViolations?.map((v) => [v.host, v.port, v.requirements])).toEqual([
      [UNDECLARED, port(undeclared), ['62443-3-3 SR 5.1', '62443-3-3 SR 5.2', `62443-4-2 CR 5.1 of ${UNDECLARED}`]],
    ]);
    expect(judged.boundary?.conduits.map((c) => [c.conduit.purpose, c.use])).toEqual([['OPC UA to the historian', 'verified']]);
    expect(judged.boundary?.unchecked.map((u) => u.reason)).toEqual(['on the deny list', "inside the zone's own ranges: no boundary to cross"]);
  });

  it('tries no more than limits.maxPairs paths and reports the rest unchecked', async () => {
    const before = undeclared.log.connections;
    const cfg = config({ maxPairs: 1 });
    const plan = planReachability(cfg);
    if (!plan) throw new Error('planned');
    const { facts } = await checkReachability(plan, cfg);
    expect(facts.paths.map((p) => p.host)).toEqual([ALLOWED]);
    expect(undeclared.log.connections).toBe(before);
    expect(facts.unchecked.filter((u) => u.reason.startsWith('over the limit of 1 paths')).map((u) => u.host)).toEqual([UNDECLARED, NOBODY]);
  });

  it('stops when the caller aborts (a maintenance window opens): nothing tried is reported as a state', async () => {
    const before = allowed.log.connections;
    const cfg = config();
    const plan = planReachability(cfg);
    if (!plan) throw new Error('planned');
    const { facts } = await checkReachability(plan, cfg, AbortSignal.abort(new Error('maintenance window')));
    expect(facts.paths).toEqual([]);
    expect(allowed.log.connections).toBe(before);
    expect(facts.unchecked.map((u) => u.host)).toEqual([DENIED, OWN, ALLOWED, UNDECLARED, NOBODY]);
    expect(facts.unchecked.at(-1)?.reason).toBe('the check was stopped: maintenance window');
  });

  it('a scan keeps the paths in run.json, so evaluate judges the same violation without a packet', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cellcheck-reach-run-'));
    try {
      const judge = loadJudge();
      const progress: string[] = [];
      const report = progressReporter({ write: (t) => progress.push(String(t)) }, { live: false, color: false });
      const { runDir, result } = await runScan({ config: config(), outDir: out, probes: [], judge, runId: 'reach-run', onProgress: report });
      expect(progress).toContain('zone-boundary check: 3 path(s) to 3 address(es) in other zones, at most 1 s\n');
      expect(result.boundaryViolations?.map((v) => v.host)).toEqual([UNDECLARED]);
      expect(readResult(runDir).boundaryViolations).toEqual(result.boundaryViolations);
      expect(readdirSync(join(runDir, 'transcripts'))).toContain(`reachability-${UNDECLARED}.jsonl`);
      const again = judgeRun(readRunDir(runDir).run, judge);
      expect(again.reachability).toEqual(result.reachability);
      expect(again.boundary).toEqual(result.boundary);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a destination that floods or drips on connect is closed at once and read from never', async () => {
    const hostile = await Promise.all([
      startHostileFixture({ host: '127.101.0.21', port: 0, behaviour: 'endless' }),
      startHostileFixture({ host: '127.101.0.22', port: 0, behaviour: 'drip' }),
    ]);
    try {
      const cfg = parseConfig(
        {
          zone: { name: 'cell', slT: 2, cidrs: ['127.101.0.0/29'] },
          targets: [{ host: OWN }],
          reachability: { destinations: hostile.map((f) => ({ host: f.host, ports: [f.ports.tcp ?? 0] })) },
        },
        'zone.yaml',
      );
      const plan = planReachability(cfg);
      if (!plan) throw new Error('planned');
      const started = performance.now();
      const { facts } = await checkReachability(plan, cfg);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(facts.paths.map((p) => p.state)).toEqual(['reachable', 'reachable']);
      await untilClosed(() => hostile.reduce((n, f) => n + f.log.openConnections, 0));
      for (const f of hostile) expect([f.log.connections, f.log.requests]).toEqual([1, []]);
    } finally {
      await Promise.all(hostile.map((f) => f.close()));
    }
  });

  it('with fromConsole and no console answer, tries nothing and says why', () => {
    const cfg = parseConfig({ zone: { name: 'cell', slT: 2 }, targets: [{ host: OWN }], reachability: { fromConsole: true } }, 'zone.yaml');
    const plan = planReachability(cfg);
    expect(plan?.destinations).toEqual([]);
    expect(plan?.notice).toBe('destinations come from the console (reachability.fromConsole), fetched when the scan starts');
  });

  it('refuses a config without destinations or the console, naming the key', () => {
    expect(() => parseConfig({ zone: { name: 'cell', slT: 2 }, targets: [{ host: OWN }], reachability: {} }, 'zone.yaml')).toThrow(
      /reachability: list destinations, or set fromConsole: true/,
    );
    expect(() =>
      parseConfig({ zone: { name: 'cell', slT: 2, conduits: [{ to: 'scada', ports: [], purpose: 'x' }] }, targets: [{ host: OWN }] }, 'zone.yaml'),
    ).toThrow(/zone\.conduits\[0\]\.ports: list at least one port/);
  });
});

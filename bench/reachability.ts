/**
 * What a zone-boundary check of N paths costs (issue 21): N destinations on 127.101.4.0/24, each
 * one path, all reachable (a listener) or all refused (nothing listens), with the default limits
 * and with a faster rate. Prints the wall time next to the plan's least and most time.
 * Run: node bench/reachability.ts
 */
import { parseConfig } from '../agent/config/config.ts';
import { checkReachability, leastMs, planReachability, worstCaseMs } from '../agent/scan/reachability.ts';
import { type ListenerFixture, serveListener } from '../fixtures/tcp-listener.ts';

const PREFIX = '127.101.4';
const LISTEN_PORT = 40_404;
const CLOSED_PORT = 40_405;

async function measure(n: number, port: number, limits: Record<string, number>) {
  const config = parseConfig(
    {
      zone: { name: 'bench', slT: 1, cidrs: ['127.101.5.0/24'] },
      targets: [{ host: '127.101.5.1' }],
      reachability: { destinations: Array.from({ length: n }, (_, i) => ({ host: `${PREFIX}.${i + 1}`, ports: [port] })), limits },
    },
    'bench',
  );
  const plan = planReachability(config);
  if (!plan) throw new Error('no plan');
  const started = performance.now();
  const { facts } = await checkReachability(plan, config);
  const ms = Math.round(performance.now() - started);
  const states = [...new Set(facts.paths.map((p) => p.state))].join('/');
  return `${String(n).padStart(4)} paths ${states.padEnd(9)} ${String(plan.limits.connectionsPerSecond).padStart(4)} connects/s: ${String(ms).padStart(6)} ms (plan: at least ${leastMs(plan)} ms, at most ${worstCaseMs(plan)} ms)`;
}

const listeners: ListenerFixture[] = [];
for (let i = 1; i <= 200; i++) listeners.push(await serveListener({ name: `d${i}`, host: `${PREFIX}.${i}`, port: LISTEN_PORT }));
try {
  for (const n of [10, 50, 200]) {
    console.log(await measure(n, LISTEN_PORT, {}));
    console.log(await measure(n, CLOSED_PORT, {}));
    console.log(await measure(n, LISTEN_PORT, { connectionsPerSecond: 200 }));
  }
  const bytes = listeners.reduce((sum, l) => sum + l.bytesReceived(), 0);
  console.log(`bytes received by all listeners: ${bytes}`);
} finally {
  await Promise.all(listeners.map((l) => l.close()));
}

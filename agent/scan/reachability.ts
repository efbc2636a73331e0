import { DISCOVERY_OPS, DISCOVERY_PROBE, discoverPorts, type PortResult } from '../../probes/discovery.ts';
import { Transcript, type TranscriptEntry } from '../../probes/transcript.ts';
import { cidrContains, expandCidr, parseCidr } from '../../profiles/cidr.ts';
import type { Conduit, Destination, PathResult, ReachabilityFacts, ReachabilityView, UncheckedPaths } from '../../profiles/zone-model.ts';
import type { Config } from '../config/config.ts';
import { limitConcurrency } from './concurrency.ts';
import { denyList, zoneCidrs } from './targets.ts';
import { DeviceGate, PacketRate } from './traffic.ts';

type Limits = NonNullable<Config['reachability']>['limits'];

export interface ReachabilityPlan {
  readonly source: ReachabilityFacts['source'];
  readonly ranges: readonly string[];
  readonly conduits: readonly Conduit[];
  /** What will be tried: each destination one port at a time, within the limits. */
  readonly destinations: readonly Destination[];
  readonly unchecked: readonly UncheckedPaths[];
  readonly limits: Limits;
  readonly notice?: string;
}

/** Address × port pairs the plan tries. */
export function planPairs(plan: Pick<ReachabilityPlan, 'destinations'>): number {
  return plan.destinations.reduce((n, d) => n + d.ports.length, 0);
}

/** Config destinations as the console gives them: a range becomes its host addresses. */
function configDestinations(r: NonNullable<Config['reachability']>): Destination[] {
  return r.destinations.flatMap((d) => {
    const zone = d.zone === undefined ? {} : { zone: d.zone };
    if (d.host !== undefined) return [{ host: d.host, ports: d.ports, ...zone }];
    const c = parseCidr(d.cidr ?? '');
    return typeof c === 'string' ? [] : expandCidr(c).map((host) => ({ host, ports: d.ports, ...zone }));
  });
}

/**
 * What the zone-boundary check will try, without sending anything (also `scan --plan`): the
 * destinations of the console's view (with `fromConsole`) or of the config, minus the deny list
 * and the zone's own ranges, cut at `limits.maxPairs`. Undefined when the config does not opt in.
 * `consoleView` is the console's view, or why it could not be had.
 */
export function planReachability(config: Config, consoleView?: ReachabilityView | string): ReachabilityPlan | undefined {
  const r = config.reachability;
  if (!r) return undefined;
  const view = r.fromConsole && typeof consoleView !== 'string' ? consoleView : undefined;
  const ranges = view?.ranges ?? zoneCidrs(config);
  const base = {
    source: r.fromConsole ? ('console' as const) : ('config' as const),
    ranges,
    conduits: view?.conduits ?? config.zone.conduits,
    limits: r.limits,
  };
  if (r.fromConsole && !view) {
    const notice =
      typeof consoleView === 'string' ? consoleView : 'destinations come from the console (reachability.fromConsole), fetched when the scan starts';
    return { ...base, destinations: [], unchecked: [], notice };
  }
  const own = ranges.flatMap((text) => {
    const c = parseCidr(text);
    return typeof c === 'string' ? [] : [c];
  });
  const denied = denyList(config);
  const merged = new Map<string, { zone?: string; ports: Set<number> }>();
  for (const d of view?.destinations ?? configDestinations(r)) {
    const entry = merged.get(d.host) ?? { ports: new Set<number>(), ...(d.zone === undefined ? {} : { zone: d.zone }) };
    for (const p of d.ports) entry.ports.add(p);
    merged.set(d.host, entry);
  }
  const destinations: Destination[] = [];
  const unchecked: UncheckedPaths[] = [];
  let room = r.limits.maxPairs;
  for (const [host, { zone, ports: set }] of merged) {
    const ports = [...set].sort((a, b) => a - b);
    const at = zone === undefined ? {} : { zone };
    const skip = denied(host) ? 'on the deny list' : own.some((c) => cidrContains(c, host)) ? "inside the zone's own ranges: no boundary to cross" : undefined;
    if (skip) {
      unchecked.push({ host, ...at, ports, reason: skip });
      continue;
    }
    const tried = ports.slice(0, room);
    room -= tried.length;
    if (tried.length > 0) destinations.push({ host, ports: tried, ...at });
    if (tried.length < ports.length)
      unchecked.push({ host, ...at, ports: ports.slice(tried.length), reason: `over the limit of ${r.limits.maxPairs} paths (reachability.limits.maxPairs)` });
  }
  return { ...base, destinations, unchecked };
}

const STATE_OF_PORT: Partial<Record<PortResult['state'], PathResult['state']>> = { open: 'reachable', closed: 'refused', filtered: 'filtered' };

/** Least time of the whole check: the connect rate, less the burst the packet rate lets through at once (agent/scan/traffic.ts). */
export function leastMs(plan: ReachabilityPlan): number {
  const rate = plan.limits.connectionsPerSecond;
  return Math.ceil((Math.max(0, planPairs(plan) - Math.max(1, rate / 20)) / rate) * 1000);
}

/** Worst case of the whole check: every connect waiting its full timeout, `concurrency` at a time, cut at the total time. */
export function worstCaseMs(plan: ReachabilityPlan): number {
  const pairs = planPairs(plan);
  const byRate = (pairs / plan.limits.connectionsPerSecond) * 1000;
  const byTimeouts = Math.ceil(pairs / plan.limits.concurrency) * plan.limits.connectTimeoutMs;
  return Math.min(plan.limits.totalTimeMs, Math.max(byRate, byTimeouts));
}

/**
 * Tries every planned path: a TCP connect, no payload, an immediate close (discovery's connect
 * check), through a traffic gate per destination (deny list, its ports as the request budget,
 * the minimum gap, one packet rate for the whole check), `limits.concurrency` destinations at a
 * time, each one port at a time, all of it ended by `limits.totalTimeMs` or the caller's signal
 * (a maintenance window). A destination that answers nothing `scan.breakerAfter` times is left alone.
 */
export async function checkReachability(
  plan: ReachabilityPlan,
  config: Config,
  signal?: AbortSignal,
): Promise<{ facts: ReachabilityFacts; transcripts: Map<string, readonly TranscriptEntry[]> }> {
  const { limits } = plan;
  const total = AbortSignal.timeout(limits.totalTimeMs);
  const budget = signal ? AbortSignal.any([total, signal]) : total;
  const rate = new PacketRate(limits.connectionsPerSecond);
  const denied = denyList(config);
  const allowedOps = new Map([[DISCOVERY_PROBE, new Set<string>(DISCOVERY_OPS)]]);
  const transcripts = new Map<string, readonly TranscriptEntry[]>();
  const tried = await limitConcurrency(plan.destinations, limits.concurrency, async (d) => {
    const transcript = new Transcript();
    const gate = new DeviceGate({
      address: d.host,
      allowedOps,
      limits: {
        requestBudget: d.ports.length,
        minGapMs: config.scan.minGapMs,
        packetsPerSecond: limits.connectionsPerSecond,
        breakerAfter: config.scan.breakerAfter,
      },
      rate,
      signal: budget,
      denied,
    });
    const ports = await discoverPorts({
      address: d.host,
      ports: d.ports,
      timeoutMs: limits.connectTimeoutMs,
      signal: budget,
      transcript,
      silentAfter: config.scan.breakerAfter,
      gate,
    });
    transcripts.set(d.host, transcript.entries());
    return { d, ports };
  });
  const paths: PathResult[] = [];
  const unchecked: UncheckedPaths[] = [...plan.unchecked];
  for (const { d, ports } of tried) {
    const at = d.zone === undefined ? {} : { zone: d.zone };
    const notTried = new Map<string, number[]>();
    for (const p of ports) {
      const state = STATE_OF_PORT[p.state];
      if (state) paths.push({ host: d.host, port: p.port, ...at, state });
      else {
        const reason = total.aborted
          ? `the check's time limit of ${limits.totalTimeMs} ms was spent`
          : signal?.aborted
            ? `the check was stopped: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason)}`
            : (p.detail ?? p.state);
        notTried.set(reason, [...(notTried.get(reason) ?? []), p.port]);
      }
    }
    for (const [reason, list] of notTried) unchecked.push({ host: d.host, ...at, ports: list, reason });
  }
  const facts: ReachabilityFacts = {
    source: plan.source,
    ranges: [...plan.ranges],
    conduits: [...plan.conduits],
    paths,
    unchecked,
    ...(plan.notice ? { notice: plan.notice } : {}),
  };
  return { facts, transcripts };
}

/** The plan of the check as `scan --plan` prints it: what is tried, what is not, and what it costs. */
export function renderReachabilityPlan(plan: ReachabilityPlan): string[] {
  const l = plan.limits;
  const pairs = planPairs(plan);
  const lines = [
    `Zone-boundary check (opt-in reachability, destinations from the ${plan.source}): ${DISCOVERY_OPS.join(', ')} and an immediate close per path, no data sent`,
    `  cost: ${pairs} connects to ${plan.destinations.length} address(es) in other zones, ${l.concurrency} at a time, one port at a time each, ` +
      `${l.connectionsPerSecond} connects/s, connect ${l.connectTimeoutMs} ms; at least ${leastMs(plan)} ms, ` +
      `at most ${worstCaseMs(plan)} ms (limit ${l.totalTimeMs} ms, ${l.maxPairs} paths)`,
  ];
  if (plan.notice) lines.push(`  nothing tried: ${plan.notice}`);
  for (const d of plan.destinations) lines.push(`  ${d.host}${d.zone ? ` (zone ${d.zone})` : ''}: TCP ${d.ports.join(', ')}`);
  for (const u of plan.unchecked) lines.push(`  not tried: ${u.host} TCP ${u.ports.join(', ')} (${u.reason})`);
  for (const c of plan.conduits) lines.push(`  conduit: to ${c.to}, TCP ${c.ports.join(', ')} (${c.purpose}${c.owner ? `, ${c.owner}` : ''})`);
  if (plan.conduits.length === 0) lines.push('  no conduit declared: every reachable path is a violation');
  return lines;
}

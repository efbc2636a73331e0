import { DISCOVERY_OPS } from '../../probes/discovery.ts';
import type { ProbeDefinition } from '../../probes/types.ts';
import { DISCOVERY_SILENT_AFTER, portsFor, probeWithheld, protocolsOf, tcpProbesFor, udpPortFor } from './collect.ts';
import type { Config } from '../config/config.ts';
import { deniedTargets, type PlannedTarget, planTargets } from './targets.ts';
import { planReachability, type ReachabilityPlan, renderReachabilityPlan } from './reachability.ts';

export interface PlannedProbe {
  readonly probe: string;
  readonly safety: string;
  /** The config flag that turned it on, for a probe that runs only when opted in (shown, so an operator sees what the opt-in sends). */
  readonly optIn?: string;
  /** Operation kinds it may send (its allow-list), in order. */
  readonly ops: readonly string[];
}

export interface PlannedService {
  readonly transport: 'tcp' | 'udp';
  readonly protocol: string;
  readonly port: number;
  /** When the probes are sent: after discovery found the port open, or on the condition given. */
  readonly when: string;
  readonly probes: readonly PlannedProbe[];
  readonly withheld: readonly { readonly probe: string; readonly reason: string }[];
}

export interface DevicePlan {
  readonly addresses: readonly string[];
  readonly discoveryPorts: readonly number[];
  readonly services: readonly PlannedService[];
}

export interface ScanPlan {
  readonly devices: readonly DevicePlan[];
  readonly denied: readonly string[];
  readonly limits: Config['scan'];
  /** The zone-boundary check, when the config opts in (agent/scan/reachability.ts). */
  readonly reachability?: ReachabilityPlan;
}

function service(
  target: PlannedTarget,
  config: Config,
  transport: 'tcp' | 'udp',
  protocol: string,
  port: number,
  when: string,
  candidates: readonly ProbeDefinition[],
): PlannedService | undefined {
  const probes: PlannedProbe[] = [];
  const withheld: PlannedService['withheld'][number][] = [];
  for (const p of candidates) {
    const reason = probeWithheld(p, target, config, candidates);
    const ops = p.ops.filter((op) => p.opsOnlyOn?.[op]?.includes(protocol) ?? true);
    if (reason === undefined) probes.push({ probe: p.id, safety: p.safety, ...(p.optIn ? { optIn: p.optIn } : {}), ops });
    else withheld.push({ probe: p.id, reason });
  }
  return candidates.length === 0 ? undefined : { transport, protocol, port, when, probes, withheld };
}

function devicePlan(target: PlannedTarget, config: Config, probes: readonly ProbeDefinition[]): Omit<DevicePlan, 'addresses'> {
  const wanted = portsFor(target);
  const services: PlannedService[] = [];
  for (const { protocol, port } of wanted) {
    const s = service(target, config, 'tcp', protocol, port, `if TCP ${port} is open`, tcpProbesFor(probes, protocol));
    if (s) services.push(s);
  }
  const udpWhen = target.fromRange ? 'if any TCP service answered' : 'always (named as a host)';
  for (const p of probes.filter((x) => x.transport === 'udp')) {
    const tcp = p.skipAfter ? probes.find((x) => x.id === p.skipAfter) : undefined;
    const tcpPort = tcp && wanted.find((w) => protocolsOf(tcp).includes(w.protocol))?.port;
    const when = tcpPort === undefined ? udpWhen : `${udpWhen}, unless ${tcp?.id} answered on TCP ${tcpPort}`;
    const s = service(target, config, 'udp', p.protocol, udpPortFor(p, target), when, [p]);
    if (s) services.push(s);
  }
  return { discoveryPorts: wanted.map((w) => w.port), services };
}

/**
 * Everything a scan of this config may send, per device, without sending anything: discovery's
 * connects, then per service the probes that would run and the operation kinds each may send.
 * Addresses with the same plan are grouped.
 */
export function planScan(config: Config, probes: readonly ProbeDefinition[]): ScanPlan {
  const groups = new Map<string, { addresses: string[]; plan: Omit<DevicePlan, 'addresses'> }>();
  for (const target of planTargets(config)) {
    const plan = devicePlan(target, config, probes);
    const key = JSON.stringify(plan);
    const group = groups.get(key);
    if (group) group.addresses.push(target.address);
    else groups.set(key, { addresses: [target.address], plan });
  }
  const reachability = planReachability(config);
  return {
    devices: [...groups.values()].map((g) => ({ addresses: g.addresses, ...g.plan })),
    denied: deniedTargets(config),
    limits: config.scan,
    ...(reachability ? { reachability } : {}),
  };
}

function addressList(addresses: readonly string[]): string {
  return addresses.length <= 6 ? addresses.join(', ') : `${addresses.slice(0, 3).join(', ')} … ${addresses.at(-1)} (${addresses.length} addresses)`;
}

export function renderPlan(plan: ScanPlan): string {
  const l = plan.limits;
  const lines = [
    'Scan plan: nothing below has been sent.',
    `Limits: ${l.concurrency} devices at a time, one connection per device at a time, ${l.requestBudget} packets per device at most, ` +
      `${l.minGapMs} ms between packets to a device, ${l.packetsPerSecond} packets/s in all, connect ${l.connectTimeoutMs} ms, ` +
      `step ${l.stepTimeoutMs} ms, device ${l.deviceBudgetMs} ms, breaker after ${l.breakerAfter} silent probes.`,
  ];
  for (const d of plan.devices) {
    lines.push('', addressList(d.addresses));
    lines.push(
      `  discovery: ${DISCOVERY_OPS.join(', ')} to TCP ${d.discoveryPorts.join(', ')}, one at a time, no data sent by discovery (an open port's first probe runs on that connection); given up after ${DISCOVERY_SILENT_AFTER} unanswered`,
    );
    for (const s of d.services) {
      lines.push(`  ${s.transport.toUpperCase()} ${s.port} ${s.protocol}, ${s.when}:`);
      for (const p of s.probes) lines.push(`    ${p.probe} [${p.safety}${p.optIn ? `, opt-in probes.${p.optIn}` : ''}]: ${p.ops.join(', ')}`);
      for (const w of s.withheld) lines.push(`    not sent: ${w.probe} (${w.reason})`);
    }
  }
  if (plan.denied.length > 0) lines.push('', `Never contacted (deny list): ${addressList(plan.denied)}`);
  if (plan.reachability) lines.push('', ...renderReachabilityPlan(plan.reachability));
  return `${lines.join('\n')}\n`;
}

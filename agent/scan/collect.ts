import type { Socket } from 'node:net';
import { closeDiscoveryConnection, DISCOVERY_OPS, DISCOVERY_PROBE, discoverPorts } from '../../probes/discovery.ts';
import { HOST_CREDENTIAL_OPTION } from '../../probes/host/probe.ts';
import type { HostCredential } from '../../probes/host/session.ts';
import type { DeviceObservation, Service } from '../../probes/observation.ts';
import type { ProbeDefinition } from '../../probes/types.ts';
import { runProbe } from '../../probes/run.ts';
import { SERVICE_PORTS, SERVICE_PROTOCOLS, type ServiceProtocol } from '../../probes/services.ts';
import { Transcript, type TranscriptEntry } from '../../probes/transcript.ts';
import { RoundTrips } from '../../probes/round-trip.ts';
import type { ProbeOutcome, SocketHandover } from '../../probes/types.ts';
import { SAFETY_CLASSES } from '../../probes/types.ts';
import type { Config } from '../config/config.ts';
import { limitConcurrency } from './concurrency.ts';
import { credentialIndex } from './credentials.ts';
import { denyList, type PlannedTarget } from './targets.ts';
import { DeviceGate, PacketRate } from './traffic.ts';

export type ProgressEvent =
  | { readonly type: 'device-start'; readonly address: string }
  | { readonly type: 'discovered'; readonly address: string; readonly open: readonly number[] }
  | { readonly type: 'probe'; readonly address: string; readonly probe: string; readonly port: number }
  | { readonly type: 'device-done'; readonly address: string; readonly found: boolean }
  /** The zone-boundary check starts (agent/scan/reachability.ts), after every device. */
  | { readonly type: 'boundary-check'; readonly paths: number; readonly addresses: number; readonly worstCaseMs: number };

export interface CollectDeps {
  readonly probes: readonly ProbeDefinition[];
  readonly now: () => Date;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Secrets of `config.credentials`, index-aligned (agent/scan/credentials.ts), for probes that log in. */
  readonly credentials?: readonly HostCredential[];
  /** Ends every device's probing early (the agent stopping, a maintenance window starting); sockets close as on a spent budget. */
  readonly signal?: AbortSignal;
  /** Takes each found device's transcript as soon as the device is done, so a large scan does not hold them all until the end. */
  readonly spoolTranscript?: (address: string, entries: readonly TranscriptEntry[]) => void;
}

export interface Collected {
  readonly observations: DeviceObservation[];
  /** Transcripts of found devices, unless `spoolTranscript` took them. */
  readonly transcripts: ReadonlyMap<string, readonly TranscriptEntry[]>;
  /** Addresses contacted in which nothing answered. */
  readonly silent: readonly string[];
}

/** True when the config turns on what a probe needs opting into (a flag, or a non-empty list). */
export function optedIn(config: Config, flag: string | undefined): boolean {
  if (flag === undefined) return true;
  const [protocol, key] = flag.split('.');
  const section = (config.probes as Record<string, Record<string, unknown> | undefined>)[protocol ?? ''];
  const value = section?.[key ?? ''];
  return Array.isArray(value) ? value.length > 0 : value === true;
}

function probeOptions(config: Config, protocol: string): Readonly<Record<string, unknown>> {
  return (config.probes as Record<string, Record<string, unknown> | undefined>)[protocol] ?? {};
}

/** Ports to connect to on one target: the curated list with the target's overrides. */
export function portsFor(target: PlannedTarget): { port: number; protocol: ServiceProtocol }[] {
  return SERVICE_PROTOCOLS.map((protocol) => ({ protocol, port: target.ports[protocol] ?? SERVICE_PORTS[protocol] }));
}

/** Why a probe is not sent to a target by its own terms (safety ceiling, opt-in, credentials), or undefined. */
function ownReason(probe: ProbeDefinition, target: PlannedTarget, config: Config): string | undefined {
  if (SAFETY_CLASSES.indexOf(probe.safety) > SAFETY_CLASSES.indexOf(target.safety))
    return `${probe.safety} is above the target's safety ceiling ${target.safety}`;
  if (!optedIn(config, probe.optIn)) return `needs the opt-in probes.${probe.optIn}`;
  if (probe.credential && credentialIndex(config, target) === undefined) return `no credentials entry matches this device (by host or role)`;
  return undefined;
}

/**
 * The probe that runs in place of `probe`: the last one along its replacedBy chain (each collecting
 * the facts of the one before, and more, on the same one connection) that its own terms allow.
 */
function replacementThatRuns(probe: ProbeDefinition, target: PlannedTarget, config: Config, probes: readonly ProbeDefinition[]): ProbeDefinition | undefined {
  let runs: ProbeDefinition | undefined;
  const seen = new Set([probe.id]);
  for (let next = probes.find((p) => p.id === probe.replacedBy); next && !seen.has(next.id); next = probes.find((p) => p.id === next?.replacedBy)) {
    seen.add(next.id);
    if (ownReason(next, target, config) === undefined) runs = next;
  }
  return runs;
}

/** Why a probe is not sent to a target, or undefined when it is: the safety ceiling, opt-ins and replacements decide. */
export function probeWithheld(probe: ProbeDefinition, target: PlannedTarget, config: Config, probes: readonly ProbeDefinition[]): string | undefined {
  const reason = ownReason(probe, target, config);
  if (reason !== undefined) return reason;
  const replacement = replacementThatRuns(probe, target, config, probes);
  return replacement && `${replacement.id} runs instead and collects the same facts on its one connection`;
}

/** The service protocols a probe runs on: its `protocols`, or its one `protocol`. */
export function protocolsOf(probe: ProbeDefinition): readonly string[] {
  return probe.protocols ?? [probe.protocol];
}

/** The TCP probes that run on a service of this protocol, in registry order. */
export function tcpProbesFor(probes: readonly ProbeDefinition[], protocol: string): ProbeDefinition[] {
  return probes.filter((p) => p.transport === 'tcp' && protocolsOf(p).includes(protocol));
}

export function udpPortFor(probe: ProbeDefinition, target: PlannedTarget): number {
  return target.ports[probe.protocol as keyof PlannedTarget['ports']] ?? probe.udpPort ?? 0;
}

/**
 * Whether the probe a UDP probe names in `skipAfter` answered on this device (facts that its
 * `answered` accepts), so the UDP request would only repeat it. A run that failed or kept a refusal
 * as its fact leaves the UDP probe to be sent, once.
 */
function answeredBefore(probe: ProbeDefinition, probes: readonly ProbeDefinition[], outcomes: readonly ProbeOutcome[]): boolean {
  const before = probe.skipAfter === undefined ? undefined : probes.find((p) => p.id === probe.skipAfter);
  if (!before) return false;
  return outcomes.some((o) => o.probe === before.id && o.status === 'ok' && (before.answered?.(o.facts) ?? true));
}

/** Unanswered connects after which discovery gives a device up (the plan states it too). */
export const DISCOVERY_SILENT_AFTER = 3;

/** What every device of one scan shares: the packet rate, the deny list and the operation allow-lists. */
interface ScanTraffic {
  readonly rate: PacketRate;
  readonly denied: (address: string) => boolean;
  readonly allowedOps: ReadonlyMap<string, ReadonlySet<string>>;
}

async function collectDevice(
  target: PlannedTarget,
  config: Config,
  deps: CollectDeps,
  traffic: ScanTraffic,
): Promise<{ observation?: DeviceObservation; entries?: readonly TranscriptEntry[] }> {
  const transcript = new Transcript();
  const timeout = AbortSignal.timeout(config.scan.deviceBudgetMs);
  const budget = deps.signal ? AbortSignal.any([timeout, deps.signal]) : timeout;
  const gate = new DeviceGate({ ...traffic, address: target.address, limits: config.scan, signal: budget });
  const roundTrips = new RoundTrips({ floorMs: config.scan.udpWaitFloorMs, factor: config.scan.udpWaitFactor });
  deps.onProgress?.({ type: 'device-start', address: target.address });
  const wanted = portsFor(target);
  const allowed = deps.probes.filter((p) => probeWithheld(p, target, config, deps.probes) === undefined);
  const services: Service[] = [];
  const outcomes: ProbeOutcome[] = [];
  // The connection discovery opened to the port being probed: the first probe there takes it over.
  let pending: { port: number; socket: Socket } | undefined;
  const handover: SocketHandover = {
    take: (port) => {
      if (pending?.port !== port) return undefined;
      const { socket } = pending;
      pending = undefined;
      return socket;
    },
  };
  const run = async (probe: ProbeDefinition, port: number) => {
    deps.onProgress?.({ type: 'probe', address: target.address, probe: probe.id, port });
    const ctx = {
      address: target.address,
      port,
      stepTimeoutMs: config.scan.stepTimeoutMs,
      signal: budget,
      transcript,
      options: probe.credential
        ? { [HOST_CREDENTIAL_OPTION]: deps.credentials?.[credentialIndex(config, target) ?? -1] }
        : probeOptions(config, probe.protocol),
      now: deps.now,
      gate,
      handover,
      earlier: outcomes,
      roundTrips,
    };
    const outcome = await runProbe(probe, ctx);
    gate.observe(outcome);
    outcomes.push(outcome);
    return outcome;
  };
  // One connection at a time per device: the probes of an open port run (the first on discovery's
  // connection) and close before discovery tries the next port.
  const probePort = async (port: number, socket: Socket) => {
    pending = { port, socket };
    for (const w of wanted.filter((w) => w.port === port)) {
      const service: Service = { port, transport: 'tcp', protocol: w.protocol, confirmed: false };
      services.push(service);
      for (const probe of tcpProbesFor(allowed, w.protocol)) {
        const outcome = await run(probe, port);
        if (outcome.status === 'ok') service.confirmed = true;
        // Only the port's first probe may take discovery's connection: closed before another opens.
        const untaken = handover.take(port);
        if (untaken) await closeDiscoveryConnection(untaken, transcript, config.scan.connectTimeoutMs);
      }
    }
  };
  const ports = await discoverPorts({
    address: target.address,
    ports: [...new Set(wanted.map((w) => w.port))],
    timeoutMs: config.scan.connectTimeoutMs,
    signal: budget,
    transcript,
    silentAfter: DISCOVERY_SILENT_AFTER,
    gate,
    roundTrips,
    onOpen: probePort,
  });
  const open = ports.filter((p) => p.state === 'open').map((p) => p.port);
  deps.onProgress?.({ type: 'discovered', address: target.address, open });
  // UDP has no handshake to tell a device from an empty address: ask only addresses named in the
  // config or offering a TCP service (a device answering nothing but SNMP must be listed as a host).
  const askUdp = open.length > 0 || !target.fromRange;
  for (const probe of allowed.filter((p) => p.transport === 'udp' && askUdp)) {
    if (answeredBefore(probe, deps.probes, outcomes)) continue;
    const port = udpPortFor(probe, target);
    const outcome = await run(probe, port);
    if (outcome.status === 'ok') services.push({ port, transport: 'udp', protocol: probe.protocol, confirmed: true });
  }
  const found = services.length > 0;
  deps.onProgress?.({ type: 'device-done', address: target.address, found });
  if (!found) return {};
  const unchecked = ports.filter((p) => p.state === 'skipped' || p.state === 'error').map((p) => ({ port: p.port, reason: p.detail ?? p.state }));
  const observation: DeviceObservation = { address: target.address, services, outcomes, ...(unchecked.length > 0 ? { unchecked } : {}) };
  if (!deps.spoolTranscript) return { observation, entries: transcript.entries() };
  deps.spoolTranscript(target.address, transcript.entries());
  return { observation };
}

/**
 * Collects facts from every planned target: bounded concurrency across devices, one connection
 * at a time within a device, a time budget per device, and every packet through the device's
 * traffic gate (agent/scan/traffic.ts). Never judges.
 */
export async function collect(targets: readonly PlannedTarget[], config: Config, deps: CollectDeps): Promise<Collected> {
  const traffic: ScanTraffic = {
    rate: new PacketRate(config.scan.packetsPerSecond),
    denied: denyList(config),
    allowedOps: new Map([[DISCOVERY_PROBE, new Set(DISCOVERY_OPS)], ...deps.probes.map((p) => [p.id, new Set(p.ops)] as const)]),
  };
  const results = await limitConcurrency(targets, config.scan.concurrency, (t) => collectDevice(t, config, deps, traffic));
  const observations: DeviceObservation[] = [];
  const transcripts = new Map<string, readonly TranscriptEntry[]>();
  const silent: string[] = [];
  results.forEach((r, i) => {
    const address = targets[i]?.address ?? '';
    if (r.observation) {
      observations.push(r.observation);
      if (r.entries) transcripts.set(address, r.entries);
    } else silent.push(address);
  });
  return { observations, transcripts, silent };
}

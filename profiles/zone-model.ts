import { z } from 'zod';
import { type Cidr, cidrContains, ipv4ToInt, parseCidr } from './cidr.ts';

/**
 * The zone and conduit model (IEC 62443-3-2): zones with their address ranges, and the conduits
 * each zone declares towards other zones, ranges or named external networks. One schema, shared by
 * the agent's config (a zone's own conduits), the console (the plant model, its import/export file)
 * and the console's answer to an agent; plus the pure judgement of reachability results against it.
 */

/** Upper bound of destination addresses × ports one zone's reachability check may try. */
export const MAX_REACHABILITY_PAIRS = 4096;

const Name = z.string().trim().min(1, 'a name must not be empty').max(120);
const Port = z.number().int().min(1).max(65535);
const MAX_PORTS_PER_HOST = 64;
const Ports = z.array(Port).min(1, 'list at least one port').max(MAX_PORTS_PER_HOST);
const Ipv4 = z.string().refine((h) => ipv4ToInt(h) !== undefined, { error: (i) => `${JSON.stringify(i.input)} is not an IPv4 address` });
export const CidrText = z.string().superRefine((text, ctx) => {
  const c = parseCidr(text);
  if (typeof c === 'string') ctx.addIssue({ code: 'custom', message: `"${text}" is not a valid CIDR: ${c}` });
});
const Level = z.number().int().min(1).max(4);

export const Conduit = z.strictObject({
  /** A zone name, a CIDR, or the name of an external network of the model. */
  to: Name,
  /** TCP destination ports the conduit allows. */
  ports: Ports,
  purpose: Name,
  owner: Name.optional(),
});
export type Conduit = z.infer<typeof Conduit>;

export const Zone = z.strictObject({
  name: Name,
  /** One level for every FR, or a target vector FR1..FR7. */
  slT: z.union([Level, z.array(Level).length(7)]).optional(),
  ranges: z.array(CidrText).max(256),
  conduits: z.array(Conduit).max(512).default([]),
});
export type Zone = z.infer<typeof Zone>;

const ExternalNetwork = z.strictObject({ name: Name, ranges: z.array(CidrText).min(1).max(256) });
/** An address the plant lists to be tried from other zones (a canary): it must never be reachable unless a conduit says so. */
const Canary = z.strictObject({ zone: Name, host: Ipv4, ports: Ports });

export const ZoneModel = z
  .strictObject({
    zones: z.array(Zone).min(1, 'list at least one zone').max(256),
    externalNetworks: z.array(ExternalNetwork).max(256).optional(),
    canaries: z.array(Canary).max(1024).optional(),
  })
  .superRefine((model, ctx) => {
    const names = [...model.zones.map((z) => z.name), ...(model.externalNetworks ?? []).map((n) => n.name)];
    const seen = new Set<string>();
    names.forEach((name) => {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', message: `the name "${name}" is used twice (zones and external networks share one namespace)` });
      seen.add(name);
    });
    model.zones.forEach((zone, zi) => {
      zone.conduits.forEach((c, ci) => {
        if (!seen.has(c.to) && typeof parseCidr(c.to) === 'string')
          ctx.addIssue({ code: 'custom', path: ['zones', zi, 'conduits', ci, 'to'], message: `"${c.to}" is neither a zone, an external network nor a CIDR` });
        if (c.to === zone.name)
          ctx.addIssue({ code: 'custom', path: ['zones', zi, 'conduits', ci, 'to'], message: `a conduit joins two zones; "${zone.name}" leads to itself` });
      });
    });
    (model.canaries ?? []).forEach((c, i) => {
      const zone = model.zones.find((z) => z.name === c.zone);
      if (!zone) ctx.addIssue({ code: 'custom', path: ['canaries', i, 'zone'], message: `no zone named "${c.zone}"` });
      else if (!inRanges(zone.ranges, c.host))
        ctx.addIssue({ code: 'custom', path: ['canaries', i, 'host'], message: `${c.host} is not inside the ranges of zone "${c.zone}"` });
    });
  });
export type ZoneModel = z.infer<typeof ZoneModel>;

/** One destination an agent tries: an address in another zone and the ports to connect to. */
export const Destination = z.strictObject({ host: Ipv4, ports: Ports, zone: Name.optional() });
export type Destination = z.infer<typeof Destination>;

/** What the console gives an agent (GET /api/v1/zones/{zone}/reachability), and what a config names when the agent runs alone. */
export const ReachabilityView = z.strictObject({
  zone: Name,
  ranges: z.array(CidrText).max(256),
  conduits: z.array(Conduit).max(512),
  destinations: z.array(Destination).max(MAX_REACHABILITY_PAIRS),
});
export type ReachabilityView = z.infer<typeof ReachabilityView>;

export const REACHABILITY_STATES = ['reachable', 'refused', 'filtered'] as const;
export type ReachabilityState = (typeof REACHABILITY_STATES)[number];
/** A tried path: `zone` is the destination's zone as the destination list named it. */
export const PathResult = z.strictObject({ host: Ipv4, port: Port, zone: Name.optional(), state: z.enum(REACHABILITY_STATES) });
export type PathResult = z.infer<typeof PathResult>;

/** IEC 62443-3-3 system requirements a boundary violation refutes (ids and short titles only). */
export const ZONE_SYSTEM_REQUIREMENTS = [
  { id: 'SR 5.1', title: 'Network segmentation' },
  { id: 'SR 5.2', title: 'Zone boundary protection' },
] as const;
/** The 4-2 row a violation counts against, for the device at each end of the path. */
export const COMPONENT_SEGMENTATION_REQUIREMENT = 'CR 5.1';

export const BoundaryViolation = z.strictObject({
  host: Ipv4,
  port: Port,
  /** The destination's zone, as its destination list named it. */
  zone: Name.optional(),
  /** Source zone → destination, and why no conduit covers it. */
  reason: z.string(),
  /** "62443-3-3 SR 5.1", "62443-3-3 SR 5.2" (the zone's) and "62443-4-2 CR 5.1" (the destination device's): where the violation shows. */
  requirements: z.array(z.string()),
});
export type BoundaryViolation = z.infer<typeof BoundaryViolation>;

export const ConduitUse = z.strictObject({
  conduit: Conduit,
  /** verified: a path it allows was reachable; unused: every path tried under it was refused or filtered; untested: no destination fell under it. */
  use: z.enum(['verified', 'unused', 'untested']),
  tried: z.number().int(),
});
export type ConduitUse = z.infer<typeof ConduitUse>;

/** Paths of a destination not tried, and why (deny list, own zone, a limit, the destination fell silent). */
export const UncheckedPaths = z.strictObject({ host: z.string(), zone: Name.optional(), ports: z.array(Port), reason: z.string() });
export type UncheckedPaths = z.infer<typeof UncheckedPaths>;

/** What the check collected, kept in run.json so `evaluate` judges it again without a packet. */
export const ReachabilityFacts = z.strictObject({
  source: z.enum(['config', 'console']),
  ranges: z.array(z.string()),
  conduits: z.array(Conduit),
  paths: z.array(PathResult),
  unchecked: z.array(UncheckedPaths),
  /** Why nothing was tried at all (destinations expected from the console, but none came). */
  notice: z.string().optional(),
});
export type ReachabilityFacts = z.infer<typeof ReachabilityFacts>;

/**
 * Parsed CIDRs, kept per ranges list (a zone's, an external network's, a view's) and per conduit for
 * as long as the model or view holding them lives: each text is parsed once, not on every path
 * judged. Texts that are no CIDR (the schema refuses them) match nothing.
 */
const parsedRanges = new WeakMap<readonly string[], readonly Cidr[]>();
const parsedTargets = new WeakMap<Conduit, readonly Cidr[]>();

function cached<K extends object, V>(cache: WeakMap<K, V>, key: K, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = make();
  cache.set(key, value);
  return value;
}

function parseRanges(ranges: readonly string[]): readonly Cidr[] {
  return ranges.map(parseCidr).filter((c): c is Cidr => typeof c !== 'string');
}

function inRanges(ranges: readonly string[], host: string): boolean {
  return inCidrs(
    cached(parsedRanges, ranges, () => parseRanges(ranges)),
    host,
  );
}

function inCidrs(cidrs: readonly Cidr[], host: string): boolean {
  return cidrs.some((c) => cidrContains(c, host));
}

type PathEnd = { host: string; port: number; zone?: string | undefined };

/** Does the conduit cover this path: its port, and a `to` naming the destination's zone or a range holding its address. */
export function conduitCovers(conduit: Conduit, path: PathEnd, model?: ZoneModel): boolean {
  return conduit.ports.includes(path.port) && conduitLeadsTo(conduit, path, model);
}

/** Does the conduit's `to` name the destination's zone or a range holding its address (whatever the port). */
function conduitLeadsTo(conduit: Conduit, path: PathEnd, model?: ZoneModel): boolean {
  if (conduit.to === path.zone) return true;
  const external = model?.externalNetworks?.find((n) => n.name === conduit.to);
  const named = external?.ranges ?? model?.zones.find((z) => z.name === conduit.to)?.ranges;
  if (named) return inRanges(named, path.host);
  return inCidrs(
    cached(parsedTargets, conduit, () => parseRanges([conduit.to])),
    path.host,
  );
}

/** The zone (or external network) whose ranges hold the address, if any. */
export function zoneOfHost(model: ZoneModel, host: string): string | undefined {
  return [...model.zones, ...(model.externalNetworks ?? [])].find((z) => inRanges(z.ranges, host))?.name;
}

/**
 * Reachable paths out of the source zone that no conduit allows. A path into the zone's own ranges
 * crosses no boundary and is never a violation; refused and filtered paths are closed.
 */
export function boundaryViolations(
  view: Pick<ReachabilityView, 'zone' | 'ranges' | 'conduits'>,
  paths: readonly PathResult[],
  model?: ZoneModel,
): BoundaryViolation[] {
  return paths
    .filter((p) => p.state === 'reachable' && !inRanges(view.ranges, p.host))
    .filter((p) => !view.conduits.some((c) => conduitCovers(c, p, model)))
    .map((p) => ({
      host: p.host,
      port: p.port,
      ...(p.zone === undefined ? {} : { zone: p.zone }),
      reason: violationReason(view, p, model),
      requirements: [...ZONE_SYSTEM_REQUIREMENTS.map((r) => `62443-3-3 ${r.id}`), `62443-4-2 ${COMPONENT_SEGMENTATION_REQUIREMENT} of ${p.host}`],
    }));
}

function violationReason(view: Pick<ReachabilityView, 'zone' | 'conduits'>, p: PathResult, model?: ZoneModel): string {
  const where = p.zone ? `zone "${p.zone}"` : 'an address outside every declared zone';
  const sameDestination = view.conduits.filter((c) => conduitLeadsTo(c, p, model));
  const declared =
    sameDestination.length > 0
      ? `; the conduits to it allow TCP ${[...new Set(sameDestination.flatMap((c) => c.ports))].sort((a, b) => a - b).join(', ')} only`
      : '';
  return `TCP ${p.port} from zone "${view.zone}" to ${p.host} in ${where} is reachable and no conduit allows it${declared}`;
}

/** Each declared conduit with what the tried paths say of it. */
export function conduitUse(conduits: readonly Conduit[], paths: readonly PathResult[], model?: ZoneModel): ConduitUse[] {
  return conduits.map((conduit) => {
    const under = paths.filter((p) => conduitCovers(conduit, p, model));
    const use = under.length === 0 ? 'untested' : under.some((p) => p.state === 'reachable') ? 'verified' : 'unused';
    return { conduit, use, tried: under.length };
  });
}

/**
 * The destinations a zone's agent is given: the known devices of other zones on the ports where
 * they offer services, plus the canaries of other zones. Nothing in the zone's own ranges, nothing
 * outside the model's zones, and never more than MAX_REACHABILITY_PAIRS address × port pairs
 * (the list is cut, in order, and `cut` says so).
 */
export function destinationsFor(
  model: ZoneModel,
  zoneName: string,
  devices: readonly { host: string; ports: readonly number[] }[],
): { view: ReachabilityView; cut: number } {
  const zone = model.zones.find((z) => z.name === zoneName);
  if (!zone) throw new Error(`no zone named "${zoneName}" in the model`);
  const byHost = new Map<string, { zone: string; ports: Set<number> }>();
  const add = (host: string, ports: readonly number[]) => {
    const other = model.zones.find((z) => z.name !== zone.name && inRanges(z.ranges, host));
    if (!other || inRanges(zone.ranges, host) || ports.length === 0) return;
    const entry = byHost.get(host) ?? { zone: other.name, ports: new Set<number>() };
    for (const p of ports) entry.ports.add(p);
    byHost.set(host, entry);
  };
  for (const d of devices) add(d.host, d.ports);
  for (const c of model.canaries ?? []) add(c.host, c.ports);
  const destinations: Destination[] = [];
  let pairs = 0;
  let cut = 0;
  for (const [host, e] of byHost) {
    const all = [...e.ports].sort((a, b) => a - b);
    const ports = all.slice(0, Math.min(MAX_PORTS_PER_HOST, MAX_REACHABILITY_PAIRS - pairs));
    cut += all.length - ports.length;
    if (ports.length > 0) destinations.push({ host, ports, zone: e.zone });
    pairs += ports.length;
  }
  return { view: { zone: zone.name, ranges: zone.ranges, conduits: zone.conduits, destinations }, cut };
}

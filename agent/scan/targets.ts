import type { Config, Role, TargetConfig } from '../config/config.ts';
import { cidrContains, expandCidr, parseCidr } from '../../profiles/cidr.ts';

export interface PlannedTarget {
  readonly address: string;
  readonly name?: string;
  readonly role: Role;
  readonly ports: TargetConfig['ports'];
  readonly safety: TargetConfig['safety'];
  /** The target's own SL-T vector, when it overrides the zone's. */
  readonly slT?: number[];
  /** Came from a range, not a `host` entry: skipped entirely when it answers nothing on TCP. */
  readonly fromRange: boolean;
}

/** True for an address on the config's deny list (a host, or inside a denied range). */
export function denyList(config: Config): (address: string) => boolean {
  const ranges = config.deny.map((d) => parseCidr(d));
  return (address) => config.deny.includes(address) || ranges.some((c) => typeof c !== 'string' && cidrContains(c, address));
}

/**
 * Every address the config allows the agent to contact, once each. An address named by a
 * `host` entry keeps that entry's settings even when a range also covers it. Denied addresses
 * are left out here, before any packet is sent.
 */
export function planTargets(config: Config): PlannedTarget[] {
  const denied = denyList(config);
  return expandTargets(config).filter((t) => !denied(t.address));
}

/** Addresses the targets cover that the deny list removes from the plan. */
export function deniedTargets(config: Config): string[] {
  const denied = denyList(config);
  return expandTargets(config)
    .filter((t) => denied(t.address))
    .map((t) => t.address);
}

function expandTargets(config: Config): PlannedTarget[] {
  const byAddress = new Map<string, PlannedTarget>();
  const add = (address: string, t: TargetConfig, explicit: boolean) => {
    if (byAddress.has(address) && !explicit) return;
    const planned: PlannedTarget = {
      address,
      role: t.role,
      ports: t.ports,
      safety: t.safety,
      fromRange: !explicit,
      ...(t.name === undefined ? {} : { name: t.name }),
      ...(t.slT === undefined ? {} : { slT: t.slT }),
    };
    byAddress.set(address, planned);
  };
  for (const t of config.targets) {
    if (t.cidr === undefined) continue;
    const c = parseCidr(t.cidr);
    if (typeof c !== 'string') for (const a of expandCidr(c)) add(a, t, false);
  }
  for (const t of config.targets) if (t.host !== undefined) add(t.host, t, true);
  return [...byAddress.values()];
}

/** The zone's own ranges: configured, or else the ranges and /32s of its targets. */
export function zoneCidrs(config: Config): string[] {
  if (config.zone.cidrs) return config.zone.cidrs;
  return config.targets.map((t) => t.cidr ?? `${t.host}/32`).filter((c) => typeof parseCidr(c) !== 'string');
}

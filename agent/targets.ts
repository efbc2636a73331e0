import type { Config, Role, TargetConfig } from './config.ts';
import { expandCidr, parseCidr } from '../profiles/cidr.ts';

export interface PlannedTarget {
  readonly address: string;
  readonly name?: string;
  readonly role: Role;
  readonly ports: TargetConfig['ports'];
  readonly safety: TargetConfig['safety'];
  /** Came from a range, not a `host` entry: skipped entirely when it answers nothing on TCP. */
  readonly fromRange: boolean;
}

/**
 * Every address the config allows the agent to contact, once each. An address named by a
 * `host` entry keeps that entry's settings even when a range also covers it.
 */
export function planTargets(config: Config): PlannedTarget[] {
  const byAddress = new Map<string, PlannedTarget>();
  const add = (address: string, t: TargetConfig, explicit: boolean) => {
    if (byAddress.has(address) && !explicit) return;
    const planned: PlannedTarget = { address, role: t.role, ports: t.ports, safety: t.safety, fromRange: !explicit, ...(t.name === undefined ? {} : { name: t.name }) };
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

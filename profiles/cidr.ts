export const MAX_RANGE_ADDRESSES = 4096;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Pure IPv4 address arithmetic, shared by the agent (planning ranges) and checks (zone membership). */
export function ipv4ToInt(ip: string): number | undefined {
  if (!IPV4.test(ip)) return undefined;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Parses `a.b.c.d/n`; returns a reason string when it is not one. */
export function parseCidr(text: string): Cidr | string {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return 'expected an IPv4 range like 10.10.3.0/28';
  const base = ipv4ToInt(m[1] ?? '');
  const prefix = Number(m[2]);
  if (base === undefined) return `${m[1]} is not an IPv4 address`;
  if (prefix > 32) return `prefix /${prefix} is longer than 32`;
  if (base % cidrSize({ base, prefix }) !== 0) return `${m[1]} is not the first address of a /${prefix} (host bits are set)`;
  return { base, prefix };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToInt(ip);
  if (n === undefined) return false;
  return n >= cidr.base && n < cidr.base + cidrSize(cidr);
}

/**
 * Every host address of the range. For /30 and wider the network and broadcast addresses are
 * left out (no device answers there, and probing a broadcast address is not read-only in spirit).
 */
export function expandCidr(cidr: Cidr): string[] {
  const size = cidrSize(cidr);
  const skipEdges = cidr.prefix <= 30;
  const out: string[] = [];
  for (let i = skipEdges ? 1 : 0; i < (skipEdges ? size - 1 : size); i++) out.push(intToIpv4(cidr.base + i));
  return out;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

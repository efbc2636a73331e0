import net from 'node:net';
import { z } from 'zod';
import type { SnmpValue } from './adapter.ts';

/**
 * SNMP-TARGET-MIB snmpTargetAddrTable (RFC 3413): where the agent sends its notifications (traps,
 * informs). Read as evidence that the device forwards events; nothing here is ever written.
 */
export const TARGET_ADDR_ENTRY = '1.3.6.1.6.3.12.1.2.1';
export const TARGET_ADDR_COLUMNS = { domain: 2, address: 3, rowStatus: 9 } as const;

/** Transport domains whose TAddress is an IPv4 address and port (6 bytes) or IPv6 and port (18 bytes). */
const DOMAINS: Readonly<Record<string, { readonly transport: 'udp' | 'tcp'; readonly family: 'ipv4' | 'ipv6' }>> = {
  '1.3.6.1.6.1.1': { transport: 'udp', family: 'ipv4' }, // snmpUDPDomain (RFC 3417)
  '1.3.6.1.2.1.100.1.1': { transport: 'udp', family: 'ipv4' }, // transportDomainUdpIpv4 (RFC 3419)
  '1.3.6.1.2.1.100.1.2': { transport: 'udp', family: 'ipv6' },
  '1.3.6.1.2.1.100.1.5': { transport: 'tcp', family: 'ipv4' },
  '1.3.6.1.2.1.100.1.6': { transport: 'tcp', family: 'ipv6' },
};

const ROW_STATUSES = ['', 'active', 'notInService', 'notReady', 'createAndGo', 'createAndWait', 'destroy'];

export const NotificationTarget = z.object({
  /** snmpTargetAddrName, from the row index (IMPLIED, so the index arcs are its characters). */
  name: z.string().max(64),
  /** TDomain as an OID. */
  domain: z.string().max(256).optional(),
  transport: z.enum(['udp', 'tcp', 'other']),
  /** `192.0.2.50:162` or `[2001:db8::1]:162`; `hex:` when the domain or length is not one we read. */
  address: z.string().max(600).optional(),
  rowStatus: z.string().optional(),
});
export type NotificationTarget = z.infer<typeof NotificationTarget>;

function indexName(index: string): string {
  const arcs = index.split('.').map(Number);
  const printable = arcs.length > 0 && arcs.every((a) => Number.isInteger(a) && a >= 0x20 && a < 0x7f);
  return (printable ? String.fromCharCode(...arcs) : index).slice(0, 64);
}

/** An IPv6 address from its 16 bytes, in canonical text form (also used for ipAddressTable indexes). */
export function ipv6Text(bytes: Uint8Array): string {
  const groups = Buffer.from(bytes).toString('hex').match(/.{4}/g) ?? [];
  return new net.SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** TAddress of an IP domain as `address:port`; anything else as hex (values only, never contacted). */
export function targetAddress(domain: string | undefined, value: SnmpValue | undefined): string | undefined {
  if (!Buffer.isBuffer(value)) return undefined;
  const known = domain === undefined ? undefined : DOMAINS[domain];
  if (known?.family === 'ipv4' && value.length === 6) return `${[...value.subarray(0, 4)].join('.')}:${value.readUInt16BE(4)}`;
  if (known?.family === 'ipv6' && value.length === 18) return `[${ipv6Text(value.subarray(0, 16))}]:${value.readUInt16BE(16)}`;
  return `hex:${value.subarray(0, 255).toString('hex')}`;
}

/** Rows of the walk, in TARGET_ADDR_COLUMNS order. */
export function notificationTargetRows(rows: ReadonlyMap<string, readonly (SnmpValue | undefined)[]>): NotificationTarget[] {
  return [...rows].map(([index, [domainValue, addressValue, statusValue]]) => {
    const domain = typeof domainValue === 'string' ? domainValue.slice(0, 256) : undefined;
    const address = targetAddress(domain, addressValue);
    const status = typeof statusValue === 'number' ? ROW_STATUSES[statusValue] || String(statusValue) : undefined;
    return {
      name: indexName(index),
      ...(domain === undefined ? {} : { domain }),
      transport: (domain === undefined ? undefined : DOMAINS[domain]?.transport) ?? 'other',
      ...(address === undefined ? {} : { address }),
      ...(status === undefined ? {} : { rowStatus: status }),
    };
  });
}

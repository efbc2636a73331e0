import net from 'node:net';
import { z } from 'zod';
import type { SnmpValue } from './adapter.ts';
import { ipv6Text, NotificationTarget } from './notification-targets.ts';

/** What the `snmp.system` probe reports. Values only: judgement lives in profiles/checks/snmp.ts. */

/** Why a table walk ended; everything but `end` means the rows may be incomplete. */
export const WALK_STOPS = ['end', 'row-limit', 'varbind-limit', 'oid-not-increasing', 'timeout', 'malformed', 'denied', 'error'] as const;
export type WalkStop = (typeof WALK_STOPS)[number];

/**
 * How a table was read, in the order the probe falls back when an agent answers a request with
 * genErr or tooBig: GETBULK over all columns, GETBULK with fewer repetitions, GETBULK one column
 * at a time, GETNEXT one column at a time (as snmpwalk reads). SNMPv1 has no GETBULK: GETNEXT over
 * all columns, then one column at a time. The value is the way the walk ended with.
 */
export const WALK_METHODS = ['getbulk', 'getbulk-fewer', 'getbulk-per-column', 'getnext', 'getnext-per-column'] as const;
export type WalkMethod = (typeof WALK_METHODS)[number];

const CommunityVersion = z.enum(['v1', 'v2c']);
const Text = z.string().max(1024);
const WalkStop = z.enum(WALK_STOPS);
/** Absent in observations of snmp.system version 1, which had no fallback. */
const WalkMethodField = z.enum(WALK_METHODS).optional();

export const EngineFacts = z.discriminatedUnion('state', [
  z.object({
    state: z.literal('answered'),
    /** snmpEngineID as hex. */
    engineId: z.string().regex(/^[0-9a-f]{10,64}$/),
    engineBoots: z.number().int().min(0),
    engineTime: z.number().int().min(0),
    /** IANA enterprise number from an RFC 3411 formatted engine ID (a vendor hint). */
    enterprise: z.number().int().min(0).optional(),
  }),
  z.object({ state: z.enum(['no-answer', 'malformed', 'error']), detail: Text }),
]);
export type EngineFacts = z.infer<typeof EngineFacts>;

export const CommunityFacts = z.discriminatedUnion('state', [
  /** The operator did not opt in to trying communities (or listed none): nothing was sent. */
  z.object({ state: z.literal('not-tried') }),
  z.object({
    state: z.literal('tried'),
    /** How many configured communities were tried, each with v2c and v1. */
    tried: z.number().int().min(1),
    /** Tried communities that are well-known defaults (safe to name). */
    wellKnownTried: z.array(z.string()),
    accepted: z.array(
      z.object({
        /** The literal only for a well-known default; otherwise `#<n>`, its position in the configured list. */
        community: z.string(),
        wellKnown: z.boolean(),
        versions: z.array(CommunityVersion).min(1),
      }),
    ),
  }),
]);
export type CommunityFacts = z.infer<typeof CommunityFacts>;

export const V3AccessFacts = z.discriminatedUnion('state', [
  z.object({ state: z.literal('not-configured') }),
  z.object({ state: z.literal('accepted'), level: z.literal('authPriv'), authProtocol: z.string(), privProtocol: z.string() }),
  z.object({
    state: z.literal('rejected'),
    reason: z.enum(['unknown-user', 'wrong-digest', 'unsupported-security-level', 'not-in-time-window', 'decryption-error', 'other']),
  }),
  z.object({ state: z.enum(['no-answer', 'error']), detail: Text }),
]);
export type V3AccessFacts = z.infer<typeof V3AccessFacts>;

export const SystemGroup = z.object({
  descr: Text.optional(),
  objectId: Text.optional(),
  upTimeTicks: z.number().int().min(0).optional(),
  contact: Text.optional(),
  name: Text.optional(),
  location: Text.optional(),
});
export type SystemGroup = z.infer<typeof SystemGroup>;

const table = <T extends z.ZodType>(row: T) => z.object({ rows: z.array(row), stop: WalkStop, method: WalkMethodField });

export const EntityRow = z.object({
  index: z.string(),
  descr: Text.optional(),
  class: z.string().optional(),
  hardwareRev: Text.optional(),
  firmwareRev: Text.optional(),
  softwareRev: Text.optional(),
  serial: Text.optional(),
  manufacturer: Text.optional(),
  model: Text.optional(),
});
export type EntityRow = z.infer<typeof EntityRow>;

export const InterfaceRow = z.object({
  index: z.string(),
  descr: Text.optional(),
  /** IANAifType number (6 ethernetCsmacd, 24 softwareLoopback, ...). */
  type: z.number().int().optional(),
  adminStatus: z.string().optional(),
  operStatus: z.string().optional(),
});
export type InterfaceRow = z.infer<typeof InterfaceRow>;

export const AddressRow = z.object({
  address: z.string(),
  family: z.enum(['ipv4', 'ipv6']),
  prefixLength: z.number().int().min(0).max(128).optional(),
  ifIndex: z.number().int().optional(),
  source: z.enum(['ipAddrTable', 'ipAddressTable']),
});
export type AddressRow = z.infer<typeof AddressRow>;

export const SnmpFacts = z.object({
  engine: EngineFacts,
  communities: CommunityFacts,
  v3Access: V3AccessFacts,
  /** The access the system group and tables below were read with; `none` when no read access worked. */
  readVia: z.enum(['v3', 'v2c', 'v1', 'none']),
  system: SystemGroup.optional(),
  entities: table(EntityRow).optional(),
  /** The device's own interface addresses, from ipAddrTable and ipAddressTable (deduplicated). */
  addresses: z
    .object({
      rows: z.array(AddressRow),
      ipAddrTable: WalkStop,
      ipAddressTable: WalkStop,
      methods: z.object({ ipAddrTable: z.enum(WALK_METHODS), ipAddressTable: z.enum(WALK_METHODS) }).optional(),
    })
    .optional(),
  interfaces: table(InterfaceRow).optional(),
  /** snmpTargetAddrTable: where the agent sends traps and informs. */
  notificationTargets: table(NotificationTarget).optional(),
});
export type SnmpFacts = z.infer<typeof SnmpFacts>;

export const OID = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
  entPhysicalEntry: '1.3.6.1.2.1.47.1.1.1.1',
  ipAddrEntry: '1.3.6.1.2.1.4.20.1',
  ipAddressEntry: '1.3.6.1.2.1.4.34.1',
  ipAddressPrefixEntry: '1.3.6.1.2.1.4.32.1',
  ifEntry: '1.3.6.1.2.1.2.2.1',
} as const;

export const SYSTEM_OIDS = [OID.sysDescr, OID.sysObjectID, OID.sysUpTime, OID.sysContact, OID.sysName, OID.sysLocation] as const;

/** Column numbers read from each table (entry OID + '.' + number). */
export const ENTITY_COLUMNS = { descr: 2, class: 5, hardwareRev: 8, firmwareRev: 9, softwareRev: 10, serial: 11, manufacturer: 12, model: 13 } as const;
export const IP_ADDR_COLUMNS = { address: 1, ifIndex: 2, netmask: 3 } as const;
export const IP_ADDRESS_COLUMNS = { ifIndex: 3, type: 4, prefix: 5 } as const;
export const IF_COLUMNS = { descr: 2, type: 3, adminStatus: 7, operStatus: 8 } as const;

export function columnOids(entry: string, columns: Readonly<Record<string, number>>): string[] {
  return Object.values(columns).map((n) => `${entry}.${n}`);
}

const MAX_TEXT = 1024;

/** DisplayString as text; bytes that are not printable UTF-8 (a MAC, a binary serial) as `hex:`. */
export function octetsToText(value: SnmpValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Buffer.isBuffer(value)) return String(value).slice(0, MAX_TEXT);
  let bytes = value;
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes = bytes.subarray(0, bytes.length - 1);
  const text = bytes.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is tested here
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text);
  return (printable ? text : `hex:${bytes.toString('hex')}`).slice(0, MAX_TEXT);
}

export function asNumber(value: SnmpValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

const PHYSICAL_CLASSES = [
  '',
  'other',
  'unknown',
  'chassis',
  'backplane',
  'container',
  'powerSupply',
  'fan',
  'sensor',
  'module',
  'port',
  'stack',
  'cpu',
  'energyObject',
  'battery',
  'storageDrive',
];
const IF_STATUSES = ['', 'up', 'down', 'testing', 'unknown', 'dormant', 'notPresent', 'lowerLayerDown'];

function enumName(names: readonly string[], value: SnmpValue | undefined): string | undefined {
  const n = asNumber(value);
  if (n === undefined) return undefined;
  return names[n] || String(n);
}

function compact<T extends Record<string, unknown>>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as T;
}

type Rows = ReadonlyMap<string, readonly (SnmpValue | undefined)[]>;

export function entityRows(rows: Rows): EntityRow[] {
  return [...rows].map(([index, v]) =>
    compact({
      index,
      descr: octetsToText(v[0]),
      class: enumName(PHYSICAL_CLASSES, v[1]),
      hardwareRev: octetsToText(v[2]),
      firmwareRev: octetsToText(v[3]),
      softwareRev: octetsToText(v[4]),
      serial: octetsToText(v[5]),
      manufacturer: octetsToText(v[6]),
      model: octetsToText(v[7]),
    }),
  );
}

export function interfaceRows(rows: Rows): InterfaceRow[] {
  return [...rows].map(([index, v]) =>
    compact({ index, descr: octetsToText(v[0]), type: asNumber(v[1]), adminStatus: enumName(IF_STATUSES, v[2]), operStatus: enumName(IF_STATUSES, v[3]) }),
  );
}

/** Prefix length of a contiguous netmask; undefined for anything else. */
export function maskToPrefix(mask: string): number | undefined {
  if (!net.isIPv4(mask)) return undefined;
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  const firstZero = bits.indexOf('0');
  return firstZero === -1 ? 32 : firstZero;
}

export function ipAddrRows(rows: Rows): AddressRow[] {
  const out: AddressRow[] = [];
  for (const [index, v] of rows) {
    const address = typeof v[0] === 'string' && net.isIPv4(v[0]) ? v[0] : index;
    if (!net.isIPv4(address)) continue;
    const prefixLength = typeof v[2] === 'string' ? maskToPrefix(v[2]) : undefined;
    out.push(compact({ address, family: 'ipv4' as const, prefixLength, ifIndex: asNumber(v[1]), source: 'ipAddrTable' as const }));
  }
  return out;
}

/**
 * The InetAddress in an ipAddressTable index: `<type>.<length>.<octets>` (RFC 4293). Zoned
 * types (3, 4) carry a 4-byte zone index after the address, which is dropped.
 */
export function parseIpAddressIndex(index: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const a = index.split('.').map(Number);
  const [type, length] = a;
  const bytes = a.slice(2);
  if (bytes.length !== length || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return undefined;
  if ((type === 1 && length === 4) || (type === 3 && length === 8)) return { address: bytes.slice(0, 4).join('.'), family: 'ipv4' };
  if ((type === 2 && length === 16) || (type === 4 && length === 20)) return { address: ipv6Text(Buffer.from(bytes.slice(0, 16))), family: 'ipv6' };
  return undefined;
}

const IP_ADDRESS_TYPE_BROADCAST = 3;

export function ipAddressRows(rows: Rows): AddressRow[] {
  const out: AddressRow[] = [];
  for (const [index, v] of rows) {
    const parsed = parseIpAddressIndex(index);
    if (!parsed || asNumber(v[1]) === IP_ADDRESS_TYPE_BROADCAST) continue;
    // ipAddressPrefix points into ipAddressPrefixTable, whose index ends with the prefix length.
    const prefix = typeof v[2] === 'string' && v[2].startsWith(`${OID.ipAddressPrefixEntry}.`) ? Number(v[2].split('.').at(-1)) : undefined;
    const max = parsed.family === 'ipv4' ? 32 : 128;
    out.push(
      compact({
        ...parsed,
        prefixLength: prefix !== undefined && prefix <= max ? prefix : undefined,
        ifIndex: asNumber(v[0]),
        source: 'ipAddressTable' as const,
      }),
    );
  }
  return out;
}

/** One row per address; a row with a prefix length wins over one without. */
export function mergeAddresses(...lists: AddressRow[][]): AddressRow[] {
  const byAddress = new Map<string, AddressRow>();
  for (const row of lists.flat()) {
    const seen = byAddress.get(row.address);
    if (!seen || (seen.prefixLength === undefined && row.prefixLength !== undefined)) byAddress.set(row.address, row);
  }
  return [...byAddress.values()];
}

/** RFC 3411: a first bit of 1 means the next 31 bits are the vendor's IANA enterprise number. */
export function engineEnterprise(engineId: Buffer): number | undefined {
  if (engineId.length < 5 || ((engineId[0] as number) & 0x80) === 0) return undefined;
  return engineId.readUInt32BE(0) & 0x7fffffff;
}

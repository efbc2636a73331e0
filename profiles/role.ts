import type { ComponentType } from './catalog.ts';
import type { DeviceView } from './device-view.ts';
import type { MergedIdentity } from './identity.ts';

export const DEVICE_ROLES = ['plc', 'hmi', 'scada-server', 'network-device'] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

/**
 * The catalog variants each role is judged against. A host (HMI panel PC, SCADA or engineering
 * server) carries HDR rows for its platform and SAR rows for the application it runs; the first
 * type is the device's primary one.
 */
export const COMPONENT_TYPES_OF_ROLE: Readonly<Record<DeviceRole, readonly [ComponentType, ...ComponentType[]]>> = {
  plc: ['EDR'],
  hmi: ['HDR', 'SAR'],
  'scada-server': ['HDR', 'SAR'],
  'network-device': ['NDR'],
};

export interface RoleDecision {
  readonly role: DeviceRole;
  readonly source: 'config' | 'inferred';
  readonly reason: string;
}

const CONTROLLER_PROTOCOLS = ['s7', 'modbus', 'ethernet-ip', 'dnp3', 'iec-104', 'bacnet'];
const OPERATOR_PROTOCOLS = ['vnc', 'http', 'https'];

/** Words a device uses to describe itself (SNMP sysDescr, OPC UA BuildInfo) that name its role. */
const SELF_DESCRIPTIONS: readonly { readonly pattern: RegExp; readonly role: DeviceRole }[] = [
  { pattern: /\b(switch|router|firewall|gateway)\b/i, role: 'network-device' },
  { pattern: /\b(hmi|operator panel|comfort panel)\b/i, role: 'hmi' },
  { pattern: /\b(scada|historian)\b/i, role: 'scada-server' },
];

/**
 * The role of a device: the operator's word when given, else inferred from which protocols
 * answered and how the device describes itself. The reason is kept in the result so an operator
 * can see and override it.
 */
export function decideRole(configured: DeviceRole | 'auto', device: DeviceView, identity: MergedIdentity = {}): RoleDecision {
  if (configured !== 'auto') return { role: configured, source: 'config', reason: 'role set in the config' };
  const protocols = new Set(device.services.map((s) => s.protocol));
  const has = (list: readonly string[]) => list.filter((p) => protocols.has(p));
  const controller = has(CONTROLLER_PROTOCOLS);
  if (controller.length > 0) return { role: 'plc', source: 'inferred', reason: `controller protocol answered: ${controller.join(', ')}` };
  const product = identity.product;
  const described = product && SELF_DESCRIPTIONS.find((d) => d.pattern.test(product.value));
  if (product && described) return { role: described.role, source: 'inferred', reason: `describes itself as "${product.value}" (${product.source})` };
  if (protocols.has('opcua')) return { role: 'scada-server', source: 'inferred', reason: 'OPC UA server without a controller protocol' };
  const operator = has(OPERATOR_PROTOCOLS);
  if (operator.length > 0) return { role: 'hmi', source: 'inferred', reason: `operator-facing service answered: ${operator.join(', ')}` };
  if (protocols.has('snmp')) return { role: 'network-device', source: 'inferred', reason: 'only management protocols (SNMP) answered' };
  return { role: 'plc', source: 'inferred', reason: 'no distinguishing service; assumed an embedded device (set role in the config)' };
}

import type { ComponentType } from './catalog.ts';
import type { DeviceView } from './device-view.ts';

export type DeviceRole = 'plc' | 'hmi' | 'scada-server' | 'network-device';

export const COMPONENT_TYPE_OF_ROLE: Readonly<Record<DeviceRole, ComponentType>> = {
  plc: 'EDR',
  hmi: 'HDR',
  'scada-server': 'HDR',
  'network-device': 'NDR',
};

export interface RoleDecision {
  readonly role: DeviceRole;
  readonly source: 'config' | 'inferred';
  readonly reason: string;
}

const CONTROLLER_PROTOCOLS = ['s7', 'modbus', 'ethernet-ip', 'dnp3', 'iec-104', 'bacnet'];
const OPERATOR_PROTOCOLS = ['vnc', 'http', 'https'];

/**
 * The role of a device: the operator's word when given, else inferred from which protocols
 * answered. The reason is kept in the result so an operator can see and override it.
 */
export function decideRole(configured: DeviceRole | 'auto', device: DeviceView): RoleDecision {
  if (configured !== 'auto') return { role: configured, source: 'config', reason: 'role set in the config' };
  const protocols = new Set(device.services.map((s) => s.protocol));
  const has = (list: readonly string[]) => list.filter((p) => protocols.has(p));
  const controller = has(CONTROLLER_PROTOCOLS);
  if (controller.length > 0) return { role: 'plc', source: 'inferred', reason: `controller protocol answered: ${controller.join(', ')}` };
  if (protocols.has('opcua')) return { role: 'scada-server', source: 'inferred', reason: 'OPC UA server without a controller protocol' };
  const operator = has(OPERATOR_PROTOCOLS);
  if (operator.length > 0) return { role: 'hmi', source: 'inferred', reason: `operator-facing service answered: ${operator.join(', ')}` };
  if (protocols.has('snmp')) return { role: 'network-device', source: 'inferred', reason: 'only management protocols (SNMP) answered' };
  return { role: 'plc', source: 'inferred', reason: 'no distinguishing service; assumed an embedded device (set role in the config)' };
}

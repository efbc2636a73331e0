import { FoxHelloFacts } from '../probes/fox/facts.ts';
import { SnmpFacts } from '../probes/snmp/facts.ts';
import { SshKexFacts } from '../probes/ssh/facts.ts';
import type { JudgedType } from './catalog.ts';
import { FOX_HELLO_PROBES } from './checks/fox.ts';
import signs from './data/role-signs.json' with { type: 'json' };
import type { DeviceView } from './device-view.ts';
import type { MergedIdentity } from './identity.ts';
import { enterpriseOf } from './identity-patterns.ts';

/** Roles an operator can give a target in the config. */
export const DEVICE_ROLES = ['plc', 'hmi', 'scada-server', 'network-device', 'host'] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];
/** Roles in a result: `unknown` when the config gives none and nothing the device sent tells. */
export const RESULT_ROLES = [...DEVICE_ROLES, 'unknown'] as const;
export type ResultRole = (typeof RESULT_ROLES)[number];

/**
 * The catalog variants each role is judged against. A host (HMI panel PC, SCADA or engineering
 * server) carries HDR rows for its platform and SAR rows for the application it runs; the first
 * type is the device's primary one. A host with no known application gets HDR rows only; a device
 * of unknown role only the rows common to every component type.
 */
export const COMPONENT_TYPES_OF_ROLE: Readonly<Record<ResultRole, readonly [JudgedType, ...JudgedType[]]>> = {
  plc: ['EDR'],
  hmi: ['HDR', 'SAR'],
  'scada-server': ['HDR', 'SAR'],
  'network-device': ['NDR'],
  host: ['HDR'],
  unknown: ['common'],
};

export interface RoleDecision {
  readonly role: ResultRole;
  readonly source: 'config' | 'inferred';
  readonly reason: string;
}

/** The reason of an `unknown` role, which reports repeat so the operator sets it. */
export const SET_ROLE_HINT = 'set `role` for this target in the config';

const CONTROLLER_PROTOCOLS = [
  's7',
  'modbus',
  'enip',
  'enip-tls',
  'dnp3',
  'dnp3-tls',
  'iec104',
  'iec104-tls',
  'bacnet',
  'pcworx',
  'proconos',
  'fins',
  'melsec',
  'codesys-v2',
  'codesys-v2-alt',
  'codesys-v3',
];

/** Words a device uses to describe itself (SNMP sysDescr, OPC UA BuildInfo) that name its role. */
const SELF_DESCRIPTIONS: readonly { readonly pattern: RegExp; readonly role: DeviceRole }[] = [
  ...signs.controllerDescriptions.map((p) => ({ pattern: new RegExp(p, 'i'), role: 'plc' as const })),
  { pattern: /\b(switch|router|firewall|gateway)\b/i, role: 'network-device' },
  { pattern: /\b(hmi|operator panel|comfort panel)\b/i, role: 'hmi' },
  { pattern: /\b(scada|historian)\b/i, role: 'scada-server' },
];
const HOST_BANNERS = signs.hostBanners.map((p) => new RegExp(p, 'i'));
const HOST_PROBE_FAMILIES: readonly string[] = signs.hostProbeFamilies;
const NETWORK_VENDORS = new Map(signs.networkEnterprises.map((e) => [e.number, e.vendor]));

interface Said {
  readonly value: string;
  readonly source: string;
}

/** Everything the device said of itself: identity products (with alternatives) and full SSH identification strings. */
function saidByDevice(device: DeviceView, identity: MergedIdentity): Said[] {
  const product = identity.product;
  const said: Said[] = product ? [product, ...(product.alternatives ?? [])] : [];
  const ssh = device.factsOfFirst(['ssh.kexinit', 'ssh.auth-methods'], SshKexFacts);
  if (ssh.found.state === 'ok') {
    for (const { facts: f } of ssh.found.facts)
      said.push({ value: [f.identification.softwareVersion, f.identification.comments ?? ''].join(' ').trim(), source: ssh.probe });
  }
  // A Niagara station names the OS it runs on: QNX on an embedded JACE, Windows or Linux on a Supervisor.
  for (const probe of FOX_HELLO_PROBES) {
    const fox = device.facts(probe, FoxHelloFacts);
    if (fox.state !== 'ok') continue;
    for (const { facts: f } of fox.facts) if (f.osName) said.push({ value: `Niagara ${f.appName ?? 'station'} on ${f.osName}`, source: probe });
  }
  return said;
}

/** The IANA enterprise of the SNMP agent: sysObjectID's arc under enterprises, else the engine ID's. */
function snmpEnterprises(device: DeviceView): number[] {
  const found = device.facts('snmp.system', SnmpFacts);
  if (found.state !== 'ok') return [];
  return found.facts.flatMap(({ facts }) => {
    return [enterpriseOf(facts.system?.objectId), facts.engine.state === 'answered' ? facts.engine.enterprise : undefined].filter(
      (n): n is number => n !== undefined,
    );
  });
}

/**
 * The role of a device: the operator's word when given, else what the device says of itself (a
 * controller protocol or CPU description: PLC; a network vendor's enterprise number: network
 * device; an OS or distribution banner, or SMB, RDP or WinRM answering: host). Which services answer tells nothing on its own (a
 * PLC, a switch and a server all may offer SSH or a web UI), so without such a sign the role is
 * `unknown`. The reason is kept in the result so an operator can see and override it.
 */
export function decideRole(configured: DeviceRole | 'auto', device: DeviceView, identity: MergedIdentity = {}): RoleDecision {
  if (configured !== 'auto') return { role: configured, source: 'config', reason: 'role set in the config' };
  const inferred = (role: ResultRole, reason: string): RoleDecision => ({ role, source: 'inferred', reason });
  const protocols = new Set(device.services.map((s) => s.protocol));
  const controller = CONTROLLER_PROTOCOLS.filter((p) => protocols.has(p));
  if (controller.length > 0) return inferred('plc', `controller protocol answered: ${controller.join(', ')}`);
  const said = saidByDevice(device, identity);
  for (const d of SELF_DESCRIPTIONS) {
    const s = said.find((x) => d.pattern.test(x.value));
    if (s) return inferred(d.role, `describes itself as "${s.value}" (${s.source})`);
  }
  const vendor = snmpEnterprises(device).find((n) => NETWORK_VENDORS.has(n));
  if (vendor !== undefined) return inferred('network-device', `SNMP agent of network vendor ${NETWORK_VENDORS.get(vendor)} (enterprise ${vendor})`);
  const os = said.find((x) => x.source.startsWith('host.') || HOST_BANNERS.some((p) => p.test(x.value)));
  if (os) return inferred('host', `operating system named: "${os.value}" (${os.source})`);
  if (protocols.has('opcua')) return inferred('scada-server', 'OPC UA server without a controller protocol');
  if (protocols.has('vnc')) return inferred('hmi', 'remote operator display (VNC) answered');
  // An open port alone is no sign (anything may listen on 445); the service's own probe must have answered.
  const answered = new Set(device.observation.outcomes.filter((o) => o.status === 'ok').map((o) => o.probe.split('.')[0] ?? ''));
  const hostServices = HOST_PROBE_FAMILIES.filter((f) => answered.has(f));
  if (hostServices.length > 0) return inferred('host', `Windows host services answered: ${hostServices.join(', ')}`);
  return inferred('unknown', `nothing the device sent tells its role; judged against the rows common to every component type: ${SET_ROLE_HINT}`);
}

import { ftpAnonymousProbe, ftpProbe } from './it/ftp.ts';
import { httpProbe } from './it/http.ts';
import { telnetProbe } from './it/telnet.ts';
import { TLS_PROTOCOLS, tlsProbe } from './it/tls.ts';
import { vncProbe } from './it/vnc.ts';
import { hostCommandsProbe } from './host/probe.ts';
import { modbusDeviceIdProbe } from './modbus/probe.ts';
import { opcuaEndpointsProbe, opcuaSessionProbe } from './opcua/probe.ts';
import { s7SzlProbe } from './s7/probe.ts';
import { snmpProbe } from './snmp/probe.ts';
import { sshAuthMethodsProbe, sshKexProbe } from './ssh/probe.ts';
import type { ProbeDefinition } from './types.ts';

/** A probe the agent may run, and on which services. */
export interface RegisteredProbe {
  readonly definition: ProbeDefinition;
  readonly transport: 'tcp' | 'udp';
  /** Service protocols (probes/services.ts) it runs on; by default its own protocol. */
  readonly protocols?: readonly string[];
  /** Port of a UDP probe (TCP probes run on each discovered port of their protocols). */
  readonly udpPort?: number;
  /** Runs only on targets with a `credentials` entry of this kind, which it receives as `options.credential`. */
  readonly credential?: 'ssh';
  /** Runs instead of this probe wherever it may run: it collects the same facts and more on the same one connection. */
  readonly replacedBy?: RegisteredProbe;
}

const tcp = (definition: ProbeDefinition, protocols?: readonly string[]): RegisteredProbe =>
  protocols ? { definition, transport: 'tcp', protocols } : { definition, transport: 'tcp' };

const sshAuthMethods = tcp(sshAuthMethodsProbe);
const ftpAnonymous = tcp(ftpAnonymousProbe);

/**
 * Every probe, in the order they run on one device. Within a protocol the identifying probes come
 * first, so an opt-in session never runs before discovery has shown what the device offers.
 */
export const PROBES: readonly RegisteredProbe[] = [
  { ...tcp(ftpProbe), replacedBy: ftpAnonymous },
  ftpAnonymous,
  { ...tcp(sshKexProbe), replacedBy: sshAuthMethods },
  sshAuthMethods,
  { definition: hostCommandsProbe, transport: 'tcp', credential: 'ssh' },
  tcp(telnetProbe),
  tcp(httpProbe),
  tcp(s7SzlProbe),
  tcp(tlsProbe, TLS_PROTOCOLS),
  tcp(modbusDeviceIdProbe),
  tcp(opcuaEndpointsProbe),
  tcp(opcuaSessionProbe),
  tcp(vncProbe),
  { definition: snmpProbe, transport: 'udp', udpPort: 161 },
];

import { ftpAnonymousProbe, ftpProbe } from './it-services/ftp.ts';
import { httpProbe } from './it-services/http.ts';
import { telnetProbe } from './it-services/telnet.ts';
import { tlsProbe } from './it-services/tls.ts';
import { vncProbe } from './it-services/vnc.ts';
import { bacnetDeviceProbe } from './bacnet/probe.ts';
import { codesysV2Probe } from './codesys/probe.ts';
import { dnp3LinkStatusProbe } from './dnp3/probe.ts';
import { enipListProbe } from './enip/probe.ts';
import { finsTcpProbe, finsUdpProbe } from './fins/probe.ts';
import { foxHelloProbe, foxHelloTlsProbe } from './fox/probe.ts';
import { hostCommandsProbe } from './host/probe.ts';
import { iec104TestFrameProbe } from './iec104/probe.ts';
import { melsecCpuModelProbe } from './melsec/probe.ts';
import { modbusDeviceIdProbe } from './modbus/probe.ts';
import { opcuaEndpointsProbe, opcuaSessionProbe } from './opcua/probe.ts';
import { pcworxInfoProbe } from './pcworx/probe.ts';
import { proconosInfoProbe } from './proconos/probe.ts';
import { mqttConnectProbe, mqttConnectTlsProbe } from './mqtt/probe.ts';
import { rdpNegotiateProbe } from './rdp/probe.ts';
import { smbNegotiateProbe, smbNtlmInfoProbe, smbNullSessionProbe, smbSmb1Probe } from './smb/probe.ts';
import { s7SzlProbe } from './s7/probe.ts';
import { snmpProbe } from './snmp/probe.ts';
import { winrmProbe } from './winrm/probe.ts';
import { sshAuthMethodsProbe, sshKexProbe } from './ssh/probe.ts';
import type { ProbeDefinition } from './types.ts';

/**
 * Every probe, in the order they run on one device; each describes itself (transport, protocols,
 * UDP port, credential, which probe replaces it) in its own file. Within a protocol the
 * identifying probes come first, so an opt-in session never runs before discovery has shown what
 * the device offers.
 */
export const PROBES: readonly ProbeDefinition[] = [
  ftpProbe,
  ftpAnonymousProbe,
  sshKexProbe,
  sshAuthMethodsProbe,
  hostCommandsProbe,
  telnetProbe,
  httpProbe,
  s7SzlProbe,
  tlsProbe,
  modbusDeviceIdProbe,
  enipListProbe,
  finsTcpProbe,
  melsecCpuModelProbe,
  codesysV2Probe,
  iec104TestFrameProbe,
  dnp3LinkStatusProbe,
  foxHelloProbe,
  foxHelloTlsProbe,
  pcworxInfoProbe,
  proconosInfoProbe,
  opcuaEndpointsProbe,
  opcuaSessionProbe,
  vncProbe,
  rdpNegotiateProbe,
  smbNegotiateProbe,
  smbNtlmInfoProbe,
  smbNullSessionProbe,
  smbSmb1Probe,
  winrmProbe,
  mqttConnectProbe,
  mqttConnectTlsProbe,
  snmpProbe,
  bacnetDeviceProbe,
  finsUdpProbe,
];

import type { Profile } from './assess.ts';
import { bundledCatalog, type Catalog } from './catalog.ts';
import { loadCheckSet } from './check-set.ts';
import { bacnetCheckKinds, bacnetIdentity } from './checks/bacnet.ts';
import { certificateCheckKinds } from './checks/certificate.ts';
import { codesysCheckKinds, codesysIdentity } from './checks/codesys.ts';
import { dnp3CheckKinds } from './checks/dnp3.ts';
import { enipCheckKinds, enipIdentity } from './checks/enip.ts';
import { foxCheckKinds, foxIdentity } from './checks/fox.ts';
import { finsCheckKinds, finsIdentity } from './checks/fins.ts';
import { hostCheckKinds, hostIdentity } from './checks/host.ts';
import { iec104CheckKinds } from './checks/iec104.ts';
import { itServicesCheckKinds, itServicesIdentity } from './checks/it-services.ts';
import { melsecCheckKinds, melsecIdentity } from './checks/melsec.ts';
import { modbusCheckKinds, modbusIdentity } from './checks/modbus.ts';
import { opcuaCheckKinds, opcuaIdentity } from './checks/opcua.ts';
import { pcworxCheckKinds, pcworxIdentity } from './checks/pcworx.ts';
import { proconosCheckKinds, proconosIdentity } from './checks/proconos.ts';
import { mqttCheckKinds, mqttIdentity } from './checks/mqtt.ts';
import { rdpCheckKinds, rdpIdentity } from './checks/rdp.ts';
import { smbCheckKinds, smbIdentity } from './checks/smb.ts';
import { winrmCheckKinds } from './checks/winrm.ts';
import { s7CheckKinds, s7Identity } from './checks/s7.ts';
import { snmpCheckKinds, snmpIdentity } from './checks/snmp.ts';
import { sshCheckKinds, sshIdentity } from './checks/ssh.ts';
import bacnetChecks from './data/checks/bacnet.json' with { type: 'json' };
import certificateChecks from './data/checks/certificate.json' with { type: 'json' };
import codesysChecks from './data/checks/codesys.json' with { type: 'json' };
import dnp3Checks from './data/checks/dnp3.json' with { type: 'json' };
import enipChecks from './data/checks/enip.json' with { type: 'json' };
import foxChecks from './data/checks/fox.json' with { type: 'json' };
import finsChecks from './data/checks/fins.json' with { type: 'json' };
import hostChecks from './data/checks/host.json' with { type: 'json' };
import iec104Checks from './data/checks/iec104.json' with { type: 'json' };
import itServicesChecks from './data/checks/it-services.json' with { type: 'json' };
import melsecChecks from './data/checks/melsec.json' with { type: 'json' };
import modbusChecks from './data/checks/modbus.json' with { type: 'json' };
import opcuaChecks from './data/checks/opcua.json' with { type: 'json' };
import pcworxChecks from './data/checks/pcworx.json' with { type: 'json' };
import proconosChecks from './data/checks/proconos.json' with { type: 'json' };
import mqttChecks from './data/checks/mqtt.json' with { type: 'json' };
import rdpChecks from './data/checks/rdp.json' with { type: 'json' };
import smbChecks from './data/checks/smb.json' with { type: 'json' };
import winrmChecks from './data/checks/winrm.json' with { type: 'json' };
import s7Checks from './data/checks/s7.json' with { type: 'json' };
import snmpChecks from './data/checks/snmp.json' with { type: 'json' };
import sshChecks from './data/checks/ssh.json' with { type: 'json' };
import mappingData from './data/mapping.json' with { type: 'json' };
import type { IdentityExtractor } from './identity.ts';
import { loadMapping } from './mapping.ts';

export const CHECK_KINDS = [
  ...certificateCheckKinds,
  ...itServicesCheckKinds,
  ...modbusCheckKinds,
  ...enipCheckKinds,
  ...bacnetCheckKinds,
  ...foxCheckKinds,
  ...pcworxCheckKinds,
  ...proconosCheckKinds,
  ...finsCheckKinds,
  ...melsecCheckKinds,
  ...codesysCheckKinds,
  ...iec104CheckKinds,
  ...dnp3CheckKinds,
  ...opcuaCheckKinds,
  ...s7CheckKinds,
  ...snmpCheckKinds,
  ...sshCheckKinds,
  ...hostCheckKinds,
  ...rdpCheckKinds,
  ...smbCheckKinds,
  ...winrmCheckKinds,
  ...mqttCheckKinds,
];
export const CHECK_INSTANCES: readonly unknown[] = [
  ...opcuaChecks,
  ...certificateChecks,
  ...s7Checks,
  ...modbusChecks,
  ...enipChecks,
  ...bacnetChecks,
  ...foxChecks,
  ...pcworxChecks,
  ...proconosChecks,
  ...finsChecks,
  ...melsecChecks,
  ...codesysChecks,
  ...iec104Checks,
  ...dnp3Checks,
  ...snmpChecks,
  ...sshChecks,
  ...itServicesChecks,
  ...hostChecks,
  ...rdpChecks,
  ...smbChecks,
  ...winrmChecks,
  ...mqttChecks,
];

/**
 * Identity sources, most authoritative first: what a controller says of itself in its own
 * protocol beats an SNMP description, which beats a web server banner.
 */
export const IDENTITY_EXTRACTORS: readonly IdentityExtractor[] = [
  s7Identity,
  opcuaIdentity,
  modbusIdentity,
  enipIdentity,
  finsIdentity,
  melsecIdentity,
  bacnetIdentity,
  pcworxIdentity,
  proconosIdentity,
  foxIdentity,
  codesysIdentity,
  smbIdentity,
  rdpIdentity,
  mqttIdentity,
  snmpIdentity,
  hostIdentity,
  sshIdentity,
  itServicesIdentity,
];

/** The profile shipped with cellcheck, optionally over another catalog (e.g. from a licensed copy of the standard). */
export function bundledProfile(catalog: Catalog = bundledCatalog): Profile {
  const checks = loadCheckSet(CHECK_KINDS, CHECK_INSTANCES);
  return { catalog, checks, mapping: loadMapping(mappingData, catalog, checks) };
}

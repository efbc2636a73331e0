/**
 * The curated TCP ports discovery connects to, and the protocol each one is assumed to carry
 * until a probe confirms it. UDP services are reached by their own probes (UDP_SERVICE_PORTS).
 */
export const SERVICE_PORTS = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  http: 80,
  s7: 102,
  /** CODESYS V3 gateway: routes an engineering tool to the runtimes behind it. */
  'codesys-gateway': 1217,
  /** CoDeSys V2 runtime (older runtimes); identification without login, like 2455. */
  'codesys-v2-alt': 1200,
  https: 443,
  /** SMB direct hosting: NEGOTIATE only, unless an opt-in reads the NTLM challenge. */
  smb: 445,
  /** SMB over the NetBIOS session service; after 445 in this order, so a device answering there is not asked twice. */
  'netbios-ssn': 139,
  modbus: 502,
  'modbus-tls': 802,
  /** Phoenix Contact PC WORX engineering protocol (ILC, AXC, RFC controllers). */
  pcworx: 1962,
  /** Niagara Fox, cleartext; 4911 is the same protocol in TLS. */
  fox: 1911,
  /** EtherNet/IP over TLS (CIP Security); its absence beside 44818 is the finding. */
  'enip-tls': 2221,
  /** IEC 60870-5-104, unprotected; with IEC 62351-3 TLS it runs on 19998 instead. */
  iec104: 2404,
  /** CoDeSys V2 runtime (WAGO and most V2 devices). */
  'codesys-v2': 2455,
  /** MELSEC SLMP / MC protocol 3E frame: a user-set port on real PLCs; 1025 is the first of the user range and the clients' usual example. */
  melsec: 1025,
  'opcua-tls': 4843,
  'fox-tls': 4911,
  opcua: 4840,
  vnc: 5900,
  /** Omron FINS/TCP; FINS/UDP on the same number is asked by its own probe where this port is closed. */
  fins: 9600,
  'https-alt': 8443,
  /** Remote Desktop: X.224 negotiation, then TLS or CredSSP on the same connection. */
  rdp: 3389,
  /** WinRM (WS-Management) over HTTP, and over HTTPS (read by the TLS probe). */
  winrm: 5985,
  'winrm-tls': 5986,
  /** MQTT in cleartext, and over TLS (read by the TLS probe). */
  mqtt: 1883,
  'mqtt-tls': 8883,
  /** CODESYS V3 runtime, TCP block driver: no identification without opening a channel. */
  'codesys-v3': 11740,
  /** IEC 60870-5-104 over TLS (IEC 62351-3, IANA iec-60870-5-104-sec). */
  'iec104-tls': 19998,
  /** DNP3 over TLS (IEC 62351-3, IANA dnp-sec). */
  'dnp3-tls': 19999,
  dnp3: 20000,
  /** ProConOS / MULTIPROG runtime engineering protocol (KW-Software, Phoenix Contact). */
  proconos: 20547,
  enip: 44818,
} as const satisfies Record<string, number>;

export type ServiceProtocol = keyof typeof SERVICE_PORTS;
export const SERVICE_PROTOCOLS = Object.keys(SERVICE_PORTS) as ServiceProtocol[];

/**
 * UDP services: no connect can tell whether they listen, so their probes ask on these ports, on
 * hosts alive on TCP or listed as `host`, and report the service when it answered.
 */
export const UDP_SERVICE_PORTS = { snmp: 161, bacnet: 47808 } as const satisfies Record<string, number>;
export const UDP_SERVICE_PROTOCOLS = Object.keys(UDP_SERVICE_PORTS) as (keyof typeof UDP_SERVICE_PORTS)[];

/**
 * The loopback ranges of the tests, one list. Test files run at the same time, so two files that
 * bind the same address (or PostgreSQL port) fail each other by chance: each file or area takes its
 * own 127.x.y range here. `files` names who may write an address of the range; a range that holds
 * only data (addresses in results, never bound) may be shared. test/addresses.test.ts checks that
 * no two entries overlap and that no test file writes an address outside its entries.
 */
export interface TestRange {
  /** `127.x` or `127.x.y`: every address starting with it. */
  readonly range: string;
  /** Repository paths of the files that write addresses of this range; `*` for any file. */
  readonly files: readonly string[];
  /** A fixed port the area binds next to its range (a PostgreSQL server). */
  readonly port?: number;
}

export const TEST_RANGES = {
  /** 127.0.0.1 for an ephemeral port, and addresses that are only data: any file. */
  plainLoopback: { range: '127.0.0', files: ['*'] },
  opcuaProbe: { range: '127.10.0', files: ['probes/opcua/probe.test.ts'] },
  modbusProbe: { range: '127.20.0', files: ['probes/modbus/probe.test.ts'] },
  modbusServerTcp: { range: '127.20.1', files: ['probes/modbus/probe.test.ts'] },
  modbusChecks: { range: '127.20.2', files: ['profiles/checks/modbus.test.ts'] },
  mbap: { range: '127.20.3', files: ['fixtures/modbus/mbap.test.ts'] },
  enipProbe: { range: '127.21.0', files: ['probes/enip/probe.test.ts'] },
  enipChecks: { range: '127.21.1', files: ['profiles/checks/enip.test.ts'] },
  enipServer: { range: '127.21.2', files: ['fixtures/enip/server.test.ts'] },
  foxProbe: { range: '127.23.0', files: ['probes/fox/probe.test.ts'] },
  pcworxProbe: { range: '127.23.1', files: ['probes/pcworx/probe.test.ts'] },
  proconosProbe: { range: '127.23.2', files: ['probes/proconos/probe.test.ts'] },
  foxServer: { range: '127.23.6', files: ['fixtures/fox/server.test.ts'] },
  foxTls: { range: '127.103.0', files: ['probes/fox/probe.test.ts'] },
  foxTlsChecks: { range: '127.103.1', files: ['profiles/checks/fox.test.ts'] },
  pcworxServer: { range: '127.23.7', files: ['fixtures/pcworx/server.test.ts'] },
  openIdentificationChecks: { range: '127.23.3', files: ['profiles/checks/open-identification.test.ts'] },
  s7Probe: { range: '127.30.0', files: ['probes/s7/probe.test.ts'] },
  s7Snap7: { range: '127.30.1', files: ['probes/s7/probe.test.ts'] },
  s7Checks: { range: '127.30.2', files: ['profiles/checks/s7.test.ts'] },
  snmpProbe: { range: '127.40.1', files: ['probes/snmp/probe.test.ts'] },
  snmpd: { range: '127.40.2', files: ['probes/snmp/snmpd.test.ts'] },
  sshProbe: { range: '127.50.0', files: ['probes/ssh/probe.test.ts'] },
  sshd: { range: '127.50.2', files: ['probes/ssh/sshd.test.ts'] },
  sshChecks: { range: '127.50.9', files: ['profiles/checks/ssh.test.ts'] },
  telnet: { range: '127.60.1', files: ['probes/it-services/telnet.test.ts'] },
  ftp: { range: '127.60.2', files: ['probes/it-services/ftp.test.ts'] },
  http: { range: '127.60.3', files: ['probes/it-services/http.test.ts'] },
  tls: { range: '127.60.4', files: ['probes/it-services/tls.test.ts'] },
  vnc: { range: '127.60.5', files: ['probes/it-services/vnc.test.ts'] },
  itServicesChecks: { range: '127.60.9', files: ['profiles/checks/it-services.test.ts'] },
  smbProbe: { range: '127.61.0', files: ['probes/smb/probe.test.ts'] },
  smbChecks: { range: '127.61.1', files: ['profiles/checks/smb.test.ts'] },
  smbd: { range: '127.61.2', files: ['probes/smb/smbd.test.ts'] },
  smbServer: { range: '127.61.3', files: ['fixtures/smb/server.test.ts'] },
  rdpProbe: { range: '127.62.0', files: ['probes/rdp/probe.test.ts'] },
  rdpChecks: { range: '127.62.1', files: ['profiles/checks/rdp.test.ts'] },
  xrdp: { range: '127.62.2', files: ['probes/rdp/xrdp.test.ts'] },
  winrmProbe: { range: '127.63.0', files: ['probes/winrm/probe.test.ts'] },
  mqttProbe: { range: '127.63.1', files: ['probes/mqtt/probe.test.ts'] },
  mosquitto: { range: '127.63.2', files: ['probes/mqtt/mosquitto.test.ts'] },
  mqttClient: { range: '127.63.3', files: ['fixtures/mqtt/broker.test.ts'] },
  rdpServer: { range: '127.62.3', files: ['fixtures/rdp/server.test.ts'] },
  winrmServer: { range: '127.63.5', files: ['fixtures/winrm/server.test.ts'] },
  tlsOnlyChecks: { range: '127.63.6', files: ['profiles/checks/tls-only.test.ts'] },
  remoteAccessChecks: { range: '127.63.4', files: ['profiles/checks/winrm.test.ts', 'profiles/checks/mqtt.test.ts'] },
  tcpSession: { range: '127.70.0', files: ['probes/tcp-session.test.ts'] },
  e2e: { range: '127.71.0', files: ['test/e2e.test.ts'] },
  cli: { range: '127.72.0', files: ['test/cli.test.ts'] },
  cliTargets: { range: '127.72.1', files: ['test/cli.test.ts'] },
  hostE2e: { range: '127.80.0', files: ['test/host.e2e.test.ts'] },
  hostProbe: { range: '127.80.1', files: ['probes/host/probe.test.ts'] },
  hostChecks: { range: '127.80.2', files: ['profiles/checks/host.test.ts'] },
  credentials: { range: '127.80.3', files: ['agent/scan/credentials.test.ts'] },
  sshdHostE2e: { range: '127.80.5', files: ['test/sshd-host.e2e.test.ts'] },
  golden: { range: '127.81.0', files: ['test/golden.test.ts'] },
  applyStatements: { range: '127.81.1', files: ['profiles/apply-statements.test.ts'] },
  role: { range: '127.81.2', files: ['profiles/role.test.ts'] },
  /** Devices of test/sample-result.ts: data only. */
  sampleResultDevices: { range: '127.82.0', files: ['test/sample-result.ts', 'console/server.test.ts', 'report/role-hint.test.ts'] },
  consoleServer: { range: '127.82.1', files: ['console/server.test.ts'] },
  deliver: { range: '127.82.2', files: ['agent/delivery/deliver.test.ts'] },
  upload: { range: '127.82.3', files: ['agent/delivery/upload.test.ts'] },
  deliveryKill: { range: '127.82.4', files: ['test/delivery-kill.test.ts'] },
  deliveryCli: { range: '127.82.5', files: ['test/delivery-cli.test.ts'] },
  reportsE2e: { range: '127.83.1', files: ['test/reports.e2e.test.ts'] },
  /** Devices of test/crafted-runs.ts: data only. */
  craftedRunDevices: { range: '127.83.2', files: ['test/crafted-runs.ts', 'report/cyclonedx.test.ts', 'report/diff.test.ts', 'test/report-cli.test.ts'] },
  progress: { range: '127.83.3', files: ['agent/scan/progress.test.ts'] },
  reportCli: { range: '127.83.4', files: ['test/report-cli.test.ts'] },
  safety: { range: '127.84.1', files: ['test/safety.test.ts'] },
  hostile: { range: '127.84.2', files: ['test/hostile.test.ts'] },
  traffic: { range: '127.84.3', files: ['agent/scan/traffic.test.ts'] },
  plan: { range: '127.84.4', files: ['agent/scan/plan.test.ts'] },
  advisoriesScan: { range: '127.85.0', files: ['agent/advisories/scan.test.ts'] },
  schedule: { range: '127.86.0', files: ['agent/schedule/schedule.test.ts'] },
  agentCliCell: { range: '127.86.1', files: ['test/agent-cli.test.ts'] },
  agentCliSilentPlc: { range: '127.86.2', files: ['test/agent-cli.test.ts'] },
  agentCliConfigs: { range: '127.86.3', files: ['test/agent-cli.test.ts'] },
  agentCliConsole: { range: '127.86.5', files: ['test/agent-cli.test.ts'] },
  binary: { range: '127.86.7', files: ['test/binary.test.ts'] },
  /** The demo's blocks, 127.77.0-7 (agent/commands/demo.ts): held and run on by its CLI test. */
  demoCli: { range: '127.77', files: ['test/demo-cli.test.ts'] },
  consoleStore: { range: '127.87.1', files: ['console/store.test.ts'], port: 15_431 },
  consoleWeb: { range: '127.87.2', files: ['console/web.test.ts'], port: 15_432 },
  consoleE2e: { range: '127.87.3', files: ['test/console.e2e.test.ts'], port: 15_433 },
  /** bench/console-load.ts, not a test, shares the machine with them. */
  consoleLoadBench: { range: '127.87.4', files: ['bench/console-load.ts'], port: 15_434 },
  /** bench/snmp-trials.ts, not a test: the simulated cell, plain and with every SNMP opt-in. */
  snmpTrialsBench: { range: '127.78.1', files: ['bench/snmp-trials.ts'] },
  consoleCli: { range: '127.87.5', files: ['test/console-cli.test.ts'] },
  s7NoDiagnostics: { range: '127.88.0', files: ['probes/s7/probe.test.ts'] },
  snmpNotificationTargets: { range: '127.88.1', files: ['probes/snmp/notification-targets.test.ts'] },
  consoleAttack: { range: '127.89', files: ['test/console-attack.test.ts'], port: 15_435 },
  runScan: { range: '127.91.0', files: ['agent/scan/run-scan.test.ts'] },
  /** Scripted OPC UA peers: the client's (.10), the hostile suite's (.30, .31); data in messages. */
  opcuaScripted: { range: '127.93.0', files: ['probes/opcua/discovery-client.test.ts', 'probes/opcua/discovery-messages.test.ts', 'test/hostile.test.ts'] },
  sshNoCommonAlgorithms: { range: '127.94.0', files: ['probes/ssh/probe.test.ts'] },
  snmpBrokenBulk: { range: '127.95.0', files: ['probes/snmp/probe.test.ts'] },
  ftpOddReplies: { range: '127.96.0', files: ['probes/it-services/ftp.test.ts'] },
  stepTimer: { range: '127.97.0', files: ['probes/step-timer.test.ts'] },
  socketFailure: { range: '127.97.1', files: ['probes/socket-failure.test.ts'] },
  bacnetProbe: { range: '127.41.0', files: ['probes/bacnet/probe.test.ts'] },
  bacnetChecks: { range: '127.41.1', files: ['profiles/checks/bacnet.test.ts'] },
  bacnetClient: { range: '127.41.2', files: ['fixtures/bacnet/device.test.ts'] },
  finsProbe: { range: '127.22.0', files: ['probes/fins/probe.test.ts'] },
  finsChecks: { range: '127.22.1', files: ['profiles/checks/fins.test.ts'] },
  finsServer: { range: '127.22.2', files: ['fixtures/fins/server.test.ts'] },
  melsecProbe: { range: '127.22.3', files: ['probes/melsec/probe.test.ts'] },
  melsecChecks: { range: '127.22.4', files: ['profiles/checks/melsec.test.ts'] },
  finsScan: { range: '127.22.5', files: ['agent/scan/fins-transport.test.ts'] },
  /** Issue 17: FINS/UDP after a FINS/TCP run that failed or was refused. */
  finsFallbackScan: { range: '127.104.0', files: ['agent/scan/fins-transport.test.ts'] },
  /** The UDP link BACnet and FINS/UDP share. */
  udpLink: { range: '127.104.1', files: ['probes/udp-exchange.test.ts'] },
  /** Issue 17, item 3: CODESYS runtime (V2 identification, V3 and gateway ports), IEC 60870-5-104 and DNP3. */
  codesysProbe: { range: '127.24.0', files: ['probes/codesys/probe.test.ts'] },
  codesysChecks: { range: '127.24.1', files: ['profiles/checks/codesys.test.ts'] },
  iec104Probe: { range: '127.24.2', files: ['probes/iec104/probe.test.ts'] },
  dnp3Probe: { range: '127.24.3', files: ['probes/dnp3/probe.test.ts'] },
  /** The IEC 104 fixture cross-checked with nmap's iec-identify (Debian nmap), an independent master. */
  iec104Server: { range: '127.24.6', files: ['fixtures/iec104/server.test.ts'] },
  telecontrolChecks: { range: '127.24.4', files: ['profiles/checks/telecontrol.test.ts'] },
  /** The agent's own collect against the services whose open port is the fact (IEC 104, DNP3 without opt-in; CODESYS V3): nothing sent. */
  portOnlyScan: { range: '127.24.5', files: ['agent/scan/port-only.test.ts'] },
  /** Issue 21, console side: the zone model store and API (PostgreSQL 15_442), its pages (15_443), the zone map in Chromium. */
  zoneModelStore: { range: '127.102.0', files: ['console/zone-model.test.ts'], port: 15_442 },
  zoneWeb: { range: '127.102.1', files: ['console/zone-web.test.ts'], port: 15_443 },
  zoneMapE2e: { range: '127.102.2', files: ['test/zone-map.e2e.test.ts'] },
  /** Devices of the zone tests' results: data only. */
  zoneDevices: {
    range: '127.102.3',
    files: ['test/setup/zone-plant.ts', 'console/zone-model.test.ts', 'console/zone-web.test.ts', 'test/zone-map.e2e.test.ts'],
  },
  /** Issue 21, the zone-boundary check from the agent: the check's destinations, the agent's fetch from the console, the simulated plant (zones as /28s, agents as processes). */
  reachabilityCheck: { range: '127.101.0', files: ['agent/scan/reachability.test.ts'] },
  reachabilityFetch: { range: '127.101.1', files: ['agent/schedule/reachability-fetch.test.ts'] },
  zonePlant: { range: '127.101.2', files: ['test/zone-plant.e2e.test.ts'] },
  /** The two-zone demo plant (`cellcheck demo --plant`), started on a block of its own. */
  demoPlant: { range: '127.101.3', files: ['test/demo-plant.test.ts'] },
  /** bench/reachability.ts, not a test: what a zone-boundary check of N paths costs. */
  reachabilityBench: { range: '127.101.4', files: ['bench/reachability.ts'] },
  /** Issue 20, the gap analysis in the console: four-eyes proposals (PostgreSQL 15_440), pages in Chromium (15_441), the demo cell, the agent's fetch. */
  proposalsStore: { range: '127.100.0', files: ['console/proposals.test.ts'], port: 15_440 },
  assessmentE2e: { range: '127.100.1', files: ['test/assessment.e2e.test.ts'], port: 15_441 },
  assessmentWeb: { range: '127.100.2', files: ['console/assessment-web.test.ts'] },
  assessmentDemoCell: { range: '127.100.3', files: ['test/assessment-demo.test.ts'] },
  statementsFetch: { range: '127.100.4', files: ['agent/schedule/statements-fetch.test.ts'] },
} as const satisfies Record<string, TestRange>;

/** Address `last` of a range: `testAddress('modbusProbe', 3)` is 127.20.0.3. */
export function testAddress(name: keyof typeof TEST_RANGES, ...rest: number[]): string {
  return [TEST_RANGES[name].range, ...rest].join('.');
}

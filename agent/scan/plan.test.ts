import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../../probes/registry.ts';
import { parseConfig } from '../config/config.ts';
import { planScan, renderPlan } from './plan.ts';

const PLAN_DOC = {
  zone: { name: 'plan', slT: 2 },
  targets: [{ cidr: '127.84.4.0/29' }, { host: '127.84.4.3', safety: 'identify' }, { host: '127.84.4.20', ports: { modbus: 15502 } }],
  deny: ['127.84.4.5', '127.84.4.6/31'],
  probes: { ftp: { anonymous: true } },
};
const config = parseConfig(PLAN_DOC, 'plan.yaml');

let connections = 0;
const server = net.createServer((s) => {
  connections += 1;
  s.destroy();
});
beforeAll(() => new Promise<void>((r) => server.listen(15502, '127.84.4.20', () => r())));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('scan --plan', () => {
  const plan = planScan(config, PROBES);
  const group = (address: string) => plan.devices.find((d) => d.addresses.includes(address));

  it('lists denied addresses apart and never plans them', () => {
    expect(plan.denied).toEqual(['127.84.4.5', '127.84.4.6']);
    expect(plan.devices.flatMap((d) => d.addresses).sort()).toEqual(['127.84.4.1', '127.84.4.2', '127.84.4.20', '127.84.4.3', '127.84.4.4']);
  });

  it('withholds what is above a target’s safety ceiling or lacks its opt-in, and says why', () => {
    const ftp = (address: string) => group(address)?.services.find((s) => s.protocol === 'ftp');
    // With the opt-in, ftp.anonymous reads the greeting too and runs in place of ftp.banner (one FTP connection).
    expect(ftp('127.84.4.1')?.probes.map((p) => p.probe)).toEqual(['ftp.anonymous']);
    expect(ftp('127.84.4.1')?.withheld).toEqual([
      { probe: 'ftp.banner', reason: 'ftp.anonymous runs instead and collects the same facts on its one connection' },
    ]);
    expect(ftp('127.84.4.3')?.probes.map((p) => p.probe)).toEqual(['ftp.banner']);
    expect(ftp('127.84.4.3')?.withheld).toEqual([{ probe: 'ftp.anonymous', reason: "read-session is above the target's safety ceiling identify" }]);
    const opcua = group('127.84.4.1')?.services.find((s) => s.protocol === 'opcua');
    expect(opcua?.withheld).toEqual([{ probe: 'opcua.session', reason: 'needs the opt-in probes.opcua.session' }]);
  });

  it('runs ssh.auth-methods in place of ssh.kexinit where the opt-in and the ceiling allow it (one SSH connection either way)', () => {
    const withOptIn = planScan(parseConfig({ ...PLAN_DOC, probes: { ssh: { authNone: true } } }, 'plan.yaml'), PROBES);
    const ssh = (address: string) => withOptIn.devices.find((d) => d.addresses.includes(address))?.services.find((s) => s.protocol === 'ssh');
    expect(ssh('127.84.4.1')?.probes.map((p) => p.probe)).toEqual(['ssh.auth-methods']);
    expect(ssh('127.84.4.1')?.withheld[0]).toEqual({
      probe: 'ssh.kexinit',
      reason: 'ssh.auth-methods runs instead and collects the same facts on its one connection',
    });
    expect(ssh('127.84.4.3')?.probes.map((p) => p.probe)).toEqual(['ssh.kexinit']);
    expect(
      group('127.84.4.1')
        ?.services.find((s) => s.protocol === 'ssh')
        ?.probes.map((p) => p.probe),
    ).toEqual(['ssh.kexinit']);
  });

  it('uses port overrides and asks UDP of named hosts always, of range addresses only when alive', () => {
    expect(group('127.84.4.20')?.services.find((s) => s.protocol === 'modbus')?.port).toBe(15502);
    expect(group('127.84.4.20')?.services.find((s) => s.transport === 'udp')?.when).toMatch(/always/);
    expect(group('127.84.4.1')?.services.find((s) => s.transport === 'udp')?.when).toMatch(/TCP service answered/);
  });

  it('lists only operation kinds from each probe’s allow-list, and sends nothing', () => {
    const declared = new Map(PROBES.map((p) => [p.id, p.ops]));
    for (const d of plan.devices)
      for (const s of d.services) for (const p of s.probes) expect(declared.get(p.probe)).toEqual(expect.arrayContaining([...p.ops]));
    const text = renderPlan(plan);
    expect(text).toContain('modbus.device-id [identify]: tcp.connect, modbus.read-device-id');
    expect(text).toContain('enip.list [identify]: tcp.connect, enip.list-identity, enip.list-services');
    // BACnet/IP is UDP only: its probe asks on 47808, and TCP discovery no longer connects there.
    expect(text).toContain(
      'UDP 47808 bacnet, always (named as a host):\n    bacnet.device [identify]: bacnet.who-is, bacnet.read-property-multiple, bacnet.read-property',
    );
    expect(text).not.toContain('TCP 47808');
    expect(text).toContain('Never contacted (deny list): 127.84.4.5, 127.84.4.6');
    expect(connections).toBe(0);
  });

  it('plans FINS on TCP 9600 with the node address exchange, FINS/UDP only where FINS/TCP did not answer, and MELSEC SLMP on TCP 1025', () => {
    const text = renderPlan(plan);
    expect(text).toContain(
      'TCP 9600 fins, if TCP 9600 is open:\n    fins.controller-data [identify]: tcp.connect, fins.node-address, fins.controller-data-read\n',
    );
    expect(text).toContain(
      'UDP 9600 fins, always (named as a host), unless fins.controller-data answered on TCP 9600:\n    fins.controller-data-udp [identify]: fins.controller-data-read\n',
    );
    expect(text).toContain('TCP 1025 melsec, if TCP 1025 is open:\n    melsec.cpu-model [identify]: tcp.connect, melsec.read-cpu-model\n');
    // A plant's own SLMP port, and a FINS port moved for both transports.
    const moved = planScan(parseConfig({ ...PLAN_DOC, targets: [{ host: '127.84.4.3', ports: { melsec: 5000, fins: 9601 } }] }, 'plan.yaml'), PROBES);
    const services = moved.devices[0]?.services ?? [];
    expect(services.find((s) => s.protocol === 'melsec')?.port).toBe(5000);
    expect(services.filter((s) => s.protocol === 'fins').map((s) => `${s.transport} ${s.port}`)).toEqual(['tcp 9601', 'udp 9601']);
    expect(moved.devices[0]?.discoveryPorts).not.toContain(1025);
  });

  it('plans IEC 104 and DNP3 as an open port only, and their one identification request only as a labelled opt-in', () => {
    const plain = renderPlan(plan);
    expect(plain).toContain('TCP 2404 iec104, if TCP 2404 is open:\n    not sent: iec104.testfr (needs the opt-in probes.iec104.identify)\n');
    expect(plain).toContain('TCP 20000 dnp3, if TCP 20000 is open:\n    not sent: dnp3.link-status (needs the opt-in probes.dnp3.identify)\n');
    const optedIn = renderPlan(planScan(parseConfig({ ...PLAN_DOC, probes: { iec104: { identify: true }, dnp3: { identify: true } } }, 'plan.yaml'), PROBES));
    expect(optedIn).toContain('iec104.testfr [identify, opt-in probes.iec104.identify]: tcp.connect, iec104.testfr-act');
    expect(optedIn).toContain('dnp3.link-status [identify, opt-in probes.dnp3.identify]: tcp.connect, dnp3.request-link-status');
  });

  it('plans the CoDeSys V2 identification on 2455 and 1200, and the V3 and gateway ports for discovery only', () => {
    const text = renderPlan(plan);
    expect(text).toContain('TCP 2455 codesys-v2, if TCP 2455 is open:\n    codesys.v2-identify [identify]: tcp.connect, codesys.v2-identify');
    expect(text).toContain('TCP 1200 codesys-v2-alt, if TCP 1200 is open:\n    codesys.v2-identify [identify]: tcp.connect, codesys.v2-identify');
    expect(group('127.84.4.1')?.discoveryPorts).toEqual(expect.arrayContaining([11740, 1217, 19998, 19999]));
    expect(text).not.toContain('TCP 11740 codesys-v3');
  });

  it('plans the Fox hello on 1911, the TLS probe and the hello in TLS on 4911, and the PC WORX and ProConOS identification', () => {
    const text = renderPlan(plan);
    expect(text).toContain('TCP 1911 fox, if TCP 1911 is open:\n    fox.hello [identify]: tcp.connect, fox.hello\n');
    expect(text).toContain(
      'TCP 4911 fox-tls, if TCP 4911 is open:\n    tls.handshake [identify]: tls.client-hello\n    fox.hello-tls [identify]: tls.client-hello, fox.hello\n',
    );
    expect(text).toContain(
      'TCP 1962 pcworx, if TCP 1962 is open:\n    pcworx.info [identify]: tcp.connect, pcworx.init, pcworx.select-info, pcworx.read-info\n',
    );
    expect(text).toContain('TCP 20547 proconos, if TCP 20547 is open:\n    proconos.info [identify]: tcp.connect, proconos.read-info\n');
  });

  it('plans the SMB NEGOTIATE on 445 and 139 (the NetBIOS session request on 139 only), the NTLM challenge, the SMB1-alone question and the null session only as labelled opt-ins', () => {
    const text = renderPlan(plan);
    const negotiate = (netbios: string) => `smb.negotiate [identify]: tcp.connect, ${netbios}smb.negotiate, smb.negotiate-smb2\n`;
    expect(text).toContain(
      `TCP 445 smb, if TCP 445 is open:\n    ${negotiate('')}    not sent: smb.ntlm-info (needs the opt-in probes.smb.ntlmInfo)\n    not sent: smb.null-session (needs the opt-in probes.smb.nullSession)\n`,
    );
    expect(text).toContain(`TCP 139 netbios-ssn, if TCP 139 is open:\n    ${negotiate('smb.netbios-session, ')}`);
    const optedIn = renderPlan(planScan(parseConfig({ ...PLAN_DOC, probes: { smb: { ntlmInfo: true, smb1Dialect: true } } }, 'plan.yaml'), PROBES));
    expect(optedIn).toContain(
      'smb.ntlm-info [read-session, opt-in probes.smb.ntlmInfo]: tcp.connect, smb.negotiate, smb.negotiate-smb2, smb.session-setup-ntlm\n',
    );
    expect(optedIn).toContain('smb.smb1-dialect [identify, opt-in probes.smb.smb1Dialect]: tcp.connect, smb.negotiate\n');
    expect(optedIn).toContain('smb.smb1-dialect [identify, opt-in probes.smb.smb1Dialect]: tcp.connect, smb.netbios-session, smb.negotiate\n');
    expect(optedIn).toContain('not sent: smb.negotiate (smb.ntlm-info runs instead and collects the same facts on its one connection)');
    // With the null session on too, it alone runs: negotiate and ntlm-info both give way to it, still one connection.
    const nullSession = renderPlan(planScan(parseConfig({ ...PLAN_DOC, probes: { smb: { nullSession: true } } }, 'plan.yaml'), PROBES));
    expect(nullSession).toContain(
      'smb.null-session [read-session, opt-in probes.smb.nullSession]: tcp.connect, smb.negotiate, smb.negotiate-smb2, smb.session-setup-ntlm, smb.session-setup-anonymous, smb.tree-connect-ipc, smb.tree-disconnect, smb.logoff, smb.session-setup-guest\n',
    );
    expect(nullSession).toContain('not sent: smb.negotiate (smb.null-session runs instead and collects the same facts on its one connection)');
    expect(nullSession).toContain('not sent: smb.ntlm-info (needs the opt-in probes.smb.ntlmInfo)');
    const both = renderPlan(planScan(parseConfig({ ...PLAN_DOC, probes: { smb: { ntlmInfo: true, nullSession: true } } }, 'plan.yaml'), PROBES));
    expect(both).toContain('not sent: smb.ntlm-info (smb.null-session runs instead and collects the same facts on its one connection)');
    expect(both).toContain('not sent: smb.negotiate (smb.null-session runs instead and collects the same facts on its one connection)');
  });

  it('plans the RDP negotiation with its TLS handshake, GET /wsman, TLS on 5986 and 8883, and the MQTT CONNECT only as a labelled opt-in', () => {
    const text = renderPlan(plan);
    expect(text).toContain('TCP 3389 rdp, if TCP 3389 is open:\n    rdp.negotiate [identify]: tcp.connect, rdp.connection-request, tls.client-hello\n');
    expect(text).toContain('TCP 5985 winrm, if TCP 5985 is open:\n    winrm.wsman [identify]: tcp.connect, winrm.get-wsman\n');
    expect(text).toContain('TCP 5986 winrm-tls, if TCP 5986 is open:\n    tls.handshake [identify]: tls.client-hello\n');
    expect(text).toContain('TCP 8883 mqtt-tls, if TCP 8883 is open:\n    tls.handshake [identify]: tls.client-hello\n');
    expect(text).toContain('TCP 1883 mqtt, if TCP 1883 is open:\n    not sent: mqtt.connect (needs the opt-in probes.mqtt.anonymous)\n');
    const optedIn = renderPlan(planScan(parseConfig({ ...PLAN_DOC, probes: { mqtt: { anonymous: true } } }, 'plan.yaml'), PROBES));
    expect(optedIn).toContain('mqtt.connect [read-session, opt-in probes.mqtt.anonymous]: tcp.connect, mqtt.connect, mqtt.subscribe-version, mqtt.disconnect');
    expect(optedIn).toContain(
      'mqtt.connect-tls [read-session, opt-in probes.mqtt.anonymous]: tls.client-hello, mqtt.connect, mqtt.subscribe-version, mqtt.disconnect',
    );
  });
});

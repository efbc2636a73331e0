import { describe, expect, it } from 'vitest';
import type { Service } from '../probes/observation.ts';
import type { SnmpFacts } from '../probes/snmp/facts.ts';
import type { SshKexFacts } from '../probes/ssh/facts.ts';
import type { ProbeOutcome } from '../probes/types.ts';
import { applicableTo, bundledCatalog, COMPONENT_TYPES } from './catalog.ts';
import { DeviceView } from './device-view.ts';
import { COMPONENT_TYPES_OF_ROLE, decideRole } from './role.ts';

const view = (protocols: string[], outcomes: ProbeOutcome[] = []) =>
  new DeviceView({
    address: '127.81.2.1',
    services: protocols.map((protocol, i): Service => ({ port: 1000 + i, transport: protocol === 'snmp' ? 'udp' : 'tcp', protocol, confirmed: true })),
    outcomes,
  });
const ok = (probe: string, port: number, facts: unknown): ProbeOutcome => ({ probe, version: 1, port, status: 'ok', facts, transcript: [0, 0], durationMs: 1 });

/** An SSH server that printed `raw` as its identification string (the rest is a minimal KEXINIT). */
function sshServer(raw: string): DeviceView {
  const [, softwareVersion = '', comments] = /^SSH-2\.0-(\S+)(?: (.*))?$/.exec(raw) ?? [];
  const [software = '', version] = softwareVersion.split('_');
  const names = ['curve25519-sha256'];
  const facts: SshKexFacts = {
    identification: { raw, protoVersion: '2.0', softwareVersion, software, preamble: [], ...(version ? { version } : {}), ...(comments ? { comments } : {}) },
    lists: {
      kex: names,
      hostKey: ['ssh-ed25519'],
      cipherClientToServer: ['aes128-ctr'],
      cipherServerToClient: ['aes128-ctr'],
      macClientToServer: ['hmac-sha2-256'],
      macServerToClient: ['hmac-sha2-256'],
      compressionClientToServer: ['none'],
      compressionServerToClient: ['none'],
      languageClientToServer: [],
      languageServerToClient: [],
    },
    firstKexPacketFollows: false,
    hostKeyTypes: ['ssh-ed25519'],
    strictKex: false,
    keyExchange: { status: 'unavailable', failure: { kind: 'closed', detail: 'not asked' } },
  };
  return view(['ssh'], [ok('ssh.kexinit', 1000, facts)]);
}

function snmpAgent(system: SnmpFacts['system']): DeviceView {
  const facts: SnmpFacts = {
    engine: { state: 'no-answer', detail: 'silent' },
    communities: { state: 'not-tried' },
    v3Access: { state: 'not-configured' },
    readVia: 'v2c',
    system,
  };
  return view(['snmp'], [ok('snmp.system', 1000, facts)]);
}

describe('decideRole', () => {
  it('keeps the configured role, even where the device tells another', () => {
    expect(decideRole('hmi', view(['s7']))).toEqual({ role: 'hmi', source: 'config', reason: 'role set in the config' });
    expect(decideRole('plc', sshServer('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3')).role).toBe('plc');
  });

  it('infers from how the device describes itself, naming the source', () => {
    const d = decideRole('auto', view(['ssh', 'http']), { product: { value: 'Industrial Ethernet Switch 8P', source: 'snmp.system' } });
    expect(d).toEqual({ role: 'network-device', source: 'inferred', reason: 'describes itself as "Industrial Ethernet Switch 8P" (snmp.system)' });
    expect(decideRole('auto', view(['opcua']), { product: { value: 'Line SCADA historian', source: 'opcua.session' } }).role).toBe('scada-server');
  });

  it('a controller protocol outweighs a self-description', () => {
    expect(decideRole('auto', view(['modbus']), { product: { value: 'Gateway', source: 'snmp.system' } }).role).toBe('plc');
  });

  it('an SSH server with a distribution in its identification string is a host, not a PLC', () => {
    for (const raw of ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3', 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10']) {
      const d = decideRole('auto', sshServer(raw));
      expect(d.role, raw).toBe('host');
      expect(d.reason).toContain('operating system named');
    }
  });

  it('a device that answers only SSH without naming its system, or only a web UI, has an unknown role', () => {
    for (const d of [
      decideRole('auto', sshServer('SSH-2.0-dropbear_2022.83')),
      decideRole('auto', view(['http']), { product: { value: 'lighttpd/1.4.69', source: 'http.banner' } }),
      decideRole('auto', view(['snmp'])),
      decideRole('auto', view([])),
    ]) {
      expect(d).toMatchObject({ role: 'unknown', source: 'inferred' });
      expect(d.reason).toContain('set `role` for this target in the config');
    }
  });

  it('a network vendor sysObjectID makes a network device; a SIMATIC S7 CPU sysDescr a PLC', () => {
    expect(decideRole('auto', snmpAgent({ objectId: '1.3.6.1.4.1.9.1.2134', descr: 'IE-3400 Industrial Ethernet' })).reason).toContain('Cisco');
    expect(decideRole('auto', snmpAgent({ objectId: '1.3.6.1.4.1.99999.1' })).role).toBe('unknown');
    const simatic = 'Siemens, SIMATIC S7, CPU-1500, 6ES7 515-2AM01-0AB0, HW: 3, FW: V2.8.3';
    expect(decideRole('auto', snmpAgent({ descr: simatic }), { product: { value: simatic, source: 'snmp.system' } }).role).toBe('plc');
  });

  it('a Niagara station on QNX (a JACE) is a PLC, one on Windows (a Supervisor) a host; Fox alone tells neither', () => {
    const hello = { header: 'fox a 0 -1 fox hello', appName: 'Station', fields: [], requestsSent: 1 };
    const station = (osName?: string) => view(['fox'], [ok('fox.hello', 1000, osName ? { ...hello, osName } : hello)]);
    expect(decideRole('auto', station('QNX'))).toEqual({ role: 'plc', source: 'inferred', reason: 'describes itself as "Niagara Station on QNX" (fox.hello)' });
    expect(decideRole('auto', station('Windows Server 2019')).role).toBe('host');
    expect(decideRole('auto', station()).role).toBe('unknown');
  });

  it('a CODESYS Control runtime that names itself is a PLC; the CODESYS engineering tool is not', () => {
    const said = (text: string) => decideRole('auto', snmpAgent({ descr: text }), { product: { value: text, source: 'opcua.session' } }).role;
    expect(said('CODESYS Control for Raspberry Pi SL')).toBe('plc');
    expect(said('CODESYS Development System V3')).toBe('unknown');
  });

  it('judges hosts as platform (and application), an unknown role by the rows every type shares', () => {
    expect(COMPONENT_TYPES_OF_ROLE.hmi).toEqual(['HDR', 'SAR']);
    expect(COMPONENT_TYPES_OF_ROLE['scada-server']).toEqual(['HDR', 'SAR']);
    expect(COMPONENT_TYPES_OF_ROLE.plc).toEqual(['EDR']);
    expect(COMPONENT_TYPES_OF_ROLE.host).toEqual(['HDR']);
    expect(COMPONENT_TYPES_OF_ROLE.unknown).toEqual(['common']);
    const common = applicableTo(bundledCatalog, 'common');
    expect(common.length).toBeGreaterThan(50);
    expect(common.every((e) => COMPONENT_TYPES.every((t) => e.appliesTo.includes(t)))).toBe(true);
    expect(common.some((e) => e.id.startsWith('EDR') || e.id.startsWith('NDR'))).toBe(false);
    expect(common.length).toBeLessThan(applicableTo(bundledCatalog, 'EDR').length);
  });
});

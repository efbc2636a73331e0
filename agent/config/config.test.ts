import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText } from './config.ts';

const ok = `
zone:
  name: Packaging line 3
  slT: 2
targets:
  - host: 10.10.3.21
    role: plc
  - cidr: 10.10.3.0/28
  - host: 10.10.3.40
    ports: { opcua: 48010 }
`;

function error(text: string): string {
  try {
    parseConfigText(text, 'cell.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('config was accepted');
}

describe('config', () => {
  it('accepts the documented example and fills defaults', () => {
    const c = parseConfigText(ok, 'cell.yaml');
    expect(c.zone.slT).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(c.targets[1]?.role).toBe('auto');
    expect(c.targets[2]?.ports).toEqual({ opcua: 48010 });
    expect(c.probes.opcua.session).toBe(false);
    expect(c.scan.concurrency).toBe(8);
  });

  it('accepts a per-FR target vector', () => {
    expect(parseConfigText(ok.replace('slT: 2', 'slT: [2,2,2,1,2,1,1]'), 'c').zone.slT).toEqual([2, 2, 2, 1, 2, 1, 1]);
  });

  it.each([
    ['an unknown top-level key', ok.replace('zone:', 'zones: 1\nzone:'), 'cell.yaml: (top level): unknown key "zones"'],
    ['an unknown target key', ok.replace('role: plc', 'rol: plc'), 'cell.yaml: targets[0]'],
    ['a bad CIDR', ok.replace('10.10.3.0/28', '10.10.3.0/33'), '"10.10.3.0/33" is not a valid CIDR'],
    ['a CIDR with host bits', ok.replace('10.10.3.0/28', '10.10.3.5/28'), 'host bits are set'],
    ['an oversized range', ok.replace('10.10.3.0/28', '10.0.0.0/8'), 'split it'],
    ['an SL of 5', ok.replace('slT: 2', 'slT: 5'), 'cell.yaml: zone.slT: 5 is not a security level: expected one level 1-4 for every FR'],
    ['an SL of 0 in a vector', ok.replace('slT: 2', 'slT: [2,2,0,1,2,1,1]'), 'zone.slT: FR3 is 0: a security level is 1 to 4'],
    ['a vector of 6', ok.replace('slT: 2', 'slT: [2,2,2,1,2,1]'), 'zone.slT: a target vector has exactly 7 levels 1-4 (FR1..FR7); this one has 6'],
    ['an unknown role', ok.replace('role: plc', 'role: robot'), 'targets[0].role'],
    ['a port out of range', ok.replace('48010', '70000'), 'targets[2].ports.opcua'],
    ['an unknown protocol port', ok.replace('opcua: 48010', 'gopher: 70'), 'targets[2].ports'],
    ['a target with host and cidr', ok.replace('role: plc', 'cidr: 10.0.0.0/30'), 'targets[0]: a target has either "host" or "cidr"'],
    ['no targets', 'zone: {name: z, slT: 1}\ntargets: []\n', 'targets: list at least one target'],
    ['a bad host', ok.replace('10.10.3.21', 'not a host!'), 'targets[0].host: "not a host!" is not an IPv4/IPv6 address'],
    ['broken YAML', 'zone: [\n', 'cell.yaml:'],
    ['duplicate keys', 'zone: {name: a, slT: 1}\nzone: {name: b, slT: 1}\ntargets: [{host: 10.0.0.1}]', 'not valid YAML'],
  ])('refuses %s', (_label, text, message) => {
    expect(error(text)).toContain(message);
  });

  it('names the file it cannot read', () => {
    expect(() => loadConfigFile('/nonexistent/cell.yaml')).toThrow('/nonexistent/cell.yaml: cannot read the config: no such file');
  });

  it('reads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellcheck-config-'));
    try {
      writeFileSync(join(dir, 'cell.yaml'), ok);
      expect(loadConfigFile(join(dir, 'cell.yaml')).zone.name).toBe('Packaging line 3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('resolves the files a config names against its own folder, and leaves the spool to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellcheck-config-'));
    try {
      const text = `zone: {name: z, slT: 1}
targets: [{host: 10.0.0.5}]
credentials: [{match: {role: plc}, ssh: {user: audit, keyFile: keys/id_ed25519, knownHosts: /etc/cellcheck/known_hosts}}]
signing: {keyFile: agent.key}
upload: {url: "https://console.example:8443", tokenFile: ../token, caFile: ca.pem}
advisories: {store: advisories}
`;
      writeFileSync(join(dir, 'cell.yaml'), text);
      const c = loadConfigFile(join(dir, 'cell.yaml'));
      expect(c.credentials[0]?.ssh).toMatchObject({ keyFile: join(dir, 'keys/id_ed25519'), knownHosts: '/etc/cellcheck/known_hosts' });
      expect(c.signing?.keyFile).toBe(join(dir, 'agent.key'));
      expect(c.upload).toMatchObject({ tokenFile: join(dir, '../token'), caFile: join(dir, 'ca.pem'), spoolDir: 'spool' });
      expect(c.advisories?.store).toBe(join(dir, 'advisories'));
      // Parsed without a file (the demo's built-in config), paths stay as written.
      expect(parseConfigText(text, 'inline').signing?.keyFile).toBe('agent.key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

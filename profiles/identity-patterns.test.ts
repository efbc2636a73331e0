import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SnmpFacts } from '../probes/snmp/facts.ts';
import { digestCsaf } from './advisories/csaf.ts';
import { AdvisoryIndex, matchDevice } from './advisories/match.ts';
import { snmpIdentity } from './checks/snmp.ts';
import { DeviceView } from './device-view.ts';
import { mergeIdentity } from './identity.ts';
import { compilePatterns, IDENTITY_PATTERNS, type IdentityTextKind, identityFromText } from './identity-patterns.ts';

const fieldsOf = (text: string, kind: IdentityTextKind = 'sysDescr', objectId?: string) =>
  Object.fromEntries(identityFromText(text, kind, 'test', { objectId }).map((c) => [c.field, c.value]));

describe('identity patterns', () => {
  for (const { pattern } of IDENTITY_PATTERNS) {
    for (const example of pattern.examples) {
      it(`${pattern.id} reads its published example: ${example.text}`, () => {
        for (const kind of pattern.appliesTo) expect(fieldsOf(example.text, kind, example.objectId)).toEqual(example.expect);
      });
    }
  }

  it('gives nothing for a text in no known format', () => {
    expect(fieldsOf('Acme Automation PLC-3000 CPU 3100, firmware V2.1.4')).toEqual({});
    expect(fieldsOf('Siemens RUGGEDCOM RS900G, ROS v4.3.7')).toEqual({});
  });

  it("reads a bare model name only under the vendor's enterprise number", () => {
    expect(fieldsOf('NP5610-16', 'sysDescr', '1.3.6.1.4.1.8691.2.7')).toEqual({ vendor: 'Moxa', model: 'NP5610-16' });
    expect(fieldsOf('NP5610-16')).toEqual({});
    expect(fieldsOf('NP5610-16', 'sysDescr', '1.3.6.1.4.1.86910.2.7')).toEqual({});
  });

  it('keeps SSH software texts and system descriptions apart', () => {
    expect(fieldsOf('OpenSSH_9.2p1 Debian-2+deb12u3')).toEqual({});
    expect(fieldsOf('OpenSSH_9.2p1 Debian-2+deb12u3', 'sshSoftware')).toEqual({ os: 'Debian 12' });
    expect(fieldsOf('OpenSSH_9.7', 'sshSoftware')).toEqual({});
  });

  it('refuses a helper group that no set value uses, and a set value naming a group the regex lacks', () => {
    const base = { id: 'x', describes: 'x', appliesTo: ['sshSoftware'], examples: [{ text: 'a', source: 's', expect: {} }] };
    expect(() => compilePatterns({ patterns: [{ ...base, regex: '^(?<_n>\\d)$' }] })).toThrow('group "_n" is no identity field');
    expect(() => compilePatterns({ patterns: [{ ...base, regex: '^a$', set: { os: 'X $<_n>' } }] })).toThrow('"set" uses group "_n", which the regex lacks');
  });

  it('refuses a pattern whose group names no identity field', () => {
    const bad = { id: 'x', describes: 'x', appliesTo: ['sysDescr'], regex: '^(?<version>.*)$', examples: [{ text: 'a', source: 's', expect: {} }] };
    expect(() => compilePatterns({ patterns: [bad] })).toThrow('group "version" is no identity field');
  });
});

const CP_343_1_LEAN = 'Siemens, SIMATIC NET, CP 343-1 Lean, 6GK7 343-1CX10-0XE0, HW: Version 3, FW: Version V2.2.20, VPA2517023';

function advisoryIndex(file: string): AdvisoryIndex {
  const digested = digestCsaf(JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/csaf', file), 'utf8')), { file, sha256: '-' });
  if (!digested.ok) throw new Error(digested.reason);
  return new AdvisoryIndex([digested.advisory]);
}

function snmpDevice(descr: string): DeviceView {
  const facts: SnmpFacts = {
    engine: { state: 'no-answer', detail: 'no SNMPv3 discovery answer' },
    communities: { state: 'tried', tried: 1, wellKnownTried: ['public'], accepted: [{ community: 'public', wellKnown: true, versions: ['v2c'] }] },
    v3Access: { state: 'not-configured' },
    readVia: 'v2c',
    system: { descr, name: 'cp-line-1' },
  };
  return new DeviceView({
    address: '127.0.0.5',
    services: [],
    outcomes: [{ probe: 'snmp.system', version: 1, port: 161, status: 'ok', facts, transcript: [1, 2], durationMs: 5 }],
  });
}

describe('identity from a Siemens sysDescr', () => {
  it('fills vendor, product, model, order number, hardware, firmware and serial, and keeps the whole text as an alternative product', () => {
    const identity = mergeIdentity(snmpIdentity(snmpDevice(CP_343_1_LEAN)));
    expect(identity.vendor).toEqual({ value: 'Siemens', source: 'snmp.system' });
    expect(identity.orderNumber).toEqual({ value: '6GK7 343-1CX10-0XE0', source: 'snmp.system' });
    expect(identity.firmware).toEqual({ value: 'V2.2.20', source: 'snmp.system' });
    expect(identity.hardware?.value).toBe('3');
    expect(identity.model?.value).toBe('CP 343-1 Lean');
    expect(identity.product).toEqual({ value: 'SIMATIC NET', source: 'snmp.system', alternatives: [{ value: CP_343_1_LEAN, source: 'snmp.system' }] });
  });

  it('matches the CISA advisory for the CP 343-1 Lean on its order number, with the firmware weighed against the rule', () => {
    const { findings } = matchDevice(mergeIdentity(snmpIdentity(snmpDevice(CP_343_1_LEAN))), advisoryIndex('cisa/icsa-24-046-04.json'));
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.status).toBe('affected');
      expect(f.product.name).toBe('SIMATIC CP 343-1 Lean (6GK7343-1CX10-0XE0)');
      expect(f.match).toMatchObject({
        confidence: 'high',
        nameOnly: false,
        basis: 'model-number',
        deviceField: 'orderNumber',
        deviceValue: '6GK7 343-1CX10-0XE0',
      });
      expect(f.match.version).toMatchObject({ verdict: 'all-versions', deviceVersion: 'V2.2.20' });
    }
  });
});

describe('identity from a WAGO sysDescr', () => {
  // A sysDescr published in LibreNMS test data (see data/identity-patterns.json).
  const PFC100 = 'WAGO 750-8100 PFC100 CS 2ETH ECO';

  it('fills vendor, order number and model', () => {
    const identity = mergeIdentity(snmpIdentity(snmpDevice(PFC100)));
    expect(identity.vendor?.value).toBe('WAGO');
    expect(identity.orderNumber?.value).toBe('750-8100');
    expect(identity.model?.value).toBe('PFC100 CS 2ETH ECO');
  });

  it('lets the vendor name the PFC100 in ICSA-23-325-01; the advisory firmware rule leaves the status open', () => {
    const { coverage, findings } = matchDevice(mergeIdentity(snmpIdentity(snmpDevice(PFC100))), advisoryIndex('cisa-more/icsa-23-325-01.json'));
    expect(coverage.outcome).toBe('matched');
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect(f.product.name).toBe('PFC100: >FW16_up_to_and_including_FW26');
      expect(f.status).toBe('possibly-affected');
      expect(f.match).toMatchObject({ confidence: 'low', basis: 'product-name', deviceField: 'model', deviceValue: 'PFC100 CS 2ETH ECO' });
      expect(f.match.version.verdict).toBe('unknown');
    }
  });
});

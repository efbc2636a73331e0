import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MergedIdentity } from '../identity.ts';
import { digestCsaf } from './csaf.ts';
import { AdvisoryIndex, matchDevice } from './match.ts';
import type { Advisory } from './model.ts';

const CSAF = join(import.meta.dirname, '../../fixtures/csaf');
const FILES = [
  'cisa/icsa-23-222-08.json',
  'cisa/icsa-24-165-05.json',
  'cisa/icsa-24-289-02.json',
  'cisa/icsa-22-167-03.json',
  'cisa/icsa-24-046-04.json',
  'crafted/exc-sa-2024-001.json',
  'crafted/exc-sa-2024-002.json',
];

function load(file: string): Advisory {
  const out = digestCsaf(JSON.parse(readFileSync(join(CSAF, file), 'utf8')), { file, sha256: '-' });
  if (!out.ok) throw new Error(`${file}: ${out.reason}`);
  return out.advisory;
}
const index = new AdvisoryIndex(FILES.map(load));

function identity(fields: Partial<Record<'vendor' | 'model' | 'product' | 'orderNumber' | 'firmware' | 'serial', string>>): MergedIdentity {
  return Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value, source: 'test' }]));
}

function byAdvisory(fields: Parameters<typeof identity>[0], advisory: string, extra = {}) {
  return matchDevice(identity(fields), index, extra).findings.filter((f) => f.advisory.id === advisory);
}

describe('matching the real sample', () => {
  it('matches a SITOP UPS1600 by its order number, however it is spaced, and says the firmware is below the fix', () => {
    const found = byAdvisory({ vendor: 'Siemens AG', orderNumber: '6EP4 134-3AB00-2AY0', firmware: 'V2.5.2' }, 'ICSA-24-165-05');
    expect(found.map((f) => f.cve)).toEqual(['CVE-2023-26552', 'CVE-2023-26553', 'CVE-2023-26554']);
    for (const f of found) {
      expect(f).toMatchObject({ status: 'affected', fixedVersion: 'V2.5.4', belowFixedVersion: true, product: { id: 'CSAFPID-0001' } });
      expect(f.match).toMatchObject({
        confidence: 'high',
        nameOnly: false,
        basis: 'model-number',
        advisoryValue: '6EP4134-3AB00-2AY0',
        deviceField: 'orderNumber',
      });
      expect(f.match.version).toEqual({ rule: '<V2.5.4', deviceVersion: 'V2.5.2', verdict: 'in-range' });
      expect(f.remediations[0]).toMatchObject({ category: 'vendor_fix', details: 'Update to V2.5.4 or later version' });
      expect(f.match.reason).toContain('firmware V2.5.2 is in <V2.5.4');
    }
  });

  it('does not call the fixed SITOP firmware affected', () => {
    const found = byAdvisory({ vendor: 'Siemens', orderNumber: '6EP4134-3AB00-2AY0', firmware: 'V2.5.4' }, 'ICSA-24-165-05');
    expect(found.map((f) => f.status)).toEqual(['fixed', 'fixed', 'fixed']);
    expect(found[0]?.match.version.verdict).toBe('out-of-range');
    expect(found[0]?.belowFixedVersion).toBeUndefined();
  });

  it('matches a RUGGEDCOM switch by vendor and name only, and tells V4.3.7 (affected) from V4.3.8 (fixed)', () => {
    const weak = byAdvisory({ vendor: 'Siemens', model: 'RUGGEDCOM RS900G', firmware: 'v4.3.7' }, 'ICSA-23-222-08');
    expect(weak).toHaveLength(1);
    expect(weak[0]).toMatchObject({
      cve: 'CVE-2023-39269',
      status: 'affected',
      cvss: { baseScore: 7.5 },
      fixedVersion: 'V4.3.8',
      product: { name: 'RUGGEDCOM RS900G' },
    });
    expect(weak[0]?.match).toMatchObject({ confidence: 'medium', nameOnly: true, basis: 'product-name' });
    expect(weak[0]?.match.reason).toMatch(/^name only: /);
    // The (32M) V5.X variant (all versions, no fix) is another product and must not match.
    const fixed = byAdvisory({ vendor: 'Siemens', model: 'RUGGEDCOM RS900G', firmware: 'V4.3.8' }, 'ICSA-23-222-08');
    expect(fixed.map((f) => [f.status, f.product.name])).toEqual([['fixed', 'RUGGEDCOM RS900G']]);
  });

  it('weighs an affected range and a fixed version of one tree (Schneider Electric)', () => {
    const old = byAdvisory({ vendor: 'Schneider Electric', product: 'Data Center Expert', firmware: '8.1.0' }, 'ICSA-24-289-02');
    expect(old.map((f) => f.status)).toEqual(['affected', 'affected']);
    expect(old[0]).toMatchObject({ fixedVersion: '8.2', belowFixedVersion: true });
    const current = byAdvisory({ vendor: 'Schneider Electric', product: 'Data Center Expert', firmware: '8.2' }, 'ICSA-24-289-02');
    expect(current.map((f) => f.status)).toEqual(['fixed', 'fixed']);
  });

  it('reads loose ranges of a real document (AutomationDirect "< 2.72")', () => {
    const f = byAdvisory({ vendor: 'Automation Direct', model: 'D0-06DD1', firmware: '2.71' }, 'ICSA-22-167-03');
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((x) => x.status === 'affected' && x.match.version.rule === '< 2.72')).toBe(true);
    expect(byAdvisory({ vendor: 'Automation Direct', model: 'D0-06DD1', firmware: '2.72' }, 'ICSA-22-167-03').every((x) => x.status === 'fixed')).toBe(true);
  });

  it('flags all versions without knowing the firmware, and leaves a range undecided when the version is unknown', () => {
    const cp = byAdvisory({ orderNumber: '6GK7343-1EX30-0XE0' }, 'ICSA-24-046-04');
    expect(cp.every((f) => f.status === 'affected' && f.match.version.verdict === 'all-versions')).toBe(true);
    const unknown = matchDevice(identity({ vendor: 'Siemens', orderNumber: '6EP4134-3AB00-2AY0' }), index);
    expect(unknown.findings.every((f) => f.status === 'possibly-affected' && f.match.version.detail === 'the device did not report a firmware version')).toBe(
      true,
    );
    expect(unknown.coverage).toMatchObject({ outcome: 'matched' });
    expect(unknown.coverage.reason).toContain('version unknown');
  });
});

describe('matching crafted edge cases', () => {
  it('takes several bounds and wildcard model numbers', () => {
    const inSecond = byAdvisory({ orderNumber: 'EC 200-3A', firmware: '2.1' }, 'EXC-SA-2024-001');
    expect(inSecond[0]).toMatchObject({ status: 'affected', fixedVersion: '2.3.1', match: { basis: 'model-number', advisoryValue: 'EC-200-?A' } });
    const between = byAdvisory({ orderNumber: 'EC-200-3A', firmware: '1.9' }, 'EXC-SA-2024-001');
    expect(between[0]?.status).toBe('not-affected');
    expect(byAdvisory({ orderNumber: 'EC-200-3B', firmware: '2.1' }, 'EXC-SA-2024-001')).toEqual([]);
  });

  it('matches CPE and PURL helpers, and leaves unknown version schemes undecided', () => {
    const cpe = byAdvisory({ firmware: '1.0' }, 'EXC-SA-2024-001', { cpe: ['cpe:2.3:h:example_controls:ec-300:-:*:*:*:*:*:*:*'] });
    expect(cpe[0]).toMatchObject({
      status: 'possibly-affected',
      match: { basis: 'cpe', confidence: 'high', version: { verdict: 'unknown', detail: 'version scheme "deb" is not supported' } },
    });
    const purl = byAdvisory({ firmware: '1.0' }, 'EXC-SA-2024-001', { purl: ['pkg:generic/example-controls/ec-310@2.0'] });
    expect(purl[0]).toMatchObject({ status: 'possibly-affected', match: { basis: 'purl' } });
    expect(purl[0]?.match.version.detail).toMatch(/^version rule not understood/);
  });

  it('matches a family-only branch by name, marked name-only with low confidence, and resolves product groups', () => {
    const f = byAdvisory({ vendor: 'Example Controls', product: 'EC-Legacy Panels 7in', firmware: '1.0' }, 'EXC-SA-2024-001');
    expect(f[0]).toMatchObject({ status: 'affected', match: { confidence: 'low', nameOnly: true, basis: 'product-family' } });
    expect(f[0]?.remediations.map((r) => r.category)).toEqual(['mitigation', 'no_fix_planned']);
  });

  it('honours first_fixed, fixed and known_not_affected (VEX) in one tree', () => {
    const status = (firmware: string, orderNumber = '6XC5500-0AA00-0AB0') =>
      byAdvisory({ vendor: 'Example Controls', orderNumber, firmware }, 'EXC-SA-2024-002').find((f) => f.cve === 'CVE-2099-0002');
    expect(status('V5.1')).toMatchObject({ status: 'affected', fixedVersion: 'V5.2', belowFixedVersion: true });
    expect(status('V5.2')?.status).toBe('fixed');
    expect(status('V5.3')?.status).toBe('fixed');
    expect(status('V6.0')?.status).toBe('fixed');
    expect(status('V1.0', '6XC5 500-0LA00-0AB0')).toMatchObject({ status: 'not-affected', product: { id: 'EC500L' } });
  });

  it('matches firmware installed on hardware through a relationship', () => {
    const f = (firmware: string) =>
      byAdvisory({ vendor: 'Example Controls', orderNumber: 'EC-900-R', firmware }, 'EXC-SA-2024-002').find((x) => x.cve === 'CVE-2099-0003');
    expect(f('3.0.5')).toMatchObject({ status: 'affected', product: { id: 'ECFW-ON-EC900' }, fixedVersion: '3.0.7' });
    expect(f('3.0.7')?.status).toBe('fixed');
  });
});

describe('product names that are order-number patterns (Omron, ICSA-23-262-05)', () => {
  const omron = new AdvisoryIndex([load('cisa-more/icsa-23-262-05.json')]);
  const found = (fields: Parameters<typeof identity>[0]) => matchDevice(identity(fields), omron).findings;

  it('match a whole device name of the pattern, name-only with medium confidence, and only with the vendor', () => {
    expect(found({ vendor: 'OMRON Corporation', model: 'CJ2H-CPU68-EIP', firmware: '1.4' })[0]?.match).toMatchObject({
      confidence: 'medium',
      nameOnly: true,
      advisoryValue: 'CJ2H-CPU**(-EIP)',
    });
    expect(found({ model: 'CJ2H-CPU68-EIP', firmware: '1.4' })).toEqual([]);
  });

  it('never match a name that only contains the pattern, nor a model the tree names without one (CP1E-E/-N)', () => {
    expect(found({ vendor: 'Omron', model: 'XCJ2M-CPU33' })).toEqual([]);
    expect(found({ vendor: 'Omron', model: 'CP1E-N30DR-A' })).toEqual([]);
  });
});

describe('devices that cannot be matched say why', () => {
  it.each([
    [{}, 'not-matchable', /^no identity/],
    [{ vendor: 'Acme Automation', model: 'PLC-3000', firmware: 'V2.1.4' }, 'not-matchable', /no feed for its vendor/],
    [{ vendor: 'Siemens', model: 'SIMATIC S7-1200', orderNumber: '6ES7 215-1AG40-0XB0', firmware: 'V2.8.1' }, 'no-match', /advisories for "Siemens" checked/],
    [{ model: 'RUGGEDCOM RS900G', firmware: 'V4.3.7' }, 'no-match', /vendor unknown/],
  ])('%j -> %s', (fields, outcome, reason) => {
    const r = matchDevice(identity(fields), index);
    expect(r.findings).toEqual([]);
    expect(r.coverage.outcome).toBe(outcome);
    expect(r.coverage.reason).toMatch(reason);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledCatalog } from '../../profiles/catalog.ts';
import { ConfigError } from '../config/config.ts';
import { loadStatements } from './statements.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-statements-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const EXAMPLES = resolve(import.meta.dirname, '../../examples');

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}
const entry = (lines: string) =>
  `schemaVersion: 1\nattestations:\n  - requirement: CR 1.3\n    statement: accounts via AD\n    by: R. Novak\n    evidence: T-1\n${lines}`;

describe('attestation and exception files', () => {
  it('load the shipped examples, with each file digest', () => {
    const s = loadStatements(
      { attestations: join(EXAMPLES, 'demo-cell-attestations.yaml'), exceptions: join(EXAMPLES, 'demo-cell-exceptions.yaml') },
      bundledCatalog,
    );
    expect(s.attestations?.entries.length).toBeGreaterThan(50);
    expect(s.attestations?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(s.exceptions?.entries.map((e) => e.requirement)).toContain('CR 3.1');
  });

  it('give a file-level device as the default scope of its entries', () => {
    const f = file('device.yaml', entry('    date: 2026-01-10\n').replace('schemaVersion: 1\n', 'schemaVersion: 1\ndevice: plc-7\n'));
    expect(loadStatements({ attestations: f }, bundledCatalog).attestations?.entries[0]?.devices).toEqual(['plc-7']);
  });

  it.each([
    ['a date that is not in the calendar', entry('    date: 2026-02-30\n'), 'attestations[0].date: expected a calendar date YYYY-MM-DD'],
    ['a date in another format', entry('    date: 10.01.2026\n'), 'attestations[0].date: expected a calendar date YYYY-MM-DD'],
    ['an expiry before the date', entry('    date: 2026-01-10\n    expires: 2025-12-31\n'), 'attestations[0].expires: expires before the attestation date'],
    ['an unknown requirement id', entry('    date: 2026-01-10\n').replace('CR 1.3', 'CR 9.9'), 'attestations[0].requirement: "CR 9.9" is not in the catalog'],
    ['a malformed requirement id', entry('    date: 2026-01-10\n').replace('CR 1.3', 'CR1.3'), 'attestations[0].requirement:'],
    [
      'a variant the requirement does not apply to',
      entry('    date: 2026-01-10\n').replace('CR 1.3', 'EDR 2.4').replace('    by:', '    componentType: NDR\n    by:'),
      'attestations[0].componentType: EDR 2.4 does not apply to NDR',
    ],
    [
      'an empty statement (an unfilled template)',
      entry('    date: 2026-01-10\n').replace('accounts via AD', '""'),
      'attestations[0].statement: statement must not be empty',
    ],
    ['an unknown key', entry('    date: 2026-01-10\n    approved: yes\n'), 'attestations[0]: unknown key "approved"'],
    ['a missing schema version', entry('    date: 2026-01-10\n').replace('schemaVersion: 1\n', ''), 'schemaVersion:'],
    ['broken YAML', 'schemaVersion: 1\nattestations: [\n', 'not valid YAML'],
  ])('refuse %s, naming file and key', (_label, text, message) => {
    const f = file('bad.yaml', text);
    expect(() => loadStatements({ attestations: f }, bundledCatalog)).toThrow(ConfigError);
    expect(() => loadStatements({ attestations: f }, bundledCatalog)).toThrow(`${f}`);
    expect(() => loadStatements({ attestations: f }, bundledCatalog)).toThrow(message);
  });

  it.each([
    ['without an expiry', 'expires: 2027-01-01\n', '', 'exceptions[0].expires:'],
    ['expiring before approval', 'expires: 2027-01-01\n', 'expires: 2025-01-01\n', 'exceptions[0].expires: expires before it was approved'],
  ])('refuse an exception %s', (_label, from, to, message) => {
    const text = `schemaVersion: 1\nexceptions:\n  - requirement: CR 3.1\n    countermeasure: firewall\n    justification: legacy\n    approvedBy: pso\n    approved: 2026-01-01\n    expires: 2027-01-01\n`;
    const f = file('exc.yaml', text.replace(`    ${from}`, to ? `    ${to}` : ''));
    expect(() => loadStatements({ exceptions: f }, bundledCatalog)).toThrow(message);
  });

  it('report a missing file clearly', () => {
    expect(() => loadStatements({ attestations: join(dir, 'nope.yaml') }, bundledCatalog)).toThrow(`${join(dir, 'nope.yaml')}: cannot read: no such file`);
  });
});

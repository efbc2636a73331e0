import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applicableTo, bundledCatalog, CatalogError, loadCatalog } from './catalog.ts';

/** The cross-checked reference list, present beside the repository in development and CI. */
const REFERENCE = resolve(import.meta.dirname, '../../shared/reference/iec62443-4-2-requirements.csv');

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trim().split(/\r?\n/);
  const cols = (head ?? '').split(',');
  return rows.map((line) => {
    const cells = [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => (m[1] ?? '').replace(/^"|"$/g, '').replace(/""/g, '"'));
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

describe('bundled catalog', () => {
  it.skipIf(!existsSync(REFERENCE))('holds every requirement and enhancement of the reference list with its FR, level and component types', () => {
    const rows = parseCsv(readFileSync(REFERENCE, 'utf8')).filter((r) => r.kind !== 'heading');
    expect(bundledCatalog.entries.map((e) => e.id).sort()).toEqual(rows.map((r) => r.id).sort());
    for (const row of rows) {
      const entry = bundledCatalog.byId.get(row.id ?? '');
      expect(entry?.fr, row.id).toBe(Number(row.fr?.slice(2)));
      expect(entry?.sl, row.id).toBe(Number(row.sl));
      expect(entry?.kind, row.id).toBe(row.kind);
      if (row.applies_to) expect(entry?.appliesTo, row.id).toEqual(row.applies_to === 'all' ? ['EDR', 'HDR', 'NDR', 'SAR'] : [row.applies_to]);
      expect(entry?.disputed !== undefined, row.id).toBe(row.confidence === 'disputed');
    }
  });

  it('keeps titles short (ids, levels and a few words, never requirement sentences)', () => {
    for (const e of bundledCatalog.entries) expect(e.title.split(' ').length, e.id).toBeLessThanOrEqual(10);
  });

  it('filters by component type: NDR-only rows never apply to an embedded device', () => {
    const edr = applicableTo(bundledCatalog, 'EDR').map((e) => e.id);
    expect(edr).toContain('EDR 3.10');
    expect(edr).toContain('CR 1.1 RE(1)');
    expect(edr).not.toContain('NDR 1.6');
    expect(edr).not.toContain('HDR 2.4');
    expect(applicableTo(bundledCatalog, 'SAR').map((e) => e.id)).not.toContain('EDR 3.14');
  });
});

describe('loadCatalog', () => {
  const base = { name: 'x', version: '1' };
  const req = { id: 'CR 1.1', kind: 'requirement', fr: 1, title: 'Identification', sl: 1, appliesTo: ['EDR'], assessment: 'manual' };
  it.each([
    ['a duplicate id', [req, req], 'appears twice'],
    ['an orphan enhancement', [{ ...req, id: 'CR 1.2 RE(1)', kind: 'enhancement', parent: 'CR 1.2' }], 'names no earlier parent'],
    ['an enhancement in another FR', [req, { ...req, id: 'CR 1.1 RE(1)', kind: 'enhancement', parent: 'CR 1.1', fr: 2 }], 'is in FR2'],
    ['an SL of 5', [{ ...req, sl: 5 }], 'requirements.0.sl'],
    ['a malformed id', [{ ...req, id: 'CR1.1' }], 'requirements.0.id'],
  ])('refuses %s', (_l, requirements, message) => {
    expect(() => loadCatalog({ ...base, requirements }, 'op.json')).toThrow(CatalogError);
    expect(() => loadCatalog({ ...base, requirements }, 'op.json')).toThrow(message);
  });
});

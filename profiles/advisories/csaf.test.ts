import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestCsaf } from './csaf.ts';

const CSAF = join(import.meta.dirname, '../../fixtures/csaf');
/** CI places the shared data beside the clone; the full 40-document sample is read from there when present. */
const SHARED = join(import.meta.dirname, '../../../shared/data/csaf');
const source = { file: 'test.json', sha256: '-' };

function read(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(CSAF, file), 'utf8')) as Record<string, unknown>;
}

function digest(data: unknown) {
  return digestCsaf(data, source);
}

describe('reading CSAF 2.0 documents', () => {
  it('flattens a real product tree: vendor, product name, version rule and model numbers per product id', () => {
    const out = digest(read('cisa/icsa-24-165-05.json'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const a = out.advisory;
    expect(a).toMatchObject({ id: 'ICSA-24-165-05', version: '1', releaseDate: '2024-06-11T00:00:00.000000Z', publisher: 'CISA' });
    expect(a.products).toHaveLength(4);
    expect(a.products[0]).toEqual({
      id: 'CSAFPID-0001',
      fullName: 'SITOP UPS1600 10 A Ethernet/ PROFINET (6EP4134-3AB00-2AY0)',
      vendor: 'Siemens',
      families: [],
      name: 'SITOP UPS1600 10 A Ethernet/ PROFINET (6EP4134-3AB00-2AY0)',
      version: { kind: 'range', text: '<V2.5.4' },
      helpers: { modelNumbers: ['6EP4134-3AB00-2AY0'] },
    });
    expect(a.vulnerabilities.map((v) => v.cve)).toEqual(['CVE-2023-26552', 'CVE-2023-26553', 'CVE-2023-26554']);
    expect(a.vulnerabilities[0]?.status.affected).toEqual(['CSAFPID-0001', 'CSAFPID-0002', 'CSAFPID-0003', 'CSAFPID-0004']);
  });

  it('keeps product groups, relationships and every product status of a crafted tree', () => {
    const out = digest(read('crafted/exc-sa-2024-002.json'));
    if (!out.ok) throw new Error(out.reason);
    expect(out.advisory.vulnerabilities[0]?.status).toEqual({ affected: ['EC500-OLD'], fixed: ['EC500-52', 'EC500-53'], 'not-affected': ['EC500L'] });
    expect(out.advisory.products.find((p) => p.id === 'ECFW-ON-EC900')).toMatchObject({
      name: 'EC-FW',
      platform: 'EC-900 Rack',
      helpers: { modelNumbers: ['EC-900-R'] },
    });
    const groups = digest(read('crafted/exc-sa-2024-001.json'));
    if (!groups.ok) throw new Error(groups.reason);
    expect(groups.advisory.vulnerabilities[0]?.remediations.find((r) => r.category === 'no_fix_planned')?.products).toEqual(['ECLEGACY']);
  });

  it.skipIf(!existsSync(SHARED))('reads all 40 documents of the shared CISA sample (skipped: ../shared/data/csaf is absent)', () => {
    const files = readdirSync(SHARED).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(40);
    const refused = files.map((f) => [f, digest(JSON.parse(readFileSync(join(SHARED, f), 'utf8')))] as const).filter(([, r]) => !r.ok);
    expect(refused).toEqual([]);
  });
});

describe('refusing broken documents with the reason', () => {
  const good = () =>
    read('crafted/exc-sa-2024-002.json') as {
      document: Record<string, unknown> & { tracking: Record<string, unknown> };
      vulnerabilities: { product_status: Record<string, string[]> }[];
      product_tree: { branches: unknown[] };
    };
  it.each([
    ['not an object', () => [1, 2], 'not a JSON object'],
    [
      'CSAF 1.2',
      () => {
        const d = good();
        d.document.csaf_version = '1.2';
        return d;
      },
      'document.csaf_version: "1.2" is not supported (CSAF 2.0 only)',
    ],
    [
      'no tracking id',
      () => {
        const d = good();
        delete d.document.tracking.id;
        return d;
      },
      'document.tracking.id: Invalid input: expected string, received undefined',
    ],
    [
      'a bad release date',
      () => {
        const d = good();
        d.document.tracking.current_release_date = 'yesterday';
        return d;
      },
      'document.tracking.current_release_date: Invalid ISO datetime',
    ],
    [
      'an undefined product id',
      () => {
        const d = good();
        d.vulnerabilities[0]?.product_status.known_affected?.push('NOPE-1');
        return d;
      },
      'vulnerabilities[0].product_status.known_affected: product id "NOPE-1" is not defined in the product tree',
    ],
    [
      'a branch without a name',
      () => {
        const d = good();
        d.product_tree.branches.push({ category: 'vendor' });
        return d;
      },
      'product_tree.branches[1].name: Invalid input: expected string, received undefined',
    ],
    [
      'branches nested 40 deep',
      () => {
        const d = good();
        let node: Record<string, unknown> = { category: 'product_family', name: 'deep' };
        for (let i = 0; i < 40; i += 1) node = { category: 'product_family', name: `level ${i}`, branches: [node] };
        d.product_tree.branches = [node];
        return d;
      },
      'branches nested deeper than 30 levels',
    ],
  ])('%s', (_what, make, reason) => {
    const out = digest(make());
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toContain(reason);
  });
});

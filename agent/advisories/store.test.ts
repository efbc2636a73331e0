import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdvisoryStoreError, importDocuments, loadStore, MAX_DOCUMENT_BYTES, readStore, STORE_FILE, summarize } from './store.ts';

const CSAF = join(import.meta.dirname, '../../fixtures/csaf');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-advisories-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function crafted(): Record<string, unknown> & { document: { tracking: Record<string, unknown> } } {
  return JSON.parse(readFileSync(join(CSAF, 'crafted/exc-sa-2024-002.json'), 'utf8'));
}

describe('importing into the store', () => {
  it('loads good documents, lists each broken one with the reason, and keeps going', () => {
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'nested'), { recursive: true });
    writeFileSync(join(broken, 'truncated.json'), JSON.stringify(crafted()).slice(0, 500));
    const noId = crafted();
    delete noId.document.tracking.id;
    writeFileSync(join(broken, 'nested', 'no-id.json'), JSON.stringify(noId));
    // Oversized: refused by its size before it is read.
    writeFileSync(join(broken, 'huge.json'), Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x20));
    writeFileSync(join(broken, 'notes.txt'), 'not a document, and not named .json: skipped in folders');
    const store = join(dir, 'store-a');
    const report = importDocuments(store, [join(CSAF, 'cisa'), join(CSAF, 'crafted'), broken, join(dir, 'missing.json')]);
    expect(report.added.map((a) => a.id).sort()).toEqual([
      'EXC-SA-2024-001',
      'EXC-SA-2024-002',
      'ICSA-22-167-03',
      'ICSA-23-222-08',
      'ICSA-24-046-04',
      'ICSA-24-165-05',
      'ICSA-24-289-02',
    ]);
    const reasons = Object.fromEntries(report.rejected.map((r) => [r.file.replace(`${dir}/`, ''), r.reason]));
    expect(reasons).toEqual({
      'missing.json': 'cannot read: ENOENT',
      'broken/huge.json': '16.0 MiB is over the 16 MiB limit of one document',
      'broken/nested/no-id.json': 'document.tracking.id: Invalid input: expected string, received undefined',
      'broken/truncated.json': expect.stringMatching(/^not valid JSON: /),
    });
    expect(report.total).toBe(7);
    expect(readStore(store).map((a) => a.id)).toHaveLength(7);
  });

  it('replaces an advisory by a newer revision of the same tracking id, never by an older or the same one', () => {
    const store = join(dir, 'store-b');
    const v1 = crafted();
    const v2 = crafted();
    v2.document.tracking.version = '1.1.0';
    v2.document.tracking.current_release_date = '2024-05-01T00:00:00.000Z';
    (v2.document as Record<string, unknown>).title = 'Crafted, revision 1.1.0';
    writeFileSync(join(dir, 'v1.json'), JSON.stringify(v1));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify(v2));
    expect(importDocuments(store, [join(dir, 'v2.json')]).added).toHaveLength(1);
    const older = importDocuments(store, [join(dir, 'v1.json')]);
    expect(older.kept).toEqual([{ file: join(dir, 'v1.json'), id: 'EXC-SA-2024-002', version: '1.0.0', stored: '1.1.0' }]);
    expect(readStore(store)[0]?.title).toBe('Crafted, revision 1.1.0');
    const store2 = join(dir, 'store-c');
    importDocuments(store2, [join(dir, 'v1.json')]);
    const newer = importDocuments(store2, [join(dir, 'v2.json')]);
    expect(newer.replaced).toEqual([{ file: join(dir, 'v2.json'), id: 'EXC-SA-2024-002', version: '1.1.0', previous: '1.0.0' }]);
    expect(readStore(store2).map((a) => [a.id, a.version])).toEqual([['EXC-SA-2024-002', '1.1.0']]);
    expect(importDocuments(store2, [join(dir, 'v2.json')]).kept).toHaveLength(1);
  });

  it('summarises per vendor and refuses a missing or damaged store with a clear error', () => {
    const s = summarize(readStore(join(dir, 'store-a')));
    expect(s.advisories).toBe(7);
    expect(s.newestRelease).toBe('2024-10-08T00:00:00.000000Z');
    expect(s.vendors.find((v) => v.vendor === 'Siemens')).toEqual({ vendor: 'Siemens', advisories: 3, newestRelease: '2024-06-11T00:00:00.000000Z' });
    expect(s.vendors.find((v) => v.vendor.startsWith('Example Controls'))?.advisories).toBe(2);
    expect(() => loadStore(join(dir, 'nowhere'))).toThrow(AdvisoryStoreError);
    expect(() => loadStore(join(dir, 'nowhere'))).toThrow(/no advisory store here/);
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    writeFileSync(join(damaged, STORE_FILE), '{"format": 1, "advisories": [{"id": 3}]}');
    expect(() => readStore(damaged)).toThrow(/advisories\.0\.id: /);
    writeFileSync(join(damaged, STORE_FILE), '{"format": 99, "advisories": []}');
    expect(() => readStore(damaged)).toThrow(/store format 99 is not 1/);
  });
});

/**
 * Advisory import and matching cost: writes N variants of the sample CSAF documents (default
 * 3000, about the size of CISA's whole OT feed) to a temporary folder, imports them into a fresh
 * store, imports them again (every one kept), loads and indexes the store, and matches device
 * identities against it. Prints figures; asserts nothing.
 *
 *   node bench/advisories.ts [documents] [devices]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importDocuments, loadStore, STORE_FILE } from '../agent/advisories/store.ts';
import { matchDevice } from '../profiles/advisories/match.ts';

const ROOT = resolve(import.meta.dirname, '..');
const documents = Number(process.argv[2] ?? 3000);
const devices = Number(process.argv[3] ?? 1000);
const sources = [join(ROOT, 'fixtures/csaf/cisa'), join(ROOT, 'fixtures/csaf/crafted'), join(ROOT, '../shared/data/csaf')].filter((d) => existsSync(d));
const samples = sources.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readFileSync(join(d, f), 'utf8')),
);

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-bench-advisories-'));
const feed = join(dir, 'feed');
mkdirSync(feed);
let bytes = 0;
for (let i = 0; i < documents; i += 1) {
  const doc = JSON.parse(samples[i % samples.length] as string) as { document: { tracking: { id: string } } };
  doc.document.tracking.id = `${doc.document.tracking.id}-B${i}`;
  const text = JSON.stringify(doc);
  bytes += text.length;
  writeFileSync(join(feed, `doc-${i}.json`), text);
}

const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const out = fn();
  return [out, performance.now() - t];
};

const store = join(dir, 'store');
const [first, importMs] = time(() => importDocuments(store, [feed]));
const [again, reimportMs] = time(() => importDocuments(store, [feed]));
const [loaded, loadMs] = time(() => loadStore(store));

const identities = [
  { vendor: 'Siemens', model: 'RUGGEDCOM RS900G', product: 'Siemens RUGGEDCOM RS900G, ROS v4.3.7', firmware: 'v4.3.7' },
  { vendor: 'Siemens', orderNumber: '6EP4 134-3AB00-2AY0', firmware: 'V2.5.2' },
  { vendor: 'Siemens', model: '6ES7 215-1AG40-0XB0', orderNumber: '6ES7 215-1AG40-0XB0', product: 'CPU 1215C DC/DC/DC', firmware: 'V2.8.1' },
  { vendor: 'Schneider Electric', product: 'Data Center Expert', firmware: '8.1.0' },
  { vendor: 'Simulated I/O GmbH', model: 'SIO-16DI-ETH', orderNumber: 'SIO-16DI', firmware: 'V1.4.2' },
].map((fields) => Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value }])));
let findings = 0;
const [, matchMs] = time(() => {
  for (let i = 0; i < devices; i += 1) findings += matchDevice(identities[i % identities.length] ?? {}, loaded.index).findings.length;
});

const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
console.log(`documents: ${documents} variants of ${samples.length} samples, ${mb(bytes)} MiB of JSON`);
console.log(
  `import into a fresh store: ${(importMs / 1000).toFixed(2)} s (${first.added.length} added, ${first.rejected.length} rejected), ${(documents / (importMs / 1000)).toFixed(0)} documents/s`,
);
console.log(`import again (all kept): ${(reimportMs / 1000).toFixed(2)} s (${again.kept.length} kept)`);
console.log(`store file: ${mb(statSync(join(store, STORE_FILE)).size)} MiB; load and index: ${loadMs.toFixed(0)} ms`);
console.log(`match: ${devices} device identities in ${matchMs.toFixed(0)} ms (${(matchMs / devices).toFixed(2)} ms per device, ${findings} findings)`);
rmSync(dir, { recursive: true, force: true });

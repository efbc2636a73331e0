import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { digestCsaf } from '../../profiles/advisories/csaf.ts';
import { AdvisoryIndex } from '../../profiles/advisories/match.ts';
import { vendorTokens } from '../../profiles/advisories/identifiers.ts';
import { Advisory } from '../../profiles/advisories/model.ts';
import { compareVersions, parseVersion } from '../../profiles/advisories/version.ts';
import { writeFileAtomic } from '../run-dir/atomic-file.ts';
import { UserError } from '../../profiles/user-error.ts';
import { readUserFileIfPresent } from '../config/user-file.ts';

/**
 * The local advisory store: a folder holding `advisories.json`, every imported advisory in the
 * form matching needs (profiles/advisories/model.ts), one entry per tracking id. Imports are
 * offline copies of vendor or CISA feeds; nothing here touches the network.
 */

export const STORE_FILE = 'advisories.json';
/** Bumped when the stored form changes; an older store must be imported again. */
const STORE_FORMAT = 1;
/** Larger files are refused unread: real advisories are well below 1 MiB. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

const StoreFile = z.object({ format: z.literal(STORE_FORMAT), advisories: z.array(Advisory) });

export class AdvisoryStoreError extends UserError {
  override name = 'AdvisoryStoreError';
}

export interface ImportReport {
  readonly added: { file: string; id: string; version: string }[];
  readonly replaced: { file: string; id: string; version: string; previous: string }[];
  /** Same or older revision than the one already stored. */
  readonly kept: { file: string; id: string; version: string; stored: string }[];
  readonly rejected: { file: string; reason: string }[];
  readonly total: number;
}

function storePath(store: string): string {
  return join(store, STORE_FILE);
}

/** Reads the store; a missing store is empty when `create` is set and an error otherwise. */
export function readStore(store: string, opts: { create?: boolean } = {}): Advisory[] {
  const file = storePath(store);
  const bytes = readUserFileIfPresent(file, { error: AdvisoryStoreError });
  if (bytes === undefined) {
    if (opts.create) return [];
    throw new AdvisoryStoreError(
      `${store}: no advisory store here (${STORE_FILE} missing); load one with: cellcheck advisories import --store ${store} PATH...`,
    );
  }
  const text = bytes.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AdvisoryStoreError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if ((data as { format?: unknown } | null)?.format !== STORE_FORMAT) {
    throw new AdvisoryStoreError(
      `${file}: store format ${String((data as { format?: unknown } | null)?.format)} is not ${STORE_FORMAT}; import the documents again into a new store`,
    );
  }
  const parsed = StoreFile.safeParse(data);
  if (!parsed.success) throw new AdvisoryStoreError(`${file}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data.advisories;
}

function writeStore(store: string, advisories: readonly Advisory[]): void {
  mkdirSync(store, { recursive: true });
  const sorted = [...advisories].sort((a, b) => a.id.localeCompare(b.id));
  // Mode 0666 before the umask, as a plain write gives: the store holds only public advisories.
  writeFileAtomic(storePath(store), `${JSON.stringify({ format: STORE_FORMAT, advisories: sorted })}\n`, { mode: 0o666 });
}

/** Files named on the command line, and every `*.json` below named folders (symbolic links not followed). */
function documentFiles(paths: readonly string[], rejected: ImportReport['rejected']): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (err) {
      rejected.push({ file: path, reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
      continue;
    }
    if (!isDir) {
      out.push(path);
      continue;
    }
    const found = readdirSync(path, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json'))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    out.push(...found);
  }
  return out;
}

/** Newer revision first by tracking version, then by release date. */
function compareRevision(a: Advisory, b: Advisory): number {
  const va = parseVersion(a.version);
  const vb = parseVersion(b.version);
  const byVersion = va && vb ? compareVersions(va, vb) : 0;
  return byVersion !== 0 ? byVersion : Date.parse(a.releaseDate) - Date.parse(b.releaseDate);
}

function readDocument(file: string): { advisory: Advisory } | { reason: string } {
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_DOCUMENT_BYTES)
      return { reason: `${(size / 1024 / 1024).toFixed(1)} MiB is over the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB limit of one document` };
    bytes = readFileSync(file);
  } catch (err) {
    return { reason: `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { reason: `not valid JSON: ${(err as Error).message}` };
  }
  const out = digestCsaf(data, { file: basename(file), sha256: createHash('sha256').update(bytes).digest('hex') });
  return out.ok ? { advisory: out.advisory } : { reason: out.reason };
}

/** Loads documents into the store: each validated, broken ones listed with the reason, a newer revision replacing an older one. */
export function importDocuments(store: string, paths: readonly string[]): ImportReport {
  const report: ImportReport = { added: [], replaced: [], kept: [], rejected: [], total: 0 };
  const byId = new Map(readStore(store, { create: true }).map((a) => [a.id, a]));
  const files = documentFiles(paths, report.rejected);
  for (const file of files) {
    const read = readDocument(file);
    if ('reason' in read) {
      report.rejected.push({ file, reason: read.reason });
      continue;
    }
    const a = read.advisory;
    const stored = byId.get(a.id);
    if (!stored) report.added.push({ file, id: a.id, version: a.version });
    else if (compareRevision(a, stored) > 0) report.replaced.push({ file, id: a.id, version: a.version, previous: stored.version });
    else {
      report.kept.push({ file, id: a.id, version: a.version, stored: stored.version });
      continue;
    }
    byId.set(a.id, a);
  }
  if (report.added.length > 0 || report.replaced.length > 0 || files.length === 0) writeStore(store, [...byId.values()]);
  return { ...report, total: byId.size };
}

export interface StoreSummary {
  readonly advisories: number;
  readonly products: number;
  readonly vulnerabilities: number;
  readonly newestRelease?: string;
  readonly vendors: { vendor: string; advisories: number; newestRelease: string }[];
}

/** The latest release date of the advisories (the first of equal ones), or undefined for none. */
function newestRelease(advisories: readonly Advisory[]): string | undefined {
  let newest: string | undefined;
  for (const a of advisories) if (newest === undefined || Date.parse(a.releaseDate) > Date.parse(newest)) newest = a.releaseDate;
  return newest;
}

/** Counts per vendor (as the product trees name them) and the newest release date. */
export function summarize(advisories: readonly Advisory[]): StoreSummary {
  const vendors = new Map<string, { vendor: string; advisories: number; newestRelease: string }>();
  for (const a of advisories) {
    const names = new Map<string, string>();
    for (const p of a.products) {
      const name = p.vendor?.trim() || '(no vendor branch)';
      names.set(vendorTokens(name).join(' ') || name, name);
    }
    for (const [key, name] of names) {
      const v = vendors.get(key) ?? { vendor: name, advisories: 0, newestRelease: a.releaseDate };
      v.advisories += 1;
      if (Date.parse(a.releaseDate) > Date.parse(v.newestRelease)) v.newestRelease = a.releaseDate;
      vendors.set(key, v);
    }
  }
  const newest = newestRelease(advisories);
  return {
    advisories: advisories.length,
    products: advisories.reduce((n, a) => n + a.products.length, 0),
    vulnerabilities: advisories.reduce((n, a) => n + a.vulnerabilities.length, 0),
    ...(newest ? { newestRelease: newest } : {}),
    vendors: [...vendors.values()].sort((a, b) => b.advisories - a.advisories || a.vendor.localeCompare(b.vendor)),
  };
}

/** A store read once and indexed, ready to match any number of results. */
export interface LoadedStore {
  readonly path: string;
  readonly index: AdvisoryIndex;
  readonly newestRelease?: string;
}

export function indexAdvisories(path: string, advisories: readonly Advisory[]): LoadedStore {
  // Only the date: the per-vendor tally of summarize() would cost every scan start a pass over all products.
  const newest = newestRelease(advisories);
  return { path, index: new AdvisoryIndex(advisories), ...(newest ? { newestRelease: newest } : {}) };
}

export function loadStore(path: string): LoadedStore {
  return indexAdvisories(path, readStore(path));
}

import { z } from 'zod';
import type { Advisory, AdvisoryProduct, AdvisoryVulnerability, ProductHelpers, ProductStatusKind } from './model.ts';

/**
 * Reads a CSAF 2.0 document (already parsed from JSON) into an Advisory: header, product tree
 * walked to one entry per product id, and per vulnerability the product statuses, scores and
 * remediations. Only the fields matching needs are validated; unknown fields are allowed, as
 * CSAF permits them. A document whose vulnerabilities name product ids the tree does not define
 * is refused (CSAF mandatory test 6.1.1): its statuses could not be tied to any product.
 */

/** Branch nesting a real tree never comes near; deeper input is refused rather than recursed into. */
const MAX_DEPTH = 30;
const MAX_PRODUCTS = 100_000;
const MAX_TEXT = 2000;

const Helper = z.looseObject({
  cpe: z.string().optional(),
  purl: z.string().optional(),
  model_numbers: z.array(z.string()).optional(),
  skus: z.array(z.string()).optional(),
  serial_numbers: z.array(z.string()).optional(),
});
const FullProductName = z.looseObject({ product_id: z.string().min(1), name: z.string(), product_identification_helper: Helper.optional() });
type FullProductName = z.infer<typeof FullProductName>;
const BranchNode = z.looseObject({
  category: z.string(),
  name: z.string(),
  product: FullProductName.optional(),
  branches: z.array(z.unknown()).optional(),
});
const Relationship = z.looseObject({
  category: z.string(),
  product_reference: z.string(),
  relates_to_product_reference: z.string(),
  full_product_name: FullProductName,
});
const ProductTree = z.looseObject({
  branches: z.array(z.unknown()).optional(),
  full_product_names: z.array(FullProductName).optional(),
  relationships: z.array(Relationship).optional(),
  product_groups: z.array(z.looseObject({ group_id: z.string(), product_ids: z.array(z.string()) })).optional(),
});
const CvssV3 = z.looseObject({ version: z.string(), baseScore: z.number(), baseSeverity: z.string().optional(), vectorString: z.string() });
const CvssV2 = z.looseObject({ version: z.string(), baseScore: z.number(), vectorString: z.string() });
const Vulnerability = z.looseObject({
  cve: z.string().optional(),
  title: z.string().optional(),
  product_status: z.record(z.string(), z.array(z.string())).optional(),
  scores: z.array(z.looseObject({ products: z.array(z.string()), cvss_v3: CvssV3.optional(), cvss_v2: CvssV2.optional() })).optional(),
  remediations: z
    .array(
      z.looseObject({
        category: z.string(),
        details: z.string(),
        url: z.string().optional(),
        product_ids: z.array(z.string()).optional(),
        group_ids: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
const Document = z.looseObject({
  document: z.looseObject({
    category: z.string().min(1),
    csaf_version: z.string(),
    title: z.string(),
    publisher: z.looseObject({ name: z.string() }),
    tracking: z.looseObject({
      id: z.string().trim().min(1, 'a tracking id is required'),
      version: z.string().min(1),
      current_release_date: z.iso.datetime({ offset: true }),
      status: z.enum(['draft', 'final', 'interim']),
    }),
  }),
  product_tree: ProductTree.optional(),
  vulnerabilities: z.array(Vulnerability).optional(),
});

const STATUS_OF: Record<string, ProductStatusKind> = {
  known_affected: 'affected',
  first_affected: 'affected',
  last_affected: 'affected',
  fixed: 'fixed',
  first_fixed: 'fixed',
  known_not_affected: 'not-affected',
  under_investigation: 'under-investigation',
};

export type DigestOutcome = { readonly ok: true; readonly advisory: Advisory } | { readonly ok: false; readonly reason: string };

function where(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

function helpersOf(p: FullProductName): ProductHelpers {
  const h = p.product_identification_helper;
  const out: ProductHelpers = {};
  if (!h) return out;
  if (h.model_numbers?.length) out.modelNumbers = h.model_numbers;
  if (h.skus?.length) out.skus = h.skus;
  if (h.serial_numbers?.length) out.serialNumbers = h.serial_numbers;
  if (h.cpe) out.cpe = h.cpe;
  if (h.purl) out.purl = h.purl;
  return out;
}

interface Path {
  vendor?: string;
  families: string[];
  name?: string;
  version?: AdvisoryProduct['version'];
}

/** Walks the branches depth-first; every product leaf gets the names of the branches above it. */
function walk(nodes: readonly unknown[], path: Path, at: string, depth: number, out: AdvisoryProduct[]): string | undefined {
  if (depth > MAX_DEPTH) return `${at}: branches nested deeper than ${MAX_DEPTH} levels`;
  for (const [i, raw] of nodes.entries()) {
    const here = `${at}[${i}]`;
    const node = BranchNode.safeParse(raw);
    if (!node.success) {
      const issue = node.error.issues[0];
      return `${here}${issue?.path.length ? `.${where(issue.path)}` : ''}: ${issue?.message}`;
    }
    const { category, name, product, branches } = node.data;
    const next: Path = { ...path, families: [...path.families] };
    if (category === 'vendor') next.vendor = name;
    else if (category === 'product_family') next.families.push(name);
    else if (category === 'product_name') next.name = name;
    else if (category === 'product_version_range') next.version = { kind: 'range', text: name };
    else if (category === 'product_version') next.version = { kind: 'exact', text: name };
    if (product) {
      if (out.length >= MAX_PRODUCTS) return `more than ${MAX_PRODUCTS} products`;
      const entry: AdvisoryProduct = { id: product.product_id, fullName: product.name, families: next.families, helpers: helpersOf(product) };
      if (next.vendor !== undefined) entry.vendor = next.vendor;
      if (next.name !== undefined) entry.name = next.name;
      if (next.version !== undefined) entry.version = next.version;
      out.push(entry);
    }
    if (branches) {
      const problem = walk(branches, next, `${here}.branches`, depth + 1, out);
      if (problem) return problem;
    }
  }
  return undefined;
}

function mergeHelpers(a: ProductHelpers, b: ProductHelpers): ProductHelpers {
  const out: ProductHelpers = { ...b, ...a };
  for (const key of ['modelNumbers', 'skus', 'serialNumbers'] as const) {
    const merged = [...(a[key] ?? []), ...(b[key] ?? [])];
    if (merged.length > 0) out[key] = merged;
  }
  return out;
}

function text(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

/** Validates and flattens one document. `source` names the file in reasons and in the advisory. */
export function digestCsaf(data: unknown, source: Advisory['source']): DigestOutcome {
  const csafVersion = (data as { document?: { csaf_version?: unknown } } | null)?.document?.csaf_version;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' };
  if (csafVersion !== undefined && csafVersion !== '2.0')
    return { ok: false, reason: `document.csaf_version: "${String(csafVersion)}" is not supported (CSAF 2.0 only)` };
  const parsed = Document.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${where(issue?.path ?? [])}: ${issue?.message}` };
  }
  const doc = parsed.data;
  const tree = doc.product_tree;
  const products: AdvisoryProduct[] = [];
  const problem = walk(tree?.branches ?? [], { families: [] }, 'product_tree.branches', 0, products);
  if (problem) return { ok: false, reason: problem };
  for (const p of tree?.full_product_names ?? []) products.push({ id: p.product_id, fullName: p.name, families: [], helpers: helpersOf(p) });
  const byId = new Map(products.map((p) => [p.id, p]));
  for (const [i, r] of (tree?.relationships ?? []).entries()) {
    // "X installed on Y": X's version and name, with Y's identifiers and name as the platform.
    const component = byId.get(r.product_reference);
    const platform = byId.get(r.relates_to_product_reference);
    if (!component || !platform) return { ok: false, reason: `product_tree.relationships[${i}]: refers to an undefined product id` };
    const entry: AdvisoryProduct = {
      ...component,
      id: r.full_product_name.product_id,
      fullName: r.full_product_name.name,
      helpers: mergeHelpers(component.helpers, platform.helpers),
      platform: platform.name ?? platform.fullName,
    };
    products.push(entry);
    byId.set(entry.id, entry);
  }
  const groups = new Map((tree?.product_groups ?? []).map((g) => [g.group_id, g.product_ids]));

  const vulnerabilities: AdvisoryVulnerability[] = [];
  for (const [vi, v] of (doc.vulnerabilities ?? []).entries()) {
    const known = (ids: readonly string[], at: string): string | undefined => {
      const missing = ids.find((id) => !byId.has(id));
      return missing === undefined ? undefined : `vulnerabilities[${vi}].${at}: product id "${missing}" is not defined in the product tree`;
    };
    const status: AdvisoryVulnerability['status'] = {};
    for (const [key, ids] of Object.entries(v.product_status ?? {})) {
      const kind = STATUS_OF[key];
      if (!kind) continue;
      const bad = known(ids, `product_status.${key}`);
      if (bad) return { ok: false, reason: bad };
      status[kind] = [...(status[kind] ?? []), ...ids];
    }
    const scores: AdvisoryVulnerability['scores'] = [];
    for (const [si, s] of (v.scores ?? []).entries()) {
      const bad = known(s.products, `scores[${si}].products`);
      if (bad) return { ok: false, reason: bad };
      const cvss = s.cvss_v3 ?? s.cvss_v2;
      if (!cvss) continue;
      const severity = s.cvss_v3?.baseSeverity;
      scores.push({ version: cvss.version, baseScore: cvss.baseScore, vector: cvss.vectorString, products: s.products, ...(severity ? { severity } : {}) });
    }
    const remediations: AdvisoryVulnerability['remediations'] = [];
    for (const [ri, r] of (v.remediations ?? []).entries()) {
      const ids = [...(r.product_ids ?? []), ...(r.group_ids ?? []).flatMap((g) => groups.get(g) ?? [])];
      const bad = known(ids, `remediations[${ri}]`);
      if (bad) return { ok: false, reason: bad };
      remediations.push({ category: r.category, details: text(r.details), products: ids, ...(r.url ? { url: r.url } : {}) });
    }
    const entry: AdvisoryVulnerability = { status, scores, remediations };
    if (v.cve) entry.cve = v.cve;
    if (v.title) entry.title = v.title;
    vulnerabilities.push(entry);
  }

  const d = doc.document;
  return {
    ok: true,
    advisory: {
      id: d.tracking.id.trim(),
      version: d.tracking.version,
      releaseDate: d.tracking.current_release_date,
      title: d.title,
      publisher: d.publisher.name,
      products,
      vulnerabilities,
      source,
    },
  };
}

import type { IdentityField } from '../identity.ts';
import { hasWildcard, nameTokens, normIdentifier, parseCpe, purlBase, vendorsMatch, vendorTokens, wildcardPattern, withoutVendor } from './identifiers.ts';
import type {
  Advisory,
  AdvisoryProduct,
  AdvisoryVulnerability,
  FindingStatus,
  MatchBasis,
  Remediation,
  VulnerabilityCoverage,
  VulnerabilityFinding,
} from './model.ts';
import { aboveRange, fixedBound, parseExact, parseRange, ruleContains, type VersionRule } from './vers.ts';
import { compareVersions, findVersion, type Version } from './version.ts';

/**
 * Matches one device's identity against the product trees of the loaded advisories. Identifiers
 * (model/order numbers, SKUs, serial numbers, CPE, PURL) give high-confidence matches; names
 * are compared only when the vendor matches too, and such matches are marked name-only. Each
 * matched product's status for each vulnerability is then weighed with the device's firmware
 * against the product's version rule.
 */

type DeviceField = IdentityField | 'cpe' | 'purl';
interface DeviceValue {
  readonly field: DeviceField;
  readonly value: string;
}

/** A device identity as the result holds it (merged from every probe, with alternatives). */
export type IdentityInput = Partial<
  Record<IdentityField, { readonly value: string; readonly alternatives?: readonly { readonly value: string }[] | undefined }>
>;

/** Identifiers matching can use beyond the probed identity (none is probed today). */
export interface ExtraIdentifiers {
  readonly cpe?: readonly string[];
  readonly purl?: readonly string[];
}

interface ProductMatch {
  readonly confidence: 'high' | 'medium' | 'low';
  readonly basis: MatchBasis;
  readonly advisoryValue: string;
  readonly device: DeviceValue;
}

/** A product (or a family-only branch) filed under its name, without the vendor's own words. */
interface NameRef {
  readonly advisory: number;
  readonly product: AdvisoryProduct;
  readonly vendor: readonly string[];
  readonly basis: 'product-name' | 'product-family';
  readonly advisoryValue: string;
  /** Names of one generic word never match inside a longer device text. */
  readonly distinctive: boolean;
}

/** Device names longer than this many words are looked at only up to it. */
const MAX_NAME_TOKENS = 32;

interface PreparedAdvisory {
  readonly byId: ReadonlyMap<string, AdvisoryProduct>;
  readonly rules: ReadonlyMap<string, VersionRule | undefined>;
}

interface ProductRef {
  readonly advisory: number;
  readonly product: AdvisoryProduct;
  readonly value: string;
}

const CONFIDENCE_RANK = { high: 0, medium: 1, low: 2 } as const;
const STATUS_RANK: Record<FindingStatus, number> = { affected: 0, 'possibly-affected': 1, 'under-investigation': 2, fixed: 3, 'not-affected': 4 };
const REMEDIATION_RANK: Record<string, number> = { vendor_fix: 0, workaround: 1, mitigation: 2, no_fix_planned: 3, none_available: 4 };

function values(identity: IdentityInput, fields: readonly IdentityField[]): DeviceValue[] {
  const out: DeviceValue[] = [];
  for (const field of fields) {
    const v = identity[field];
    if (!v) continue;
    for (const value of [v.value, ...(v.alternatives ?? []).map((a) => a.value)]) if (!out.some((o) => o.value === value)) out.push({ field, value });
  }
  return out;
}

function add<K, V>(map: Map<K, V[]>, key: K, ref: V): void {
  const list = map.get(key);
  if (list) list.push(ref);
  else map.set(key, [ref]);
}

/** The loaded advisories with lookups by identifier and vendor, built once per store. */
export class AdvisoryIndex {
  readonly advisories: readonly Advisory[];
  private readonly byModel = new Map<string, ProductRef[]>();
  private readonly bySerial = new Map<string, ProductRef[]>();
  private readonly byCpe = new Map<string, ProductRef[]>();
  private readonly byPurl = new Map<string, ProductRef[]>();
  private readonly wildcards: { ref: ProductRef; pattern: RegExp; basis: 'model-number' | 'sku' | 'serial-number' }[] = [];
  /** Per distinct vendor (as tokens): the advisories naming it. */
  private readonly vendors = new Map<string, { tokens: string[]; advisories: Set<number> }>();
  /** Products by their name's words (or, for family-only branches, the family's), joined by spaces. */
  private readonly byName = new Map<string, NameRef[]>();
  /** Product names that are order-number patterns (`CJ2M-CPU**`), compared with whole device names, normalised. */
  private readonly wildcardNames: { ref: NameRef; pattern: RegExp }[] = [];
  /** Per advisory: products and version rules by id, computed on first use. */
  private readonly prepared = new Map<number, PreparedAdvisory>();

  constructor(advisories: readonly Advisory[]) {
    this.advisories = advisories;
    for (const [a, advisory] of advisories.entries()) {
      for (const product of advisory.products) {
        const h = product.helpers;
        const identifiers: [string[] | undefined, Map<string, ProductRef[]>, 'model-number' | 'sku' | 'serial-number'][] = [
          [h.modelNumbers, this.byModel, 'model-number'],
          [h.skus, this.byModel, 'sku'],
          [h.serialNumbers, this.bySerial, 'serial-number'],
        ];
        for (const [list, map, basis] of identifiers) {
          for (const value of list ?? []) {
            const key = normIdentifier(value);
            const ref = { advisory: a, product, value };
            if (hasWildcard(key)) this.wildcards.push({ ref, pattern: wildcardPattern(key), basis });
            else if (key !== '') add(map, `${basis === 'serial-number' ? '' : basis}:${key}`, ref);
          }
        }
        const cpe = h.cpe ? parseCpe(h.cpe) : undefined;
        if (cpe && h.cpe) add(this.byCpe, `${cpe.vendor}:${cpe.product}`, { advisory: a, product, value: h.cpe });
        const purl = h.purl ? purlBase(h.purl) : undefined;
        if (purl && h.purl) add(this.byPurl, purl, { advisory: a, product, value: h.purl });
        if (product.vendor) {
          const tokens = vendorTokens(product.vendor);
          const key = tokens.join(' ');
          const known = this.vendors.get(key);
          if (known) known.advisories.add(a);
          else if (tokens.length > 0) this.vendors.set(key, { tokens, advisories: new Set([a]) });
          this.fileName(a, product, tokens);
        }
      }
    }
  }

  /** Files a product under its name, or a family-only product under each of its families. */
  private fileName(advisory: number, product: AdvisoryProduct, vendor: readonly string[]): void {
    const file = (raw: string, basis: NameRef['basis']) => {
      const tokens = withoutVendor(nameTokens(raw), vendor);
      if (tokens.length === 0) return;
      const ref: NameRef = { advisory, product, vendor, basis, advisoryValue: raw, distinctive: tokens.length >= 2 || tokens.some((t) => /\d/.test(t)) };
      add(this.byName, tokens.join(' '), ref);
      // A list of patterns ("CS1H/G-CPU**H, CJ1G-CPU**P") is one pattern per item; each needs a distinctive literal part.
      for (const item of raw.replace(/\([^)]*\)/g, '').split(',')) {
        const key = normIdentifier(item);
        const literal = key.replace(/[*?]/g, '');
        if (hasWildcard(key) && literal.length >= 4 && /\d/.test(literal)) this.wildcardNames.push({ ref, pattern: wildcardPattern(key) });
      }
    };
    if (product.name !== undefined) file(product.name, 'product-name');
    else for (const family of product.families) file(family, 'product-family');
  }

  /** Products and version rules by id; each advisory is prepared once, when a device first needs it. */
  prepare(a: number): PreparedAdvisory {
    const known = this.prepared.get(a);
    if (known) return known;
    const advisory = this.advisories[a] as Advisory;
    const out = { byId: new Map(advisory.products.map((p) => [p.id, p])), rules: new Map(advisory.products.map((p) => [p.id, ruleOf(p)])) };
    this.prepared.set(a, out);
    return out;
  }

  /**
   * Name-only matches: the vendor must match, then the whole device name equals a product name
   * (medium), or a run of its words is a distinctive product or family name (low).
   */
  nameHits(names: readonly DeviceValue[], deviceVendor: readonly string[]): { ref: NameRef; match: ProductMatch }[] {
    const out: { ref: NameRef; match: ProductMatch }[] = [];
    for (const device of names) {
      const d = withoutVendor(nameTokens(device.value), deviceVendor).slice(0, MAX_NAME_TOKENS);
      for (let i = 0; i < d.length; i += 1) {
        for (let j = i + 1; j <= d.length; j += 1) {
          const whole = i === 0 && j === d.length;
          for (const ref of this.byName.get(d.slice(i, j).join(' ')) ?? []) {
            if (!vendorsMatch(ref.vendor, deviceVendor)) continue;
            const exact = whole && ref.basis === 'product-name';
            if (!exact && !ref.distinctive) continue;
            out.push({ ref, match: { confidence: exact ? 'medium' : 'low', basis: ref.basis, advisoryValue: ref.advisoryValue, device } });
          }
        }
      }
      const key = normIdentifier(device.value);
      for (const w of this.wildcardNames) {
        if (!vendorsMatch(w.ref.vendor, deviceVendor) || !w.pattern.test(key)) continue;
        out.push({ ref: w.ref, match: { confidence: 'medium', basis: w.ref.basis, advisoryValue: w.ref.advisoryValue, device } });
      }
    }
    return out;
  }

  /** Advisories whose product tree names a vendor matching these tokens. */
  advisoriesOfVendor(tokens: readonly string[]): Set<number> {
    const out = new Set<number>();
    for (const v of this.vendors.values()) if (vendorsMatch(v.tokens, tokens)) for (const a of v.advisories) out.add(a);
    return out;
  }

  /** Products whose identification helpers name one of the device's identifiers. */
  identifierHits(
    ids: readonly DeviceValue[],
    serials: readonly DeviceValue[],
    cpes: readonly DeviceValue[],
    purls: readonly DeviceValue[],
  ): { ref: ProductRef; match: ProductMatch }[] {
    const out: { ref: ProductRef; match: ProductMatch }[] = [];
    const hit = (ref: ProductRef, basis: MatchBasis, device: DeviceValue) =>
      out.push({ ref, match: { confidence: 'high', basis, advisoryValue: ref.value, device } });
    for (const device of ids) {
      const key = normIdentifier(device.value);
      for (const ref of this.byModel.get(`model-number:${key}`) ?? []) hit(ref, 'model-number', device);
      for (const ref of this.byModel.get(`sku:${key}`) ?? []) hit(ref, 'sku', device);
    }
    for (const device of serials) for (const ref of this.bySerial.get(`:${normIdentifier(device.value)}`) ?? []) hit(ref, 'serial-number', device);
    if (this.wildcards.length > 0) {
      const keyed = (pool: readonly DeviceValue[]) => pool.map((device) => ({ device, key: normIdentifier(device.value) })).filter((d) => d.key !== '');
      const idKeys = keyed(ids);
      const serialKeys = keyed(serials);
      for (const w of this.wildcards) {
        const found = (w.basis === 'serial-number' ? serialKeys : idKeys).find((d) => w.pattern.test(d.key));
        if (found) hit(w.ref, w.basis, found.device);
      }
    }
    for (const device of cpes) {
      const cpe = parseCpe(device.value);
      for (const ref of cpe ? (this.byCpe.get(`${cpe.vendor}:${cpe.product}`) ?? []) : []) hit(ref, 'cpe', device);
    }
    for (const device of purls) {
      const base = purlBase(device.value);
      for (const ref of base ? (this.byPurl.get(base) ?? []) : []) hit(ref, 'purl', device);
    }
    return out;
  }
}

interface Weighed {
  readonly product: AdvisoryProduct;
  readonly match: ProductMatch;
  readonly status: FindingStatus;
  readonly rule: VersionRule | undefined;
  readonly verdict: VulnerabilityFinding['match']['version'];
}

function ruleOf(product: AdvisoryProduct): VersionRule | undefined {
  if (!product.version) return undefined;
  return product.version.kind === 'range' ? parseRange(product.version.text) : parseExact(product.version.text);
}

function versionVerdict(
  rule: VersionRule | undefined,
  device: { version: Version; text: string } | undefined,
): { verdict: Weighed['verdict']; inRange: boolean | undefined } {
  const base = { ...(rule ? { rule: rule.text } : {}), ...(device ? { deviceVersion: device.text } : {}) };
  if (rule === undefined) return { verdict: { ...base, verdict: 'no-rule', detail: 'the advisory names the product without a version' }, inRange: true };
  if (rule.kind === 'all') return { verdict: { ...base, verdict: 'all-versions' }, inRange: true };
  if (rule.kind === 'unknown-scheme')
    return { verdict: { ...base, verdict: 'unknown', detail: `version scheme "${rule.scheme}" is not supported` }, inRange: undefined };
  if (rule.kind === 'unparsable')
    return { verdict: { ...base, verdict: 'unknown', detail: `version rule not understood: ${rule.problem}` }, inRange: undefined };
  if (!device) return { verdict: { ...base, verdict: 'unknown', detail: 'the device did not report a firmware version' }, inRange: undefined };
  const inRange = ruleContains(rule, device.version) === true;
  return { verdict: { ...base, verdict: inRange ? 'in-range' : 'out-of-range' }, inRange };
}

function weigh(kind: string, inRange: boolean | undefined, rule: VersionRule | undefined, device: Version | undefined): FindingStatus | undefined {
  switch (kind) {
    case 'affected':
      if (inRange === undefined) return 'possibly-affected';
      if (inRange) return 'affected';
      return rule && device && aboveRange(rule, device) ? 'fixed' : 'not-affected';
    case 'under-investigation':
      return inRange === false ? undefined : 'under-investigation';
    case 'fixed':
      return inRange ? 'fixed' : undefined;
    case 'not-affected':
      return inRange ? 'not-affected' : undefined;
    default:
      return undefined;
  }
}

function statusKindOf(v: AdvisoryVulnerability, productId: string): string | undefined {
  for (const [kind, ids] of Object.entries(v.status)) if (ids?.includes(productId)) return kind;
  return undefined;
}

function reasonOf(w: Weighed, deviceVendor: string | undefined): string {
  const m = w.match;
  const who =
    m.basis === 'product-name' || m.basis === 'product-family'
      ? `name only: vendor "${deviceVendor ?? ''}" and ${m.device.field} "${m.device.value}" ${m.confidence === 'medium' ? 'equal' : 'contain'} the ${m.basis === 'product-family' ? 'product family' : 'product name'} "${m.advisoryValue}"`
      : `${m.device.field} "${m.device.value}" matches the ${m.basis} ${m.advisoryValue}`;
  const v = w.verdict;
  const version =
    v.verdict === 'in-range'
      ? `firmware ${v.deviceVersion} is in ${v.rule}`
      : v.verdict === 'out-of-range'
        ? `firmware ${v.deviceVersion} is outside ${v.rule}`
        : v.verdict === 'all-versions'
          ? `the advisory covers all versions (${v.rule})`
          : v.verdict === 'no-rule'
            ? 'the advisory names no version'
            : `version not decided: ${v.detail}`;
  return `${who}; ${version}`;
}

/** From the best product's range, else the lowest exact version the advisory lists as fixed above the device's. */
function fixedVersionOf(best: Weighed, fixedReleases: readonly Version[], device: Version | undefined): Version | undefined {
  const bound = best.rule ? fixedBound(best.rule, device) : undefined;
  if (bound) return bound;
  return fixedReleases.filter((v) => device === undefined || compareVersions(v, device) > 0).sort(compareVersions)[0];
}

function remediationsOf(v: AdvisoryVulnerability, productId: string): Remediation[] {
  const seen = new Set<string>();
  return v.remediations
    .filter((r) => r.products.includes(productId))
    .sort((a, b) => (REMEDIATION_RANK[a.category] ?? 9) - (REMEDIATION_RANK[b.category] ?? 9))
    .filter((r) => {
      const key = `${r.category}\n${r.details}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ category: r.category, details: r.details, ...(r.url ? { url: r.url } : {}) }));
}

export interface DeviceVulnerabilities {
  readonly coverage: VulnerabilityCoverage;
  readonly findings: VulnerabilityFinding[];
}

/** All findings for one device, most severe first, with why the device did or did not match. */
export function matchDevice(identity: IdentityInput, index: AdvisoryIndex, extra: ExtraIdentifiers = {}): DeviceVulnerabilities {
  const vendors = values(identity, ['vendor']);
  const names = values(identity, ['model', 'product']);
  const ids = values(identity, ['orderNumber', 'model']);
  const serials = values(identity, ['serial']);
  const cpes = (extra.cpe ?? []).map((value) => ({ field: 'cpe' as const, value }));
  const purls = (extra.purl ?? []).map((value) => ({ field: 'purl' as const, value }));
  if (vendors.length === 0 && names.length === 0 && ids.length === 0 && serials.length === 0 && cpes.length === 0 && purls.length === 0) {
    return { coverage: { outcome: 'not-matchable', reason: 'no identity: the probes read no vendor, model, product or order number' }, findings: [] };
  }
  const firmwareText = values(identity, ['firmware'])
    .map((f) => ({ text: f.value, version: findVersion(f.value) }))
    .find((f) => f.version !== undefined);
  const device = firmwareText?.version ? { version: firmwareText.version, text: firmwareText.text } : undefined;

  const perAdvisory = new Map<number, Map<string, ProductMatch>>();
  const keep = (a: number, product: AdvisoryProduct, match: ProductMatch) => {
    const products = perAdvisory.get(a) ?? new Map<string, ProductMatch>();
    perAdvisory.set(a, products);
    const current = products.get(product.id);
    if (!current || CONFIDENCE_RANK[match.confidence] < CONFIDENCE_RANK[current.confidence]) products.set(product.id, match);
  };
  for (const { ref, match } of index.identifierHits(ids, serials, cpes, purls)) keep(ref.advisory, ref.product, match);

  const vendorWords = vendors.map((v) => vendorTokens(v.value)).filter((t) => t.length > 0);
  const ofVendor = new Set<number>();
  for (const tokens of vendorWords) for (const a of index.advisoriesOfVendor(tokens)) ofVendor.add(a);
  for (const vendor of vendorWords) for (const { ref, match } of index.nameHits(names, vendor)) keep(ref.advisory, ref.product, match);

  const findings: VulnerabilityFinding[] = [];
  for (const [a, matched] of perAdvisory) {
    const advisory = index.advisories[a] as Advisory;
    const { byId: products, rules } = index.prepare(a);
    for (const v of advisory.vulnerabilities) {
      const weighed: Weighed[] = [];
      const fixedReleases: Version[] = [];
      for (const [productId, match] of matched) {
        const kind = statusKindOf(v, productId);
        const product = products.get(productId);
        if (!kind || !product) continue;
        const rule = rules.get(productId);
        if (kind === 'fixed' && rule?.kind === 'constraints' && rule.notation === 'exact') fixedReleases.push(...rule.constraints.map((c) => c.version));
        const { verdict, inRange } = versionVerdict(rule, device);
        const status = weigh(kind, inRange, rule, device?.version);
        if (status) weighed.push({ product, match, status, rule, verdict });
      }
      const best = [...weighed].sort(
        (x, y) => CONFIDENCE_RANK[x.match.confidence] - CONFIDENCE_RANK[y.match.confidence] || STATUS_RANK[x.status] - STATUS_RANK[y.status],
      )[0];
      if (!best) continue;
      const fixed = fixedVersionOf(best, fixedReleases, device?.version);
      const cvss = v.scores.filter((s) => s.products.includes(best.product.id)).sort((x, y) => y.baseScore - x.baseScore)[0];
      const finding: VulnerabilityFinding = {
        advisory: { id: advisory.id, version: advisory.version, title: advisory.title, releaseDate: advisory.releaseDate, publisher: advisory.publisher },
        status: best.status,
        product: { id: best.product.id, name: best.product.fullName },
        match: {
          confidence: best.match.confidence,
          nameOnly: best.match.basis === 'product-name' || best.match.basis === 'product-family',
          basis: best.match.basis,
          advisoryValue: best.match.advisoryValue,
          deviceField: best.match.device.field,
          deviceValue: best.match.device.value,
          version: best.verdict,
          reason: reasonOf(best, vendors[0]?.value),
        },
        remediations: remediationsOf(v, best.product.id),
      };
      if (v.cve) finding.cve = v.cve;
      if (v.title) finding.title = v.title;
      if (cvss) finding.cvss = { version: cvss.version, baseScore: cvss.baseScore, vector: cvss.vector, ...(cvss.severity ? { severity: cvss.severity } : {}) };
      if (fixed) {
        finding.fixedVersion = fixed.text;
        if (device) finding.belowFixedVersion = compareVersions(device.version, fixed) < 0;
      }
      findings.push(finding);
    }
  }
  findings.sort(
    (x, y) =>
      STATUS_RANK[x.status] - STATUS_RANK[y.status] || (y.cvss?.baseScore ?? 0) - (x.cvss?.baseScore ?? 0) || x.advisory.id.localeCompare(y.advisory.id),
  );
  return { coverage: coverageOf(findings, { vendors, ids, ofVendor, device }), findings };
}

function coverageOf(
  findings: readonly VulnerabilityFinding[],
  seen: { vendors: readonly DeviceValue[]; ids: readonly DeviceValue[]; ofVendor: ReadonlySet<number>; device: { text: string } | undefined },
): VulnerabilityCoverage {
  if (findings.length > 0) {
    const advisories = new Set(findings.map((f) => f.advisory.id)).size;
    const affected = findings.filter((f) => f.status === 'affected').length;
    const undecided = findings.filter((f) => f.status === 'possibly-affected').length;
    const parts = [
      `${advisories} advisor${advisories === 1 ? 'y' : 'ies'} list this device: ${affected} vulnerabilit${affected === 1 ? 'y' : 'ies'} affect its firmware`,
    ];
    if (undecided > 0) parts.push(`${undecided} undecided (${seen.device ? 'version rule not understood' : 'version unknown'})`);
    return { outcome: 'matched', reason: parts.join('; ') };
  }
  const vendor = seen.vendors[0]?.value;
  if (vendor !== undefined && seen.ofVendor.size === 0) {
    return {
      outcome: 'not-matchable',
      reason: `no feed for its vendor: no advisory in the store names "${vendor}"${seen.ids.length > 0 ? ' and none lists its order or model number' : ''}`,
    };
  }
  if (vendor === undefined) {
    return { outcome: 'no-match', reason: 'vendor unknown, so product names were not compared; no advisory lists its order or model number' };
  }
  return {
    outcome: 'no-match',
    reason: `no advisory in the store lists this device (${seen.ofVendor.size} advisor${seen.ofVendor.size === 1 ? 'y' : 'ies'} for "${vendor}" checked)`,
  };
}

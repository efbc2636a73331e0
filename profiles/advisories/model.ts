import { z } from 'zod';
import { IdentityField } from '../identity.ts';

/**
 * An advisory as cellcheck keeps it: the parts of a CSAF 2.0 document that matching needs, with
 * the product tree flattened to one entry per product id. The store holds these (one source of
 * the store's format); `csaf.ts` builds them from documents.
 */

export const ProductHelpers = z.object({
  modelNumbers: z.array(z.string()).optional(),
  skus: z.array(z.string()).optional(),
  serialNumbers: z.array(z.string()).optional(),
  cpe: z.string().optional(),
  purl: z.string().optional(),
});
export type ProductHelpers = z.infer<typeof ProductHelpers>;

export const AdvisoryProduct = z.object({
  id: z.string(),
  /** full_product_name.name */
  fullName: z.string(),
  /** Names of the branches above the product, by category. */
  vendor: z.string().optional(),
  families: z.array(z.string()),
  name: z.string().optional(),
  /** The version branch: a `product_version_range` rule or a `product_version`. */
  version: z.object({ kind: z.enum(['range', 'exact']), text: z.string() }).optional(),
  helpers: ProductHelpers,
  /** For a relationship product: the name of the product it is installed on / part of. */
  platform: z.string().optional(),
});
export type AdvisoryProduct = z.infer<typeof AdvisoryProduct>;

export const ProductStatusKind = z.enum(['affected', 'fixed', 'not-affected', 'under-investigation']);
export type ProductStatusKind = z.infer<typeof ProductStatusKind>;

export const Cvss = z.object({ version: z.string(), baseScore: z.number(), severity: z.string().optional(), vector: z.string() });
export type Cvss = z.infer<typeof Cvss>;

export const Remediation = z.object({ category: z.string(), details: z.string(), url: z.string().optional() });
export type Remediation = z.infer<typeof Remediation>;

export const AdvisoryVulnerability = z.object({
  cve: z.string().optional(),
  title: z.string().optional(),
  /** Product ids per status (known_affected, first_affected and last_affected are "affected"; fixed and first_fixed "fixed"). */
  status: z.partialRecord(ProductStatusKind, z.array(z.string())),
  scores: z.array(Cvss.extend({ products: z.array(z.string()) })),
  remediations: z.array(Remediation.extend({ products: z.array(z.string()) })),
});
export type AdvisoryVulnerability = z.infer<typeof AdvisoryVulnerability>;

export const Advisory = z.object({
  /** document.tracking.id */
  id: z.string(),
  /** document.tracking.version */
  version: z.string(),
  releaseDate: z.string(),
  title: z.string(),
  publisher: z.string(),
  products: z.array(AdvisoryProduct),
  vulnerabilities: z.array(AdvisoryVulnerability),
  /** Where the document came from: its file name as imported and its SHA-256. */
  source: z.object({ file: z.string(), sha256: z.string() }),
});
export type Advisory = z.infer<typeof Advisory>;

/** What a device finding says about the device, most to least severe. */
export const FindingStatus = z.enum(['affected', 'possibly-affected', 'under-investigation', 'fixed', 'not-affected']);
export type FindingStatus = z.infer<typeof FindingStatus>;

/** Which identifier tied the device to the product; the last two are name-only. */
export const MatchBasis = z.enum(['model-number', 'sku', 'serial-number', 'cpe', 'purl', 'product-name', 'product-family']);
export type MatchBasis = z.infer<typeof MatchBasis>;

export const VersionVerdict = z.enum(['in-range', 'out-of-range', 'all-versions', 'no-rule', 'unknown']);

export const VulnerabilityFinding = z.object({
  advisory: z.object({ id: z.string(), version: z.string(), title: z.string(), releaseDate: z.string(), publisher: z.string() }),
  cve: z.string().optional(),
  title: z.string().optional(),
  cvss: Cvss.optional(),
  status: FindingStatus,
  product: z.object({ id: z.string(), name: z.string() }),
  match: z.object({
    /** high: a product identifier (model number, CPE, ...); medium: vendor and full product name; low: partial or family name. */
    confidence: z.enum(['high', 'medium', 'low']),
    nameOnly: z.boolean(),
    basis: MatchBasis,
    advisoryValue: z.string(),
    deviceField: IdentityField.or(z.enum(['cpe', 'purl'])),
    deviceValue: z.string(),
    version: z.object({ rule: z.string().optional(), deviceVersion: z.string().optional(), verdict: VersionVerdict, detail: z.string().optional() }),
    /** One sentence: which identifier and which version rule matched. */
    reason: z.string(),
  }),
  /** The first version without the vulnerability, where the advisory gives one. */
  fixedVersion: z.string().optional(),
  /** Whether the device's firmware is below `fixedVersion` (absent when either is unknown). */
  belowFixedVersion: z.boolean().optional(),
  remediations: z.array(Remediation),
});
export type VulnerabilityFinding = z.infer<typeof VulnerabilityFinding>;

/** Why a device has the findings it has: matched, nothing listed it, or it could not be matched. */
export const VulnerabilityCoverage = z.object({
  outcome: z.enum(['matched', 'no-match', 'not-matchable']),
  reason: z.string(),
});
export type VulnerabilityCoverage = z.infer<typeof VulnerabilityCoverage>;

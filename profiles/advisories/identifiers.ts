/**
 * Identifiers and names normalised the way vendors print them differently: order numbers with or
 * without spaces and dashes (`6ES7 215-1AG40-0XB0` = `6ES72151AG400XB0`), case, accents, and
 * vendor names with or without their legal form (`Siemens AG` = `Siemens`).
 */

/** Upper-case letters and digits only; CSAF wildcards `*` and `?` survive. */
export function normIdentifier(raw: string): string {
  return raw
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^A-Z0-9*?]/g, '');
}

export function hasWildcard(normalised: string): boolean {
  return /[*?]/.test(normalised);
}

/** A normalised advisory identifier with wildcards as a pattern for normalised device ones (`?` one character, `*` any run). */
export function wildcardPattern(advisory: string): RegExp {
  return new RegExp(`^${advisory.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Lower-case word tokens without accents; parenthesised remarks (order numbers, "incl. SIPLUS variants") dropped. */
export function nameTokens(raw: string): string[] {
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\([^)]*\)/g, ' ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

const LEGAL_FORMS = new Set([
  'ag',
  'gmbh',
  'inc',
  'llc',
  'ltd',
  'co',
  'corp',
  'corporation',
  'company',
  'sa',
  'se',
  'kg',
  'bv',
  'nv',
  'plc',
  'mfg',
  'software',
  'the',
]);

/** A vendor name as comparable tokens: legal forms and filler words dropped. */
export function vendorTokens(raw: string): string[] {
  return nameTokens(raw).filter((t) => !LEGAL_FORMS.has(t));
}

/** One vendor name is the other's beginning, word by word (`Schneider Electric` ~ `Schneider Electric Software, LLC`). */
export function vendorsMatch(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Drops the vendor's own words from the front of a product name (`Siemens SIMATIC ...` -> `simatic ...`). */
export function withoutVendor(tokens: readonly string[], vendor: readonly string[]): string[] {
  let i = 0;
  while (i < tokens.length && vendor.includes(tokens[i] as string)) i += 1;
  return tokens.slice(i);
}

/** CPE 2.3 (`cpe:2.3:h:siemens:rs900:4.3.7:...`) or 2.2 (`cpe:/h:siemens:rs900:4.3.7`) as part, vendor, product, version. */
export function parseCpe(raw: string): { part: string; vendor: string; product: string; version: string } | undefined {
  const text = raw.trim().toLowerCase();
  const fields = text.startsWith('cpe:2.3:') ? text.slice(8).split(':') : text.startsWith('cpe:/') ? text.slice(5).split(':') : undefined;
  if (!fields || fields.length < 3) return undefined;
  const [part = '', vendor = '', product = '', version = '*'] = fields;
  return { part, vendor, product, version: version === '' ? '*' : version };
}

/** A package URL without its version and qualifiers (`pkg:generic/siemens/ros@4.3.7?x=y` -> `pkg:generic/siemens/ros`). */
export function purlBase(raw: string): string | undefined {
  const text = raw.trim();
  if (!text.toLowerCase().startsWith('pkg:')) return undefined;
  return text
    .replace(/[?#].*$/, '')
    .replace(/@[^/]*$/, '')
    .toLowerCase();
}

/** The version part of a package URL, if any. */
export function purlVersion(raw: string): string | undefined {
  const m = /@([^?#/]+)(?:[?#].*)?$/.exec(raw.trim());
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

import { compareVersions, parseVersion, type Version } from './version.ts';

/**
 * Version rules of CSAF product branches: the `vers:` notation (`vers:all/<V3.2.19`,
 * `vers:intdot/>=1.2|<1.4`, `vers:all/*`) and the looser forms real advisories carry in the same
 * field (`< 2.72`, `<=V2.5.4`, `>= 12.1.0 | <= 12.1.3`, `16 <= 20`, `All versions < V16 Update 3a`).
 * A rule that is neither (an unknown scheme, `<Hotfix-145271`) is kept as such: the device's
 * version can then not be decided, which is not the same as "not affected".
 */

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export interface Constraint {
  readonly comparator: Comparator;
  readonly version: Version;
}

export type VersionRule =
  | { readonly kind: 'all'; readonly text: string }
  | { readonly kind: 'constraints'; readonly text: string; readonly notation: 'vers' | 'loose' | 'exact'; readonly constraints: readonly Constraint[] }
  | { readonly kind: 'unknown-scheme'; readonly text: string; readonly scheme: string }
  | { readonly kind: 'unparsable'; readonly text: string; readonly problem: string };

/** Schemes whose ordering is the vendor-style comparison of version.ts. */
const KNOWN_SCHEMES = new Set(['all', 'generic', 'intdot', 'semver']);
const COMPARATOR = /^(>=|<=|!=|<|>|=)?\s*(.*)$/s;

type Parsed = readonly Constraint[] | string;

function constraintOf(part: string, decode: boolean): Constraint | string {
  const m = COMPARATOR.exec(part.trim());
  const comparator = (m?.[1] ?? '=') as Comparator;
  let text = m?.[2]?.trim() ?? '';
  if (decode) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return `"${text}" is not percent-encoded correctly`;
    }
  }
  const version = parseVersion(text);
  return version ? { comparator, version } : `"${text}" is not a version`;
}

function constraintsOf(parts: readonly string[], decode: boolean): Parsed {
  const out: Constraint[] = [];
  for (const part of parts) {
    // `16 <= 20`: an inclusive span written between two versions.
    const span = /^([^<>=!\s]+)\s*<=\s*([^<>=!\s]+)$/.exec(part.trim());
    const pieces = span && !decode ? [`>=${span[1]}`, `<=${span[2]}`] : [part];
    for (const piece of pieces) {
      const c = constraintOf(piece, decode);
      if (typeof c === 'string') return c;
      out.push(c);
    }
  }
  return out.length > 0 ? out : 'no constraint';
}

function parseVers(text: string): VersionRule {
  const m = /^vers:([a-z0-9.+-]+)\/(.*)$/is.exec(text);
  if (!m) return { kind: 'unparsable', text, problem: 'a vers: rule is vers:<scheme>/<constraints>' };
  const scheme = (m[1] ?? '').toLowerCase();
  const body = (m[2] ?? '').trim();
  if (body === '*') return { kind: 'all', text };
  if (!KNOWN_SCHEMES.has(scheme)) return { kind: 'unknown-scheme', text, scheme };
  const parts = body.split('|');
  if (parts.some((p) => p.trim() === '*')) return { kind: 'unparsable', text, problem: '"*" must stand alone' };
  const parsed = constraintsOf(parts, true);
  if (typeof parsed === 'string') return { kind: 'unparsable', text, problem: parsed };
  if (scheme === 'intdot' && parsed.some((c) => c.version.tokens.some((t) => typeof t !== 'number'))) {
    return { kind: 'unparsable', text, problem: 'intdot versions are integers separated by dots' };
  }
  return { kind: 'constraints', text, notation: 'vers', constraints: parsed };
}

/** Reads the name of a `product_version_range` branch. */
export function parseRange(raw: string): VersionRule {
  const text = raw.trim();
  if (/^vers:/i.test(text)) return parseVers(text);
  const body = text.replace(/^all versions\b/i, '').trim();
  if (body === '' || body === '*') return { kind: 'all', text };
  const parsed = constraintsOf(body.split('|'), false);
  if (typeof parsed === 'string') return { kind: 'unparsable', text, problem: parsed };
  return { kind: 'constraints', text, notation: 'loose', constraints: parsed };
}

/** Reads the name of a `product_version` branch: one exact version (some advisories put a vers: rule here too). */
export function parseExact(raw: string): VersionRule {
  const text = raw.trim();
  if (/^vers:/i.test(text) || text === '*') return parseRange(text);
  const version = parseVersion(text);
  if (!version) return { kind: 'unparsable', text, problem: `"${text}" is not a version` };
  return { kind: 'constraints', text, notation: 'exact', constraints: [{ comparator: '=', version }] };
}

/**
 * Whether a version lies in a rule, following the vers specification: equality constraints
 * first, then the remaining bounds in version order, as open ends and consecutive pairs.
 * Undefined when the rule cannot be evaluated.
 */
export function ruleContains(rule: VersionRule, version: Version): boolean | undefined {
  if (rule.kind === 'all') return true;
  if (rule.kind !== 'constraints') return undefined;
  for (const c of rule.constraints) {
    const equal = compareVersions(version, c.version) === 0;
    if (equal && (c.comparator === '=' || c.comparator === '<=' || c.comparator === '>=')) return true;
    if (equal && c.comparator === '!=') return false;
  }
  const bounds = rule.constraints.filter((c) => c.comparator !== '=' && c.comparator !== '!=').sort((a, b) => compareVersions(a.version, b.version));
  if (bounds.length === 0) {
    // Only != constraints: everything else is in; only = constraints: nothing else is.
    return rule.constraints.every((c) => c.comparator === '!=');
  }
  const below = (c: Constraint) => compareVersions(version, c.version) < 0;
  const above = (c: Constraint) => compareVersions(version, c.version) > 0;
  const isUpper = (c: Constraint) => c.comparator === '<' || c.comparator === '<=';
  const first = bounds[0] as Constraint;
  const last = bounds[bounds.length - 1] as Constraint;
  if (isUpper(first) && below(first)) return true;
  if (!isUpper(last) && above(last)) return true;
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const lo = bounds[i] as Constraint;
    const hi = bounds[i + 1] as Constraint;
    if (!isUpper(lo) && isUpper(hi) && above(lo) && below(hi)) return true;
  }
  return false;
}

/**
 * The version that leaves the rule upwards: the lowest exclusive upper bound (`<V4.3.8` gives
 * V4.3.8) above the device's version, or the only one when the device's version is unknown.
 */
export function fixedBound(rule: VersionRule, device?: Version): Version | undefined {
  if (rule.kind !== 'constraints') return undefined;
  const uppers = rule.constraints.filter((c) => c.comparator === '<').map((c) => c.version);
  if (device === undefined) return uppers.length === 1 ? uppers[0] : undefined;
  return uppers.filter((v) => compareVersions(v, device) > 0).sort(compareVersions)[0];
}

/** True when the device's version is above every upper bound of the rule (it left the range upwards). */
export function aboveRange(rule: VersionRule, device: Version): boolean {
  if (rule.kind !== 'constraints') return false;
  const uppers = rule.constraints.filter((c) => c.comparator === '<' || c.comparator === '<=');
  return uppers.length > 0 && uppers.every((c) => compareVersions(device, c.version) >= 0);
}

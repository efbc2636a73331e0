/**
 * Firmware versions as vendors print them (`V2.8.1`, `v4.3.7`, `R1.01.00`, `V16 Update 3a`,
 * `2.1.4-77`), compared segment by segment: numbers numerically, words alphabetically.
 */

export type VersionToken = number | string;

export interface Version {
  /** The text as read (trimmed). */
  readonly text: string;
  readonly tokens: readonly VersionToken[];
}

/** One leading letter before the first digit is a prefix, not part of the version (V, v, R). */
const VERSION_TEXT = /^[vr]?\d[0-9a-z.+\- ]*$/i;
/** Words that, trailing a shorter version, make it earlier rather than later (1.0-rc1 < 1.0). */
const PRE_RELEASE = new Set(['alpha', 'beta', 'rc', 'pre', 'preview', 'dev', 'snapshot']);

/** Parses a whole string as a version, or undefined when it is not one (`Hotfix-145271`, `V33.017_V34.014`). */
export function parseVersion(raw: string): Version | undefined {
  const text = raw.trim();
  if (!VERSION_TEXT.test(text) || text.length > 64) return undefined;
  const body = /^[vr]/i.test(text) ? text.slice(1) : text;
  const tokens: VersionToken[] = [];
  for (const m of body.matchAll(/\d+|[a-z]+/gi)) {
    const part = m[0];
    tokens.push(/^\d/.test(part) ? Number.parseInt(part, 10) : part.toLowerCase());
  }
  return { text, tokens };
}

/** The first version inside a longer text (`ROS v4.3.7 build 12` gives `v4.3.7`); the whole text when it is one. */
export function findVersion(raw: string): Version | undefined {
  const whole = parseVersion(raw);
  if (whole) return whole;
  const m = raw.match(/(?:^|[^0-9a-z])([vr]?\d+(?:\.\d+)+(?:[-+][0-9a-z]+)*)/i);
  return m?.[1] ? parseVersion(m[1]) : undefined;
}

function compareToken(a: VersionToken, b: VersionToken): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  // A number ranks after a word at the same place: 1.0.1 is later than 1.0.rc.
  return typeof a === 'number' ? 1 : -1;
}

/** Negative when a is earlier than b, 0 when equal, positive when later. */
export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.tokens.length, b.tokens.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.tokens[i];
    const y = b.tokens[i];
    if (x === undefined || y === undefined) {
      const rest = (x === undefined ? y : x) as VersionToken;
      const sign = x === undefined ? -1 : 1;
      // Missing numbers count as 0 (2.5 = 2.5.0); a trailing word makes the longer one later
      // (V16 < V16 Update 3a) unless it is a pre-release marker (1.0-rc1 < 1.0).
      if (typeof rest === 'number') {
        if (rest === 0) continue;
        return sign;
      }
      return PRE_RELEASE.has(rest) ? -sign : sign;
    }
    const c = compareToken(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

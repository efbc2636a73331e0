import { describe, expect, it } from 'vitest';
import { aboveRange, fixedBound, parseExact, parseRange, ruleContains } from './vers.ts';
import { compareVersions, findVersion, parseVersion } from './version.ts';

function v(text: string) {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`test version ${text} does not parse`);
  return parsed;
}

describe('version comparison', () => {
  it.each([
    ['V2.8.1', '2.8.1', 0],
    ['v4.3.7', 'V4.3.8', -1],
    ['2.5', '2.5.0', 0],
    ['2.5', '2.5.1', -1],
    ['V2.10', 'V2.9', 1],
    ['V16', 'V16 Update 3a', -1],
    ['V16 Update 3', 'V16 Update 3a', -1],
    ['V16 Update 12', 'V16 Update 3a', 1],
    ['1.0-rc1', '1.0', -1],
    ['2.1.4-77', '2.1.4', 1],
    ['R1.01.00', 'R2.03.00', -1],
    ['8.1.1.3', '8.2', -1],
  ])('%s vs %s -> %i', (a, b, expected) => {
    expect(Math.sign(compareVersions(v(a), v(b)))).toBe(expected);
    expect(Math.sign(compareVersions(v(b), v(a)))).toBe(-expected || 0);
  });

  it('refuses what is not a version and finds one inside a longer text', () => {
    for (const text of ['Hotfix-145271', 'V33.017_V34.014', 'SE2021MP7', '', 'all']) expect(parseVersion(text)).toBeUndefined();
    expect(findVersion('ROS v4.3.7 (build 12)')?.text).toBe('v4.3.7');
    expect(findVersion('firmware')).toBeUndefined();
  });
});

describe('version rules', () => {
  it.each([
    // rule, device version, in range
    ['vers:all/<V4.3.8', 'V4.3.7', true],
    ['vers:all/<V4.3.8', 'v4.3.8', false],
    ['vers:all/<V4.3.8', 'V5.0', false],
    ['vers:all/*', 'V0.1', true],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '1.3.9', true],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '1.4', false],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '1.9', false],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '2.0', true],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '2.3.1', false],
    ['vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1', '0.9', false],
    ['vers:generic/>=2.0|!=2.1|<3', '2.1', false],
    ['vers:generic/>=2.0|!=2.1|<3', '2.2', true],
    ['vers:generic/1.0|1.2', '1.2', true],
    ['vers:generic/1.0|1.2', '1.1', false],
    ['vers:generic/!=1.1', '1.0', true],
    ['vers:generic/>5', '5.0.1', true],
    ['vers:generic/<=5', '5.0', true],
    ['vers:generic/<2.0%2D1', '2.0', true],
    // loose forms found in real CISA documents
    ['< 2.72', 'v2.71', true],
    ['< 2.72', '2.72', false],
    ['<=8.1.1.3', '8.1.1.3', true],
    ['<=8.1.1.3', '8.2', false],
    ['>= 12.1.0 | <= 12.1.3', '12.1.2', true],
    ['>= 12.1.0 | <= 12.1.3', '12.2.0', false],
    ['16 <= 20', '18', true],
    ['16 <= 20', '21', false],
    ['>=R1.01.00|<R2.03.00', 'R2.02.00', true],
    ['All versions < V16 Update 3a', 'V16 Update 2', true],
    ['All versions < V16 Update 3a', 'V16 Update 3a', false],
    ['<= 1.12.0.27 | 1.12.13.2 | 1.12.14.5', '1.12.13.2', true],
    ['<= 1.12.0.27 | 1.12.13.2 | 1.12.14.5', '1.12.13.3', false],
  ])('%s contains %s: %s', (rule, version, expected) => {
    expect(ruleContains(parseRange(rule), v(version))).toBe(expected);
  });

  it.each([
    ['vers:deb/<1.2', 'unknown-scheme'],
    ['<Hotfix-145271', 'unparsable'],
    ['<V33.017_V34.014_V35.013_V36.011', 'unparsable'],
    ['All versions with OIS running on Debian 9 or earlier', 'unparsable'],
    ['vers:intdot/<V2.1a', 'unparsable'],
    ['vers:all/*|<2', 'unparsable'],
    ['vers:all', 'unparsable'],
    ['All versions', 'all'],
    ['*', 'all'],
  ])('%s reads as %s and decides nothing', (rule, kind) => {
    const parsed = parseRange(rule);
    expect(parsed.kind).toBe(kind);
    if (kind !== 'all') expect(ruleContains(parsed, v('1.0'))).toBeUndefined();
  });

  it('reads product_version names as exact versions, or as a rule when they are one', () => {
    expect(ruleContains(parseExact('8.2'), v('8.2.0'))).toBe(true);
    expect(ruleContains(parseExact('8.2'), v('8.3'))).toBe(false);
    expect(parseExact('vers:all/*').kind).toBe('all');
    expect(parseExact('OEL8000III_K/X_ATG_Generation_3.0').kind).toBe('unparsable');
  });

  it('finds the version that leaves a range upwards', () => {
    const multi = parseRange('vers:intdot/>=1.0|<1.4|>=2.0|<2.3.1');
    expect(fixedBound(multi, v('1.2'))?.text).toBe('1.4');
    expect(fixedBound(multi, v('2.1'))?.text).toBe('2.3.1');
    expect(fixedBound(multi)).toBeUndefined();
    expect(fixedBound(parseRange('<V4.3.8'))?.text).toBe('V4.3.8');
    expect(aboveRange(parseRange('<V4.3.8'), v('4.3.8'))).toBe(true);
    expect(aboveRange(parseRange('>= 21'), v('16'))).toBe(false);
  });
});

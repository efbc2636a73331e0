import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { asciiOnly } from './build-binary.ts';

describe('asciiOnly (the bundle as the binary holds it)', () => {
  // What esbuild leaves raw: a tagged template (read cooked, as report/html-template.ts does), a regular expression, and a character outside the BMP.
  const code =
    'const tag = (s, ...v) => s.reduce((o, p, i) => o + p + (v[i] ?? ""), ""); [tag`zone → ${1} · done`, /a–b/.test("a–b"), /x😀/u.test("x😀"), "é😀"]';

  it('leaves no character above 0x7f', () => {
    expect(asciiOnly(code)).toMatch(/^[\x20-\x7e]*$/);
    expect(code).not.toMatch(/^[\x20-\x7e]*$/);
  });

  it('evaluates to the same values', () => {
    expect(runInNewContext(asciiOnly(code))).toEqual(['zone → 1 · done', true, true, 'é😀']);
    expect(runInNewContext(asciiOnly(code))).toEqual(runInNewContext(code));
  });
});

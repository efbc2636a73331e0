import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { asciiOnly, bundle } from './build-binary.ts';

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

describe('bundle (what the binary carries)', () => {
  it('holds the agent and its protocol clients, and nothing of the simulated cell or plant', async () => {
    const { js, inputs } = await bundle();
    expect(js).not.toMatch(/[\u0080-\uffff]/);
    expect(inputs).toContain('agent/cli.ts');
    expect(inputs.some((f) => f.startsWith('node_modules/node-opcua-client/'))).toBe(true);
    expect(inputs.some((f) => f.startsWith('node_modules/ssh2/'))).toBe(true);
    // The fixtures bring node-opcua's server and address space: a quarter of the bundle, all resident in a scan.
    expect(inputs.filter((f) => f.startsWith('fixtures/'))).toEqual([]);
    expect(inputs.filter((f) => /node_modules\/node-opcua-(server|address-space)\//.test(f))).toEqual([]);
  }, 60_000);
});

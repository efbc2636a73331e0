import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('Biome', () => {
  // TypeScript only: JSON files are data or generated (schemas, goldens, the catalog's one row per line).
  it('finds no lint error and no unformatted TypeScript file', () => {
    let output = '';
    try {
      execFileSync(resolve(ROOT, 'node_modules/.bin/biome'), ['ci', '--colors=off', '--diagnostic-level=error', '.'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    expect(output).toBe('');
  });
});

describe('test assertions', () => {
  // In this vitest, toMatchObject compares a RegExp value as an object with no own keys, so
  // `toMatchObject({ reason: /x/ })` passes for any string; expect.stringMatching(/x/) is the check.
  it('never hand a regular expression literal to toMatchObject as a value', () => {
    const trap = { reason: /never in that text/ };
    expect({ reason: 'anything at all' }).toMatchObject(trap);
    const files = execFileSync('git', ['ls-files', '*.test.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const offending = files.flatMap((file) =>
      readFileSync(resolve(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/toMatchObject\(.*[:[,]\s*\/[^/*\s]/.test(line) && !line.includes('stringMatching') ? [`${file}:${i + 1}`] : [])),
    );
    expect(offending).toEqual([]);
  });
});

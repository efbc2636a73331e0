import { execFileSync } from 'node:child_process';
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

import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('TypeScript', () => {
  it('type-checks the whole project in strict mode', () => {
    let output = '';
    try {
      execFileSync(resolve(ROOT, 'node_modules/.bin/tsc'), ['-p', resolve(ROOT, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    expect(output).toBe('');
  });
});

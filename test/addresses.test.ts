import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_RANGES, type TestRange } from './addresses.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ENTRIES: [string, TestRange][] = Object.entries(TEST_RANGES);

/** A 127.x.y address or range prefix written in a file (`127.20.0`, `127.20.0.3`, `127.86.7.x`). */
const ADDRESS = /\b127\.\d{1,3}\.\d{1,3}(?:\.(?:\d{1,3}|x))?\b/g;

const within = (address: string, range: string) => address === range || address.startsWith(`${range}.`);
const overlap = (a: string, b: string) => within(a, b) || within(b, a);

/** Test files and the helpers in test/: where addresses are written. */
function testSources(): string[] {
  return (
    readdirSync(ROOT, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)))
      .filter((f) => !/^(node_modules|runs|dist)\//.test(f) && (f.endsWith('.test.ts') || /^test\/[^/]+\.ts$/.test(f)))
      // The list itself, and its test's made-up addresses.
      .filter((f) => f !== 'test/addresses.ts' && f !== 'test/addresses.test.ts')
  );
}

/** The addresses of `text` (a file at `path`) that lie in no range listing the file. */
function unlisted(path: string, text: string): string[] {
  return [...text.matchAll(ADDRESS)]
    .map((m) => m[0])
    .filter((address) => !ENTRIES.some(([, e]) => within(address, e.range) && (e.files.includes('*') || e.files.includes(path))));
}

describe('test address ranges (test/addresses.ts)', () => {
  it('no two entries overlap or share a port', () => {
    const clashes: string[] = [];
    ENTRIES.forEach(([name, a], i) => {
      for (const [other, b] of ENTRIES.slice(i + 1)) {
        if (overlap(a.range, b.range)) clashes.push(`${name} ${a.range} overlaps ${other} ${b.range}`);
        if (a.port !== undefined && a.port === b.port) clashes.push(`${name} and ${other} both bind port ${a.port}`);
      }
    });
    expect(clashes).toEqual([]);
  });

  it('no test file writes an address outside its own entries', () => {
    const found = testSources().flatMap((path) => unlisted(path, readFileSync(join(ROOT, path), 'utf8')).map((a) => `${path}: ${a}`));
    expect(found).toEqual([]);
  });

  it('every file an entry names exists', () => {
    const files = ENTRIES.flatMap(([, e]) => e.files.filter((f) => f !== '*'));
    expect(files.filter((f) => !existsSync(join(ROOT, f)))).toEqual([]);
  });

  it('the check catches a range of another file and one not in the list', () => {
    const text = `const A = '127.20.0.1'; const B = '127.99.1.2'; const C = '127.0.0.1'; const D = \`\${'127.30.0'}.3\`;`;
    expect(unlisted('probes/modbus/probe.test.ts', text)).toEqual(['127.99.1.2', '127.30.0']);
    expect(overlap('127.89', '127.89.50')).toBe(true);
    expect(overlap('127.8', '127.89')).toBe(false);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** probes <- profiles <- report <- agent: a layer imports only from itself and the layers before it. */
const ALLOWED: Record<string, readonly string[]> = {
  probes: ['probes'],
  profiles: ['probes', 'profiles'],
  report: ['probes', 'profiles', 'report'],
  agent: ['probes', 'profiles', 'report', 'agent'],
  fixtures: ['probes', 'fixtures'],
  console: ['probes', 'profiles', 'report', 'console'],
};
/** Judging is pure: no network, disk or process access from profiles/. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|dgram|tls|http|https|http2|child_process|worker_threads)$|^(node-opcua|modbus-serial|ssh2|net-snmp|node-snap7)/;
const ROOT = resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function imports(file: string): { spec: string; dynamic: boolean }[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: { spec: string; dynamic: boolean }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]/g)) out.push({ spec: m[1] ?? '', dynamic: false });
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) out.push({ spec: m[1] ?? '', dynamic: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1] ?? '', dynamic: true });
  return out;
}

const layers = Object.keys(ALLOWED).filter((d) => {
  try {
    return readdirSync(join(ROOT, d)).length > 0;
  } catch {
    return false;
  }
});

describe('import direction', () => {
  for (const layer of layers) {
    it(`${layer}/ imports only from ${ALLOWED[layer]?.join(', ')}`, () => {
      const violations: string[] = [];
      for (const file of sources(layer)) {
        for (const { spec, dynamic } of imports(file)) {
          if (!spec.startsWith('.')) {
            if (layer === 'profiles' && IO_MODULES.test(spec)) violations.push(`${file} imports ${spec} (profiles never do I/O)`);
            continue;
          }
          const target = relative(ROOT, resolve(ROOT, file, '..', spec)).split('/')[0] ?? '';
          if (target === 'package.json') continue;
          // The demo command starts the simulated cell, the console command the console service: each loaded lazily, only by its command.
          if (layer === 'agent' && (target === 'fixtures' || target === 'console') && dynamic) continue;
          if (!ALLOWED[layer]?.includes(target)) violations.push(`${file} imports ${spec} (${target}/)`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('in probes/, only a file named for node-opcua imports it, and other files load such a file only lazily', () => {
    const violations: string[] = [];
    for (const file of sources('probes')) {
      const name = file.split('/').pop() ?? '';
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const { spec, dynamic } of imports(file)) {
        if (spec.startsWith('node-opcua') && !name.includes('node-opcua')) violations.push(`${file} imports ${spec}`);
        if (spec.startsWith('.') && spec.includes('node-opcua') && !name.includes('node-opcua') && !dynamic) {
          // A type-only import is erased at build time and loads nothing.
          const typeOnly = new RegExp(`import\\s+type\\s[^;]*?from\\s+['"]${spec.replaceAll('.', '\\.')}['"]`).test(text);
          if (!typeOnly) violations.push(`${file} loads ${spec} eagerly`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('protocol folders in probes/ import each other in one direction only (no cycle)', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of sources('probes')) {
      const [, from] = file.split('/');
      if (!from || from.endsWith('.ts')) continue;
      for (const { spec } of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const [top, to] = relative(ROOT, resolve(ROOT, file, '..', spec)).split('/');
        if (top === 'probes' && to && !to.endsWith('.ts') && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const both = [...edges].flatMap(([a, tos]) => [...tos].filter((b) => edges.get(b)?.has(a) && a < b).map((b) => `${a} <-> ${b}`));
    expect(both).toEqual([]);
  });

  it('the rule itself catches a violation', () => {
    const fake = `import { x } from '../report/result.ts';\nconst y = await import('../agent/cli.ts');`;
    const specs = [...fake.matchAll(/from\s+['"]([^'"]+)['"]/g), ...fake.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    expect(specs).toEqual(['../report/result.ts', '../agent/cli.ts']);
    expect(IO_MODULES.test('node:net')).toBe(true);
    expect(IO_MODULES.test('node-opcua-client')).toBe(true);
    expect(IO_MODULES.test('zod')).toBe(false);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Packages under node_modules that a CLI invocation loads, seen through a module resolve hook. */
function packagesLoaded(args: string[]): string[] {
  const hook = join(dir, 'trace.mjs');
  const out = join(dir, 'packages.json');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) seen.add(m[1]); return r; } });
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify([...seen].sort())));
`,
  );
  execFileSync(process.execPath, ['--import', hook, join(ROOT, 'agent/cli.ts'), ...args], { stdio: 'ignore' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

const PROTOCOL_LIBRARIES = /^(node-opcua.*|ssh2|net-snmp|modbus-serial|node-snap7|cpu-features|serialport|@serialport\/.*)$/;

describe('start-up cost', () => {
  it('--help and --version load no protocol library (they load when a probe runs)', () => {
    for (const args of [['--help'], ['--version'], ['agent', '--help']]) {
      const loaded = packagesLoaded(args);
      expect(loaded).toContain('yargs');
      expect(loaded.filter((p) => PROTOCOL_LIBRARIES.test(p))).toEqual([]);
    }
  });
});

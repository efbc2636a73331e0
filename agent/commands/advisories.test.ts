import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-advisories-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => runCli(args, dir);

describe('cellcheck advisories', () => {
  it('imports a folder, names the rejected file and its reason, exits 1, and lists per vendor', async () => {
    const feed = join(dir, 'feed');
    cpSync(join(ROOT, 'fixtures/csaf/cisa'), feed, { recursive: true });
    writeFileSync(join(feed, 'broken.json'), '{"document": ');
    const imported = await cli(['advisories', 'import', 'feed']);
    expect(imported.code).toBe(1);
    expect(imported.stdout).toMatch(
      /^Read 6 file\(s\) into advisories in \d+\.\d\d s: 5 added, 0 replaced by a newer revision, 0 kept \(same or older revision than stored\), 1 rejected$/m,
    );
    expect(imported.stdout).toContain(`${join('feed', 'broken.json')}: not valid JSON: `);
    const listed = await cli(['advisories', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('advisories: 5 advisories');
    expect(listed.stdout).toMatch(/^Siemens\s+3\s+2024-06-11$/m);
  });

  it('refuses a missing store with exit 2 and says how to make one', async () => {
    const r = await cli(['advisories', 'list', '--store', 'elsewhere']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'cellcheck: elsewhere: no advisory store here (advisories.json missing); load one with: cellcheck advisories import --store elsewhere PATH...\n',
    );
  });
});

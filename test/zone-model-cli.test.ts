import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConsoleStore } from '../console/store.ts';
import { modelText } from '../console/zone-model-store.ts';
import { PLANT_MODEL } from './setup/zone-plant.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-zone-cli-'));
const db = join(dir, 'console.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const zones = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'agent/cli.ts'), 'console', 'zones', ...args, '--db', db], { encoding: 'utf8' });

describe('cellcheck console zones', () => {
  it('imports a YAML model as a proposal, which is in force only once a person approves it; export then writes it back', async () => {
    const none = zones(['export']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no zone model is approved yet');

    writeFileSync(join(dir, 'broken.yaml'), 'zones:\n  - name: cell\n    ranges: [10.0.0.1/24]\n');
    const broken = zones(['import', join(dir, 'broken.yaml'), '--summary', 'x']);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain(`${join(dir, 'broken.yaml')}: not a zone model`);
    expect(broken.stderr).toContain('zones.0.ranges.0');
    expect(zones(['import', join(dir, 'broken.yaml')]).stderr).toContain('zones import needs FILE and --summary TEXT');

    writeFileSync(join(dir, 'plant.yaml'), stringify(PLANT_MODEL));
    const imported = zones(['import', join(dir, 'plant.yaml'), '--summary', 'the plant from version control']);
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const id = /Proposed zone model (p[0-9a-f]+) \(2 zone\(s\)\)/.exec(imported.stdout)?.[1] ?? '';
    expect(zones(['export']).status).toBe(2);

    const store = await ConsoleStore.open(db);
    try {
      await store.proposals.approve(id, { user: 'omar', role: 'engineer' }, new Date());
    } finally {
      await store.close();
    }
    const exported = zones(['export']);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toBe(modelText(PLANT_MODEL));
    expect(exported.stderr).toMatch(new RegExp(`^Zone model ${id}, approved by omar at `));
    expect(zones(['export', join(dir, 'out.json')]).status).toBe(0);
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe(modelText(PLANT_MODEL));
  });
});

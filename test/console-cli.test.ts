import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleStore } from '../console/store.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-console-cli-'));
const db = join(dir, 'console.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], input = '', env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(ROOT, 'agent/cli.ts'), 'console', 'user', ...args], { input, encoding: 'utf8', env: { ...process.env, ...env } });

describe('cellcheck console user', () => {
  it('adds users with the password from stdin or a named variable, lists them, deletes them', async () => {
    const add = cli(['add', '--db', db, '--name', 'ada', '--role', 'admin'], 'stdin password 1\n');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toBe('User ada added with role admin.\n');
    expect(cli(['add', '--db', db, '--name', 'vic', '--role', 'viewer', '--password-env', 'VIC_PW'], '', { VIC_PW: 'env password 12' }).status).toBe(0);
    expect(cli(['list', '--db', db]).stdout).toMatch(/^ada\tadmin\t\S+\nvic\tviewer\t\S+\n$/);
    const store = await ConsoleStore.open(db);
    try {
      expect((await store.accounts.login('ada', 'stdin password 1', '127.87.5.1', new Date())).ok).toBe(true);
      expect((await store.accounts.login('vic', 'env password 12', '127.87.5.1', new Date())).ok).toBe(true);
    } finally {
      await store.close();
    }
    expect(cli(['delete', '--db', db, '--name', 'vic']).status).toBe(0);
    expect(cli(['list', '--db', db]).stdout).not.toContain('vic');
  });

  it('refuses with exit 2 and a reason: a password on the command line, a short one, a duplicate, an unknown role or variable', () => {
    const argv = cli(['add', '--db', db, '--name', 'eve', '--role', 'viewer', '--password', 'in argv is visible']);
    expect(argv.status).toBe(2);
    expect(argv.stderr).toContain('Unknown argument');
    const short = cli(['add', '--db', db, '--name', 'eve', '--role', 'viewer'], 'short\n');
    expect([short.status, short.stderr]).toEqual([2, 'cellcheck: password of eve: a password has at least 12 characters\n']);
    expect(cli(['add', '--db', db, '--name', 'ada', '--role', 'viewer'], 'another password\n').stderr).toBe('cellcheck: user ada already exists\n');
    expect(cli(['add', '--db', db, '--name', 'eve', '--role', 'root'], 'a long password\n').status).toBe(2);
    expect(cli(['add', '--db', db, '--name', 'eve', '--role', 'viewer', '--password-env', 'NOT_SET_9']).stderr).toBe(
      'cellcheck: --password-env NOT_SET_9: the variable is not set\n',
    );
    expect(cli(['delete', '--db', db, '--name', 'nobody']).stderr).toBe('cellcheck: no user nobody\n');
    const pg = cli(['list', '--db', 'postgres://u:secret@127.87.5.9:1/none']);
    expect(pg.status).toBe(2);
    expect(pg.stderr).toContain('postgres://u:***@127.87.5.9:1/none: cannot connect to PostgreSQL');
    expect(pg.stderr).not.toContain('secret');
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listAudit } from '../console/audit.ts';
import { ConsoleStore } from '../console/store.ts';
import { newSigningKeyPair } from '../report/keys.ts';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-console-cli-'));
const db = join(dir, 'console.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const consoleCli = (args: string[], input = '', env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(ROOT, 'agent/cli.ts'), 'console', ...args], { input, encoding: 'utf8', env: { ...process.env, ...env } });
const cli = (args: string[], input = '', env: Record<string, string> = {}) => consoleCli(['user', ...args], input, env);

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

describe('cellcheck console enroll', () => {
  it('binds an agent to the zones it names, refuses a new agent without one, and keeps them on re-enrolment', async () => {
    const key = join(dir, 'agent.pub');
    writeFileSync(key, newSigningKeyPair().publicPem);
    const bare = consoleCli(['enroll', '--db', db, '--agent', 'edge-7', '--key', key]);
    expect([bare.status, bare.stderr]).toEqual([
      2,
      "cellcheck: agent edge-7 is new: name the zone(s) whose results it may post (--zone ZONE, repeatable; --zone '*' for every zone)\n",
    ]);
    const bound = consoleCli(['enroll', '--db', db, '--agent', 'edge-7', '--key', key, '--zone', 'Line 1', '--zone', 'Line 2']);
    expect(bound.status).toBe(0);
    expect(bound.stdout).toMatch(/^Enrolled agent edge-7 with key \S+; it may post results of zone\(s\) Line 1, Line 2\.\n/);
    expect(consoleCli(['enroll', '--db', db, '--agent', 'edge-7', '--key', key]).stdout).toContain('zone(s) Line 1, Line 2.');
    expect(consoleCli(['enroll', '--db', db, '--agent', 'edge-7', '--key', key, '--zone', '*']).stdout).toContain('it may post results of every zone.');
    expect(consoleCli(['enroll', '--db', db, '--reader', 'auditor', '--zone', 'Line 1']).stderr).toBe(
      'cellcheck: --zone goes with --agent: a reader reads every zone\n',
    );
    const store = await ConsoleStore.open(db);
    try {
      expect(await store.agentZones('edge-7')).toEqual(['*']);
      expect((await listAudit(store.db, { action: 'agent.zones', limit: 5 })).map((e) => e.detail).sort()).toEqual([
        'every zone (*): may post results of any zone',
        'zones "Line 1", "Line 2"',
      ]);
    } finally {
      await store.close();
    }
  });
});

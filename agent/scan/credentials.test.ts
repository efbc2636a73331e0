import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { credentialIndex, loadCredentials } from './credentials.ts';
import { planTargets } from './targets.ts';
import { ed25519KeyPair } from '../../fixtures/ssh/key-pair.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyFile = join(dir, 'id_ed25519');
const knownHosts = join(dir, 'known_hosts');
writeFileSync(keyFile, ed25519KeyPair().private);
writeFileSync(knownHosts, '');

const config = (credentials: unknown[], extra: Record<string, unknown> = {}) =>
  parseConfig(
    {
      zone: { name: 'z', slT: 2 },
      targets: [{ host: '127.80.3.1', role: 'hmi' }, { host: '127.80.3.2', role: 'hmi' }, { host: '127.80.3.3' }],
      credentials,
      ...extra,
    },
    'zone.yaml',
  );

describe('credentials in the config', () => {
  it('matches a host entry before a role entry, and never a target with role auto', () => {
    const c = config([
      { match: { role: 'hmi' }, ssh: { user: 'ops', keyFile, knownHosts } },
      { match: { host: '127.80.3.2' }, ssh: { user: 'panel', keyFile, knownHosts } },
    ]);
    expect(planTargets(c).map((t) => credentialIndex(c, t))).toEqual([0, 1, undefined]);
  });

  it('refuses broken entries before anything is sent, naming the key', () => {
    const bad =
      (ssh: Record<string, unknown>, match: Record<string, unknown> = { host: '127.80.3.1' }) =>
      () =>
        config([{ match, ssh: { user: 'ops', knownHosts, ...ssh } }]);
    expect(bad({})).toThrow(/zone\.yaml: credentials\[0\]\.ssh: give keyFile, passwordEnv or passwordFile/);
    expect(bad({ keyFile, sudo: ['rm-rf'] })).toThrow(/credentials\[0\]\.ssh\.sudo\[0\]/);
    expect(bad({ keyFile, password: 'inline' })).toThrow(/unknown key "password"/);
    expect(bad({ passwordEnv: 'A', passwordFile: '/x' })).toThrow(/not both/);
    expect(bad({ keyFile }, { host: '127.80.3.1', role: 'hmi' })).toThrow(/credentials\[0\]\.match: match has either "host" or "role"/);
  });

  it('reads secrets once, and says which file or variable is missing', async () => {
    const load = (ssh: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
      loadCredentials(config([{ match: { role: 'hmi' }, ssh: { user: 'ops', knownHosts, ...ssh } }]), env);
    await expect(load({ keyFile: join(dir, 'missing') })).rejects.toThrow(/credentials\[0\]\.ssh\.keyFile: cannot read ".*missing": no such file/);
    writeFileSync(join(dir, 'not-a-key'), 'hello\n');
    await expect(load({ keyFile: join(dir, 'not-a-key') })).rejects.toThrow(/credentials\[0\]\.ssh\.keyFile: ".*not-a-key" is not a usable private key/);
    await expect(load({ passwordEnv: 'CC_PW' })).rejects.toThrow(/credentials\[0\]\.ssh\.passwordEnv: environment variable CC_PW is not set/);
    await expect(load({ keyFile, knownHosts: join(dir, 'nope') })).rejects.toThrow(/credentials\[0\]\.ssh\.knownHosts: cannot read/);
    expect((await load({ keyFile, knownHosts: join(dir, 'nope'), recordFirstUse: true }))[0]?.knownHosts).toBe('');
    writeFileSync(join(dir, 'pw'), 'S3cret\n');
    expect((await load({ passwordFile: join(dir, 'pw') }))[0]).toMatchObject({ user: 'ops', password: 'S3cret' });
    expect((await load({ passwordEnv: 'CC_PW' }, { CC_PW: 'fromenv' }))[0]?.password).toBe('fromenv');
  });
});

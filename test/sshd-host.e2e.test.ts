import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../agent/config/config.ts';
import { loadJudge } from '../agent/judge/judge-loader.ts';
import { runScan } from '../agent/scan/run-scan.ts';
import { freePort, type RunningSshd, runSshd } from './setup/run-sshd.ts';
import { HOST_COMMANDS, listenerConfigCommand } from '../probes/host/commands.ts';
import { HostFacts } from '../probes/host/facts.ts';
import { PROBES } from '../probes/registry.ts';
import type { Result } from '../report/result.ts';

/**
 * A credentialed scan of a real OpenSSH sshd (Debian's openssh-server, unpacked by
 * test/setup/sshd.sh, never installed). sshd runs unprivileged as a test account created for this
 * test (removed after; as non-root, the current user), with a temporary host key, config and
 * authorized key, on 127.80.5.1.
 */
const HOST = '127.80.5.1';

function findSshd(): { path?: string; reason: string } {
  if (process.env.CELLCHECK_SSHD) return { path: process.env.CELLCHECK_SSHD, reason: '' };
  try {
    const path = execFileSync('bash', [join(import.meta.dirname, 'setup', 'sshd.sh')], {
      encoding: 'utf8',
      timeout: 120_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return { path, reason: '' };
  } catch (err) {
    return { reason: `test/setup/sshd.sh could not provide sshd: ${(err as { stderr?: string }).stderr?.trim() || String(err)}` };
  }
}

const sshd = findSshd();
const isRoot = process.getuid?.() === 0;
let account = '';
let uid = 0;
let gid = 0;
let dir = '';
let port = 0;
let child: RunningSshd | undefined;
let result: Result;
let facts: HostFacts;

describe.skipIf(!sshd.path)(`credentialed scan of a real OpenSSH sshd${sshd.path ? '' : ` (skipped: ${sshd.reason})`}`, () => {
  beforeAll(async () => {
    if (isRoot) {
      account = `cc-test-${randomBytes(3).toString('hex')}`;
      execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', account]);
      uid = Number(execFileSync('id', ['-u', account], { encoding: 'utf8' }).trim());
      gid = Number(execFileSync('id', ['-g', account], { encoding: 'utf8' }).trim());
    } else {
      account = userInfo().username;
    }
    dir = mkdtempSync(join(tmpdir(), 'cellcheck-sshd-host-'));
    chmodSync(dir, 0o755);
    port = await freePort(HOST);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cellcheck-test', '-f', join(dir, 'client_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
    const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ');
    writeFileSync(join(dir, 'known_hosts'), `[${HOST}]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
    if (isRoot) for (const f of ['host_key', 'authorized_keys']) chownSync(join(dir, f), uid, gid);
    // Its own config file (sshd -f), as a plant would run a second daemon: banner on, passwords off.
    const conf = join(dir, 'sshd_config');
    writeFileSync(join(dir, 'banner'), 'Authorised use only. Activity is logged.\n');
    writeFileSync(
      conf,
      [
        `ListenAddress ${HOST}`,
        `Port ${port}`,
        `HostKey ${join(dir, 'host_key')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PidFile none',
        'UsePAM no',
        'StrictModes no',
        'PasswordAuthentication no',
        `Banner ${join(dir, 'banner')}`,
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    child = await runSshd(sshd.path as string, conf, isRoot ? { uid, gid } : {});
    const config = parseConfig(
      {
        zone: { name: 'sshd test', slT: 2 },
        targets: [{ host: HOST, role: 'scada-server', ports: { ssh: port } }],
        probes: { host: { login: true }, ssh: { authNone: true } },
        credentials: [{ match: { host: HOST }, ssh: { user: account, keyFile: join(dir, 'client_key'), knownHosts: join(dir, 'known_hosts') } }],
        scan: { stepTimeoutMs: 5000 },
      },
      'sshd-test.yaml',
    );
    result = (await runScan({ config, outDir: dir, probes: PROBES, judge: loadJudge(), runId: 'sshd' })).result;
    const observations = JSON.parse(readFileSync(join(dir, 'sshd', 'observations.json'), 'utf8')) as {
      outcomes: { probe: string; status: string; facts?: unknown; failure?: unknown }[];
    }[];
    const outcome = observations[0]?.outcomes.find((o) => o.probe === 'host.commands');
    if (outcome?.status !== 'ok') throw new Error(`host.commands: ${JSON.stringify(outcome)}\n${child?.log()}`);
    facts = HostFacts.parse(outcome.facts);
  }, 180_000);

  afterAll(async () => {
    await child?.stop();
    if (isRoot && account) execFileSync('userdel', [account], { stdio: 'ignore' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in with the key over a pinned host key, as the test account, and reads this Debian host', () => {
    expect(facts.hostKey).toMatchObject({ type: 'ssh-ed25519', trust: 'pinned' });
    expect(child?.log()).toMatch(new RegExp(`Accepted publickey for ${account} from 127\\.`));
    const osRelease = facts.commands.find((c) => c.id === 'os-release');
    const expectedId = /^ID=(.*)$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, '');
    expect(osRelease).toMatchObject({ status: 'ok', data: { id: expectedId } });
    expect(facts.commands.find((c) => c.id === 'passwd')?.data).toMatchObject({
      accounts: expect.arrayContaining([expect.objectContaining({ name: account })]),
    });
  });

  it('without a configured role, infers a host from the Debian identification string, not a PLC', async () => {
    const config = parseConfig({ zone: { name: 'sshd test', slT: 2 }, targets: [{ host: HOST, ports: { ssh: port } }] }, 'sshd-auto.yaml');
    const scanned = (await runScan({ config, outDir: dir, probes: PROBES, judge: loadJudge(), runId: 'sshd-auto' })).result;
    expect(scanned.devices[0]).toMatchObject({ role: 'host', componentTypes: ['HDR'], roleSource: { source: 'inferred' } });
    expect(scanned.devices[0]?.roleSource.reason).toMatch(/operating system named: "OpenSSH_\S+ Debian/);
    // Debian's package revision names its release (+deb12uN on bookworm, the package test/setup/sshd.sh unpacks).
    expect(scanned.devices[0]?.identity.os).toMatchObject({ value: expect.stringMatching(/^Debian \d+$/), source: 'ssh.kexinit' });
  });

  it('sends only allow-listed lines, each answered or classified, in one session', () => {
    const lines = new Set(HOST_COMMANDS.map((c) => c.command));
    expect(facts.commands.length).toBeGreaterThan(15);
    // Besides the list, only the read of the listener's own config file, built from its checked path.
    expect(facts.commands.every((c) => lines.has(c.line) || c.line === listenerConfigCommand(c.file ?? '')?.command)).toBe(true);
    expect(facts.commands.every((c) => c.status !== 'timeout')).toBe(true);
    expect(((child?.log() ?? '').match(/Accepted publickey/g) ?? []).length).toBe(1);
    // Unprivileged: the root-only reads are reported as such, never as facts.
    const auditRules = facts.commands.find((c) => c.id === 'audit-rules');
    expect(['not-found', 'denied', 'failed']).toContain(auditRules?.status);
  });

  it('judges the sshd that listens, read from its -f config file, in agreement with what the port showed', () => {
    const conf = join(dir, 'sshd_config');
    expect(facts.commands.find((c) => c.id === 'sshd-listener-config')).toMatchObject({ status: 'ok', file: conf, data: { ports: [port] } });
    const checks = result.devices[0]?.checks ?? [];
    expect(checks.find((c) => c.id === 'host.sshd-banner')).toMatchObject({ status: 'pass', observed: { banner: join(dir, 'banner'), source: conf } });
    expect(checks.find((c) => c.id === 'host.sshd-password-auth')).toMatchObject({ status: 'pass', observed: { passwordauthentication: 'no', source: conf } });
    for (const c of checks.filter((x) => x.id.startsWith('host.sshd-'))) expect(c.observed, c.id).not.toHaveProperty('conflict');
  });

  it('judges the host checks from what it read, with evidence', () => {
    const d = result.devices[0];
    const host = d?.checks.filter((c) => c.id.startsWith('host.')) ?? [];
    expect(host.length).toBeGreaterThan(10);
    expect(host.filter((c) => c.status === 'error')).toEqual([]);
    for (const c of host) expect(c.evidence.length, c.id).toBeGreaterThan(0);
    expect(host.find((c) => c.id === 'host.no-extra-uid0')?.status).toBe(
      readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .some((l) => /^[^:]+:[^:]*:0:/.test(l) && !l.startsWith('root:'))
        ? 'fail'
        : 'pass',
    );
  });
});

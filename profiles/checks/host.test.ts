import { describe, expect, it } from 'vitest';
import { busyboxGateway } from '../../fixtures/host/images/busybox-gateway.ts';
import { hardenedDebian } from '../../fixtures/host/images/hardened-debian.ts';
import type { HostImage } from '../../fixtures/host/images/types.ts';
import { weakPanel } from '../../fixtures/host/images/weak-panel.ts';
import { replyTo } from '../../fixtures/host/replay-server.ts';
import { commandLine, HOST_COMMANDS, listenerConfigCommand } from '../../probes/host/commands.ts';
import type { CommandRun, HostFacts } from '../../probes/host/facts.ts';
import { commandRun } from '../../probes/host/outcome.ts';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import instances from '../data/checks/host.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { hostCheckKinds, hostIdentity } from './host.ts';

const checks = loadCheckSet(hostCheckKinds, instances);

/** The command runs a probe would record on a recorded host, fallbacks only where the primary failed. */
function session(image: HostImage, sudo: readonly string[] = []): CommandRun[] {
  const runs: CommandRun[] = [];
  const usable = new Map<string, boolean | 'skipped'>();
  for (const cmd of HOST_COMMANDS) {
    if (cmd.fallbackFor !== undefined && usable.get(cmd.fallbackFor) !== false) {
      usable.set(cmd.id, 'skipped');
      continue;
    }
    const line = commandLine(cmd, sudo.includes(cmd.id));
    const reply = replyTo(image, line);
    const run = commandRun(cmd, sudo.includes(cmd.id), {
      line,
      stdout: Buffer.from(reply.stdout ?? ''),
      stderr: reply.stderr ?? '',
      truncated: false,
      timedOut: false,
      durationMs: 1,
      exitCode: reply.exit ?? 0,
    });
    runs.push(run);
    usable.set(cmd.id, run.status === 'ok');
  }
  return runs;
}

function device(outcome: Partial<ProbeOutcome> & { status: 'ok' | 'unavailable' }): DeviceView {
  const base = { probe: 'host.commands', version: 1, port: 22, transcript: [3, 90] as [number, number], durationMs: 40 };
  const full = (outcome.status === 'ok' ? { ...base, ...outcome } : { ...base, ...outcome }) as ProbeOutcome;
  const observation: DeviceObservation = {
    address: '127.80.2.1',
    services: [{ port: 22, transport: 'tcp', protocol: 'ssh', confirmed: true }],
    outcomes: [full],
  };
  return new DeviceView(observation);
}

function hostDevice(image: HostImage, sudo: readonly string[] = []): DeviceView {
  const facts: HostFacts = { user: 'cellcheck', hostKey: { type: 'ssh-ed25519', fingerprint: 'x', trust: 'pinned' }, commands: session(image, sudo) };
  return device({ status: 'ok', facts });
}

function verdicts(view: DeviceView): Record<string, string> {
  return Object.fromEntries([...checks.values()].map((c) => [c.instance.id, c.kind.evaluate(view, c.instance.params).status]));
}

describe('host checks on recorded hosts', () => {
  it('hardened Debian without sudo: passes what an ordinary account can see, unknown where root is needed', () => {
    expect(verdicts(hostDevice(hardenedDebian))).toEqual({
      'host.logging-active': 'pass',
      'host.log-persistent': 'pass',
      'host.log-forwarding': 'pass',
      'host.audit-rules': 'unknown',
      'host.audit-failure-action': 'unknown',
      'host.time-sync': 'pass',
      'host.no-extra-uid0': 'pass',
      'host.no-passwordless-accounts': 'unknown',
      'host.default-accounts': 'pass',
      'host.password-min-length': 'pass',
      'host.password-complexity': 'pass',
      'host.password-max-age': 'pass',
      'host.login-lockout': 'pass',
      'host.sshd-root-login': 'pass',
      'host.sshd-password-auth': 'pass',
      'host.sshd-banner': 'pass',
      'host.listening-cleartext': 'pass',
      'host.firewall-default-deny': 'unknown',
      'host.integrity-tool': 'pass',
    });
  });

  it('hardened Debian with sudo for the root-only reads: everything decided', () => {
    const v = verdicts(hostDevice(hardenedDebian, ['audit-rules', 'audit-config', 'account-status', 'firewall-nft']));
    expect(Object.entries(v).filter(([, s]) => s !== 'pass')).toEqual([]);
  });

  it('weak panel PC: fails logging, time, accounts, passwords, SSH and services', () => {
    const v = verdicts(hostDevice(weakPanel, ['account-status', 'firewall-nft', 'firewall-iptables']));
    expect(v).toEqual({
      'host.logging-active': 'pass',
      'host.log-persistent': 'fail',
      'host.log-forwarding': 'fail',
      'host.audit-rules': 'fail',
      'host.audit-failure-action': 'not-applicable',
      'host.time-sync': 'fail',
      'host.no-extra-uid0': 'fail',
      'host.no-passwordless-accounts': 'fail',
      'host.default-accounts': 'fail',
      'host.password-min-length': 'fail',
      'host.password-complexity': 'fail',
      'host.password-max-age': 'fail',
      'host.login-lockout': 'fail',
      'host.sshd-root-login': 'fail',
      'host.sshd-password-auth': 'fail',
      'host.sshd-banner': 'fail',
      'host.listening-cleartext': 'fail',
      'host.firewall-default-deny': 'fail',
      'host.integrity-tool': 'fail',
    });
  });

  it('BusyBox gateway: degrades to what BusyBox shows, unknown where it shows nothing', () => {
    expect(verdicts(hostDevice(busyboxGateway))).toEqual({
      'host.logging-active': 'pass',
      'host.log-persistent': 'fail',
      'host.log-forwarding': 'pass',
      'host.audit-rules': 'fail',
      'host.audit-failure-action': 'not-applicable',
      'host.time-sync': 'pass',
      'host.no-extra-uid0': 'pass',
      'host.no-passwordless-accounts': 'unknown',
      'host.default-accounts': 'pass',
      'host.password-min-length': 'unknown',
      'host.password-complexity': 'unknown',
      'host.password-max-age': 'unknown',
      'host.login-lockout': 'unknown',
      'host.sshd-root-login': 'not-applicable',
      'host.sshd-password-auth': 'not-applicable',
      'host.sshd-banner': 'not-applicable',
      'host.listening-cleartext': 'pass',
      'host.firewall-default-deny': 'pass',
      'host.integrity-tool': 'fail',
    });
  });

  it('gives observed and expected values and the transcript range as evidence', () => {
    const view = hostDevice(weakPanel, ['account-status']);
    const check = checks.get('host.no-passwordless-accounts');
    const v = check?.kind.evaluate(view, check.instance.params);
    expect(v).toMatchObject({
      status: 'fail',
      observed: { withoutPassword: ['operator'] },
      evidence: [{ probe: 'host.commands', port: 22, transcript: [3, 90] }],
    });
    const uid0 = checks.get('host.no-extra-uid0');
    expect(uid0?.kind.evaluate(view, uid0.instance.params).observed).toEqual({ uid0: ['service'] });
  });

  it('reads the operating system as identity', () => {
    expect(hostIdentity(hostDevice(hardenedDebian))).toEqual([
      { field: 'product', value: 'Debian GNU/Linux 12 (bookworm)', source: 'host.commands:os-release' },
      { field: 'firmware', value: 'Linux 6.1.0-31-amd64', source: 'host.commands:kernel' },
    ]);
  });
});

describe('without host facts', () => {
  it('is not applicable when no credentialed session ran, and unknown when the login failed', () => {
    const none = new DeviceView({ address: '127.80.2.2', services: [{ port: 22, transport: 'tcp', protocol: 'ssh', confirmed: true }], outcomes: [] });
    expect(new Set(Object.values(verdicts(none)))).toEqual(new Set(['not-applicable']));
    const failed = device({ status: 'unavailable', failure: { kind: 'auth-required', detail: 'the device refused the configured credentials' } });
    const v = [...checks.values()].map((c) => c.kind.evaluate(failed, c.instance.params));
    expect(v.every((x) => x.status === 'unknown' && /auth-required/.test(x.reason ?? ''))).toBe(true);
  });

  it('a command in an unexpected format decides nothing', () => {
    const odd: HostImage = { description: 'odd', replies: { passwd: { stdout: '<html>login required</html>\n' } } };
    const v = verdicts(hostDevice(odd));
    expect(v['host.no-extra-uid0']).toBe('unknown');
    expect(v['host.no-passwordless-accounts']).toBe('unknown');
  });
});

describe('the sshd that listens on the scanned port decides', () => {
  /** A Debian host whose default config leaves password login on and no banner. */
  const defaults: HostImage = {
    description: 'default sshd_config, a second sshd on its own config',
    replies: { 'sshd-config': { stdout: 'Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\n' } },
  };
  const PLANT_CONFIG = '/etc/ssh/sshd_plant_config';

  function listenerRun(file: string, text: string): CommandRun {
    const cmd = listenerConfigCommand(file);
    if (!cmd) throw new Error(`not a listener config path: ${file}`);
    const raw = { line: cmd.command, stdout: Buffer.from(text), stderr: '', truncated: false, timedOut: false, durationMs: 1, exitCode: 0 };
    return { ...commandRun(cmd, false, raw), file };
  }

  function scanned(port: number, extra: CommandRun[], network?: { banner?: string; methodsLeft: string[] }): DeviceView {
    const facts: HostFacts = {
      user: 'cellcheck',
      hostKey: { type: 'ssh-ed25519', fingerprint: 'x', trust: 'pinned' },
      commands: [...session(defaults), ...extra],
    };
    const outcomes: ProbeOutcome[] = [{ probe: 'host.commands', version: 1, port, status: 'ok', facts, transcript: [3, 90], durationMs: 40 }];
    if (network) {
      const names = { kex: [], hostKey: [], cipherClientToServer: [], cipherServerToClient: [], macClientToServer: [], macServerToClient: [] };
      const empty = { ...names, compressionClientToServer: [], compressionServerToClient: [], languageClientToServer: [], languageServerToClient: [] };
      const auth = { status: 'ok', username: 'cellcheck', noneAccepted: false, ...network };
      const ssh = {
        identification: { raw: 'SSH-2.0-OpenSSH_9.2p1', protoVersion: '2.0', softwareVersion: 'OpenSSH_9.2p1', software: 'OpenSSH', preamble: [] },
        lists: empty,
        firstKexPacketFollows: false,
        hostKeyTypes: [],
        strictKex: true,
        keyExchange: { status: 'ok', hostKey: { type: 'ssh-ed25519', fingerprint: 'x' } },
        auth,
      };
      outcomes.push({ probe: 'ssh.auth-methods', version: 1, port, status: 'ok', facts: ssh, transcript: [1, 2], durationMs: 9 });
    }
    return new DeviceView({ address: '127.80.2.3', services: [{ port, transport: 'tcp', protocol: 'ssh', confirmed: true }], outcomes });
  }
  const judge = (id: string, view: DeviceView) => {
    const check = checks.get(id);
    if (!check) throw new Error(`no check ${id}`);
    return check.kind.evaluate(view, check.instance.params);
  };

  it('judges the config file named by the -f of the sshd on that port, not the default one', () => {
    const plant = listenerRun(PLANT_CONFIG, 'Port 2222\nBanner /etc/issue.net\nPasswordAuthentication no\nPermitRootLogin no\n');
    const view = scanned(2222, [plant]);
    expect(judge('host.sshd-banner', view)).toMatchObject({ status: 'pass', observed: { banner: '/etc/issue.net', source: PLANT_CONFIG } });
    expect(judge('host.sshd-password-auth', view)).toMatchObject({ status: 'pass', observed: { passwordauthentication: 'no', source: PLANT_CONFIG } });
    // The default daemon on port 22 is judged by the default config.
    expect(judge('host.sshd-banner', scanned(22, [plant]))).toMatchObject({ status: 'fail', observed: { source: 'OpenSSH default' } });
  });

  it('lets the observed service decide when the host config disagrees, and reports the conflict', () => {
    const view = scanned(22, [], { banner: 'Authorised use only.\n', methodsLeft: ['publickey'] });
    expect(judge('host.sshd-banner', view)).toMatchObject({
      status: 'pass',
      observed: { banner: 'none', conflict: { host: 'fail', observed: { port: 22, bannerLength: 20 }, decidedBy: 'observed' } },
      evidence: [{ probe: 'host.commands' }, { probe: 'ssh.auth-methods' }],
    });
    expect(judge('host.sshd-password-auth', view)).toMatchObject({
      status: 'pass',
      observed: { passwordauthentication: 'yes', conflict: { host: 'fail', observed: { methodsLeft: ['publickey'] } } },
    });
    // And the other way round: a config that says "no" while the port offers passwords fails.
    const plant = listenerRun(PLANT_CONFIG, 'PasswordAuthentication no\nBanner /etc/issue.net\n');
    const offering = judge('host.sshd-password-auth', scanned(22, [plant], { methodsLeft: ['publickey', 'password'] }));
    expect(offering).toMatchObject({ status: 'fail', observed: { conflict: { host: 'pass' } }, expected: { passwordauthentication: ['no'] } });
    // Agreement adds nothing.
    expect(judge('host.sshd-banner', scanned(22, [plant], { banner: 'Authorised use only.', methodsLeft: ['publickey'] })).observed).not.toHaveProperty(
      'conflict',
    );
  });
});

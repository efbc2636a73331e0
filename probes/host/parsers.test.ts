import { describe, expect, it } from 'vitest';
import { busyboxGateway } from '../../fixtures/host/images/busybox-gateway.ts';
import { hardenedDebian } from '../../fixtures/host/images/hardened-debian.ts';
import type { HostImage, Reply } from '../../fixtures/host/images/types.ts';
import { replyTo } from '../../fixtures/host/replay-server.ts';
import { weakPanel } from '../../fixtures/host/images/weak-panel.ts';
import { HOST_COMMANDS, type HostCommand } from './commands.ts';
import { commandRun } from './outcome.ts';
import { HOST_PARSERS } from './parsers.ts';
import { maskPasswdFields, parsePamConfig, parsePasswd } from './parse/accounts.ts';
import { parseNftRuleset } from './parse/firewall.ts';
import { parseJournaldConfig, parseSyslogConfig } from './parse/logging.ts';
import { parseSshdSettings } from './parse/sshd.ts';
import { parseNetstat, parsePackageTabs, parsePsTable, parseSs, parseSystemctlShow } from './parse/system.ts';
import { lines } from './parse/text.ts';
import { parseChronyTracking } from './parse/time.ts';

const run = (cmd: HostCommand, reply: Reply, truncated = false) =>
  commandRun(cmd, false, {
    line: cmd.command,
    stdout: Buffer.from(reply.stdout ?? ''),
    stderr: reply.stderr ?? '',
    truncated,
    timedOut: false,
    durationMs: 1,
    exitCode: reply.exit ?? 0,
  });

/** What every command yields on a recorded host, as the probe would see it (fallbacks included). */
function facts(image: HostImage) {
  return Object.fromEntries(
    HOST_COMMANDS.map((cmd) => {
      const r = run(cmd, replyTo(image, cmd.command));
      return [cmd.id, { status: r.status, ...(r.data !== undefined ? { data: r.data } : {}), ...(r.error ? { error: r.error } : {}) }];
    }),
  );
}

const out = (text: string, truncated = false) => ({ text, truncated });

describe('golden facts of recorded hosts (update with vitest -u after reviewing the diff)', () => {
  for (const [name, image] of [
    ['hardened-debian', hardenedDebian],
    ['weak-panel', weakPanel],
    ['busybox-gateway', busyboxGateway],
  ] as const) {
    it(name, async () => {
      const f = facts(image);
      for (const [id, value] of Object.entries(f)) {
        const cmd = HOST_COMMANDS.find((c) => c.id === id);
        if ('data' in value && cmd) expect(HOST_PARSERS[cmd.parser]?.schema.safeParse(value.data).success, id).toBe(true);
      }
      await expect(`${JSON.stringify(f, null, 2)}\n`).toMatchFileSnapshot(`goldens/${name}.facts.golden`);
    });
  }

  it('reads the facts the checks need from each kind of host', () => {
    const hardened = facts(hardenedDebian);
    expect(hardened['logging-config']?.data).toEqual({ forwarding: [{ target: '10.10.9.20', transport: 'tcp', syntax: 'rsyslog-action' }] });
    expect(hardened['pam-config']?.data).toEqual({
      pwquality: { used: true, requiredClasses: 0, minlen: 12, minclass: 3 },
      lockout: { module: 'pam_faillock', deny: 5 },
    });
    expect(hardened['sshd-config']?.data).toEqual({
      settings: { permitrootlogin: 'no', passwordauthentication: 'no', kbdinteractiveauthentication: 'no', banner: '/etc/issue.net' },
    });
    expect(hardened['audit-rules']?.status).toBe('denied');
    expect(hardened['audit-config']?.status).toBe('denied');
    const weak = facts(weakPanel);
    const accounts = (weak.passwd?.data as { accounts: { name: string; uid: number; password: string }[] } | undefined)?.accounts ?? [];
    expect(accounts.filter((a) => a.uid === 0 || a.password !== 'shadowed').map((a) => [a.name, a.password])).toEqual([
      ['root', 'shadowed'],
      ['service', 'shadowed'],
      ['operator', 'empty'],
      ['admin', 'inline-hash'],
    ]);
    expect(JSON.stringify(weak.passwd)).not.toContain('$1$');
    expect(weak['journald-config']?.data).toEqual({ storage: 'volatile' });
    const gateway = facts(busyboxGateway);
    expect(gateway.listening?.status).toBe('not-found');
    expect((gateway['listening-netstat']?.data as { sockets: unknown[] } | undefined)?.sockets).toContainEqual({
      proto: 'udp',
      address: '0.0.0.0',
      port: 123,
      process: 'ntpd',
    });
    expect(gateway.processes?.status).toBe('failed');
    expect((gateway['processes-busybox']?.data as { processes: unknown[] } | undefined)?.processes).toContainEqual({
      name: 'syslogd',
      args: '/sbin/syslogd -n -C128 -R 10.10.9.20:514',
    });
    expect(gateway['logging-config']?.status).toBe('empty');
    expect(gateway['packages-opkg']?.data).toMatchObject({ manager: 'opkg', packages: expect.arrayContaining([{ name: 'busybox', version: '1.36.1-1' }]) });
  });
});

describe('each parser on empty, truncated and unexpected output', () => {
  const html = '<html><body>404 Not Found</body></html>\n';
  it('gives undefined (unrecognised) for text in another format and empty output', () => {
    for (const cmd of HOST_COMMANDS) {
      const parser = HOST_PARSERS[cmd.parser];
      if (!parser) throw new Error(cmd.parser);
      const parsed = parser.parse(out(html));
      // A few formats are free text (paths listing, syslog files): they may read it, never as facts they did not see.
      if (parsed !== undefined) expect(['paths', 'syslog-config', 'time-config', 'sshd-settings', 'ps-args'], cmd.parser).toContain(cmd.parser);
      const empty = parser.parse(out(''));
      if (empty !== undefined) expect(['paths', 'nft-ruleset', 'ss'], cmd.parser).toContain(cmd.parser);
    }
    expect(parseSyslogConfig(out(html))).toEqual({ forwarding: [] });
    expect(parseSshdSettings(out(html))).toBeUndefined();
  });

  it('drops a line cut by the size limit', () => {
    expect(lines(out('a\nb\nc', true))).toEqual(['a', 'b']);
    expect(lines(out('a\nb\nc', false))).toEqual(['a', 'b', 'c']);
    expect(parsePackageTabs(out('bash\t5.2\nlibc6\t2.3', true))).toEqual({ manager: 'dpkg-or-rpm', packages: [{ name: 'bash', version: '5.2' }] });
    expect(parsePasswd(out('root:x:0:0:root:/root:/bin/bash\nsvc:x:0:0:s', true))?.accounts.map((a) => a.name)).toEqual(['root']);
  });

  it('a truncated command is still parsed, and flagged', () => {
    const cmd = HOST_COMMANDS.find((c) => c.id === 'passwd') as HostCommand;
    expect(run(cmd, { stdout: 'root:x:0:0:root:/root:/bin/bash\nop::10' }, true)).toMatchObject({
      status: 'ok',
      truncated: true,
      data: { accounts: [{ name: 'root' }] },
    });
  });

  it('classifies missing commands, missing privileges and missing files', () => {
    const cmd = (id: string) => HOST_COMMANDS.find((c) => c.id === id) as HostCommand;
    expect(run(cmd('listening'), { stderr: 'sh: ss: not found\n', exit: 127 }).status).toBe('not-found');
    expect(run(cmd('audit-rules'), { stderr: 'sudo: a password is required\n', exit: 1 }).status).toBe('denied');
    expect(run(cmd('journald-config'), { stderr: 'cat: /etc/systemd/journald.conf: No such file or directory\n', exit: 1 }).status).toBe('empty');
    expect(run(cmd('kernel'), { stderr: 'Segmentation fault\n', exit: 139 })).toMatchObject({ status: 'failed', error: 'Segmentation fault' });
    expect(run(cmd('kernel'), { stdout: '\x00\x01garbage', exit: 0 }).status).toBe('unrecognised');
  });
});

describe('parser details', () => {
  it('ss: IPv6, scoped and wildcard addresses, processes', () => {
    const text =
      'tcp LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=1,fd=14))\ntcp LISTEN 0 128 *:8080 *:*\ntcp LISTEN 0 128 [::]:22 [::]:*\n';
    expect(parseSs(out(text))?.sockets).toEqual([
      { proto: 'tcp', address: '127.0.0.53', port: 53, process: 'systemd-resolve' },
      { proto: 'tcp', address: '*', port: 8080 },
      { proto: 'tcp', address: '::', port: 22 },
    ]);
  });

  it('netstat: skips connections that are not listening', () => {
    const text =
      'Proto Recv-Q Send-Q Local Address Foreign Address State PID/Program name\ntcp 0 0 10.0.0.5:22 10.0.0.9:5123 ESTABLISHED 900/sshd\ntcp 0 0 :::23 :::* LISTEN 400/telnetd\n';
    expect(parseNetstat(out(text))?.sockets).toEqual([{ proto: 'tcp', address: '::', port: 23, process: 'telnetd' }]);
  });

  it('systemctl show: blocks without an Id are ignored', () => {
    expect(parseSystemctlShow(out('LoadState=loaded\n\nId=a.service\nActiveState=active\n'))).toEqual({
      units: [{ unit: 'a.service', load: 'unknown', active: 'active' }],
    });
  });

  it('BusyBox ps: needs its header', () => {
    expect(parsePsTable(out('    1 root  init\n'))).toBeUndefined();
    expect(parsePsTable(out('PID USER TIME COMMAND\n 12 root 0:00 /usr/sbin/ntpd -p 10.0.0.1\n'))?.processes).toEqual([
      { name: 'ntpd', args: '/usr/sbin/ntpd -p 10.0.0.1' },
    ]);
  });

  it('syslog: legacy selectors, RainerScript and syslog-ng destinations; commented ones do not count', () => {
    const text =
      '*.* @@[2001:db8::1]:6514\nauth.* @10.0.0.1\n#*.* @10.9.9.9\ndestination d_net { network("logs.example" transport("tcp") port(601)); };\nsource s_net { udp(ip(0.0.0.0) port(514)); };\naction(type="omrelp" target="relp.example" port="2514")\n';
    expect(parseSyslogConfig(out(text))?.forwarding).toEqual([
      { target: '2001:db8::1', transport: 'tcp', syntax: 'rsyslog-selector' },
      { target: '10.0.0.1', transport: 'udp', syntax: 'rsyslog-selector' },
      { target: 'relp.example', transport: 'relp', syntax: 'rsyslog-action' },
      { target: 'logs.example', transport: 'tcp', syntax: 'syslog-ng' },
    ]);
  });

  it('journald: drop-ins override, other sections ignored', () => {
    expect(parseJournaldConfig(out('[Journal]\nStorage=volatile\n[Other]\nStorage=none\n[Journal]\nStorage=persistent\n'))).toEqual({ storage: 'persistent' });
    expect(parseJournaldConfig(out('Storage=persistent\n'))).toBeUndefined();
  });

  it('PAM: module arguments win over the .conf files; cracklib credits count as required classes', () => {
    const text = 'password requisite pam_cracklib.so minlen=14 dcredit=-1 ucredit=-1 ocredit=-1\nminlen = 8\nauth required pam_tally2.so deny=4\n';
    expect(parsePamConfig(out(text))).toEqual({ pwquality: { used: true, minlen: 14, requiredClasses: 3 }, lockout: { module: 'pam_tally2', deny: 4 } });
  });

  it('sshd: first value wins and Match blocks are not read', () => {
    expect(parseSshdSettings(out('PermitRootLogin no\nPermitRootLogin yes\nMatch User backup\n  PasswordAuthentication yes\n'))?.settings).toEqual({
      permitrootlogin: 'no',
    });
  });

  it('nft: counts rules of input chains and reads their policy', () => {
    const text =
      'table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ttcp dport { 22, 80 } accept\n\t}\n\tset blocked {\n\t\ttype ipv4_addr\n\t}\n}\n';
    expect(parseNftRuleset(out(text))).toEqual({ tool: 'nftables', inputPolicies: ['accept'], inputRules: 1, totalRules: 1 });
    expect(parseNftRuleset(out(''))).toEqual({ tool: 'nftables', inputPolicies: [], inputRules: 0, totalRules: 0 });
  });

  it('chrony: "Not synchronised" is read as such', () => {
    expect(parseChronyTracking(out('Reference ID    : 00000000 ()\nStratum         : 0\nLeap status     : Not synchronised\n'))).toEqual({
      reference: '00000000 ()',
      stratum: 0,
      leapStatus: 'Not synchronised',
      synchronized: false,
    });
  });

  it('passwd masking hides inline hashes only', () => {
    expect(
      maskPasswdFields('root:x:0:0::/root:/bin/sh\nadmin:$6$abc$def:1000:1000::/home/admin:/bin/sh\nop::1001:1001::/:/bin/sh\nlk:!:1002:1002::/:/bin/sh\n'),
    ).toBe('root:x:0:0::/root:/bin/sh\nadmin:[masked]:1000:1000::/home/admin:/bin/sh\nop::1001:1001::/:/bin/sh\nlk:!:1002:1002::/:/bin/sh\n');
  });
});

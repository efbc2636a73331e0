/**
 * The allow-list of what the credentialed host probe may run, kept as data. Each command line is
 * a constant: nothing a device sends is put into a command, save the one checked path of
 * listenerConfigCommand below, and the probe can only run an entry of this list or a command that
 * function made (host/session.ts checks identity, not text). Every line is read-only and a
 * plain argv (no pipes, redirections, command substitution or chaining), so `sudo -n` can prefix
 * it unchanged when the operator names it in `credentials[].ssh.sudo`.
 */
export interface HostCommand {
  readonly id: string;
  readonly command: string;
  /** What it reads on the host, in a few words (shown in SECURITY.md and transcripts). */
  readonly reads: string;
  /** Id of the pure parser for its output (host/parsers.ts). */
  readonly parser: string;
  /** Runs only when the named command gave no usable output (BusyBox, other distributions). */
  readonly fallbackFor?: string;
  /** Bytes of stdout kept; the channel is closed when more arrive. */
  readonly maxBytes: number;
  /** Hides the password field of passwd-format lines from the transcript (legacy hashes). */
  readonly maskPasswdField?: boolean;
}

const KB = 1024;

export const HOST_COMMANDS: readonly HostCommand[] = [
  { id: 'os-release', command: 'cat /etc/os-release', reads: 'distribution name and version', parser: 'os-release', maxBytes: 8 * KB },
  { id: 'kernel', command: 'uname -srm', reads: 'kernel name, release and machine', parser: 'uname', maxBytes: KB },
  { id: 'listening', command: 'ss -H -tulpn', reads: 'listening TCP/UDP sockets and their processes', parser: 'ss', maxBytes: 64 * KB },
  {
    id: 'listening-netstat',
    command: 'netstat -tulpn',
    reads: 'listening sockets (hosts without ss)',
    parser: 'netstat',
    fallbackFor: 'listening',
    maxBytes: 64 * KB,
  },
  {
    id: 'units',
    command:
      'systemctl show -p Id -p LoadState -p ActiveState systemd-journald.service rsyslog.service syslog-ng.service systemd-journal-upload.service auditd.service chrony.service ntp.service ntpsec.service openntpd.service systemd-timesyncd.service nftables.service ufw.service firewalld.service',
    reads: 'state of logging, audit, time and firewall services',
    parser: 'systemctl-show',
    maxBytes: 16 * KB,
  },
  { id: 'processes', command: 'ps -e -o args=', reads: 'command lines of running processes', parser: 'ps-args', maxBytes: 128 * KB },
  { id: 'processes-busybox', command: 'ps', reads: 'running processes (BusyBox ps)', parser: 'ps-table', fallbackFor: 'processes', maxBytes: 128 * KB },
  {
    id: 'logging-config',
    command: 'cat /etc/rsyslog.conf /etc/rsyslog.d/*.conf /etc/syslog-ng/syslog-ng.conf /etc/syslog-ng/conf.d/*.conf /etc/syslog.conf',
    reads: 'syslog daemon configuration (forwarding)',
    parser: 'syslog-config',
    maxBytes: 128 * KB,
  },
  {
    id: 'journald-config',
    command: 'cat /etc/systemd/journald.conf /etc/systemd/journald.conf.d/*.conf',
    reads: 'journal storage and size limits',
    parser: 'journald-config',
    maxBytes: 32 * KB,
  },
  { id: 'audit-rules', command: 'auditctl -l', reads: 'loaded audit rules', parser: 'auditctl-rules', maxBytes: 64 * KB },
  { id: 'audit-config', command: 'cat /etc/audit/auditd.conf', reads: 'audit daemon failure actions', parser: 'auditd-config', maxBytes: 16 * KB },
  { id: 'time-status', command: 'timedatectl show', reads: 'clock synchronisation state', parser: 'timedatectl', maxBytes: 4 * KB },
  { id: 'chrony-tracking', command: 'chronyc -n tracking', reads: 'chrony synchronisation state', parser: 'chrony-tracking', maxBytes: 4 * KB },
  {
    id: 'time-config',
    command: 'cat /etc/chrony/chrony.conf /etc/chrony.conf /etc/ntp.conf /etc/ntpsec/ntp.conf /etc/systemd/timesyncd.conf /etc/openntpd/ntpd.conf',
    reads: 'configured time servers',
    parser: 'time-config',
    maxBytes: 32 * KB,
  },
  {
    id: 'passwd',
    command: 'cat /etc/passwd',
    reads: 'accounts, UIDs and shells (password field masked)',
    parser: 'passwd',
    maxBytes: 128 * KB,
    maskPasswdField: true,
  },
  { id: 'account-status', command: 'passwd -S -a', reads: 'password status per account (no hashes)', parser: 'passwd-status', maxBytes: 64 * KB },
  { id: 'login-defs', command: 'cat /etc/login.defs', reads: 'password ageing defaults', parser: 'login-defs', maxBytes: 32 * KB },
  {
    id: 'pam-config',
    command:
      'cat /etc/pam.d/common-auth /etc/pam.d/common-password /etc/pam.d/system-auth /etc/pam.d/password-auth /etc/security/pwquality.conf /etc/security/faillock.conf',
    reads: 'password quality and login lockout settings',
    parser: 'pam-config',
    maxBytes: 64 * KB,
  },
  { id: 'sshd-effective', command: 'sshd -T', reads: 'SSH server settings in effect', parser: 'sshd-settings', maxBytes: 32 * KB },
  // Drop-ins first: Debian includes them at the top of sshd_config, and the first value wins.
  {
    id: 'sshd-config',
    command: 'cat /etc/ssh/sshd_config.d/*.conf /etc/ssh/sshd_config',
    reads: 'SSH server configuration files',
    parser: 'sshd-settings',
    fallbackFor: 'sshd-effective',
    maxBytes: 64 * KB,
  },
  { id: 'firewall-nft', command: 'nft list ruleset', reads: 'nftables rule set', parser: 'nft-ruleset', maxBytes: 256 * KB },
  { id: 'firewall-iptables', command: 'iptables -S', reads: 'iptables rules', parser: 'iptables-rules', fallbackFor: 'firewall-nft', maxBytes: 256 * KB },
  {
    id: 'integrity-tools',
    command: 'ls -1d /usr/bin/aide /usr/sbin/aide /var/lib/aide/aide.db /usr/sbin/tripwire /usr/sbin/samhain /usr/bin/osqueryd',
    reads: 'presence of file integrity tools',
    parser: 'paths',
    maxBytes: 4 * KB,
  },
  {
    id: 'packages',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format fields, inside single quotes.
    command: "dpkg-query -W -f '${Package}\\t${Version}\\n'",
    reads: 'installed packages and versions (dpkg)',
    parser: 'package-tabs',
    maxBytes: 1024 * KB,
  },
  {
    id: 'packages-rpm',
    command: "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'",
    reads: 'installed packages (rpm)',
    parser: 'package-tabs',
    fallbackFor: 'packages',
    maxBytes: 1024 * KB,
  },
  { id: 'packages-apk', command: 'apk info -v', reads: 'installed packages (apk)', parser: 'package-apk', fallbackFor: 'packages-rpm', maxBytes: 512 * KB },
  {
    id: 'packages-opkg',
    command: 'opkg list-installed',
    reads: 'installed packages (opkg)',
    parser: 'package-opkg',
    fallbackFor: 'packages-apk',
    maxBytes: 512 * KB,
  },
];

export const HOST_COMMAND_IDS: readonly string[] = HOST_COMMANDS.map((c) => c.id);

/** Id of the read of a config file an sshd listener was started with (`sshd -f FILE`). */
export const SSHD_LISTENER_CONFIG = 'sshd-listener-config';
/** At most this many listener config files are read per host. */
export const MAX_LISTENER_CONFIGS = 4;

/**
 * The one command built from what a host printed: `cat FILE`, FILE taken from the `-f` of an
 * sshd in the process list. Safe to send because FILE can only be an absolute path of
 * [A-Za-z0-9._-] segments, none starting with `.` or `-` (no `..`, no option, no space, quote,
 * glob or other shell character, so the shell sees one plain word), and its name must contain
 * `sshd`: a process named to point elsewhere (`sshd -f /etc/shadow`) gets nothing read.
 */
const LISTENER_CONFIG_PATH = /^(?:\/[A-Za-z0-9_][A-Za-z0-9._-]{0,63}){1,12}$/;
const made = new WeakSet<HostCommand>();

/** The read of an sshd config file, or undefined when the path is not one it may read. */
export function listenerConfigCommand(path: string): HostCommand | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (path.length > 256 || !LISTENER_CONFIG_PATH.test(path) || !name.includes('sshd')) return undefined;
  const cmd: HostCommand = {
    id: SSHD_LISTENER_CONFIG,
    command: `cat ${path}`,
    reads: 'config file of a running sshd',
    parser: 'sshd-listener',
    maxBytes: 64 * KB,
  };
  made.add(cmd);
  return cmd;
}

/** Only allow-list entries, and listener reads made by listenerConfigCommand, may be sent. */
export function isAllowedCommand(cmd: HostCommand): boolean {
  return HOST_COMMANDS.includes(cmd) || made.has(cmd);
}

/** The line sent for a command: the allow-listed text, prefixed with non-interactive sudo when configured. */
export function commandLine(cmd: HostCommand, sudo: boolean): string {
  return sudo ? `sudo -n ${cmd.command}` : cmd.command;
}

import { z } from 'zod';
import { type CommandOutput, clean, integer, meaningful } from './text.ts';

/** Parsers of logging and audit configuration. Pure: text in, facts out. */

export const LogForward = z.object({
  target: z.string(),
  transport: z.enum(['udp', 'tcp', 'relp', 'unspecified']),
  syntax: z.enum(['rsyslog-selector', 'rsyslog-action', 'syslog-ng']),
});
export type LogForward = z.infer<typeof LogForward>;
export const SyslogConfig = z.object({ forwarding: z.array(LogForward) });
export type SyslogConfig = z.infer<typeof SyslogConfig>;

const SELECTOR_FORWARD = /^\S+\s+(@@?)(?:\([^)]*\))?(\[[^\]]+\]|[^\s:;[]+)(?::\d+)?/;
const RSYSLOG_ACTION = /action\s*\(([^)]*)\)/gs;
const SYSLOG_NG_DESTINATION = /\b(network|syslog|tcp6?|udp6?)\s*\(\s*"([^"]{1,253})"([^;]*)/g;

function quoted(params: string, key: string): string | undefined {
  return new RegExp(`\\b${key}\\s*=\\s*"([^"]*)"`, 'i').exec(params)?.[1];
}

/**
 * Remote targets in rsyslog (`*.* @@host:port`, `action(type="omfwd" target=...)`), syslog-ng
 * (`network("host" ...)`) and classic syslog.conf, read from their concatenated files.
 */
export function parseSyslogConfig(out: CommandOutput): SyslogConfig | undefined {
  const kept = meaningful(out);
  if (kept.length === 0) return undefined;
  const forwarding: LogForward[] = [];
  for (const line of kept) {
    const m = SELECTOR_FORWARD.exec(line);
    if (m?.[1] && m[2])
      forwarding.push({ target: clean(m[2].replace(/^\[|\]$/g, ''), 253), transport: m[1] === '@@' ? 'tcp' : 'udp', syntax: 'rsyslog-selector' });
  }
  const text = kept.join('\n');
  for (const m of text.matchAll(RSYSLOG_ACTION)) {
    const params = m[1] ?? '';
    const type = quoted(params, 'type')?.toLowerCase();
    const target = quoted(params, 'target');
    if ((type !== 'omfwd' && type !== 'omrelp') || !target) continue;
    const protocol = quoted(params, 'protocol')?.toLowerCase();
    const transport = type === 'omrelp' ? 'relp' : protocol === 'tcp' ? 'tcp' : protocol === 'udp' ? 'udp' : 'unspecified';
    forwarding.push({ target: clean(target, 253), transport, syntax: 'rsyslog-action' });
  }
  for (const m of text.matchAll(SYSLOG_NG_DESTINATION)) {
    const driver = m[1] ?? '';
    const rest = m[3] ?? '';
    const transport =
      driver.startsWith('tcp') || /transport\s*\(\s*"?tcp/.test(rest)
        ? 'tcp'
        : driver.startsWith('udp') || /transport\s*\(\s*"?udp/.test(rest)
          ? 'udp'
          : 'unspecified';
    forwarding.push({ target: clean(m[2] ?? '', 253), transport, syntax: 'syslog-ng' });
  }
  return { forwarding };
}

export const JournaldConfig = z.object({
  storage: z.string().optional(),
  systemMaxUse: z.string().optional(),
  maxRetentionSec: z.string().optional(),
  forwardToSyslog: z.string().optional(),
});
export type JournaldConfig = z.infer<typeof JournaldConfig>;

const JOURNALD_KEYS = { Storage: 'storage', SystemMaxUse: 'systemMaxUse', MaxRetentionSec: 'maxRetentionSec', ForwardToSyslog: 'forwardToSyslog' } as const;

/** journald.conf and its drop-ins in reading order: the last value of a key wins, as in systemd. */
export function parseJournaldConfig(out: CommandOutput): JournaldConfig | undefined {
  let section = '';
  let sawJournal = false;
  const facts: JournaldConfig = {};
  for (const line of meaningful(out, '#;')) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      if (section === 'Journal') sawJournal = true;
      continue;
    }
    if (section !== 'Journal') continue;
    const at = line.indexOf('=');
    if (at < 0) continue;
    const key = line.slice(0, at).trim() as keyof typeof JOURNALD_KEYS;
    if (key in JOURNALD_KEYS) facts[JOURNALD_KEYS[key]] = clean(line.slice(at + 1).trim(), 40);
  }
  return sawJournal ? facts : undefined;
}

export const AuditRules = z.object({ rules: z.number().int() });
export type AuditRules = z.infer<typeof AuditRules>;

/** `auditctl -l`: one rule per line starting with `-`, or "No rules". */
export function parseAuditctlRules(out: CommandOutput): AuditRules | undefined {
  const kept = meaningful(out);
  if (kept.length === 1 && /^no rules$/i.test(kept[0] ?? '')) return { rules: 0 };
  const rules = kept.filter((l) => l.startsWith('-')).length;
  return rules > 0 ? { rules } : undefined;
}

export const AuditdConfig = z.object({
  spaceLeftAction: z.string().optional(),
  adminSpaceLeftAction: z.string().optional(),
  diskFullAction: z.string().optional(),
  diskErrorAction: z.string().optional(),
  maxLogFileAction: z.string().optional(),
  maxLogFileMb: z.number().int().optional(),
  numLogs: z.number().int().optional(),
});
export type AuditdConfig = z.infer<typeof AuditdConfig>;

const AUDITD_ACTIONS = {
  space_left_action: 'spaceLeftAction',
  admin_space_left_action: 'adminSpaceLeftAction',
  disk_full_action: 'diskFullAction',
  disk_error_action: 'diskErrorAction',
  max_log_file_action: 'maxLogFileAction',
} as const;

/** /etc/audit/auditd.conf: `key = value`; action names lower-cased. */
export function parseAuditdConfig(out: CommandOutput): AuditdConfig | undefined {
  const facts: AuditdConfig = {};
  let recognised = false;
  for (const line of meaningful(out)) {
    const m = /^([a-z_]+)\s*=\s*(.*)$/i.exec(line);
    if (!m?.[1]) continue;
    recognised = true;
    const key = m[1].toLowerCase();
    const value = clean((m[2] ?? '').trim(), 40);
    if (key in AUDITD_ACTIONS) facts[AUDITD_ACTIONS[key as keyof typeof AUDITD_ACTIONS]] = value.toLowerCase();
    else if (key === 'max_log_file') {
      const n = integer(value);
      if (n !== undefined) facts.maxLogFileMb = n;
    } else if (key === 'num_logs') {
      const n = integer(value);
      if (n !== undefined) facts.numLogs = n;
    }
  }
  return recognised ? facts : undefined;
}

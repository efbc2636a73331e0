import type { z } from 'zod';
import { AccountStatus, LoginDefs, PamConfig, Passwd, parseLoginDefs, parsePamConfig, parsePasswd, parsePasswdStatus } from './parse/accounts.ts';
import { Firewall, parseIptablesRules, parseNftRuleset } from './parse/firewall.ts';
import {
  AuditdConfig,
  AuditRules,
  JournaldConfig,
  parseAuditctlRules,
  parseAuditdConfig,
  parseJournaldConfig,
  parseSyslogConfig,
  SyslogConfig,
} from './parse/logging.ts';
import { parseSshdListener, parseSshdSettings, SshdListenerSettings, SshdSettings } from './parse/sshd.ts';
import {
  Kernel,
  Listening,
  OsRelease,
  Packages,
  Paths,
  Processes,
  parseNetstat,
  parseOsRelease,
  parsePackageApk,
  parsePackageOpkg,
  parsePackageTabs,
  parsePaths,
  parsePsArgs,
  parsePsTable,
  parseSs,
  parseSystemctlShow,
  parseUname,
  Units,
} from './parse/system.ts';
import type { CommandOutput } from './parse/text.ts';
import { ChronyTracking, parseChronyTracking, parseTimeConfig, parseTimedatectl, TimeConfig, TimeStatus } from './parse/time.ts';

export interface HostParser<T> {
  readonly schema: z.ZodType<T>;
  /** The facts in the output, or undefined when the output is not in the expected format. */
  readonly parse: (out: CommandOutput) => T | undefined;
}

const parser = <T>(schema: z.ZodType<T>, parse: (out: CommandOutput) => T | undefined): HostParser<unknown> => ({ schema, parse }) as HostParser<unknown>;

/** Parser id (as named by host/commands.ts) -> pure parser with the schema of what it yields. */
export const HOST_PARSERS: Readonly<Record<string, HostParser<unknown>>> = {
  'os-release': parser(OsRelease, parseOsRelease),
  uname: parser(Kernel, parseUname),
  ss: parser(Listening, parseSs),
  netstat: parser(Listening, parseNetstat),
  'systemctl-show': parser(Units, parseSystemctlShow),
  'ps-args': parser(Processes, parsePsArgs),
  'ps-table': parser(Processes, parsePsTable),
  'syslog-config': parser(SyslogConfig, parseSyslogConfig),
  'journald-config': parser(JournaldConfig, parseJournaldConfig),
  'auditctl-rules': parser(AuditRules, parseAuditctlRules),
  'auditd-config': parser(AuditdConfig, parseAuditdConfig),
  timedatectl: parser(TimeStatus, parseTimedatectl),
  'chrony-tracking': parser(ChronyTracking, parseChronyTracking),
  'time-config': parser(TimeConfig, parseTimeConfig),
  passwd: parser(Passwd, parsePasswd),
  'passwd-status': parser(AccountStatus, parsePasswdStatus),
  'login-defs': parser(LoginDefs, parseLoginDefs),
  'pam-config': parser(PamConfig, parsePamConfig),
  'sshd-settings': parser(SshdSettings, parseSshdSettings),
  'sshd-listener': parser(SshdListenerSettings, parseSshdListener),
  'nft-ruleset': parser(Firewall, parseNftRuleset),
  'iptables-rules': parser(Firewall, parseIptablesRules),
  paths: parser(Paths, parsePaths),
  'package-tabs': parser(Packages, parsePackageTabs),
  'package-apk': parser(Packages, parsePackageApk),
  'package-opkg': parser(Packages, parsePackageOpkg),
};

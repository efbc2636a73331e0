import { z } from 'zod';
import { HOST_COMMANDS, SSHD_LISTENER_CONFIG } from '../../probes/host/commands.ts';
import { type CommandRun, HostFacts } from '../../probes/host/facts.ts';
import { HOST_PARSERS } from '../../probes/host/parsers.ts';
import type { AccountStatus, LoginDefs, PamConfig, Passwd } from '../../probes/host/parse/accounts.ts';
import type { Firewall } from '../../probes/host/parse/firewall.ts';
import type { AuditdConfig, AuditRules, JournaldConfig, SyslogConfig } from '../../probes/host/parse/logging.ts';
import { SshdListenerSettings, type SshdSettings } from '../../probes/host/parse/sshd.ts';
import { SshAuthMethodsFacts, type SshNoneAuth } from '../../probes/ssh/facts.ts';
import type { Kernel, Listening, OsRelease, Paths, Processes, Units } from '../../probes/host/parse/system.ts';
import type { ChronyTracking, TimeConfig, TimeStatus } from '../../probes/host/parse/time.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityExtractor } from '../identity.ts';
import { defineCheckKind, type Evidence, type RegisteredCheckKind, unavailableVerdict, type Verdict } from './types.ts';

const PROBE = 'host.commands';
const SSH_AUTH_PROBE = 'ssh.auth-methods';

/** One credentialed session's command results, by command id, with the evidence pointer. */
class HostView {
  readonly facts: HostFacts;
  readonly evidence: readonly Evidence[];
  /** The SSH port the session logged in on. */
  readonly port: number;
  /** What the network probe saw before login on the same port (opt-in `ssh.auth-methods`). */
  readonly network: { readonly auth: Extract<SshNoneAuth, { status: 'ok' }>; readonly evidence: readonly Evidence[] } | undefined;
  constructor(facts: HostFacts, evidence: readonly Evidence[], port: number, network: HostView['network']) {
    this.facts = facts;
    this.evidence = evidence;
    this.port = port;
    this.network = network;
  }

  run(id: string): CommandRun | undefined {
    return this.facts.commands.find((c) => c.id === id);
  }

  /** The parsed facts of a command that answered in its expected format. */
  data<T>(id: string): T | undefined {
    const run = this.run(id);
    const cmd = HOST_COMMANDS.find((c) => c.id === id);
    const parser = cmd ? HOST_PARSERS[cmd.parser] : undefined;
    if (run?.status !== 'ok' || !parser) return undefined;
    const parsed = parser.schema.safeParse(run.data);
    return parsed.success ? (parsed.data as T) : undefined;
  }

  /** The first of several commands (a command and its fallbacks) that gave facts. */
  first<T>(...ids: string[]): T | undefined {
    for (const id of ids) {
      const d = this.data<T>(id);
      if (d !== undefined) return d;
    }
    return undefined;
  }

  /** Why commands gave nothing usable, e.g. "audit-rules: denied (You must be root...)". */
  why(...ids: string[]): string {
    const parts = ids.flatMap((id) => {
      const run = this.run(id);
      return run ? [`${id}: ${run.status}${run.error ? ` (${run.error})` : ''}`] : [];
    });
    return parts.length > 0 ? parts.join('; ') : `${ids.join(', ')} not run`;
  }
}

/** The `none` request's answer on `port`, when the network probe got one. */
function networkAuth(device: DeviceView, port: number): HostView['network'] {
  const found = device.facts(SSH_AUTH_PROBE, SshAuthMethodsFacts);
  if (found.state !== 'ok') return undefined;
  const auth = found.facts.find((f) => f.port === port)?.facts.auth;
  return auth?.status === 'ok' ? { auth, evidence: found.evidence.filter((e) => e.port === port) } : undefined;
}

/** The host facts, or the verdict that stands in for them (no session, or a failed one). */
function host(device: DeviceView): HostView | Verdict {
  const found = device.facts(PROBE, HostFacts);
  if (found.state === 'ok') {
    const first = found.facts[0];
    if (first)
      return new HostView(
        first.facts,
        found.evidence.filter((e) => e.port === first.port),
        first.port,
        networkAuth(device, first.port),
      );
  }
  if (found.state === 'unavailable') return unavailableVerdict(PROBE, found);
  return { status: 'not-applicable', reason: 'no credentialed host session (needs probes.host.login and a credentials entry)' };
}

type Judge = (h: HostView) => Verdict;

/** A host check: evidence is the session's transcript range, and any the judge adds. */
function hostCheck<P>(id: string, params: z.ZodType<P>, judge: (h: HostView, p: P) => Verdict): RegisteredCheckKind {
  return defineCheckKind({
    id,
    params,
    evaluate(device, p): Verdict {
      const h = host(device);
      if (!(h instanceof HostView)) return h;
      const v = judge(h, p);
      return { ...v, evidence: [...h.evidence, ...(v.evidence ?? [])] };
    },
  });
}
const noParams = z.object({});
const simple = (id: string, judge: Judge) => hostCheck(id, noParams, (h) => judge(h));

const unitActive = (units: Units | undefined, names: readonly string[]) =>
  units?.units.filter((u) => names.includes(u.unit) && u.active === 'active').map((u) => u.unit) ?? [];
const processRunning = (procs: Processes | undefined, names: readonly string[]) => procs?.processes.filter((p) => names.includes(p.name)) ?? [];

const Daemons = z.object({ units: z.array(z.string()).min(1), processes: z.array(z.string()).min(1) });

/** Some logging daemon runs (systemd unit active, or the process where there is no systemd). */
const loggingActive = hostCheck('host.logging-active', Daemons, (h, p) => {
  const units = h.data<Units>('units');
  const procs = h.first<Processes>('processes', 'processes-busybox');
  const active = [...unitActive(units, p.units), ...processRunning(procs, p.processes).map((x) => x.name)];
  if (active.length > 0) return { status: 'pass', observed: { active: [...new Set(active)] } };
  if (!units && !procs) return { status: 'unknown', reason: h.why('units', 'processes', 'processes-busybox') };
  return { status: 'fail', observed: { active: [] }, expected: { anyOf: p } };
});

/**
 * Logs survive a reboot: a syslog daemon writing files, or journald with persistent storage.
 * The journal alone with volatile storage, or BusyBox syslogd logging to its RAM ring buffer
 * (`-C`), keeps nothing.
 */
const logPersistent = hostCheck('host.log-persistent', z.object({ fileLoggers: Daemons }), (h, p) => {
  const units = h.data<Units>('units');
  const procs = h.first<Processes>('processes', 'processes-busybox');
  const journal = h.data<JournaldConfig>('journald-config');
  const fileLoggers = [
    ...unitActive(units, p.fileLoggers.units),
    ...processRunning(procs, p.fileLoggers.processes)
      .filter((x) => !/\s-C\d*\b/.test(` ${x.args ?? ''}`))
      .map((x) => x.name),
  ];
  const ringBuffer = processRunning(procs, ['syslogd']).filter((x) => /\s-C\d*\b/.test(` ${x.args ?? ''}`));
  const storage = journal?.storage?.toLowerCase();
  const observed = {
    fileLoggers: [...new Set(fileLoggers)],
    journaldStorage: storage ?? null,
    systemMaxUse: journal?.systemMaxUse ?? null,
    maxRetentionSec: journal?.maxRetentionSec ?? null,
    ramRingBuffer: ringBuffer.length > 0,
  };
  if (fileLoggers.length > 0 || storage === 'persistent') return { status: 'pass', observed };
  const journalActive = unitActive(units, ['systemd-journald.service']).length > 0;
  if ((journalActive && (storage === 'volatile' || storage === 'none')) || ringBuffer.length > 0)
    return { status: 'fail', observed, expected: { persistentStorage: true } };
  return { status: 'unknown', observed, reason: `storage not determined: ${h.why('units', 'journald-config', 'processes', 'processes-busybox')}` };
});

/** Logs leave the device: a syslog forwarding target, journal upload, or BusyBox `syslogd -R`. */
const logForwarding = simple('host.log-forwarding', (h) => {
  const config = h.data<SyslogConfig>('logging-config');
  const units = h.data<Units>('units');
  const procs = h.first<Processes>('processes', 'processes-busybox');
  const remote = processRunning(procs, ['syslogd']).flatMap((x) => /(?:^|\s)-R\s*(\S+)/.exec(x.args ?? '')?.[1] ?? []);
  const upload = unitActive(units, ['systemd-journal-upload.service']);
  const targets = [...(config?.forwarding.map((f) => `${f.target} (${f.transport})`) ?? []), ...remote, ...upload];
  if (targets.length > 0) return { status: 'pass', observed: { targets } };
  const configRun = h.run('logging-config');
  // No syslog configuration files at all is a reading too: nothing is configured to forward.
  if (config || configRun?.status === 'empty' || procs) return { status: 'fail', observed: { targets: [] }, expected: { forwarding: true } };
  return { status: 'unknown', reason: h.why('logging-config', 'processes') };
});

/** auditd runs with rules loaded (reported, decides no requirement on its own). */
const auditRules = simple('host.audit-rules', (h) => {
  const units = h.data<Units>('units');
  const procs = h.first<Processes>('processes', 'processes-busybox');
  const rules = h.data<AuditRules>('audit-rules');
  const active = unitActive(units, ['auditd.service']).length > 0 || processRunning(procs, ['auditd']).length > 0;
  const observed = { auditdActive: active, rules: rules?.rules ?? null };
  if (!active && (units || procs)) return { status: 'fail', observed, expected: { auditdActive: true, rules: '>0' } };
  if (rules === undefined) return { status: 'unknown', observed, reason: h.why('audit-rules') };
  return rules.rules > 0 && active ? { status: 'pass', observed } : { status: 'fail', observed, expected: { auditdActive: true, rules: '>0' } };
});

/** auditd reacts to full or failing storage (suspend, single user, halt, or a syslog alert) instead of ignoring it. */
const auditFailureAction = hostCheck('host.audit-failure-action', z.object({ ignored: z.array(z.string()).min(1) }), (h, p) => {
  const conf = h.data<AuditdConfig>('audit-config');
  if (!conf) {
    const run = h.run('audit-config');
    if (run?.status === 'empty') return { status: 'not-applicable', reason: 'no auditd.conf: auditd is not installed' };
    return { status: 'unknown', reason: h.why('audit-config') };
  }
  const actions = {
    diskFullAction: conf.diskFullAction ?? null,
    diskErrorAction: conf.diskErrorAction ?? null,
    adminSpaceLeftAction: conf.adminSpaceLeftAction ?? null,
  };
  const ignoring = Object.entries(actions).filter(([, v]) => v !== null && p.ignored.includes(v));
  if (ignoring.length > 0) return { status: 'fail', observed: actions, expected: { notIn: p.ignored } };
  return { status: 'pass', observed: actions };
});

/** The clock is synchronised to a time source (timedatectl, chrony, or BusyBox ntpd with a peer). */
const timeSync = hostCheck('host.time-sync', z.object({ services: Daemons }), (h, p) => {
  const status = h.data<TimeStatus>('time-status');
  const chrony = h.data<ChronyTracking>('chrony-tracking');
  const config = h.data<TimeConfig>('time-config');
  const procs = h.first<Processes>('processes', 'processes-busybox');
  const units = h.data<Units>('units');
  const peers = processRunning(procs, ['ntpd']).flatMap((x) => [...(x.args ?? '').matchAll(/(?:^|\s)-p\s*(\S+)/g)].map((m) => m[1] ?? ''));
  const active = [...unitActive(units, p.services.units), ...processRunning(procs, p.services.processes).map((x) => x.name)];
  const observed = {
    synchronized: status?.synchronized ?? chrony?.synchronized ?? null,
    ntpEnabled: status?.ntp ?? null,
    chronyLeapStatus: chrony?.leapStatus ?? null,
    servers: [...(config?.servers ?? []), ...peers],
    activeServices: [...new Set(active)],
  };
  if (status?.synchronized === true || chrony?.synchronized === true) return { status: 'pass', observed };
  if (status?.synchronized === false || chrony?.synchronized === false) return { status: 'fail', observed, expected: { synchronized: true } };
  // BusyBox: no status command; an ntpd with a peer is as far as a read-only look can see.
  if (peers.length > 0) return { status: 'pass', observed };
  if (procs && active.length === 0) return { status: 'fail', observed, expected: { synchronized: true } };
  return { status: 'unknown', observed, reason: h.why('time-status', 'chrony-tracking', 'processes') };
});

/** No account other than root has UID 0. */
const noExtraUid0 = simple('host.no-extra-uid0', (h) => {
  const passwd = h.data<Passwd>('passwd');
  if (!passwd) return { status: 'unknown', reason: h.why('passwd') };
  const extra = passwd.accounts.filter((a) => a.uid === 0 && a.name !== 'root').map((a) => a.name);
  return extra.length > 0 ? { status: 'fail', observed: { uid0: extra }, expected: { uid0: ['root'] } } : { status: 'pass', observed: { uid0: ['root'] } };
});

/** No account logs in without a password: empty passwd field, or NP in `passwd -S`. */
const noPasswordless = simple('host.no-passwordless-accounts', (h) => {
  const passwd = h.data<Passwd>('passwd');
  const status = h.data<AccountStatus>('account-status');
  if (!passwd && !status) return { status: 'unknown', reason: h.why('passwd', 'account-status') };
  const empty = new Set([
    ...(passwd?.accounts.filter((a) => a.password === 'empty').map((a) => a.name) ?? []),
    ...(status?.accounts.filter((a) => a.status === 'NP').map((a) => a.name) ?? []),
  ]);
  if (empty.size > 0) return { status: 'fail', observed: { withoutPassword: [...empty] }, expected: { withoutPassword: [] } };
  // Shadowed passwords need `passwd -S` (root) to be seen; without it an empty shadow entry stays hidden.
  if (!status && passwd?.accounts.some((a) => a.password === 'shadowed' && a.login))
    return { status: 'unknown', observed: { withoutPassword: [] }, reason: `shadowed accounts not readable: ${h.why('account-status')}` };
  return { status: 'pass', observed: { withoutPassword: [] } };
});

/** Well-known vendor or default account names that can log in (reported, decides nothing alone). */
const defaultAccounts = hostCheck('host.default-accounts', z.object({ names: z.array(z.string()).min(1) }), (h, p) => {
  const passwd = h.data<Passwd>('passwd');
  if (!passwd) return { status: 'unknown', reason: h.why('passwd') };
  const found = passwd.accounts.filter((a) => a.login && p.names.includes(a.name)).map((a) => a.name);
  return found.length > 0 ? { status: 'fail', observed: { defaultAccounts: found } } : { status: 'pass', observed: { defaultAccounts: [] } };
});

/** Minimum password length from pwquality/cracklib, pam_unix or login.defs. */
const passwordMinLength = hostCheck('host.password-min-length', z.object({ minimum: z.number().int().min(1), pwqualityDefault: z.number().int() }), (h, p) => {
  const pam = h.data<PamConfig>('pam-config');
  const defs = h.data<LoginDefs>('login-defs');
  const length = pam?.pwquality.used ? (pam.pwquality.minlen ?? p.pwqualityDefault) : (pam?.unixMinlen ?? defs?.passMinLen);
  const observed = {
    minimumLength: length ?? null,
    source: pam?.pwquality.used ? 'pwquality' : pam?.unixMinlen !== undefined ? 'pam_unix' : defs?.passMinLen !== undefined ? 'login.defs' : null,
  };
  if (length === undefined)
    return pam || defs
      ? { status: 'fail', observed, expected: { minimumLength: p.minimum } }
      : { status: 'unknown', reason: h.why('pam-config', 'login-defs') };
  return length >= p.minimum
    ? { status: 'pass', observed, expected: { minimumLength: p.minimum } }
    : { status: 'fail', observed, expected: { minimumLength: p.minimum } };
});

/** Passwords must mix character classes (pwquality minclass or negative credits). */
const passwordComplexity = hostCheck('host.password-complexity', z.object({ minimumClasses: z.number().int().min(1).max(4) }), (h, p) => {
  const pam = h.data<PamConfig>('pam-config');
  if (!pam) return { status: 'unknown', reason: h.why('pam-config') };
  const classes = pam.pwquality.used ? Math.max(pam.pwquality.minclass ?? 0, pam.pwquality.requiredClasses) : 0;
  const observed = { pwquality: pam.pwquality.used, classes };
  return classes >= p.minimumClasses ? { status: 'pass', observed } : { status: 'fail', observed, expected: { classes: p.minimumClasses } };
});

/** Passwords expire (login.defs PASS_MAX_DAYS for new accounts). */
const passwordMaxAge = hostCheck('host.password-max-age', z.object({ maximumDays: z.number().int().min(1) }), (h, p) => {
  const defs = h.data<LoginDefs>('login-defs');
  if (defs?.passMaxDays === undefined) return { status: 'unknown', reason: defs ? 'PASS_MAX_DAYS not set' : h.why('login-defs') };
  const observed = { passMaxDays: defs.passMaxDays };
  return defs.passMaxDays <= p.maximumDays ? { status: 'pass', observed } : { status: 'fail', observed, expected: { passMaxDays: `<= ${p.maximumDays}` } };
});

/** Repeated failed logins lock the account (pam_faillock or pam_tally2 with a deny count). */
const loginLockout = hostCheck('host.login-lockout', z.object({ maximumAttempts: z.number().int().min(1), faillockDefault: z.number().int() }), (h, p) => {
  const pam = h.data<PamConfig>('pam-config');
  if (!pam) return { status: 'unknown', reason: h.why('pam-config') };
  const deny = pam.lockout.module === 'none' ? undefined : (pam.lockout.deny ?? (pam.lockout.module === 'pam_faillock' ? p.faillockDefault : undefined));
  const observed = { module: pam.lockout.module, deny: deny ?? null };
  if (deny === undefined || deny <= 0) return { status: 'fail', observed, expected: { lockoutAfter: `<= ${p.maximumAttempts}` } };
  return deny <= p.maximumAttempts ? { status: 'pass', observed } : { status: 'fail', observed, expected: { lockoutAfter: `<= ${p.maximumAttempts}` } };
});

/** OpenSSH defaults where a setting is absent from the files (`sshd -T` always prints them). */
const SSHD_DEFAULTS = { permitrootlogin: 'prohibit-password', passwordauthentication: 'yes', banner: 'none' } as const;
const SSHD_DEFAULT_PORT = 22;

/** The config file of the sshd started with `-f` that listens on the session's port. */
function listenerConfig(h: HostView): { file: string; config: SshdListenerSettings } | undefined {
  for (const run of h.facts.commands) {
    if (run.id !== SSHD_LISTENER_CONFIG || run.status !== 'ok' || run.file === undefined) continue;
    const parsed = SshdListenerSettings.safeParse(run.data);
    if (!parsed.success) continue;
    const ports = parsed.data.ports.length > 0 ? parsed.data.ports : [SSHD_DEFAULT_PORT];
    if (ports.includes(h.port)) return { file: run.file, config: parsed.data };
  }
  return undefined;
}

function sshdSetting(h: HostView, key: keyof typeof SSHD_DEFAULTS): { value: string; source: string } | Verdict {
  // The daemon that answers on the scanned port decides, not the default config it may not read.
  const listener = listenerConfig(h);
  if (listener) {
    const value = listener.config.settings[key];
    if (value !== undefined) return { value, source: listener.file };
    if (listener.config.includes.length === 0) return { value: SSHD_DEFAULTS[key], source: `OpenSSH default (${listener.file})` };
    return { status: 'unknown', reason: `${key} is not in ${listener.file}, which includes ${listener.config.includes.join(', ')} (not read)` };
  }
  const effective = h.data<SshdSettings>('sshd-effective');
  if (effective?.settings[key] !== undefined) return { value: effective.settings[key], source: 'sshd -T' };
  const files = h.data<SshdSettings>('sshd-config');
  if (files) return { value: files.settings[key] ?? SSHD_DEFAULTS[key], source: files.settings[key] !== undefined ? 'sshd_config' : 'OpenSSH default' };
  if (h.run('sshd-config')?.status === 'empty') return { status: 'not-applicable', reason: 'no OpenSSH server configuration on the host' };
  return { status: 'unknown', reason: h.why('sshd-effective', 'sshd-config') };
}

/**
 * When the network probe saw the same port behave otherwise than the host's config says (a
 * config the daemon does not run with, a Match block), the observed behaviour decides and the
 * verdict carries the conflict.
 */
type NetworkAuth = NonNullable<HostView['network']>['auth'];
function observedDecides(
  h: HostView,
  fromHost: Verdict & { observed: object },
  expected: unknown,
  observedPass: (auth: NetworkAuth) => boolean | undefined,
  seen: (auth: NetworkAuth) => object,
): Verdict {
  const net = h.network;
  const pass = net ? observedPass(net.auth) : undefined;
  if (!net || pass === undefined || (fromHost.status === 'pass') === pass) return fromHost;
  const observed = { ...fromHost.observed, conflict: { host: fromHost.status, observed: { port: h.port, ...seen(net.auth) }, decidedBy: 'observed' } };
  return pass ? { status: 'pass', observed, evidence: net.evidence } : { status: 'fail', observed, expected, evidence: net.evidence };
}

const sshdAllowed = (id: string, key: keyof typeof SSHD_DEFAULTS) =>
  hostCheck(id, z.object({ allowed: z.array(z.string()).min(1) }), (h, p): Verdict => {
    const s = sshdSetting(h, key);
    if ('status' in s) return s;
    const value = s.value.toLowerCase();
    const observed = { [key]: value, source: s.source };
    const expected = { [key]: p.allowed };
    const fromHost = p.allowed.includes(value) ? { status: 'pass' as const, observed } : { status: 'fail' as const, observed, expected };
    if (key !== 'passwordauthentication') return fromHost;
    // Allowed values say "password off" ("no"), so passing means the port does not offer it.
    return observedDecides(
      h,
      fromHost,
      expected,
      (auth) => (auth.noneAccepted ? undefined : !auth.methodsLeft.includes('password')),
      (auth) => ({ methodsLeft: auth.methodsLeft }),
    );
  });

/** The SSH server shows a pre-login banner (Banner set to a file). */
const sshdBanner = simple('host.sshd-banner', (h) => {
  const s = sshdSetting(h, 'banner');
  if ('status' in s) return s;
  const observed = { banner: s.value, source: s.source };
  const expected = { banner: 'a file' };
  const fromHost = s.value.toLowerCase() === 'none' ? { status: 'fail' as const, observed, expected } : { status: 'pass' as const, observed };
  return observedDecides(
    h,
    fromHost,
    expected,
    (auth) => (auth.banner ?? '').trim() !== '',
    (auth) => ({ bannerLength: (auth.banner ?? '').trim().length }),
  );
});

/** No cleartext or legacy service listens beyond loopback. */
const listeningCleartext = hostCheck(
  'host.listening-cleartext',
  z.object({ ports: z.array(z.object({ proto: z.enum(['tcp', 'udp']), port: z.number().int(), service: z.string() })).min(1) }),
  (h, p) => {
    const listening = h.first<Listening>('listening', 'listening-netstat');
    if (!listening) return { status: 'unknown', reason: h.why('listening', 'listening-netstat') };
    const loopback = (a: string) => a.startsWith('127.') || a === '::1';
    const exposed = listening.sockets.filter((s) => !loopback(s.address) && p.ports.some((x) => x.proto === s.proto && x.port === s.port));
    const observed = {
      exposed: exposed.map((s) => ({ ...s, service: p.ports.find((x) => x.proto === s.proto && x.port === s.port)?.service })),
      listening: listening.sockets.length,
    };
    return exposed.length > 0 ? { status: 'fail', observed, expected: { exposed: [] } } : { status: 'pass', observed };
  },
);

/** A host firewall filters input by default (input policy drop). */
const firewallDefaultDeny = simple('host.firewall-default-deny', (h) => {
  const fw = h.first<Firewall>('firewall-nft', 'firewall-iptables');
  if (!fw) return { status: 'unknown', reason: h.why('firewall-nft', 'firewall-iptables') };
  const observed = { tool: fw.tool, inputPolicies: fw.inputPolicies, inputRules: fw.inputRules };
  if (fw.inputPolicies.some((policy) => policy === 'drop')) return { status: 'pass', observed };
  if (fw.inputRules === 0) return { status: 'fail', observed, expected: { inputPolicy: 'drop' } };
  // Accept policy with rules (e.g. a final reject rule) cannot be judged without evaluating the rules.
  return { status: 'unknown', observed, reason: 'input policy accept with rules; whether the rules end in a reject is not evaluated' };
});

/** A file integrity tool is installed (AIDE, Tripwire, Samhain, osquery). */
const integrityTool = simple('host.integrity-tool', (h) => {
  const paths = h.data<Paths>('integrity-tools');
  const run = h.run('integrity-tools');
  if (!paths && run?.status !== 'empty') return { status: 'unknown', reason: h.why('integrity-tools') };
  const present = paths?.present ?? [];
  const tools = present.filter((x) => !x.endsWith('.db'));
  const observed = { present, databaseInitialised: present.some((x) => x.endsWith('.db')) };
  return tools.length > 0 ? { status: 'pass', observed } : { status: 'fail', observed, expected: { integrityTool: true } };
});

export const hostCheckKinds: readonly RegisteredCheckKind[] = [
  loggingActive,
  logPersistent,
  logForwarding,
  auditRules,
  auditFailureAction,
  timeSync,
  noExtraUid0,
  noPasswordless,
  defaultAccounts,
  passwordMinLength,
  passwordComplexity,
  passwordMaxAge,
  loginLockout,
  sshdAllowed('host.sshd-root-login', 'permitrootlogin'),
  sshdAllowed('host.sshd-password-auth', 'passwordauthentication'),
  sshdBanner,
  listeningCleartext,
  firewallDefaultDeny,
  integrityTool,
];

/** Operating system and kernel, as the host reports them. */
export const hostIdentity: IdentityExtractor = (device) => {
  const h = host(device);
  if (!(h instanceof HostView)) return [];
  const os = h.data<OsRelease>('os-release');
  const kernel = h.data<Kernel>('kernel');
  return [
    ...(os?.prettyName ? [{ field: 'product' as const, value: os.prettyName, source: `${PROBE}:os-release` }] : []),
    ...(kernel ? [{ field: 'firmware' as const, value: `${kernel.name} ${kernel.release}`, source: `${PROBE}:kernel` }] : []),
  ];
};

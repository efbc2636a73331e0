import { dirname, resolve } from 'node:path';
import net from 'node:net';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { HOST_COMMAND_IDS } from '../../probes/host/commands.ts';
import { SAFETY_CLASSES } from '../../probes/types.ts';
import { UDP_WAIT_DEFAULTS } from '../../probes/round-trip.ts';
import { SERVICE_PROTOCOLS, UDP_SERVICE_PROTOCOLS } from '../../probes/services.ts';
import { SnmpProbeOptions } from '../../probes/snmp/options.ts';
import { DEVICE_ROLES } from '../../profiles/role.ts';
import { cidrSize, MAX_RANGE_ADDRESSES, parseCidr } from '../../profiles/cidr.ts';
import { Conduit, MAX_REACHABILITY_PAIRS } from '../../profiles/zone-model.ts';
import { SigningConfig, UploadConfig } from '../delivery/delivery-config.ts';
import { ScheduleConfig } from '../schedule/schedule.ts';
import { UserError } from '../../profiles/user-error.ts';
import { readUserFile } from './user-file.ts';

export const ROLES = [...DEVICE_ROLES, 'auto'] as const;
export type Role = (typeof ROLES)[number];

const SLT_SHAPE = 'one level 1-4 for every FR, or a target vector of exactly 7 levels 1-4 (FR1..FR7)';
const isLevel = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 4;
/** Checked by hand: a zod union of the two shapes says only "Invalid input" when both fail. */
const SlT = z.unknown().transform((v, ctx): number[] => {
  if (isLevel(v)) return Array<number>(7).fill(v);
  if (Array.isArray(v) && v.length === 7 && v.every(isLevel)) return v;
  const bad = Array.isArray(v) ? v.findIndex((level) => !isLevel(level)) : -1;
  const message = !Array.isArray(v)
    ? `${v === undefined ? 'missing' : `${JSON.stringify(v)} is not a security level`}: expected ${SLT_SHAPE}`
    : v.length !== 7
      ? `a target vector has exactly 7 levels 1-4 (FR1..FR7); this one has ${v.length}`
      : `FR${bad + 1} is ${JSON.stringify(v[bad])}: a security level is 1 to 4`;
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
});

const Port = z.number().int().min(1).max(65535);
/** An address, never a name: the deny list and zone ranges compare addresses, and 999.0.0.1 is a valid host name. */
const Host = z.string().superRefine((h, ctx) => {
  if (net.isIP(h) === 0) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(h)} is not an IPv4/IPv6 address` });
});
const CidrText = z.string().superRefine((text, ctx) => {
  const c = parseCidr(text);
  if (typeof c === 'string') ctx.addIssue({ code: 'custom', message: `"${text}" is not a valid CIDR: ${c}` });
  else if (cidrSize(c) > MAX_RANGE_ADDRESSES)
    ctx.addIssue({ code: 'custom', message: `"${text}" holds ${cidrSize(c)} addresses; split it (at most ${MAX_RANGE_ADDRESSES} per range)` });
});

/** TCP services of the curated list, plus the UDP ones whose probes take a port. */
const Ports = z.partialRecord(z.enum([...SERVICE_PROTOCOLS, ...UDP_SERVICE_PROTOCOLS]), Port);

const Target = z
  .strictObject({
    host: Host.optional(),
    cidr: CidrText.optional(),
    name: z.string().optional(),
    role: z.enum(ROLES).default('auto'),
    /** This device's own target level(s), overriding the zone's SL-T. */
    slT: SlT.optional(),
    /** Per-protocol port override, e.g. { opcua: 48010 }. */
    ports: Ports.default({}),
    /** Highest probe safety class this target may receive (a safety PLC: `identify`). */
    safety: z.enum(SAFETY_CLASSES).default('read-session'),
  })
  .refine((t) => (t.host === undefined) !== (t.cidr === undefined), 'a target has either "host" or "cidr", exactly one of them');

/**
 * Per-protocol options. Everything that authenticates, guesses a credential or opens a session is
 * off unless set here; each probe reads only its own section (as ctx.options).
 */
const Probes = z.strictObject({
  opcua: z.strictObject({ session: z.boolean().default(false) }).prefault({}),
  modbus: z.strictObject({ unitId: z.number().int().min(0).max(255).default(255) }).prefault({}),
  snmp: SnmpProbeOptions.prefault({}),
  ssh: z.strictObject({ authNone: z.boolean().default(false), username: z.string().default('cellcheck') }).prefault({}),
  ftp: z.strictObject({ anonymous: z.boolean().default(false) }).prefault({}),
  /** SMB: the NTLM challenge of a session setup never completed (OS build, host and domain names); a second connection offering SMB1 alone; an anonymous login with an IPC$ tree connect and a guest login attempt. */
  smb: z.strictObject({ ntlmInfo: z.boolean().default(false), smb1Dialect: z.boolean().default(false), nullSession: z.boolean().default(false) }).prefault({}),
  /** One MQTT CONNECT without credentials (a login the broker logs) and, where accepted, its $SYS version. */
  mqtt: z.strictObject({ anonymous: z.boolean().default(false) }).prefault({}),
  /** Credentialed SSH login running the read-only host command allow-list, on devices with a `credentials` entry. */
  host: z.strictObject({ login: z.boolean().default(false) }).prefault({}),
  /** One TESTFR act per IEC 104 station (probes/iec104/probe.ts); off: the open port is the only fact. */
  iec104: z.strictObject({ identify: z.boolean().default(false) }).prefault({}),
  /**
   * One data-link Request Link Status per DNP3 outstation (probes/dnp3/probe.ts), to `outstation`
   * (default 0xFFFC, the self address) from `master`; off: the open port is the only fact.
   */
  dnp3: z
    .strictObject({
      identify: z.boolean().default(false),
      outstation: z.number().int().min(0).max(0xfffc).default(0xfffc),
      master: z.number().int().min(0).max(0xffef).default(1),
    })
    .prefault({}),
});

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/**
 * SSH login for the host probe. Secrets are referenced (file, environment variable), never
 * written in the config; the host key must be pinned in a known_hosts file.
 */
const SshCredential = z
  .strictObject({
    user: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'a user name is 1-64 printable characters without spaces'),
    keyFile: z.string().min(1).optional(),
    passphraseEnv: EnvName.optional(),
    passwordEnv: EnvName.optional(),
    passwordFile: z.string().min(1).optional(),
    knownHosts: z.string().min(1),
    /** Write an unknown device's host key to knownHosts and trust it (first use); off: refuse unknown keys. */
    recordFirstUse: z.boolean().default(false),
    /** Allow-listed command ids (probes/host/commands.ts) to run with `sudo -n`. */
    sudo: z.array(z.enum(HOST_COMMAND_IDS as [string, ...string[]])).default([]),
  })
  .refine((c) => c.keyFile !== undefined || c.passwordEnv !== undefined || c.passwordFile !== undefined, 'give keyFile, passwordEnv or passwordFile')
  .refine((c) => c.passwordEnv === undefined || c.passwordFile === undefined, 'give passwordEnv or passwordFile, not both');

const CredentialEntry = z.strictObject({
  /** Which devices use it: one address, or every target configured with a role. A host match wins over a role match. */
  match: z
    .strictObject({ host: Host.optional(), role: z.enum(ROLES).exclude(['auto']).optional() })
    .refine((m) => (m.host === undefined) !== (m.role === undefined), 'match has either "host" or "role", exactly one of them'),
  ssh: SshCredential,
});
export type CredentialEntry = z.infer<typeof CredentialEntry>;

const Scan = z.strictObject({
  /** Devices probed at the same time; each device still gets one connection at a time. */
  concurrency: z.number().int().min(1).max(64).default(8),
  /** Limit of one TCP connect attempt during discovery. */
  connectTimeoutMs: z.number().int().min(50).max(30_000).default(1500),
  /** Limit of each probe step (one request/reply). */
  stepTimeoutMs: z.number().int().min(50).max(60_000).default(3000),
  /** Once a device has answered: a UDP answer is awaited max(floor, factor x its slowest round trip), at most stepTimeoutMs (probes/round-trip.ts). */
  udpWaitFloorMs: z.number().int().min(10).max(60_000).default(UDP_WAIT_DEFAULTS.floorMs),
  udpWaitFactor: z.number().min(1).max(1000).default(UDP_WAIT_DEFAULTS.factor),
  /** Whole-device budget; probing stops and closes when it is spent. */
  deviceBudgetMs: z.number().int().min(500).max(600_000).default(60_000),
  /** Connection attempts plus requests one device may receive in a whole scan. */
  requestBudget: z.number().int().min(16).max(10_000).default(300),
  /** Least time between two packets (connect or request) to one device. */
  minGapMs: z.number().int().min(0).max(10_000).default(5),
  /** Ceiling of connection attempts plus requests per second, all devices together. */
  packetsPerSecond: z.number().int().min(1).max(100_000).default(1000),
  /** Probes in a row that got no answer at all after which a device is left alone (circuit breaker). */
  breakerAfter: z.number().int().min(1).max(100).default(2),
});

/** A host or a range never to be contacted (e.g. safety controllers), even when a target covers it. */
const DenyEntry = z.string().superRefine((text, ctx) => {
  if (net.isIP(text) === 0 && typeof parseCidr(text) === 'string') ctx.addIssue({ code: 'custom', message: `"${text}" is neither an IP address nor a CIDR` });
});

/**
 * The zone-boundary check (issue 21), opt-in: a TCP connect and close to each destination in
 * another zone, judged against `zone.conduits`. Destinations come only from this list or, with
 * `fromConsole`, from the console's model; never from discovery.
 */
const Reachability = z
  .strictObject({
    destinations: z
      .array(
        z
          .strictObject({ host: Host.optional(), cidr: CidrText.optional(), ports: z.array(Port).min(1).max(64), zone: z.string().min(1).optional() })
          .refine((d) => (d.host === undefined) !== (d.cidr === undefined), 'a destination has either "host" or "cidr", exactly one of them'),
      )
      .default([]),
    /** `cellcheck agent` fetches the destinations, conduits and ranges from the console instead. */
    fromConsole: z.boolean().default(false),
    limits: z
      .strictObject({
        /** Address × port pairs tried at most; the rest are reported unchecked. */
        maxPairs: z.number().int().min(1).max(MAX_REACHABILITY_PAIRS).default(1024),
        connectionsPerSecond: z.number().int().min(1).max(1000).default(20),
        /** Destinations tried at the same time (each one port at a time). */
        concurrency: z.number().int().min(1).max(32).default(4),
        connectTimeoutMs: z.number().int().min(50).max(30_000).default(1500),
        /** Whole check; paths not tried by then are reported unchecked. */
        totalTimeMs: z.number().int().min(1000).max(3_600_000).default(120_000),
      })
      .prefault({}),
  })
  .refine((r) => r.fromConsole || r.destinations.length > 0, 'list destinations, or set fromConsole: true');

export const Config = z.strictObject({
  zone: z.strictObject({
    name: z.string().min(1),
    slT: SlT,
    /** Address ranges that belong to the zone (defaults to the targets' ranges). */
    cidrs: z.array(CidrText).optional(),
    /** Declared conduits out of the zone: what the reachability check may find open. */
    conduits: z.array(Conduit).default([]),
  }),
  reachability: Reachability.optional(),
  targets: z.array(Target).min(1, 'list at least one target'),
  /** Addresses and ranges removed from the plan before the first packet, and refused at the socket layer. */
  deny: z.array(DenyEntry).default([]),
  probes: Probes.prefault({}),
  /** Logins the agent may use, per device or per role (only with `probes.host.login`). */
  credentials: z.array(CredentialEntry).default([]),
  scan: Scan.prefault({}),
  signing: SigningConfig.optional(),
  upload: UploadConfig.optional(),
  /** When `cellcheck agent` scans: an interval or cron expression, jitter, maintenance windows. */
  schedule: ScheduleConfig.optional(),
  /** Advisory store matched at the end of every scan; `scan --advisories` overrides it. */
  advisories: z.strictObject({ store: z.string().min(1) }).optional(),
});
export type Config = z.infer<typeof Config>;
export type TargetConfig = z.infer<typeof Target>;

export class ConfigError extends UserError {
  override name = 'ConfigError';
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || '(top level)';
}

/** One error naming every problem as `<source>: <key>: <what is wrong>` (config and statement files alike). */
export function fileError(
  source: string,
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }[],
): ConfigError {
  const lines = issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${source}: ${describePath(issue.path)}: unknown key ${(issue.keys ?? []).map((k) => `"${k}"`).join(', ')}`;
    return `${source}: ${describePath(issue.path)}: ${issue.message}`;
  });
  return new ConfigError(lines.join('\n'));
}

/** Validates a parsed config; every problem is reported as `<source>: <key>: <what is wrong>`. */
export function parseConfig(data: unknown, source: string): Config {
  const parsed = Config.safeParse(data);
  if (parsed.success) return parsed.data;
  throw fileError(source, parsed.error.issues);
}

/**
 * The files a config names (keys, password and token files, known_hosts, CA and client
 * certificates, the advisory store) resolved against the config file's folder, so a config means
 * the same whatever the working directory (a service, a timer, a technician's shell). The upload
 * spool is state, not input: it stays relative to the working directory.
 */
export function resolveConfigPaths(config: Config, folder: string): Config {
  const at = <T extends string | undefined>(path: T): T => (path === undefined ? path : (resolve(folder, path) as T));
  const { signing, upload, advisories } = config;
  return {
    ...config,
    credentials: config.credentials.map((c) => ({
      ...c,
      ssh: {
        ...c.ssh,
        knownHosts: at(c.ssh.knownHosts),
        ...(c.ssh.keyFile ? { keyFile: at(c.ssh.keyFile) } : {}),
        ...(c.ssh.passwordFile ? { passwordFile: at(c.ssh.passwordFile) } : {}),
      },
    })),
    ...(signing ? { signing: { ...signing, ...(signing.keyFile ? { keyFile: at(signing.keyFile) } : {}) } } : {}),
    ...(upload
      ? {
          upload: {
            ...upload,
            ...Object.fromEntries((['tokenFile', 'caFile', 'certFile', 'keyFile'] as const).flatMap((k) => (upload[k] ? [[k, at(upload[k])]] : []))),
          },
        }
      : {}),
    ...(advisories ? { advisories: { store: at(advisories.store) } } : {}),
  };
}

export function loadConfigFile(file: string): Config {
  const text = readUserFile(file, { what: 'the config', error: ConfigError }).toString('utf8');
  return resolveConfigPaths(parseConfigText(text, file), dirname(resolve(file)));
}

/** Parses YAML (duplicate keys refused), naming the line and column of the first error. */
export function parseYamlText(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const where = firstError.linePos?.[0];
    throw new ConfigError(`${source}${where ? `:${where.line}:${where.col}` : ''}: not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

export function parseConfigText(text: string, source: string): Config {
  return parseConfig(parseYamlText(text, source), source);
}

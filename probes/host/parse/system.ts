import { z } from 'zod';
import { assignment, type CommandOutput, clean, integer, lines, meaningful } from './text.ts';

/** Parsers of host identity, sockets, services, processes and packages. Pure: text in, facts out. */

export const OsRelease = z.object({
  id: z.string().optional(),
  idLike: z.string().optional(),
  versionId: z.string().optional(),
  prettyName: z.string().optional(),
});
export type OsRelease = z.infer<typeof OsRelease>;

export function parseOsRelease(out: CommandOutput): OsRelease | undefined {
  const values = new Map(meaningful(out).flatMap((l) => (assignment(l) ? [assignment(l) as [string, string]] : [])));
  const facts: OsRelease = {};
  const set = (key: keyof OsRelease, name: string) => {
    const v = values.get(name);
    if (v !== undefined && v !== '') facts[key] = clean(v, 120);
  };
  set('id', 'ID');
  set('idLike', 'ID_LIKE');
  set('versionId', 'VERSION_ID');
  set('prettyName', 'PRETTY_NAME');
  return Object.keys(facts).length > 0 ? facts : undefined;
}

export const Kernel = z.object({ name: z.string(), release: z.string(), machine: z.string().optional() });
export type Kernel = z.infer<typeof Kernel>;

/** `uname -srm`: "Linux 6.1.0-18-amd64 x86_64". */
export function parseUname(out: CommandOutput): Kernel | undefined {
  const [first] = meaningful(out);
  const parts = first?.split(/\s+/) ?? [];
  const [name, release, machine] = parts;
  if (!name || !release || !/^[A-Za-z][\w-]*$/.test(name)) return undefined;
  return { name: clean(name, 40), release: clean(release, 80), ...(machine ? { machine: clean(machine, 40) } : {}) };
}

export const ListeningSocket = z.object({ proto: z.enum(['tcp', 'udp']), address: z.string(), port: z.number().int(), process: z.string().optional() });
export type ListeningSocket = z.infer<typeof ListeningSocket>;
export const Listening = z.object({ sockets: z.array(ListeningSocket) });
export type Listening = z.infer<typeof Listening>;

/** "0.0.0.0:22", "[::]:22", "*:22", "127.0.0.53%lo:53", ":::23" (netstat). */
function splitEndpoint(text: string): { address: string; port: number } | undefined {
  const at = text.lastIndexOf(':');
  if (at < 0) return undefined;
  const port = integer(text.slice(at + 1));
  if (port === undefined || port < 0 || port > 65535) return undefined;
  let address = text.slice(0, at).replace(/^\[|\]$/g, '');
  address = address.replace(/%.*$/, '');
  if (address === '' || address === '::') address = '::';
  return { address: clean(address, 64), port };
}

function dedupe(sockets: ListeningSocket[]): ListeningSocket[] {
  const seen = new Set<string>();
  return sockets.filter((s) => {
    const key = `${s.proto}|${s.address}|${s.port}|${s.process ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `ss -H -tulpn`: Netid State Recv-Q Send-Q Local Peer [users:(("name",pid=..))]. */
export function parseSs(out: CommandOutput): Listening | undefined {
  const sockets: ListeningSocket[] = [];
  let recognised = false;
  for (const line of meaningful(out)) {
    const t = line.split(/\s+/);
    const proto = t[0]?.startsWith('tcp') ? 'tcp' : t[0]?.startsWith('udp') ? 'udp' : undefined;
    const endpoint = t[4] === undefined ? undefined : splitEndpoint(t[4]);
    if (!proto || !endpoint) continue;
    recognised = true;
    const process = /users:\(\("([^"]{1,64})"/.exec(line)?.[1];
    sockets.push({ proto, ...endpoint, ...(process ? { process: clean(process, 64) } : {}) });
  }
  if (!recognised && lines(out).some((l) => l.trim() !== '')) return undefined;
  return { sockets: dedupe(sockets) };
}

/** `netstat -tulpn` (net-tools or BusyBox): Proto Recv-Q Send-Q Local Foreign [State] PID/Program. */
export function parseNetstat(out: CommandOutput): Listening | undefined {
  const sockets: ListeningSocket[] = [];
  let header = false;
  for (const line of meaningful(out)) {
    if (/^Proto\s/.test(line)) header = true;
    const t = line.split(/\s+/);
    const proto = /^tcp6?$/.test(t[0] ?? '') ? 'tcp' : /^udp6?$/.test(t[0] ?? '') ? 'udp' : undefined;
    const endpoint = t[3] === undefined ? undefined : splitEndpoint(t[3]);
    if (!proto || !endpoint) continue;
    if (proto === 'tcp' && !t.includes('LISTEN')) continue;
    const program = /^\d+\/(.{1,64})$/.exec(t[t.length - 1] ?? '')?.[1];
    sockets.push({ proto, ...endpoint, ...(program ? { process: clean(program, 64) } : {}) });
  }
  if (!header && sockets.length === 0) return undefined;
  return { sockets: dedupe(sockets) };
}

export const Units = z.object({ units: z.array(z.object({ unit: z.string(), load: z.string(), active: z.string() })) });
export type Units = z.infer<typeof Units>;

/** `systemctl show -p Id -p LoadState -p ActiveState u1 u2 ...`: one block of properties per unit. */
export function parseSystemctlShow(out: CommandOutput): Units | undefined {
  const units: Units['units'] = [];
  let block = new Map<string, string>();
  const flush = () => {
    const unit = block.get('Id');
    if (unit)
      units.push({ unit: clean(unit, 80), load: clean(block.get('LoadState') ?? 'unknown', 20), active: clean(block.get('ActiveState') ?? 'unknown', 20) });
    block = new Map();
  };
  for (const line of lines(out)) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const kv = assignment(line);
    if (kv) block.set(kv[0], kv[1]);
  }
  flush();
  return units.length > 0 ? { units } : undefined;
}

export const Processes = z.object({ processes: z.array(z.object({ name: z.string(), args: z.string().optional() })) });
export type Processes = z.infer<typeof Processes>;

/**
 * Daemons whose command line carries the facts we judge (BusyBox `syslogd -R host`, `ntpd -p
 * server`). Other command lines are not kept: they may hold a plant's own secrets.
 */
const ARGS_KEPT = new Set([
  'syslogd',
  'klogd',
  'rsyslogd',
  'syslog-ng',
  'ntpd',
  'chronyd',
  'openntpd',
  'auditd',
  'dropbear',
  'sshd',
  'telnetd',
  'inetd',
  'xinetd',
]);

function processEntry(args: string): Processes['processes'][number] | undefined {
  const trimmed = args.trim();
  if (trimmed === '') return undefined;
  // Kernel threads: "[kworker/0:1]".
  if (/^\[.*\]$/.test(trimmed)) return undefined;
  const argv0 = trimmed.split(/\s+/)[0] ?? '';
  const name = clean(argv0.replace(/:$/, '').split('/').pop() ?? argv0, 64);
  if (name === '') return undefined;
  return ARGS_KEPT.has(name) ? { name, args: clean(trimmed, 300) } : { name };
}

function uniqueProcesses(entries: Processes['processes']): Processes {
  const seen = new Set<string>();
  const processes = entries.filter((p) => {
    const key = `${p.name}|${p.args ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { processes };
}

/** `ps -e -o args=`: one command line per line, no header. */
export function parsePsArgs(out: CommandOutput): Processes | undefined {
  const entries = lines(out).flatMap((l) => processEntry(l) ?? []);
  return entries.length > 0 ? uniqueProcesses(entries) : undefined;
}

/** BusyBox `ps`: a header ("PID USER TIME COMMAND" or "PID USER VSZ STAT COMMAND"), then rows. */
export function parsePsTable(out: CommandOutput): Processes | undefined {
  const all = lines(out).filter((l) => l.trim() !== '');
  const header = all[0]?.trim().split(/\s+/) ?? [];
  if (header[0] !== 'PID' || !['COMMAND', 'CMD', 'ARGS'].includes(header[header.length - 1] ?? '')) return undefined;
  const fields = header.length - 1;
  const entries = all.slice(1).flatMap((row) => {
    const t = row.trim().split(/\s+/);
    if (t.length <= fields || integer(t[0]) === undefined) return [];
    return processEntry(t.slice(fields).join(' ')) ?? [];
  });
  return uniqueProcesses(entries);
}

export const Paths = z.object({ present: z.array(z.string()) });
export type Paths = z.infer<typeof Paths>;

/** `ls -1d <paths>`: the paths that exist, one per line (missing ones go to stderr). */
export function parsePaths(out: CommandOutput): Paths | undefined {
  const present = meaningful(out, '').filter((l) => l.startsWith('/'));
  return { present: present.map((p) => clean(p, 200)) };
}

export const Packages = z.object({ manager: z.enum(['dpkg-or-rpm', 'apk', 'opkg']), packages: z.array(z.object({ name: z.string(), version: z.string() })) });
export type Packages = z.infer<typeof Packages>;

const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,127}$/;

/** `dpkg-query -W -f '${Package}\t${Version}\n'` and the rpm equivalent: name TAB version. */
export function parsePackageTabs(out: CommandOutput): Packages | undefined {
  const packages = lines(out).flatMap((l) => {
    const [name, version] = l.split('\t');
    return name && version && PACKAGE_NAME.test(name) ? [{ name, version: clean(version.trim(), 80) }] : [];
  });
  return packages.length > 0 ? { manager: 'dpkg-or-rpm', packages } : undefined;
}

/** `apk info -v`: "musl-1.2.4-r2". */
export function parsePackageApk(out: CommandOutput): Packages | undefined {
  const packages = meaningful(out).flatMap((l) => {
    const m = /^(.+?)-(\d[^-\s]*-r\d+)$/.exec(l);
    return m?.[1] && m[2] && PACKAGE_NAME.test(m[1]) ? [{ name: m[1], version: m[2] }] : [];
  });
  return packages.length > 0 ? { manager: 'apk', packages } : undefined;
}

/** `opkg list-installed`: "busybox - 1.36.1-1". */
export function parsePackageOpkg(out: CommandOutput): Packages | undefined {
  const packages = meaningful(out).flatMap((l) => {
    const m = /^(\S+) - (\S+)/.exec(l);
    return m?.[1] && m[2] && PACKAGE_NAME.test(m[1]) ? [{ name: m[1], version: clean(m[2], 80) }] : [];
  });
  return packages.length > 0 ? { manager: 'opkg', packages } : undefined;
}

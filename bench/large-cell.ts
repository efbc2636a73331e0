/**
 * A large simulated cell: 250 devices on loopback (OPC UA, Modbus, S7, EtherNet/IP, CODESYS V2,
 * IEC 104, DNP3, FINS, MELSEC, Fox, PC WORX, ProConOS, SMB, RDP, MQTT, SNMP switches, BACnet/IP
 * controllers and SSH devices: MIX below) plus 66 empty addresses, started in three child
 * processes. Scans it once with the agent and, when nmap is installed, once with nmap's nearest
 * equivalent run, and prints: wall time, the agent's peak RSS and CPU time, connections and
 * requests per device per protocol as the devices counted them, and the agent/nmap time ratio. The agent is the real CLI in its own
 * process (`cellcheck scan --quiet`), measured from inside by bench/agent-usage.cjs: the single
 * binary as deployed (`npm run bench:large` builds it first; run directly, the bench uses whatever
 * dist/ holds, and says when it was built) and the source tree run by Node with the binary's V8 flags.
 *   npm run bench:large                         (as root the devices use standard ports, which nmap needs)
 *   npm run bench:large -- --concurrency 16 --nmap-timeout 300    (--nmap-timeout 0 skips nmap)
 *   npm run bench:large -- --nmap-udp 0                           (nmap TCP only: no -sU, no snmp-sysdescr)
 *   npm run bench:large -- --runs 5                               (scans per agent form; default 3)
 */
import { execFile, execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../report/result.ts';
import type { CellDevice } from '../fixtures/cell.ts';
import { SERVICE_PORTS } from '../probes/services.ts';
import { AGENT_EXEC_ARGV, binaryFile } from '../scripts/build-binary.ts';
import type { FixtureCounts } from './large-cell-devices.ts';

const PREFIX = '127.90.0';
const EMPTY_RANGE = '127.90.1.0/26';
const standard = process.getuid?.() === 0;
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const CONCURRENCY = arg('concurrency', 32);
/** nmap's UDP scan waits out the kernel's ICMP rate limit; past this it is stopped and reported as unfinished. */
const NMAP_TIMEOUT_S = arg('nmap-timeout', 600);
const NMAP_UDP = arg('nmap-udp', 1) !== 0;
/** Scans per form of the agent; figures are given as median (min-max). */
const RUNS = arg('runs', 3);

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function devices(kind: CellDevice['services'][number], count: number, first: number, name: (i: number) => string = (i) => `${kind}-${i}`): CellDevice[] {
  return Array.from({ length: count }, (_, i) => ({
    name: name(i),
    octet: first + i,
    posture: i % 2 === 0 ? 'weak' : 'hardened',
    services: [kind],
    description: `${kind} device ${i}`,
  }));
}

/**
 * The mix: every protocol family with a fixture, in numbers that keep 250 devices. UDP-only
 * devices (SNMP, BACnet/IP) are named as hosts in the config, since UDP is asked only of those or
 * of addresses alive on TCP. Modbus takes what the others leave.
 */
const MIX: readonly (readonly [CellDevice['services'][number], number])[] = [
  ['opcua', 20],
  ['ssh', 30],
  ['s7', 30],
  ['enip', 15],
  ['codesys-v2', 10],
  ['iec104', 10],
  ['dnp3', 10],
  ['snmp', 30],
  ['bacnet', 10],
  ['fins', 4],
  ['melsec', 4],
  ['fox', 4],
  ['pcworx', 4],
  ['proconos', 4],
  ['smb', 4],
  ['rdp', 4],
  ['mqtt', 4],
];
const TOTAL = 250;
const MODBUS = TOTAL - MIX.reduce((n, [, count]) => n + count, 0);

function mixed(): CellDevice[] {
  let octet = 1;
  const take = (kind: CellDevice['services'][number], count: number, name?: (i: number) => string) => {
    const made = devices(kind, count, octet, name);
    octet += count;
    return made;
  };
  // Every other Modbus device is the spec-exact server (the fixture picks it by this name).
  const modbus = take('modbus', MODBUS, (i) => (i % 2 === 0 ? 'modbus-io' : `modbus-${i}`));
  return [...MIX.flatMap(([kind, count]) => take(kind, count)), ...modbus];
}

// Three processes of about the same weight: OPC UA servers are the heaviest, SSH next.
const ALL = mixed();
const GROUPS: CellDevice[][] = [
  ALL.filter((d) => d.services[0] === 'opcua' || d.services[0] === 'ssh'),
  ALL.filter((d) => ['modbus', 's7', 'enip'].includes(d.services[0] ?? '')),
  ALL.filter((d) => !['opcua', 'ssh', 'modbus', 's7', 'enip'].includes(d.services[0] ?? '')),
];

interface Child {
  readonly process: ChildProcess;
  ask<T>(msg: string, key: string): Promise<T>;
}

const ROOT = join(import.meta.dirname, '..');
const USAGE_PRELOAD = join(ROOT, 'bench/agent-usage.cjs');

/** Written by bench/agent-usage.cjs when the agent exits. */
interface AgentUsage {
  /** Peak resident set size in kB (getrusage ru_maxrss, as /proc VmHWM). */
  readonly maxRssKb: number;
  readonly userUs: number;
  readonly systemUs: number;
  /** Peak private (anonymous) memory, sampled every 50 ms. */
  readonly maxAnonKb: number;
  /** Pages of the executable and libraries mapped from the page cache, at exit. */
  readonly fileKb: number;
}

/** One way of running the agent: its command line before the CLI arguments, and its environment. */
interface AgentForm {
  readonly label: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const BINARY = binaryFile('linux-x64');
const FORMS: AgentForm[] = [
  ...(existsSync(BINARY)
    ? [
        {
          label: `single binary (${BINARY.slice(ROOT.length + 1)}, built ${statSync(BINARY).mtime.toISOString().slice(0, 16)}: rebuild after changing the source)`,
          file: BINARY,
          args: [],
          env: { NODE_OPTIONS: `--require ${USAGE_PRELOAD}` },
        },
      ]
    : []),
  { label: 'source tree (node agent/cli.ts)', file: process.execPath, args: [...AGENT_EXEC_ARGV, '--require', USAGE_PRELOAD, 'agent/cli.ts'], env: {} },
];

/** Runs the agent's CLI in its own process; resolves with its own peak RSS and CPU time once it exits. */
function runAgent(form: AgentForm, args: readonly string[], usageFile: string): Promise<AgentUsage & { wallS: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      form.file,
      [...form.args, ...args],
      { cwd: ROOT, env: { ...process.env, ...form.env, CELLCHECK_USAGE_FILE: usageFile }, maxBuffer: 64 * 2 ** 20 },
      (err) => {
        // Exit 1 means the zone has gaps: a normal scan outcome here.
        if (err && err.code !== 1) return reject(new Error(`agent failed: ${err.message.split('\n').slice(0, 3).join(' ')}`));
        resolve({ ...(JSON.parse(readFileSync(usageFile, 'utf8')) as AgentUsage), wallS: (performance.now() - t0) / 1000 });
      },
    );
  });
}

function startChild(group: CellDevice[]): Promise<Child> {
  const child = fork(join(import.meta.dirname, 'large-cell-devices.ts'), [JSON.stringify(group), PREFIX, standard ? 'standard' : 'shifted'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ask = <T>(msg: string, key: string) =>
    new Promise<T>((resolve, reject) => {
      // A device process that dies (a port taken, a fixture failing) must end the bench, not hang it.
      const exited = (code: number | null) => reject(new Error(`device process exited (${code}) while the bench waited for '${key}'`));
      const on = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        child.off('message', on);
        child.off('exit', exited);
        resolve(m[key] as T);
      };
      child.on('message', on);
      child.once('exit', exited);
      if (msg) child.send(msg);
    });
  return ask<unknown>('', 'ready').then(() => ({ process: child, ask }));
}

async function counts(children: readonly Child[]): Promise<FixtureCounts[]> {
  return (await Promise.all(children.map((c) => c.ask<FixtureCounts[]>('counts', 'counts')))).flat();
}

/** Per protocol: devices, connections and requests per device (mean / max), writes, most connections at once. */
function table(before: FixtureCounts[], after: FixtureCounts[]): string[] {
  const rows = new Map<string, { devices: number; conns: number[]; reqs: number[]; writes: number; concurrent: number }>();
  after.forEach((a, i) => {
    const b = before[i] ?? { connections: 0, requests: 0, writes: 0 };
    const row = rows.get(a.protocol) ?? { devices: 0, conns: [], reqs: [], writes: 0, concurrent: 0 };
    row.devices += 1;
    row.conns.push(a.connections - b.connections);
    row.reqs.push(a.requests - b.requests);
    row.writes += a.writes - b.writes;
    row.concurrent = Math.max(row.concurrent, a.maxConcurrent);
    rows.set(a.protocol, row);
  });
  const mean = (xs: number[]) => (xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length)).toFixed(1);
  return [...rows.entries()].map(
    ([p, r]) =>
      `| ${p} | ${r.devices} | ${mean(r.conns)} / ${Math.max(...r.conns)} | ${mean(r.reqs)} / ${Math.max(...r.reqs)} | ${r.writes} | ${r.concurrent} |`,
  );
}

const HEADER = [
  '| service | devices | connections per device (mean / max) | requests per device (mean / max) | writes | most connections at once |',
  '|---|---|---|---|---|---|',
];

const startedAt = performance.now();
const children = await Promise.all(GROUPS.map(startChild));
console.log(
  `Large cell: ${GROUPS.flat().length} devices on ${PREFIX}.1-250 and ${EMPTY_RANGE} (empty), ${standard ? 'standard ports' : 'ports below 1024 moved up by 10000'}; started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
);
const out = mkdtempSync(join(tmpdir(), 'cellcheck-large-'));
try {
  const udpHosts = GROUPS.flat().filter((d) => d.services.includes('snmp') || d.services.includes('bacnet'));
  const shift = (p: number) => (standard || p >= 1024 ? p : p + 10_000);
  const ports = standard
    ? {}
    : {
        ftp: shift(21),
        ssh: shift(22),
        telnet: shift(23),
        http: shift(80),
        s7: shift(102),
        https: shift(443),
        smb: shift(445),
        modbus: shift(502),
        snmp: shift(161),
      };
  const config = {
    zone: { name: 'Large simulated cell', slT: 2 },
    targets: [{ cidr: `${PREFIX}.0/24`, ports }, { cidr: EMPTY_RANGE, ports }, ...udpHosts.map((d) => ({ host: `${PREFIX}.${d.octet}`, ports }))],
    probes: { snmp: { communities: ['public'] } },
    scan: { concurrency: CONCURRENCY, connectTimeoutMs: 500, stepTimeoutMs: 1500 },
  };
  // JSON is YAML; owner-only because it holds an SNMP community.
  const configFile = join(out, 'large-cell.yaml');
  writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
  const usageFile = join(out, 'usage.json');
  let wall = 0;
  for (const form of FORMS) {
    const idle = await runAgent(form, ['scan', '--config', configFile, '--plan', '--format', 'json'], usageFile);
    // Peak RSS moves with GC timing from run to run: the scan is repeated and spread is shown.
    const scans: { used: AgentUsage & { wallS: number }; result: Result; before: FixtureCounts[]; after: FixtureCounts[] }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const runs = join(out, `runs-${FORMS.indexOf(form)}-${i}`);
      const before = await counts(children);
      const used = await runAgent(form, ['scan', '--config', configFile, '--out', runs, '--quiet'], usageFile);
      const after = await counts(children);
      const result = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0] ?? '', 'result.json'), 'utf8')) as Result;
      scans.push({ used, result, before, after });
    }
    const first = scans[0];
    if (!first) throw new Error('--runs must be at least 1');
    const walls = scans.map((x) => (Date.parse(x.result.finishedAt) - Date.parse(x.result.collectedAt)) / 1000);
    // The agent as deployed (listed first) is the one compared with nmap.
    if (wall === 0) wall = median(walls);
    const spread = (xs: number[], digits: number, unit: string) =>
      xs.length === 1
        ? `${xs[0]?.toFixed(digits)} ${unit}`
        : `${median(xs).toFixed(digits)} ${unit} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
    const mb = (kb: number) => kb / 1024;
    console.log(
      `\n## Agent, ${form.label} (concurrency ${CONCURRENCY}): ${first.result.devices.length} devices found on ${first.result.summary.addressesPlanned} addresses; median (min-max) of ${RUNS} scan(s)`,
    );
    console.log('| figure | value | target |');
    console.log('|---|---|---|');
    console.log(`| wall time of the scan (collectedAt to finishedAt) | ${spread(walls, 1, 's')} | <= 30 s |`);
    console.log(
      `| wall time of the agent process (start to exit) | ${spread(
        scans.map((x) => x.used.wallS),
        1,
        's',
      )} | |`,
    );
    console.log(
      `| CPU time of the agent process (user + system) | ${spread(
        scans.map((x) => (x.used.userUs + x.used.systemUs) / 1e6),
        1,
        's',
      )} | |`,
    );
    console.log(
      `| peak RSS of the agent process | ${spread(
        scans.map((x) => mb(x.used.maxRssKb)),
        0,
        'MB',
      )} | <= 150 MB |`,
    );
    console.log(
      `| of which peak private memory (RssAnon, sampled) | ${spread(
        scans.map((x) => mb(x.used.maxAnonKb)),
        0,
        'MB',
      )} | |`,
    );
    console.log(
      `| of which code mapped from the page cache (RssFile, at exit) | ${spread(
        scans.map((x) => mb(x.used.fileKb)),
        0,
        'MB',
      )} | |`,
    );
    console.log(`| peak RSS of the same CLI planning only (scan --plan: modules, no probe) | ${mb(idle.maxRssKb).toFixed(0)} MB | |`);
    console.log(`\nThe first scan, as the devices counted it:\n${[...HEADER, ...table(first.before, first.after)].join('\n')}`);
  }

  try {
    if (NMAP_TIMEOUT_S <= 0) throw new Error('skipped (--nmap-timeout 0)');
    execFileSync('nmap', ['--version'], { stdio: 'ignore' });
    const tcp = Object.values(SERVICE_PORTS).map(shift).join(',');
    const scripts = ['s7-info', 'modbus-discover', ...(NMAP_UDP ? ['snmp-sysdescr'] : []), 'ssh2-enum-algos', 'banner'].join(',');
    const scan = NMAP_UDP ? ['-sT', '-sU', '-p', `T:${tcp},U:${shift(161)}`] : ['-sT', '-p', tcp];
    const args = ['-Pn', '-n', ...scan, '--script', scripts, '-oN', '/dev/null', `${PREFIX}.0/24`, EMPTY_RANGE];
    const nBefore = await counts(children);
    const n0 = performance.now();
    let finished = true;
    try {
      execFileSync('nmap', args, { stdio: 'ignore', timeout: NMAP_TIMEOUT_S * 1000, killSignal: 'SIGKILL' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw err;
      finished = false;
    }
    const nmapWall = (performance.now() - n0) / 1000;
    const nAfter = await counts(children);
    console.log(`\n## nmap ${args.join(' ')}`);
    console.log(`| wall time | ${finished ? '' : 'more than '}${nmapWall.toFixed(1)} s${finished ? '' : ' (stopped unfinished)'} |`);
    console.log(`\n${[...HEADER, ...table(nBefore, nAfter)].join('\n')}`);
    console.log(`\nAgent / nmap wall time: ${finished ? '' : 'below '}${(wall / nmapWall).toFixed(3)} (below 1 means the agent is faster)`);
  } catch (err) {
    console.log(`\nnmap not run: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (apt-get install -y nmap)`);
  }
} finally {
  for (const c of children) c.process.send('close');
  rmSync(out, { recursive: true, force: true });
}

/**
 * `npm run bench:binary`: the single binary against `node agent/cli.ts` from source. Builds the
 * Linux binary, then prints its size, the `--help` start time (median of 15) and the wall time of
 * a full scan of the simulated cell (median of 3) on 127.86.9.0/24, with ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CELL_DEVICES, HOST_CELL_DEVICES, startCell } from '../fixtures/cell.ts';
import { binaryFile } from '../scripts/build-binary.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BINARY = binaryFile('linux-x64');
const SOURCE = [process.execPath, join(ROOT, 'agent/cli.ts')] as const;

/** Last stdout per command line, to check that both builds judged the cell alike. */
const lastOutput = new Map<string, string>();

function timeMs(command: readonly string[], cwd: string): number {
  const [file = '', ...args] = command;
  const started = performance.now();
  const r = spawnSync(file, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - started;
  // 0 no gap, 1 gaps found: both are a finished scan.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command.join(' ')} exited ${r.status}`);
  lastOutput.set(command[0] === BINARY ? 'binary' : 'source', r.stdout.toString());
  return ms;
}

/** Devices, their SL-C and gap count: what must not differ between the two builds. */
function verdicts(json: string | undefined): string {
  const result = JSON.parse(json ?? '{}') as { devices?: { address: string; slC?: unknown }[]; summary?: { gaps?: number } };
  return JSON.stringify({ devices: result.devices?.map((d) => [d.address, d.slC]), gaps: result.summary?.gaps });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const repeat = (n: number, f: () => number) => median(Array.from({ length: n }, f));

const buildStarted = performance.now();
execFileSync(process.execPath, [join(ROOT, 'scripts/build-binary.ts')], { stdio: 'ignore' });
const buildMs = performance.now() - buildStarted;

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-bench-binary-'));
// The demo's devices (the simulated cell and the replayed Linux hosts), on this bench's own addresses.
const cell = await startCell({ prefix: '127.86.9', devices: [...CELL_DEVICES, ...HOST_CELL_DEVICES] });
try {
  writeFileSync(join(dir, 'zone.yaml'), cell.config);
  const help = { binary: repeat(15, () => timeMs([BINARY, '--help'], dir)), source: repeat(15, () => timeMs([...SOURCE, '--help'], dir)) };
  const scanArgs = ['scan', '--config', 'zone.yaml', '--out', 'runs', '--quiet', '--format', 'json'];
  const scan = { binary: repeat(3, () => timeMs([BINARY, ...scanArgs], dir)), source: repeat(3, () => timeMs([...SOURCE, ...scanArgs], dir)) };
  const mib = (file: string) => (existsSync(file) ? `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB` : 'not built');
  const rows: [string, string, string, string][] = [
    ['figure', 'binary', 'node from source', 'binary / source'],
    ['size', mib(BINARY), `${mib(process.execPath)} (node) + node_modules`, ''],
    ['--help start (median of 15)', `${help.binary.toFixed(0)} ms`, `${help.source.toFixed(0)} ms`, (help.binary / help.source).toFixed(2)],
    [
      `full scan, ${cell.devices.length} devices on /26 (median of 3)`,
      `${(scan.binary / 1000).toFixed(2)} s`,
      `${(scan.source / 1000).toFixed(2)} s`,
      (scan.binary / scan.source).toFixed(2),
    ],
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`);
  process.stdout.write(`\nbuild of the linux-x64 binary (bundle + blob + inject): ${(buildMs / 1000).toFixed(1)} s; win-x64: ${mib(binaryFile('win-x64'))}\n`);
  const [fromBinary, fromSource] = [verdicts(lastOutput.get('binary')), verdicts(lastOutput.get('source'))];
  const devices = (JSON.parse(fromSource) as { devices?: unknown[] }).devices?.length ?? 0;
  process.stdout.write(`same devices, SL-C and gaps from both: ${fromBinary === fromSource && devices > 0 ? `yes (${devices} devices)` : 'NO'}\n`);
  process.stdout.write(`Node ${process.version}, ${process.platform}-${process.arch}\n`);
} finally {
  await cell.close();
  rmSync(dir, { recursive: true, force: true });
}

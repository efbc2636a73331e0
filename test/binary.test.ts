import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_DEVICES, type RunningCell, startCell } from '../fixtures/cell.ts';
import { binaryFile } from '../scripts/build-binary.ts';
import { runProcess } from './run-process.ts';

// Loopback range of this file (test/addresses.ts): cell on 127.86.7.x.
const BINARY = binaryFile('linux-x64');
const built = existsSync(BINARY);
if (!built) console.warn(`test/binary.test.ts skipped: ${BINARY} is not built (npm run build:binary)`);

/** An empty folder: no package.json, no node_modules, nothing of the source tree. */
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-binary-'));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // PATH without node_modules/.bin: the binary must not need a node of its own.
  return runProcess(BINARY, args, { cwd: dir, env: { PATH: '/usr/bin:/bin', NO_COLOR: '1', HOME: dir } });
}

let cell: RunningCell | undefined;
beforeAll(async () => {
  if (built) cell = await startCell({ prefix: '127.86.7', devices: CELL_DEVICES.filter((d) => ['modbus-io', 'hmi-weak', 'switch-weak'].includes(d.name)) });
}, 60_000);
afterAll(async () => {
  await cell?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!built)('the single binary, run from an empty folder', () => {
  it('starts, and says the simulated cell needs the source tree', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cellcheck agent');
    expect((await run(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const demo = await run(['demo']);
    expect(demo.code).toBe(2);
    // Said once, first: nothing about starting a cell the binary does not have.
    expect(demo.stderr).toBe(
      'cellcheck: the simulated cell is not part of the single binary: run "npm run demo" in a source checkout, or scan your own zone with "scan --config FILE"\n',
    );
  });

  it('scans simulated devices (Modbus, banners, SNMP, SSH), signs the result and verifies it', async () => {
    expect((await run(['keygen', '--out', 'keys'])).code).toBe(0);
    writeFileSync(join(dir, 'zone.yaml'), cell?.config ?? '');
    const scan = await run(['scan', '--config', 'zone.yaml', '--out', 'runs', '--key', 'keys/signing.key', '--format', 'json', '--quiet']);
    expect(scan.code).toBe(1);
    const result = JSON.parse(scan.stdout) as { runId: string; devices: { address: string; services: { protocol: string }[] }[] };
    expect(result.devices.map((d) => d.address).sort()).toEqual(['127.86.7.20', '127.86.7.32', '127.86.7.40']);
    const protocols = new Set(result.devices.flatMap((d) => d.services.map((s) => s.protocol)));
    for (const p of ['modbus', 'telnet', 'ftp', 'http', 'vnc', 'snmp', 'ssh']) expect(protocols).toContain(p);
    expect(readdirSync(join(dir, 'runs', result.runId))).toContain('result.signed.json');
    const verify = await run(['verify', join('runs', result.runId), '--key', 'keys/signing.pub']);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`verified: run ${result.runId}`);
  });
});

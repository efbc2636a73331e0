/**
 * `cellcheck demo` from the source tree, as a new user runs it: two demos on one host each find
 * free addresses, and when every block is taken the demo says so in one line (exit 2). Each demo
 * gets its own TMPDIR, so a temporary folder left behind shows.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-demo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A demo in its own folder and TMPDIR; resolves with what it printed and what it left in TMPDIR. */
async function demo(name: string) {
  const cwd = join(dir, name);
  const tmp = join(cwd, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const r = await runCli(['demo', '--format', 'json'], cwd, { TMPDIR: tmp });
  return { ...r, leftInTmp: readdirSync(tmp) };
}

/** The block (`127.77.N`) the demo's result lists its devices in. */
const blockOf = (stdout: string): string => {
  const doc = JSON.parse(stdout) as { devices: { address: string }[] };
  return doc.devices[0]?.address.split('.').slice(0, 3).join('.') ?? '';
};

describe('cellcheck demo', () => {
  it('two demos at once each run on a block of their own, and leave no temporary folder', { timeout: 90_000 }, async () => {
    const [a, b] = await Promise.all([demo('a'), demo('b')]);
    for (const r of [a, b]) {
      expect(r.stderr).not.toContain('EADDRINUSE');
      expect(r.code).toBe(1); // the demo cell has gaps
      expect(r.leftInTmp).toEqual([]);
    }
    expect(blockOf(a.stdout)).not.toBe(blockOf(b.stdout));
    // Matched against the shipped CISA advisories, the plant families' vendors included.
    const matched = (JSON.parse(a.stdout) as { devices: { name?: string; vulnerabilities?: { advisory: { id: string } }[] }[] }).devices.flatMap((d) =>
      (d.vulnerabilities ?? []).map((v) => `${d.name} ${v.advisory.id}`),
    );
    expect(matched).toEqual(
      expect.arrayContaining(['plc-enip ICSA-24-284-20', 'plc-omron ICSA-23-262-05', 'jace-hardened ICSA-20-224-03', 'switch-weak ICSA-23-222-08']),
    );
    expect(`${a.stderr}${b.stderr}`).toMatch(/127\.77\.\d\.0\/26 has an address in use \(another demo\?\): starting the cell on 127\.77\.\d\.0\/26\.\.\./);
  });

  it('says in one line that every block is taken (exit 2), and leaves nothing behind', { timeout: 90_000 }, async () => {
    // The weak OPC UA server's address and port in every block.
    const held: Server[] = [];
    try {
      for (let block = 0; block < 8; block++) {
        const server = createServer();
        await new Promise<void>((listening) => server.listen(4840, `127.77.${block}.10`, listening));
        held.push(server);
      }
      const r = await demo('taken');
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(r.stderr.trim().split('\n').at(-1)).toBe(
        'cellcheck: every demo block from 127.77.0.0/26 to 127.77.7.0/26 has an address in use (other demos running?): stop one and run the demo again',
      );
      expect(r.leftInTmp).toEqual([]);
    } finally {
      for (const server of held) server.close();
    }
  });
});

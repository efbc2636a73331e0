import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { startModbusSpecFixture } from '../../fixtures/modbus/spec-server.ts';
import { modbusDeviceIdProbe } from '../../probes/modbus/probe.ts';
import type { ProbeDefinition } from '../../probes/types.ts';
import type { TranscriptEntry } from '../../probes/transcript.ts';
import { collect } from './collect.ts';
import { parseConfig } from '../config/config.ts';
import { loadJudge } from '../judge/judge-loader.ts';
import { runScan, ScanAborted } from './run-scan.ts';
import { RUN_FILES, transcriptFileName } from '../run-dir/rundir.ts';
import { planTargets } from './targets.ts';

const HOSTS = ['127.91.0.1', '127.91.0.2'] as const;
const PORT = 15020;
const probes: ProbeDefinition[] = [modbusDeviceIdProbe];
const config = parseConfig(
  {
    zone: { name: 'spool', slT: 2 },
    targets: HOSTS.map((host) => ({ host, ports: { modbus: PORT } })),
    scan: { concurrency: 1, connectTimeoutMs: 300, stepTimeoutMs: 500 },
  },
  'spool',
);

describe('transcripts leave memory as each device finishes', () => {
  let fixtures: RunningFixture[] = [];
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'cellcheck-spool-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    fixtures = await Promise.all(HOSTS.map((host, i) => startModbusSpecFixture({ host, port: PORT, objects: { 0: `Vendor ${i}`, 1: 'P-1', 2: 'V1.0' } })));
  });
  afterAll(async () => {
    for (const f of fixtures) await f.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('collect hands over a device transcript before the next device starts, and keeps none itself', async () => {
    const events: string[] = [];
    const spooled = new Map<string, readonly TranscriptEntry[]>();
    const collected = await collect(planTargets(config), config, {
      probes,
      now: () => new Date(0),
      onProgress: (e) => {
        if (e.type === 'device-start') events.push(`start ${e.address}`);
      },
      spoolTranscript: (address, entries) => {
        events.push(`spool ${address}`);
        spooled.set(address, entries);
      },
    });
    expect(events).toEqual([`start ${HOSTS[0]}`, `spool ${HOSTS[0]}`, `start ${HOSTS[1]}`, `spool ${HOSTS[1]}`]);
    expect(collected.transcripts.size).toBe(0);
    expect(spooled.get(HOSTS[0])?.some((e) => e.op === 'modbus.read-device-id')).toBe(true);
  });

  it("runScan writes the spooled transcripts into the run directory, ignores a crashed run's leftovers, and leaves no staging folder", async () => {
    const out = tmp();
    // What a crash during an earlier attempt at the same run id left behind.
    mkdirSync(join(out, '.spool-run.partial', RUN_FILES.transcripts), { recursive: true });
    writeFileSync(join(out, '.spool-run.partial', RUN_FILES.transcripts, transcriptFileName('127.91.0.9')), '{}\n');
    const { runDir } = await runScan({ config, outDir: out, probes, judge: loadJudge(), runId: 'spool-run' });
    expect(readdirSync(out)).toEqual(['spool-run']);
    expect(readdirSync(join(runDir, RUN_FILES.transcripts)).sort()).toEqual(HOSTS.map(transcriptFileName));
    for (const host of HOSTS) {
      const lines = readFileSync(join(runDir, RUN_FILES.transcripts, transcriptFileName(host)), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines.map((l) => (JSON.parse(l) as TranscriptEntry).seq)).toEqual(lines.map((_, i) => i + 1));
    }
  });

  it('an aborted scan leaves nothing behind, not even the spooled transcripts', async () => {
    const out = tmp();
    const stop = new AbortController();
    const scan = runScan({
      config,
      outDir: out,
      probes,
      judge: loadJudge(),
      onProgress: (e) => e.type === 'device-done' && stop.abort(new Error('stopping')),
      signal: stop.signal,
    });
    await expect(scan).rejects.toBeInstanceOf(ScanAborted);
    expect(readdirSync(out)).toEqual([]);
  });
});

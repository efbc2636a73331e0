/**
 * Child process of bench/large-cell.ts: starts its share of the large simulated cell, reports
 * readiness, then on request the fixtures' own counts (connections, requests, write requests).
 * Devices run apart from the agent so the agent's RSS and CPU time are its own.
 */
import { type CellDevice, startCell } from '../fixtures/cell.ts';

const devices = JSON.parse(process.argv[2] ?? '[]') as CellDevice[];
const cell = await startCell({ prefix: process.argv[3] ?? '127.90.0', devices, standardPorts: process.argv[4] === 'standard' });

export interface FixtureCounts {
  readonly device: string;
  readonly protocol: string;
  readonly connections: number;
  readonly requests: number;
  readonly writes: number;
  readonly maxConcurrent: number;
}

const counts = (): FixtureCounts[] =>
  cell.devices.flatMap((d) =>
    d.fixtures.map((f, i) => ({
      device: d.device.name,
      protocol: d.device.services[i] ?? f.name,
      connections: f.log.connections,
      requests: f.log.requests.length,
      writes: f.log.count('write'),
      maxConcurrent: f.log.maxConcurrent,
    })),
  );

// A bench that dies must not leave 250 listeners behind.
process.on('disconnect', () => void cell.close().finally(() => process.exit(0)));
process.on('message', async (msg: string) => {
  if (msg === 'counts') process.send?.({ counts: counts() });
  if (msg === 'close') {
    await cell.close();
    process.exit(0);
  }
});
process.send?.({ ready: cell.devices.map((d) => ({ name: d.device.name, host: d.host, ports: d.ports })) });

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plantBoundaries } from '../console/boundary-view.ts';
import { reachabilityFor } from '../console/reachability-api.ts';
import { ConsoleStore } from '../console/store.ts';
import { zoneMapPage } from '../console/web/zone-pages.ts';
import { deviceBoundarySection, plantNow, zoneBoundarySection } from '../console/web/zone-routes.ts';
import { proposeModel } from '../console/zone-model-store.ts';
import type { ZoneModel } from '../profiles/zone-model.ts';
import { newSigningKeyPair, parsePrivateKey } from '../report/keys.ts';
import { signResult } from '../report/sign.ts';
import { plantResult } from '../test/setup/zone-plant.ts';

/**
 * What the console's side of the zone-boundary check costs (issue 21), on SQLite, without the
 * network: Z zones of D devices with three TCP services each, one approved model; the time to
 * build one zone's reachability answer, one zone's boundary section, one device's, the boundary of every zone and the map.
 * `node bench/zone-console.ts [ZONES] [DEVICES]` (default 20 100). Addresses 10.z.0.d are data only.
 */
const ZONES = Number(process.argv[2] ?? 20);
const DEVICES = Number(process.argv[3] ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-zone-bench-'));
const store = await ConsoleStore.open(join(dir, 'console.db'));
try {
  const model: ZoneModel = {
    zones: Array.from({ length: ZONES }, (_, z) => ({
      name: `zone-${z}`,
      ranges: [`10.${z}.0.0/24`],
      conduits: [{ to: `zone-${(z + 1) % ZONES}`, ports: [4840], purpose: 'OPC UA' }],
    })),
  };
  const proposal = await proposeModel(store, model, 'bench', { user: 'a', role: 'engineer' }, new Date());
  await store.proposals.approve(proposal.id, { user: 'b', role: 'engineer' }, new Date());
  const key = parsePrivateKey(newSigningKeyPair().privatePem, 'k');
  for (let z = 0; z < ZONES; z++) {
    const devices = Array.from({ length: DEVICES }, (_, d) => ({ address: `10.${z}.0.${d + 1}`, tcp: [22, 80, 502] }));
    const result = plantResult({ runId: `run-${z}`, zone: `zone-${z}`, agentId: 'bench', collectedAt: '2026-03-01T08:00:00.000Z', devices });
    const at = new Date().toISOString();
    await store.insertRun(
      {
        runId: result.runId,
        agentId: 'bench',
        kid: 'k',
        zone: result.zone.name,
        collectedAt: result.collectedAt,
        receivedAt: at,
        payloadSha256: '-',
        devices: result.devices.map((d) => d.address),
        gaps: 0,
        verification: { status: 'verified', alg: 'EdDSA', kid: 'k', verifiedAt: at },
      },
      JSON.stringify(await signResult(result, key)),
      result,
    );
  }
  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const out = await work();
    process.stdout.write(`${label}: ${(performance.now() - start).toFixed(1)} ms\n`);
    return out;
  };
  await reachabilityFor(store, 'zone-0');
  const answer = await timed(`reachability answer, ${ZONES} zones x ${DEVICES} devices`, () => reachabilityFor(store, 'zone-0'));
  const pairs = answer?.view.destinations.reduce((n, d) => n + d.ports.length, 0) ?? 0;
  process.stdout.write(
    `  ${answer?.view.destinations.length} destinations, ${pairs} pairs, ${answer?.cut} cut, ${JSON.stringify(answer?.view).length} bytes\n`,
  );
  await timed("one zone's boundary section (zone page)", async () => String(await zoneBoundarySection(store, 'zone-0')).length);
  await timed("one device's violations section (device page)", async () => String(await deviceBoundarySection(store, '10.0.0.1')).length);
  const plant = await timed('boundary of every zone (map)', async () => {
    const { inForce, latest } = await plantNow(store);
    return { inForce, boundaries: plantBoundaries(inForce?.model, latest) };
  });
  await timed('zone map page', async () => zoneMapPage({}, plant.inForce, plant.boundaries).length);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

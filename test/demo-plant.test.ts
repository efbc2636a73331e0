import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../agent/config/config.ts';
import { judgeBoundary } from '../agent/judge/boundary.ts';
import { checkReachability, planReachability } from '../agent/scan/reachability.ts';
import type { RunningCell } from '../fixtures/cell.ts';
import { SCADA_ZONE, startDemoPlant } from '../fixtures/plant.ts';
import { TEST_RANGES } from './addresses.ts';

/** `cellcheck demo --plant`: its config and its SCADA zone show one violation and one verified conduit. */
const prefix = TEST_RANGES.demoPlant.range;
let plant: RunningCell;
beforeAll(async () => {
  plant = await startDemoPlant(prefix);
}, 60_000);
afterAll(() => plant?.close());

describe('demo plant', () => {
  it("the cell's zone-boundary check finds the workstation's VNC and verifies the OPC UA conduit", async () => {
    const config = parseConfigText(plant.config, 'built-in demo config');
    expect(config.zone.cidrs).toEqual([`${prefix}.0/26`]);
    const plan = planReachability(config);
    if (!plan) throw new Error('the demo plant opts in to the check');
    const { facts } = await checkReachability(plan, config);
    const judged = judgeBoundary(config.zone.name, facts, []);
    expect(judged.boundaryViolations?.map((v) => `${v.host}:${v.port} ${v.zone}`)).toEqual([`${prefix}.71:5900 ${SCADA_ZONE}`]);
    expect(judged.boundary?.conduits.map((c) => c.use)).toEqual(['verified']);
    expect(facts.paths.filter((p) => p.state === 'refused').map((p) => `${p.host}:${p.port}`)).toEqual([`${prefix}.70:5900`, `${prefix}.71:4840`]);
  });
});

import { boundaryViolations, conduitUse, type ReachabilityFacts } from '../../profiles/zone-model.ts';
import type { DeviceResult, Result } from '../../report/result.ts';

const DUAL_HOMED_CHECK = 'snmp.single-zone';

/** Devices whose interface addresses reach outside the zone's ranges, as the SNMP check saw them. */
function dualHomed(devices: readonly DeviceResult[]): NonNullable<Result['boundary']>['dualHomed'] {
  return devices.flatMap((d) => {
    const check = d.checks.find((c) => c.id === DUAL_HOMED_CHECK && c.status === 'fail');
    const outside = (check?.observed as { outside?: unknown } | undefined)?.outside;
    return check ? [{ address: d.address, outside: Array.isArray(outside) ? outside.map(String) : [] }] : [];
  });
}

/**
 * The zone-boundary part of the result: every path tried, the reachable ones no conduit allows,
 * each conduit's use, what was not tried, and the devices that bridge the boundary themselves.
 * Without the check's facts (no opt-in) the result stays as it was.
 */
export function judgeBoundary(
  zone: string,
  facts: ReachabilityFacts | undefined,
  devices: readonly DeviceResult[],
): Pick<Result, 'reachability' | 'boundaryViolations' | 'boundary'> {
  if (!facts) return {};
  const view = { zone, ranges: facts.ranges, conduits: facts.conduits };
  return {
    reachability: facts.paths,
    boundaryViolations: boundaryViolations(view, facts.paths),
    boundary: {
      source: facts.source,
      conduits: conduitUse(facts.conduits, facts.paths),
      unchecked: facts.unchecked,
      dualHomed: dualHomed(devices),
      ...(facts.notice ? { notice: facts.notice } : {}),
    },
  };
}

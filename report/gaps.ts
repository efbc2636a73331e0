import type { CheckResult, Gap } from '../profiles/model.ts';
import type { DeviceResult, Result } from './result.ts';

/** Every gap of the zone, the ones holding an FR furthest below its target first. */
export function rankedGaps(result: Result): { device: DeviceResult; gap: Gap }[] {
  const gaps = result.devices.flatMap((device) => device.gaps.map((gap) => ({ device, gap })));
  return gaps.sort((a, b) => b.gap.levelsBelowTarget - a.gap.levelsBelowTarget || a.gap.fr - b.gap.fr);
}

/** Why a gap is there: the failing checks that refuted the requirement. */
export function gapCauses(device: DeviceResult, requirement: string): CheckResult[] {
  return device.checks.filter((c) => c.status === 'fail' && c.requirements.includes(requirement));
}

import { compareGaps } from '../profiles/score.ts';
import type { CheckResult, Gap } from '../profiles/model.ts';
import type { DeviceResult, Result } from './result.ts';

/** Every gap of the zone, in the scorer's order (profiles/score.ts compareGaps) across devices. */
export function rankedGaps(result: Result): { device: DeviceResult; gap: Gap }[] {
  const gaps = result.devices.flatMap((device) => device.gaps.map((gap) => ({ device, gap })));
  return gaps.sort((a, b) => compareGaps(a.gap, b.gap));
}

/** A failing check as the problem it found ("Telnet service open"); results of agents before problems were worded give the expected state. */
export const problemOf = (c: Pick<CheckResult, 'problem' | 'title'>): string => c.problem ?? c.title;

/** A device as people of the plant name it: the address, and the configured name beside it. */
export const deviceLabel = (d: { address: string; name?: string | undefined }): string => (d.name ? `${d.address} (${d.name})` : d.address);

/** Why a gap is there: the failing checks that refuted the requirement. */
export function gapCauses(device: DeviceResult, requirement: string): CheckResult[] {
  return device.checks.filter((c) => c.status === 'fail' && c.requirements.includes(requirement));
}

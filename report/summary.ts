import type { DeviceResult, Result } from './result.ts';

/** A result's summary from its devices: what `judgeRun` writes and what the console recomputes after weighing answers. */
export function resultSummary(devices: readonly DeviceResult[], addressesPlanned: number): Result['summary'] {
  const worst = Array.from({ length: 7 }, (_, i) => (devices.length === 0 ? 0 : Math.min(...devices.map((d) => d.slC.demonstrated[i] ?? 0))));
  return {
    addressesPlanned,
    devicesFound: devices.length,
    devicesMeetingTarget: devices.filter((d) => d.meetsTarget).length,
    gaps: devices.reduce((n, d) => n + d.gaps.length, 0),
    compensated: devices.reduce((n, d) => n + d.compensated.length, 0),
    worstDemonstrated: worst,
    worstDevices: worst.map((level, i) => ({
      fr: i + 1,
      demonstrated: level,
      devices: devices.filter((d) => d.slC.demonstrated[i] === level).map((d) => d.address),
    })),
  };
}

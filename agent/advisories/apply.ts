import { matchDevice } from '../../profiles/advisories/match.ts';
import type { Result } from '../../report/result.ts';
import type { LoadedStore } from './store.ts';

/**
 * Adds each device's known vulnerabilities to a result. Findings inform patch priority; they
 * change no check, requirement or SL-C figure.
 */
export function withVulnerabilities(result: Result, store: LoadedStore): Result {
  const devices = result.devices.map((device) => {
    const { coverage, findings } = matchDevice(device.identity, store.index);
    return { ...device, vulnerabilities: findings, vulnerabilityCoverage: coverage };
  });
  const affected = devices.filter((d) => d.vulnerabilities.some((f) => f.status === 'affected'));
  return {
    ...result,
    devices,
    advisories: {
      store: store.path,
      advisories: store.index.advisories.length,
      ...(store.newestRelease ? { newestRelease: store.newestRelease } : {}),
      devicesAffected: affected.length,
      findingsAffected: devices.reduce((n, d) => n + d.vulnerabilities.filter((f) => f.status === 'affected').length, 0),
    },
  };
}

import { z } from 'zod';
import { CodesysV2Facts } from '../../probes/codesys/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, factsOrVerdict, type RegisteredCheckKind, type Verdict } from './types.ts';

const PROBE_ID = 'codesys.v2-identify';
/** Discovery's names of the CODESYS V3 runtime and gateway ports (probes/services.ts). */
const V3_SERVICES = ['codesys-v3', 'codesys-gateway'];

const openPorts = (device: DeviceView, services: readonly string[]) =>
  device.services.filter((s) => services.includes(s.protocol) && s.transport === 'tcp').map((s) => ({ port: s.port, service: s.protocol }));

/**
 * The CoDeSys V2 runtime protocol has no authentication or integrity of its own (its online
 * password is optional and travels in a reversible form): whoever reaches TCP 2455 or 1200 can
 * download and start programs. Fails when a V2 runtime answered the identification without a
 * login. CODESYS V3 (11740, gateway 1217) can enforce user management and encrypted communication,
 * which only an opened channel would show, so a V3 port alone leaves the check unknown.
 */
const accessAuthenticated = defineCheckKind({
  id: 'codesys.access-authenticated',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = factsOrVerdict(device, PROBE_ID, CodesysV2Facts, 'codesys-v2', { port: 'CoDeSys V2', absent: 'no CODESYS service found' });
    if (!('status' in found)) {
      return {
        status: 'fail',
        observed: { protocol: 'codesys-v2', ports: found.facts.map((f) => f.port), identifiedWithoutLogin: true, authentication: 'none', integrity: 'none' },
        expected: { protocol: 'codesys-v2', ports: [] },
        evidence: found.evidence,
      };
    }
    const v3 = openPorts(device, V3_SERVICES);
    if (v3.length === 0 || found.status === 'unknown') return found;
    return {
      status: 'unknown',
      observed: { openPorts: v3 },
      reason: 'CODESYS V3 is reachable; whether it enforces user management and encrypted communication needs a channel, which this agent does not open',
    };
  },
});

export const codesysCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated];

/**
 * Identity claims from the V2 identification: the OS (name and version) and the product text.
 * No vendor is claimed: the product text names a device maker or 3S, not reliably either.
 */
export const codesysIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE_ID, CodesysV2Facts);
  if (found.state !== 'ok') return [];
  return found.facts.flatMap(({ facts }): IdentityClaim[] => [
    { field: 'os', value: `${facts.osName} ${facts.osVersion}`.trim(), source: PROBE_ID },
    { field: 'product', value: facts.productType, source: PROBE_ID },
  ]);
};

import { z } from 'zod';
import { BacnetFacts } from '../../probes/bacnet/facts.ts';
import type { DeviceView } from '../device-view.ts';
import { type Answered, identityFrom } from './open-identification.ts';
import { defineCheckKind, type RegisteredCheckKind, udpUnavailableVerdict, type Verdict } from './types.ts';

const PROBE = 'bacnet.device';

/** The probe's facts, or the verdict without them: not probed or nothing listening is not-applicable. */
function bacnetFacts(device: DeviceView): Answered<BacnetFacts> | Verdict {
  const found = device.facts(PROBE, BacnetFacts);
  if (found.state === 'absent') return { status: 'not-applicable', reason: 'BACnet/IP was not probed on this device' };
  if (found.state === 'unavailable') return udpUnavailableVerdict(PROBE, found, 'no BACnet/IP answer: the device does not appear to run BACnet/IP');
  return found;
}

/**
 * BACnet/IP has no authentication or encryption: anyone who reaches UDP 47808 can read and write
 * any object. Only BACnet Secure Connect (TLS over WebSockets) protects it, and it never answers
 * on BACnet/IP, so a device that answered fails; one that did not is not-applicable.
 */
const accessAuthenticated = defineCheckKind({
  id: 'bacnet.access-authenticated',
  params: z.object({}).strict(),
  evaluate(device): Verdict {
    const found = bacnetFacts(device);
    if ('status' in found) return found;
    return {
      status: 'fail',
      observed: { protocol: 'bacnet-ip', ports: found.facts.map((f) => f.port), authentication: 'none', confidentiality: 'none' },
      expected: { protocol: 'bacnet-sc', ports: [] },
      evidence: found.evidence,
    };
  },
});

const IdentityProperty = z.enum(['modelName', 'firmwareRevision', 'applicationSoftwareVersion']);

/**
 * Model and versions anyone can read let an attacker match advisories without touching anything
 * else. Passes only with positive evidence: the device refused each listed property with an Error.
 */
const identityHidden = defineCheckKind({
  id: 'bacnet.identity-hidden',
  params: z.object({ properties: z.array(IdentityProperty).min(1) }).strict(),
  evaluate(device, params): Verdict {
    const found = bacnetFacts(device);
    if ('status' in found) return found;
    const all = found.facts.map((f) => f.facts);
    const { evidence } = found;
    const readable = params.properties.filter((p) => all.some((f) => f.properties[p] !== undefined));
    const expected = { readableWithoutAuthentication: [] };
    if (readable.length > 0) return { status: 'fail', observed: { readableWithoutAuthentication: readable }, expected, evidence };
    const refused = params.properties.every((p) => all.some((f) => f.unread.some((u) => u.property === p && u.reason.startsWith('Error'))));
    if (!refused) return { status: 'unknown', evidence, reason: 'the listed properties were neither read nor refused by the device' };
    return { status: 'pass', observed: { readableWithoutAuthentication: [] }, expected, evidence };
  },
});

export const bacnetCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/**
 * Identity claims from the Device object. The application software version (a controller's
 * program, a Niagara station's release) is the other version advisories name: kept as a firmware
 * alternative behind the firmware revision.
 */
export const bacnetIdentity = identityFrom(PROBE, BacnetFacts, ({ properties: p }) => [
  ['vendor', p.vendorName],
  ['model', p.modelName],
  ['firmware', p.firmwareRevision],
  ['firmware', p.applicationSoftwareVersion],
  ['name', p.objectName],
]);

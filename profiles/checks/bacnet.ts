import { z } from 'zod';
import { BacnetFacts } from '../../probes/bacnet/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import type { Evidence, RegisteredCheckKind, Verdict } from './types.ts';
import { defineCheckKind } from './types.ts';

const PROBE = 'bacnet.device';

/** Shared front part of every BACnet kind: not probed or nothing listening -> not-applicable, no facts -> unknown. */
function withFacts(device: DeviceView, judge: (facts: readonly BacnetFacts[], ports: readonly number[], evidence: readonly Evidence[]) => Verdict): Verdict {
  const found = device.facts(PROBE, BacnetFacts);
  if (found.state === 'absent') return { status: 'not-applicable', reason: 'BACnet/IP was not probed on this device' };
  // UDP: silence or port unreachable is what an address without BACnet/IP looks like.
  if (found.state === 'unavailable' && found.failures.every((f) => f.kind === 'timeout' || f.kind === 'refused')) {
    return { status: 'not-applicable', evidence: found.evidence, reason: 'no BACnet/IP answer: the device does not appear to run BACnet/IP' };
  }
  if (found.state === 'unavailable') {
    return {
      status: 'unknown',
      evidence: found.evidence,
      reason: `BACnet facts unavailable: ${found.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`,
    };
  }
  return judge(
    found.facts.map((f) => f.facts),
    found.facts.map((f) => f.port),
    found.evidence,
  );
}

/**
 * BACnet/IP has no authentication or encryption: anyone who reaches UDP 47808 can read and write
 * any object. Only BACnet Secure Connect (TLS over WebSockets) protects it, and it never answers
 * on BACnet/IP, so a device that answered fails; one that did not is not-applicable.
 */
const accessAuthenticated = defineCheckKind({
  id: 'bacnet.access-authenticated',
  params: z.object({}).strict(),
  evaluate: (device) =>
    withFacts(device, (_facts, ports, evidence) => ({
      status: 'fail',
      observed: { protocol: 'bacnet-ip', ports, authentication: 'none', confidentiality: 'none' },
      expected: { protocol: 'bacnet-sc', ports: [] },
      evidence,
    })),
});

const IdentityProperty = z.enum(['modelName', 'firmwareRevision', 'applicationSoftwareVersion']);

/**
 * Model and versions anyone can read let an attacker match advisories without touching anything
 * else. Passes only with positive evidence: the device refused each listed property with an Error.
 */
const identityHidden = defineCheckKind({
  id: 'bacnet.identity-hidden',
  params: z.object({ properties: z.array(IdentityProperty).min(1) }).strict(),
  evaluate: (device, params) =>
    withFacts(device, (all, _ports, evidence) => {
      const readable = params.properties.filter((p) => all.some((f) => f.properties[p] !== undefined));
      const expected = { readableWithoutAuthentication: [] };
      if (readable.length > 0) return { status: 'fail', observed: { readableWithoutAuthentication: readable }, expected, evidence };
      const refused = params.properties.every((p) => all.some((f) => f.unread.some((u) => u.property === p && u.reason.startsWith('Error'))));
      if (!refused) return { status: 'unknown', evidence, reason: 'the listed properties were neither read nor refused by the device' };
      return { status: 'pass', observed: { readableWithoutAuthentication: [] }, expected, evidence };
    }),
});

export const bacnetCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** Identity claims from the Device object. */
export const bacnetIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE, BacnetFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    const v = value?.trim();
    if (v && !claims.some((c) => c.field === field && c.value === v)) claims.push({ field, value: v, source: PROBE });
  };
  for (const { facts } of found.facts) {
    const p = facts.properties;
    add('vendor', p.vendorName);
    add('model', p.modelName);
    add('firmware', p.firmwareRevision);
    // The application software version (a controller's program, a Niagara station's release) is
    // the other version advisories name: kept as a firmware alternative behind the firmware revision.
    add('firmware', p.applicationSoftwareVersion);
    add('name', p.objectName);
  }
  return claims;
};

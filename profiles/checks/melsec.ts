import { z } from 'zod';
import { MelsecFacts } from '../../probes/melsec/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, factsOrVerdict, type RegisteredCheckKind, type Verdict } from './types.ts';

const PROBE_ID = 'melsec.cpu-model';
/** MELSEC CPU model names (Q03UDVCPU, L02CPU, R04CPU, FX5U-32MR/ES); another vendor's SLMP server is not claimed as Mitsubishi. */
const MELSEC_MODEL = /^(?:Q|L|R|FX)\d/i;

/** The probe's facts, or the verdict for a device without them. */
const melsecFacts = (device: DeviceView) => factsOrVerdict(device, PROBE_ID, MelsecFacts, 'melsec', { port: 'SLMP', absent: 'no MELSEC SLMP service found' });

/**
 * SLMP / MC protocol has no integrity or confidentiality, and its only access control, the
 * remote password, is sent in clear to unlock a connection. Fails whenever the CPU answered a 3E
 * frame, with any end code (a locked remote password answers too, and is reported); SLMP alone can
 * never make it pass.
 */
const accessAuthenticated = defineCheckKind({
  id: 'melsec.access-authenticated',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = melsecFacts(device);
    if ('status' in found) return found;
    return {
      status: 'fail',
      observed: {
        protocol: 'slmp',
        ports: found.facts.map((f) => f.port),
        endCodes: found.facts.map((f) => f.facts.endCode),
        authentication: 'none',
        integrity: 'none',
        confidentiality: 'none',
      },
      expected: { protocol: 'slmp', ports: [] },
      evidence: found.evidence,
    };
  },
});

const IDENTITY_FIELDS = ['modelName', 'modelCode'] as const;

/** Model name and code that any host can read with Read CPU Model. Passes only when the CPU refused the read. */
const identityHidden = defineCheckKind({
  id: 'melsec.identity-hidden',
  params: z.object({ fields: z.array(z.enum(IDENTITY_FIELDS)).min(1) }),
  evaluate(device, params): Verdict {
    const found = melsecFacts(device);
    if ('status' in found) return found;
    const readable = params.fields.filter((field) => found.facts.some((f) => (f.facts[field] ?? '') !== ''));
    return {
      status: readable.length > 0 ? 'fail' : 'pass',
      observed: { readableWithoutAuthentication: readable, endCodes: found.facts.map((f) => f.facts.endCode) },
      expected: { readableWithoutAuthentication: [] },
      evidence: found.evidence,
    };
  },
});

export const melsecCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** Model name as product and model; the vendor only for a name of a MELSEC CPU series. Read CPU Model carries no firmware. */
export const melsecIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE_ID, MelsecFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string) => {
    if (!claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source: PROBE_ID });
  };
  for (const { facts } of found.facts) {
    if (!facts.modelName) continue;
    if (MELSEC_MODEL.test(facts.modelName)) add('vendor', 'Mitsubishi Electric');
    add('product', facts.modelName);
    add('model', facts.modelName);
  }
  return claims;
};

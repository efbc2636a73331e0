import { z } from 'zod';
import { EnipListFacts } from '../../probes/enip/facts.ts';
import vendorTable from '../data/enip-vendors.json' with { type: 'json' };
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { defineCheckKind, factsOrVerdict, notCheckedReason, type RegisteredCheckKind, tcpPorts, type Verdict } from './types.ts';

const PROBE_ID = 'enip.list';
/** Discovery's name for EtherNet/IP over TLS (CIP Security), TCP 2221. */
const TLS_SERVICE = 'enip-tls';

const VENDORS: Readonly<Record<string, string>> = vendorTable.vendors;

/** The probe's facts, or the verdict for a device without them. */
const enipFacts = (device: DeviceView) =>
  factsOrVerdict(device, PROBE_ID, EnipListFacts, 'enip', { port: 'EtherNet/IP', absent: 'no EtherNet/IP service found' });

/**
 * Encapsulated CIP on TCP 44818 carries no authentication, integrity or confidentiality; CIP
 * Security moves it into TLS on TCP 2221. Fails when EtherNet/IP answered and 2221 was checked
 * and found closed. With 2221 open it stays unknown rather than passing: whether the device still
 * accepts unsecured CIP on 44818 is a setting only a CIP session could read.
 */
const accessAuthenticated = defineCheckKind({
  id: 'enip.access-authenticated',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = enipFacts(device);
    if ('status' in found) return found;
    const ports = found.facts.map((f) => f.port);
    const tlsPorts = tcpPorts(device, TLS_SERVICE);
    if (tlsPorts.length > 0) {
      return {
        status: 'unknown',
        observed: { protocol: 'ethernet-ip', ports, cipSecurityPorts: tlsPorts },
        evidence: found.evidence,
        reason: 'CIP Security (TCP 2221) is offered; whether unsecured CIP is still accepted on 44818 needs a CIP session',
      };
    }
    const unchecked = notCheckedReason(device, 2221, 'CIP Security');
    if (unchecked) return { status: 'unknown', evidence: found.evidence, reason: unchecked };
    return {
      status: 'fail',
      observed: { protocol: 'ethernet-ip', ports, cipSecurity: 'absent', authentication: 'none', integrity: 'none', confidentiality: 'none' },
      expected: { cipSecurity: 'present', ports: [] },
      evidence: found.evidence,
    };
  },
});

const IDENTITY_FIELDS = ['productName', 'productCode', 'revision', 'serialNumber'] as const;

/**
 * Identity (product, revision, serial) that any host can read with ListIdentity, which lets an
 * attacker match advisories without touching anything else. Passes only on positive evidence: a
 * ListIdentity reply that held none of the listed fields.
 */
const identityHidden = defineCheckKind({
  id: 'enip.identity-hidden',
  params: z.object({ fields: z.array(z.enum(IDENTITY_FIELDS)).min(1) }),
  evaluate(device, params): Verdict {
    const found = enipFacts(device);
    if ('status' in found) return found;
    const readable = params.fields.filter((field) => found.facts.some((f) => f.facts.identities.some((id) => String(id[field]) !== '')));
    const expected = { readableWithoutAuthentication: [] };
    return { status: readable.length > 0 ? 'fail' : 'pass', observed: { readableWithoutAuthentication: readable }, expected, evidence: found.evidence };
  },
});

export const enipCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/**
 * Identity claims from the ListIdentity items. The vendor is named only for ids in the vendor
 * table; the numeric product code is kept in the facts, not claimed, since advisories never name
 * it and a bare number would match unrelated identifiers.
 */
export const enipIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE_ID, EnipListFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source: PROBE_ID });
  };
  for (const { facts } of found.facts) {
    for (const id of facts.identities) {
      add('vendor', VENDORS[String(id.vendorId)]);
      add('product', id.productName);
      // Rockwell's product names are catalog numbers with the series ("1756-EN2T/D").
      add('model', id.productName);
      add('firmware', id.revision);
      add('serial', id.serialNumber);
    }
  }
  return claims;
};

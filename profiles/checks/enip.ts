import { z } from 'zod';
import { EnipListFacts } from '../../probes/enip/facts.ts';
import vendorTable from '../data/enip-vendors.json' with { type: 'json' };
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim } from '../identity.ts';
import { identityFrom, identityHiddenKind, type ProbedProtocol, protocolFacts } from './open-identification.ts';
import { defineCheckKind, notCheckedReason, type RegisteredCheckKind, tcpPorts, type Verdict } from './types.ts';

const ENIP: ProbedProtocol<EnipListFacts> = {
  probe: 'enip.list',
  schema: EnipListFacts,
  protocol: 'enip',
  text: { port: 'EtherNet/IP', absent: 'no EtherNet/IP service found' },
};

/** Discovery's name for EtherNet/IP over TLS (CIP Security), TCP 2221. */
const TLS_SERVICE = 'enip-tls';

const VENDORS: Readonly<Record<string, string>> = vendorTable.vendors;

/** The probe's facts, or the verdict for a device without them. */
const enipFacts = (device: DeviceView) => protocolFacts(device, ENIP);

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

/**
 * Identity (product, revision, serial) that any host can read with ListIdentity, which lets an
 * attacker match advisories without touching anything else. A field counts as readable when any
 * identity item of a reply holds it; passes only on a ListIdentity reply that held none of them.
 */
const identityHidden = identityHiddenKind('enip.identity-hidden', ENIP, ['productName', 'productCode', 'revision', 'serialNumber'], {
  fieldValue: (facts, field) => facts.identities.find((id) => String(id[field]) !== '')?.[field],
});

export const enipCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/**
 * Identity claims from the ListIdentity items. The vendor is named only for ids in the vendor
 * table; the numeric product code is kept in the facts, not claimed, since advisories never name
 * it and a bare number would match unrelated identifiers.
 */
export const enipIdentity = identityFrom(ENIP.probe, ENIP.schema, (f) =>
  f.identities.flatMap((id): [IdentityClaim['field'], string | undefined][] => [
    ['vendor', VENDORS[String(id.vendorId)]],
    ['product', id.productName],
    // Rockwell's product names are catalog numbers with the series ("1756-EN2T/D").
    ['model', id.productName],
    ['firmware', id.revision],
    ['serial', id.serialNumber],
  ]),
);

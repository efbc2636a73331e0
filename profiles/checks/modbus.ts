import { z } from 'zod';
import { ModbusDeviceIdFacts, StandardObjectName } from '../../probes/modbus/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { type Answered, type ProbedProtocol, unsecuredProtocolKind } from './open-identification.ts';
import { defineCheckKind, factsOrVerdict, type RegisteredCheckKind, type Verdict } from './types.ts';

const PROBE_ID = 'modbus.device-id';
const TEXT = { port: 'Modbus', absent: 'no Modbus/TCP service found' };

/** The probe's facts, or the verdict for a device without them. */
const modbusFacts = (device: DeviceView) => factsOrVerdict(device, PROBE_ID, ModbusDeviceIdFacts, 'modbus', TEXT);

/** The ports where a valid Modbus reply came back, or the verdict without any. */
function modbusConfirmed(device: DeviceView): Answered<ModbusDeviceIdFacts> | Verdict {
  const found = modbusFacts(device);
  if ('status' in found) return found;
  const facts = found.facts.filter((f) => f.facts.modbusConfirmed);
  if (facts.length === 0) return { status: 'unknown', evidence: found.evidence, reason: 'no valid Modbus reply was seen' };
  return { ...found, facts, evidence: found.evidence.filter((e) => facts.some((f) => f.port === e.port)) };
}

const MODBUS: ProbedProtocol<ModbusDeviceIdFacts> = { probe: PROBE_ID, schema: ModbusDeviceIdFacts, protocol: 'modbus', text: TEXT, answered: modbusConfirmed };

/**
 * Modbus/TCP has no authentication, integrity or confidentiality of its own: any host that reaches
 * the port can read and write. Fails whenever a valid Modbus reply came back; Modbus alone can
 * never make it pass, so a device without Modbus is not-applicable.
 */
const accessAuthenticated = unsecuredProtocolKind('modbus.access-authenticated', MODBUS, {
  protocol: 'modbus-tcp',
  authentication: 'none',
  expected: 'modbus-tcp',
});

/**
 * Identification objects (e.g. revision, order number) that anyone on the network can read, which
 * lets an attacker match advisories without touching anything else. Passes only with positive
 * evidence: FC 43 refused (exception 1), or the identification read in full without those objects.
 */
const identityHidden = defineCheckKind({
  id: 'modbus.identity-hidden',
  params: z.object({ objects: z.array(StandardObjectName).min(1) }),
  evaluate(device, params): Verdict {
    const found = modbusFacts(device);
    if ('status' in found) return found;
    const readable = params.objects.filter((name) => found.facts.some((f) => f.facts.objects[name] !== undefined));
    const expected = { readableWithoutAuthentication: [] };
    if (readable.length > 0) return { status: 'fail', observed: { readableWithoutAuthentication: readable }, expected, evidence: found.evidence };
    const complete = found.facts.every(
      ({ facts }) => facts.deviceIdSupported === false || (facts.deviceIdSupported === true && !facts.interrupted && !facts.categories.some((c) => c.capped)),
    );
    if (!complete) return { status: 'unknown', evidence: found.evidence, reason: 'device identification was not read completely' };
    return { status: 'pass', observed: { readableWithoutAuthentication: [] }, expected, evidence: found.evidence };
  },
});

export const modbusCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** Identity claims from the device identification objects. */
export const modbusIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE_ID, ModbusDeviceIdFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source: PROBE_ID });
  };
  for (const { facts } of found.facts) {
    add('vendor', facts.objects.vendorName);
    add('orderNumber', facts.objects.productCode);
    add('firmware', facts.objects.majorMinorRevision);
    add('product', facts.objects.productName);
    add('model', facts.objects.modelName);
  }
  return claims;
};

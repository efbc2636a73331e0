import { z } from 'zod';
import { ModeSwitch, S7SzlFacts } from '../../probes/s7/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { type ProbedProtocol, protocolFacts, unsecuredProtocolKind } from './open-identification.ts';
import { defineCheckKind, type RegisteredCheckKind, type Verdict } from './types.ts';

const PROBE_ID = 's7.szl';
const S7: ProbedProtocol<S7SzlFacts> = { probe: PROBE_ID, schema: S7SzlFacts, protocol: 's7', text: { port: 'S7', absent: 'no S7comm service found' } };
const PROTECTION_SZL = 0x0232;
const DIAGNOSTIC_SZL = 0x00a0;

/** The probe's facts, or the verdict for a device without them. */
const s7Facts = (device: DeviceView) => protocolFacts(device, S7);

/** Why an SZL is missing on one port, from the probe's own account. */
function szlMissing(facts: S7SzlFacts, szlId: number, label: string): string {
  const entry = facts.unavailable.find((u) => u.szlId === szlId);
  return entry ? `${label} ${entry.reason}: ${entry.detail}` : `${label} not read`;
}

const protectionMissing = (facts: S7SzlFacts) => szlMissing(facts, PROTECTION_SZL, 'SZL 0x0232 index 4');

/**
 * Classic S7comm has no authentication or integrity of its own: whoever reaches TCP 102 talks to
 * the CPU, and a PLC password travels in a reversible form. Fails whenever Setup Communication
 * succeeded; S7comm alone can never make it pass.
 */
const accessAuthenticated = unsecuredProtocolKind('s7.access-authenticated', S7, { protocol: 's7comm', authentication: 'none', expected: 's7comm' });

/**
 * Password protection level of the CPU (SZL 0x0232 index 4, sch_par): 0 = no password, 1 = a
 * password that protects nothing, 2 = write protection, 3 = read/write protection. Passes when
 * every S7 port reports at least `minLevel`.
 */
const accessProtected = defineCheckKind({
  id: 's7.access-protected',
  params: z.object({ minLevel: z.number().int().min(2).max(3) }),
  evaluate(device, { minLevel }): Verdict {
    const found = s7Facts(device);
    if ('status' in found) return found;
    const expected = { passwordProtectionLevel: { atLeast: minLevel } };
    const missing = found.facts.filter((f) => !f.facts.protection);
    const observed = found.facts.flatMap((f) =>
      f.facts.protection ? [{ port: f.port, passwordProtectionLevel: f.facts.protection.schPar, effectiveLevel: f.facts.protection.schRel }] : [],
    );
    const below = observed.filter((o) => o.passwordProtectionLevel < minLevel);
    if (below.length > 0) return { status: 'fail', observed: below, expected, evidence: found.evidence };
    if (missing.length > 0) return { status: 'unknown', expected, evidence: found.evidence, reason: missing.map((f) => protectionMissing(f.facts)).join('; ') };
    return { status: 'pass', observed, expected, evidence: found.evidence };
  },
});

/**
 * Position of the CPU's mode switch (bart_sch). RUN-P lets anyone who reaches the CPU change the
 * program without turning a key; not applicable to CPUs that report no switch.
 */
const modeSwitchSafe = defineCheckKind({
  id: 's7.mode-switch-safe',
  params: z.object({ disallowed: z.array(ModeSwitch.exclude(['undefined', 'other'])).min(1) }),
  evaluate(device, { disallowed }): Verdict {
    const found = s7Facts(device);
    if ('status' in found) return found;
    const expected = { modeSwitchNotIn: disallowed };
    const withSwitch = found.facts.flatMap((f) => (f.facts.protection ? [{ port: f.port, modeSwitch: f.facts.protection.modeSwitch }] : []));
    const bad = withSwitch.filter((o) => (disallowed as readonly string[]).includes(o.modeSwitch));
    if (bad.length > 0) return { status: 'fail', observed: bad, expected, evidence: found.evidence };
    const missing = found.facts.filter((f) => !f.facts.protection);
    if (missing.length > 0) return { status: 'unknown', expected, evidence: found.evidence, reason: missing.map((f) => protectionMissing(f.facts)).join('; ') };
    if (withSwitch.some((o) => o.modeSwitch === 'other'))
      return { status: 'unknown', observed: withSwitch, expected, evidence: found.evidence, reason: 'mode switch position outside the documented values' };
    if (withSwitch.every((o) => o.modeSwitch === 'undefined'))
      return { status: 'not-applicable', observed: withSwitch, evidence: found.evidence, reason: 'the CPU reports no mode switch' };
    return { status: 'pass', observed: withSwitch, expected, evidence: found.evidence };
  },
});

/**
 * Evidence that the CPU records events: a readable diagnostic buffer (SZL 0x00A0) holding
 * entries. A CPU that does not offer or answer it may still log, so absence is unknown, never a fail.
 */
const diagnosticBuffer = defineCheckKind({
  id: 's7.diagnostic-buffer-active',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = s7Facts(device);
    if ('status' in found) return found;
    const observed = found.facts.flatMap(({ port, facts }) => {
      const buffer = facts.diagnosticBuffer;
      const newest = buffer?.entries[0];
      if (!buffer || !newest) return [];
      return [{ port, entries: buffer.entryCount, newest: { eventId: newest.eventId, ...(newest.time ? { time: newest.time } : {}) } }];
    });
    const expected = { diagnosticBuffer: 'readable, with entries' };
    if (observed.length > 0) return { status: 'pass', observed, expected, evidence: found.evidence };
    const why = found.facts.map(({ facts }) => (facts.diagnosticBuffer ? 'SZL 0x00A0 readable but empty' : szlMissing(facts, DIAGNOSTIC_SZL, 'SZL 0x00A0')));
    return { status: 'unknown', expected, evidence: found.evidence, reason: why.join('; ') };
  },
});

export const s7CheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, accessProtected, modeSwitchSafe, diagnosticBuffer];

/** Siemens S7 order numbers (MLFB) of S7-300/400/1200/1500 CPUs and modules. */
const SIEMENS_S7_ORDER_NUMBER = /^6ES7\s?\d/;

/**
 * Identity from the SZLs: order number and versions from 0x0011 (firmware from record 0x0007,
 * never the boot loader), serial and name from 0x001C. The vendor is claimed only when the CPU
 * answered S7comm and reports a Siemens 6ES7 order number.
 */
export const s7Identity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE_ID, S7SzlFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    if (value && !claims.some((c) => c.field === field && c.value === value)) claims.push({ field, value, source: PROBE_ID });
  };
  for (const { facts } of found.facts) {
    if (facts.orderNumber && SIEMENS_S7_ORDER_NUMBER.test(facts.orderNumber)) add('vendor', 'Siemens');
    add('orderNumber', facts.orderNumber);
    add('model', facts.orderNumber);
    add('product', facts.component?.moduleTypeName);
    add('firmware', facts.firmware);
    add('hardware', facts.hardware);
    add('serial', facts.component?.serialNumber);
    add('name', facts.component?.plcName);
  }
  return claims;
};

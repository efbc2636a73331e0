import { z } from 'zod';
import type { AddressRow, SnmpFacts as SnmpFactsType } from '../../probes/snmp/facts.ts';
import { SnmpFacts } from '../../probes/snmp/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityClaim, IdentityExtractor } from '../identity.ts';
import { identityFromText } from '../identity-patterns.ts';
import type { Evidence, RegisteredCheckKind, Verdict } from './types.ts';
import { defineCheckKind } from './types.ts';
import { cidrContains, parseCidr } from '../cidr.ts';

const PROBE = 'snmp.system';

/** Shared front part of every SNMP kind: no probe run -> not-applicable, no facts -> unknown. */
function withFacts(device: DeviceView, judge: (facts: readonly SnmpFactsType[], evidence: readonly Evidence[]) => Verdict): Verdict {
  const found = device.facts(PROBE, SnmpFacts);
  if (found.state === 'absent') return { status: 'not-applicable', reason: 'SNMP was not probed on this device' };
  // UDP has no refusal: silence on every request is what an address without SNMP looks like.
  if (found.state === 'unavailable' && found.failures.every((f) => f.kind === 'timeout')) {
    return { status: 'not-applicable', evidence: found.evidence, reason: 'no SNMP answer: the device does not appear to run SNMP' };
  }
  if (found.state === 'unavailable') {
    return {
      status: 'unknown',
      evidence: found.evidence,
      reason: `SNMP facts unavailable: ${found.failures.map((f) => `${f.kind} (${f.detail})`).join('; ')}`,
    };
  }
  return judge(
    found.facts.map((f) => f.facts),
    found.evidence,
  );
}

/** Some SNMP answer proves the agent is alive, so silence to a community is a real "no". */
function agentAnswered(f: SnmpFactsType): boolean {
  return (
    f.engine.state === 'answered' ||
    f.v3Access.state === 'accepted' ||
    f.v3Access.state === 'rejected' ||
    (f.communities.state === 'tried' && f.communities.accepted.length > 0)
  );
}

const NoParams = z.object({}).strict();

const defaultCommunityRejected = defineCheckKind({
  id: 'snmp.default-community-rejected',
  params: NoParams,
  evaluate: (device) =>
    withFacts(device, (all, evidence) => {
      const tried = all.flatMap((f) => (f.communities.state === 'tried' ? [f.communities] : []));
      if (tried.length === 0) return { status: 'unknown', evidence, reason: 'community strings were not tried (opt-in snmp.communities is off)' };
      const accepted = tried.flatMap((c) => c.accepted.filter((a) => a.wellKnown).map((a) => ({ community: a.community, versions: a.versions })));
      if (accepted.length > 0) return { status: 'fail', evidence, observed: { accepted }, expected: { accepted: [] } };
      const wellKnownTried = [...new Set(tried.flatMap((c) => c.wellKnownTried))];
      if (wellKnownTried.length === 0) return { status: 'unknown', evidence, reason: 'no well-known default community was in the configured list' };
      if (!all.some(agentAnswered)) return { status: 'unknown', evidence, reason: 'the SNMP agent did not answer at all, so silence proves nothing' };
      return { status: 'pass', evidence, observed: { tried: wellKnownTried, accepted: [] }, expected: { accepted: [] } };
    }),
});

const v1v2c = defineCheckKind({
  id: 'snmp.v1v2c-disabled',
  params: NoParams,
  evaluate: (device) =>
    withFacts(device, (all, evidence) => {
      const tried = all.flatMap((f) => (f.communities.state === 'tried' ? [f.communities] : []));
      if (tried.length === 0) return { status: 'unknown', evidence, reason: 'community strings were not tried (opt-in snmp.communities is off)' };
      const accepted = tried.flatMap((c) => c.accepted);
      if (accepted.length > 0) {
        const versions = [...new Set(accepted.flatMap((a) => a.versions))].sort();
        return { status: 'fail', evidence, observed: { versions, communities: accepted.map((a) => a.community) }, expected: { versions: [] } };
      }
      if (!all.some(agentAnswered)) return { status: 'unknown', evidence, reason: 'the SNMP agent did not answer at all, so silence proves nothing' };
      return { status: 'pass', evidence, observed: { versions: [], communitiesTried: tried.reduce((n, c) => n + c.tried, 0) }, expected: { versions: [] } };
    }),
});

const v3Available = defineCheckKind({
  id: 'snmp.v3-available',
  params: NoParams,
  evaluate: (device) =>
    withFacts(device, (all, evidence) => {
      const on = all.find((f) => f.engine.state === 'answered' || f.v3Access.state === 'accepted' || f.v3Access.state === 'rejected');
      if (on) {
        const observed = on.v3Access.state === 'accepted' ? { v3: 'answered', access: 'authPriv' } : { v3: 'answered' };
        return { status: 'pass', evidence, observed, expected: { v3: 'answered' } };
      }
      const unusable = all.flatMap((f) => (f.engine.state === 'malformed' || f.engine.state === 'error' ? [f.engine.detail] : []));
      if (unusable.length > 0) return { status: 'unknown', evidence, reason: `SNMPv3 discovery answer unusable: ${unusable.join('; ')}` };
      // No v3 answer while the same agent answered v1/v2c: the device speaks SNMP, just not v3.
      if (all.some(agentAnswered)) return { status: 'fail', evidence, observed: { v3: 'no-answer' }, expected: { v3: 'answered' } };
      return { status: 'unknown', evidence, reason: 'no SNMP answer at all' };
    }),
});

/** Loopback, link-local and unspecified addresses never reach another zone. */
function hostOnly(row: AddressRow): boolean {
  const a = row.address.toLowerCase();
  if (row.family === 'ipv4') return a.startsWith('127.') || a.startsWith('169.254.') || a === '0.0.0.0';
  return a === '::1' || a === '::' || /^fe[89ab]/.test(a);
}

/** The zone's ranges come from the evaluation context (the config), so the instance needs no parameters. */
const DualHomedParams = z.object({});

const singleZone = defineCheckKind({
  id: 'snmp.single-zone',
  params: DualHomedParams,
  evaluate: (device) =>
    withFacts(device, (all, evidence) => {
      const zoneCidrs = device.context.zoneCidrs;
      if (zoneCidrs.length === 0) return { status: 'unknown', evidence, reason: 'the zone has no address ranges configured' };
      const ranges = zoneCidrs.map(parseCidr);
      const bad = zoneCidrs.filter((_, i) => typeof ranges[i] === 'string');
      if (bad.length > 0) return { status: 'error', evidence, reason: `zone ranges that are not IPv4 CIDRs: ${bad.join(', ')}` };
      const read = all.flatMap((f) => (f.addresses ? [f.addresses] : []));
      if (read.length === 0) return { status: 'unknown', evidence, reason: 'interface addresses were not readable (no SNMP read access)' };
      const rows = read.flatMap((a) => a.rows).filter((r) => !hostOnly(r));
      const addresses = [...new Set(rows.map((r) => r.address))];
      const ipv4 = [...new Set(rows.filter((r) => r.family === 'ipv4').map((r) => r.address))];
      const outside = ipv4.filter((a) => !ranges.some((r) => typeof r !== 'string' && cidrContains(r, a)));
      if (outside.length > 0) return { status: 'fail', evidence, observed: { outside, addresses }, expected: { outside: [], zoneCidrs } };
      const ipv6 = [...new Set(rows.filter((r) => r.family === 'ipv6').map((r) => r.address))];
      if (ipv6.length > 0) return { status: 'unknown', evidence, observed: { ipv6 }, reason: 'routable IPv6 addresses cannot be placed in IPv4 zone ranges' };
      if (ipv4.length === 0) return { status: 'unknown', evidence, reason: 'the device listed no routable interface address' };
      if (read.some((a) => a.ipAddrTable !== 'end' || a.ipAddressTable !== 'end')) {
        return { status: 'unknown', evidence, observed: { addresses }, reason: 'address tables were read only in part' };
      }
      return { status: 'pass', evidence, observed: { outside: [], addresses }, expected: { outside: [], zoneCidrs } };
    }),
});

/** Rows that stand for a configured receiver: a row that is not in service sends nothing. */
const IDLE_ROW_STATUSES = new Set(['notInService', 'notReady']);

/**
 * Evidence that the device forwards events: at least one notification target (trap or inform
 * receiver) in snmpTargetAddrTable. An empty, hidden or unreadable table may mean another
 * forwarding path (syslog), so it is unknown, never a fail.
 */
const eventForwarding = defineCheckKind({
  id: 'snmp.event-forwarding',
  params: NoParams,
  evaluate: (device) =>
    withFacts(device, (all, evidence) => {
      const tables = all.flatMap((f) => (f.notificationTargets ? [f.notificationTargets] : []));
      if (tables.length === 0) return { status: 'unknown', evidence, reason: 'notification targets were not readable (no SNMP read access)' };
      const targets = tables.flatMap((t) => t.rows).filter((r) => !IDLE_ROW_STATUSES.has(r.rowStatus ?? ''));
      const expected = { notificationTargets: { atLeast: 1 } };
      if (targets.length > 0) {
        return {
          status: 'pass',
          evidence,
          expected,
          observed: { notificationTargets: targets.map((t) => ({ name: t.name, transport: t.transport, ...(t.address ? { address: t.address } : {}) })) },
        };
      }
      const stops = [...new Set(tables.map((t) => t.stop))].filter((s) => s !== 'end');
      const idle = tables.reduce((n, t) => n + t.rows.length, 0);
      const why = idle > 0 ? `${idle} notification target(s), none in service` : 'snmpTargetAddrTable is empty or not in the MIB view';
      return { status: 'unknown', evidence, expected, reason: stops.length > 0 ? `${why} (walk ended: ${stops.join(', ')})` : why };
    }),
});

export const snmpCheckKinds: readonly RegisteredCheckKind[] = [defaultCommunityRejected, v1v2c, v3Available, singleZone, eventForwarding];

/**
 * Identity from the system group (sysDescr read by the vendor formats of data/identity-patterns.json)
 * and the chassis entry of ENTITY-MIB (any entry when no chassis is listed).
 */
export const snmpIdentity: IdentityExtractor = (device) => {
  const found = device.facts(PROBE, SnmpFacts);
  if (found.state !== 'ok') return [];
  const claims: IdentityClaim[] = [];
  const add = (field: IdentityClaim['field'], value: string | undefined) => {
    const v = value?.trim();
    if (v && !v.startsWith('hex:') && !claims.some((c) => c.field === field && c.value === v)) claims.push({ field, value: v, source: PROBE });
  };
  for (const { facts } of found.facts) {
    const descr = facts.system?.descr;
    for (const c of descr ? identityFromText(descr, 'sysDescr', PROBE, { objectId: facts.system?.objectId }) : []) add(c.field, c.value);
    // The whole description stays a product claim (an alternative once a pattern named the product): roles read its words.
    add('product', descr);
    add('name', facts.system?.name);
    const rows = facts.entities?.rows ?? [];
    const chassis = rows.filter((r) => r.class === 'chassis');
    for (const row of chassis.length > 0 ? chassis : rows.slice(0, 1)) {
      add('vendor', row.manufacturer);
      add('model', row.model);
      add('serial', row.serial);
      add('hardware', row.hardwareRev);
      add('firmware', row.firmwareRev);
      add('firmware', row.softwareRev);
    }
  }
  return claims;
};

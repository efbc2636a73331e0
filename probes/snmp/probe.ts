import { UDP_SERVICE_PORTS } from '../services.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { SnmpAccess, SnmpV3Credentials, VarbindBudget } from './adapter.ts';
import { discoverEngine, SnmpAuthRejected, SnmpReader } from './adapter.ts';
import { SnmpChannel } from './channel.ts';
import { SnmpProbeOptions } from './options.ts';
import type { CommunityFacts, EngineFacts, SnmpFacts as SnmpFactsType, SystemGroup, V3AccessFacts } from './facts.ts';
import {
  asNumber,
  columnOids,
  ENTITY_COLUMNS,
  engineEnterprise,
  entityRows,
  IF_COLUMNS,
  IP_ADDR_COLUMNS,
  IP_ADDRESS_COLUMNS,
  interfaceRows,
  ipAddressRows,
  ipAddrRows,
  mergeAddresses,
  OID,
  octetsToText,
  SnmpFacts,
  SYSTEM_OIDS,
} from './facts.ts';
import { notificationTargetRows, TARGET_ADDR_COLUMNS, TARGET_ADDR_ENTRY } from './notification-targets.ts';
import wellKnown from './well-known-communities.json' with { type: 'json' };

export const SNMP_PROBE_ID = 'snmp.system';
export const WELL_KNOWN_COMMUNITIES: readonly string[] = wellKnown.communities;

/** Rows read per table and varbinds per probe run, so a huge or endless table cannot stall a device. */
export const SNMP_LIMITS = { maxRowsPerTable: 128, maxVarbinds: 2000 } as const;

function readOptions(ctx: ProbeContext): SnmpProbeOptions {
  const picked = { communities: ctx.options.communities, v3: ctx.options.v3 };
  const parsed = SnmpProbeOptions.safeParse(picked);
  // Only the path is reported: the rejected value may be a credential.
  if (!parsed.success) throw new ProbeUnavailable('error', `invalid SNMP options at ${parsed.error.issues[0]?.path.join('.') || '(root)'}`);
  for (const c of parsed.data.communities ?? []) ctx.transcript.redact(c);
  const v3 = parsed.data.v3;
  if (v3) for (const secret of [v3.authKey, v3.privKey, v3.user]) ctx.transcript.redact(secret);
  return parsed.data;
}

/** Opens one reader on the run's channel, runs `use`, and always closes it, so one session listens at a time. */
async function withReader<T>(channel: SnmpChannel, access: SnmpAccess, use: (r: SnmpReader) => Promise<T>): Promise<T> {
  const reader = await SnmpReader.open(channel, access);
  try {
    return await use(reader);
  } finally {
    await reader.close();
  }
}

function rethrowBudget(err: unknown): ProbeUnavailable {
  if (err instanceof ProbeUnavailable && err.kind !== 'budget') return err;
  throw err;
}

async function engineStep(channel: SnmpChannel, onSent: () => void): Promise<EngineFacts> {
  try {
    const r = await discoverEngine(channel, onSent);
    const enterprise = engineEnterprise(r.engineId);
    return {
      state: 'answered',
      engineId: r.engineId.toString('hex'),
      engineBoots: r.engineBoots,
      engineTime: r.engineTime,
      ...(enterprise === undefined ? {} : { enterprise }),
    };
  } catch (err) {
    const f = rethrowBudget(err);
    // Port unreachable means no agent listens: asking again with communities or v3 would only wait.
    if (f.kind === 'refused' || f.kind === 'denied') throw f;
    return { state: f.kind === 'timeout' ? 'no-answer' : f.kind === 'malformed' ? 'malformed' : 'error', detail: f.message };
  }
}

interface CommunityStep {
  readonly facts: CommunityFacts;
  /** Access to read with, best first (v2c before v1), and the sysDescr it already answered. */
  readonly access: { readonly access: SnmpAccess; readonly descr: string | undefined }[];
}

/**
 * Credential guessing, so only with the opt-in: GET sysDescr with each configured community, v2c
 * and v1, all sent together (an agent stays silent to a wrong community, so each trial would
 * otherwise cost a whole wait).
 */
async function communityStep(channel: SnmpChannel, options: SnmpProbeOptions): Promise<CommunityStep> {
  const list = options.communities ?? [];
  if (list.length === 0) return { facts: { state: 'not-tried' }, access: [] };
  const trials = list.flatMap((community) => (['v2c', 'v1'] as const).map((version): SnmpAccess & { community: string } => ({ version, community })));
  const answers = await settleAll(
    trials.map(async (a) => {
      const [vb] = await withReader(channel, a, (r) => r.get([OID.sysDescr]));
      return { access: a, descr: octetsToText(vb?.value) };
    }),
  );
  const access: CommunityStep['access'] = answers.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const accepted: Extract<CommunityFacts, { state: 'tried' }>['accepted'] = [];
  for (const [i, community] of list.entries()) {
    const versions = access.filter((a) => a.access.version !== 'v3' && a.access.community === community).map((a) => a.access.version as 'v1' | 'v2c');
    const isWellKnown = WELL_KNOWN_COMMUNITIES.includes(community);
    if (versions.length > 0) accepted.push({ community: isWellKnown ? community : `#${i + 1}`, wellKnown: isWellKnown, versions });
  }
  access.sort((a, b) => (a.access.version === b.access.version ? 0 : a.access.version === 'v2c' ? -1 : 1));
  return { facts: { state: 'tried', tried: list.length, wellKnownTried: list.filter((c) => WELL_KNOWN_COMMUNITIES.includes(c)), accepted }, access };
}

function systemGroup(values: readonly { oid: string; value: unknown }[]): SystemGroup {
  const byOid = new Map(values.map((v) => [v.oid, v.value as Parameters<typeof octetsToText>[0]]));
  const group: SystemGroup = {};
  const text = (oid: string) => octetsToText(byOid.get(oid));
  const set = <K extends keyof SystemGroup>(key: K, value: SystemGroup[K] | undefined) => {
    if (value !== undefined) group[key] = value;
  };
  set('descr', text(OID.sysDescr));
  set('objectId', text(OID.sysObjectID));
  set('upTimeTicks', asNumber(byOid.get(OID.sysUpTime)));
  set('contact', text(OID.sysContact));
  set('name', text(OID.sysName));
  set('location', text(OID.sysLocation));
  return group;
}

async function readSystem(reader: SnmpReader): Promise<SystemGroup> {
  try {
    return systemGroup(await reader.get(SYSTEM_OIDS));
  } catch (err) {
    // SNMPv1 fails a whole GET when one object is missing (noSuchName): fetch the objects one by one.
    if (reader.version !== 'v1' || rethrowBudget(err).kind !== 'not-supported') throw err;
    const found: { oid: string; value: unknown }[] = [];
    for (const oid of SYSTEM_OIDS) {
      try {
        found.push(...(await reader.get([oid])));
      } catch (inner) {
        if (rethrowBudget(inner).kind !== 'not-supported') throw inner;
      }
    }
    return systemGroup(found);
  }
}

type Tables = Pick<SnmpFactsType, 'entities' | 'addresses' | 'interfaces' | 'notificationTargets'>;

async function readTables(reader: SnmpReader): Promise<Tables> {
  const budget: VarbindBudget = { remaining: SNMP_LIMITS.maxVarbinds };
  const walk = (entry: string, columns: Readonly<Record<string, number>>) =>
    reader.walkColumns(columnOids(entry, columns), SNMP_LIMITS.maxRowsPerTable, budget);
  const entities = await walk(OID.entPhysicalEntry, ENTITY_COLUMNS);
  const ipAddr = await walk(OID.ipAddrEntry, IP_ADDR_COLUMNS);
  const ipAddress = await walk(OID.ipAddressEntry, IP_ADDRESS_COLUMNS);
  const interfaces = await walk(OID.ifEntry, IF_COLUMNS);
  const targets = await walk(TARGET_ADDR_ENTRY, TARGET_ADDR_COLUMNS);
  return {
    entities: { rows: entityRows(entities.rows), stop: entities.stop, method: entities.method },
    addresses: {
      rows: mergeAddresses(ipAddrRows(ipAddr.rows), ipAddressRows(ipAddress.rows)),
      ipAddrTable: ipAddr.stop,
      ipAddressTable: ipAddress.stop,
      methods: { ipAddrTable: ipAddr.method, ipAddressTable: ipAddress.method },
    },
    interfaces: { rows: interfaceRows(interfaces.rows), stop: interfaces.stop, method: interfaces.method },
    notificationTargets: { rows: notificationTargetRows(targets.rows), stop: targets.stop, method: targets.method },
  };
}

interface DeviceRead {
  readonly system: SystemGroup;
  readonly tables: Tables;
}

/** With configured v3 credentials: the first authenticated GET proves them, the reads follow on the same socket. */
async function v3Step(channel: SnmpChannel, credentials: SnmpV3Credentials): Promise<{ access: V3AccessFacts; read?: DeviceRead }> {
  try {
    return await withReader(channel, { version: 'v3', credentials }, async (r) => {
      const system = await readSystem(r);
      const access: V3AccessFacts = { state: 'accepted', level: 'authPriv', authProtocol: credentials.authProtocol, privProtocol: credentials.privProtocol };
      return { access, read: { system, tables: await readTables(r) } };
    });
  } catch (err) {
    const f = rethrowBudget(err);
    if (f instanceof SnmpAuthRejected) return { access: { state: 'rejected', reason: f.reason } };
    return { access: { state: f.kind === 'timeout' ? 'no-answer' : 'error', detail: f.message } };
  }
}

async function communityRead(channel: SnmpChannel, best: CommunityStep['access'][number]): Promise<DeviceRead> {
  return withReader(channel, best.access, async (r) => {
    const system = await readSystem(r).catch((err: unknown): SystemGroup => {
      rethrowBudget(err);
      return best.descr === undefined ? {} : { descr: best.descr };
    });
    return { system, tables: await readTables(r) };
  });
}

/** Every step of one run shares one socket: the device sees a single peer from start to end. */
async function run(ctx: ProbeContext): Promise<SnmpFactsType> {
  const options = readOptions(ctx);
  const channel = await SnmpChannel.open(ctx, SNMP_PROBE_ID);
  try {
    return await steps(channel, options);
  } finally {
    await channel.close();
  }
}

/**
 * Waits for every promise; then the first budget failure, if any, is thrown (the rest is then
 * moot), and each other outcome is returned.
 */
async function settleAll<T>(work: readonly Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  const results = await Promise.allSettled(work);
  for (const r of results) if (r.status === 'rejected') rethrowBudget(r.reason);
  return results;
}

async function steps(channel: SnmpChannel, options: SnmpProbeOptions): Promise<SnmpFactsType> {
  // Discovery, the community trials and the v3 GET go out together on the one socket (each
  // request still passes the gate: minimum gap, request budget), so a device that stays silent
  // to most of them costs about one wait instead of one each.
  const sent = Promise.withResolvers<void>();
  const engineAsked = engineStep(channel, sent.resolve);
  // The trials follow the discovery datagram by one turn of the event loop at least: where no
  // agent listens, its port unreachable has come back by then and no community is sent.
  await Promise.race([
    sent.promise,
    engineAsked.then(
      () => undefined,
      () => undefined,
    ),
  ]);
  await new Promise((resolve) => setImmediate(resolve));
  const communitiesAsked = communityStep(channel, options);
  const v3Asked = options.v3 ? v3Step(channel, options.v3) : Promise.resolve({ access: { state: 'not-configured' as const } });
  // All settle before any failure is thrown, so no request outlives the channel; engineStep
  // throws only when no agent listens (port unreachable, denied), which decides the run then.
  await Promise.allSettled([engineAsked, communitiesAsked, v3Asked]);
  const engine = await engineAsked;
  const communities = await communitiesAsked;
  const v3: { access: V3AccessFacts; read?: DeviceRead } = await v3Asked;
  const best = communities.access[0];
  let readVia: SnmpFactsType['readVia'] = 'none';
  let read: DeviceRead | undefined;
  if (v3.read) {
    readVia = 'v3';
    read = v3.read;
  } else if (best) {
    readVia = best.access.version === 'v1' ? 'v1' : 'v2c';
    read = await communityRead(channel, best);
  }
  if (engine.state !== 'answered' && readVia === 'none' && v3.access.state !== 'rejected') {
    // Nothing answered at all: no facts, only the reason (silence is not "secure").
    throw new ProbeUnavailable(
      engine.state === 'no-answer' ? 'timeout' : engine.state === 'malformed' ? 'malformed' : 'error',
      `no SNMP answer: ${engine.detail}`,
    );
  }
  return { engine, communities: communities.facts, v3Access: v3.access, readVia, ...(read ? { system: read.system, ...read.tables } : {}) };
}

export const snmpProbe: ProbeDefinition<SnmpFactsType> = {
  id: SNMP_PROBE_ID,
  // 2: table walks fall back on genErr/tooBig and record how each table was read.
  version: 2,
  protocol: 'snmp',
  // Engine discovery needs no credentials; community trials run only with the opt-in flag in ctx.options.
  safety: 'identify',
  ops: ['snmp.discovery', 'snmp.get', 'snmp.getbulk', 'snmp.getnext'],
  transport: 'udp',
  udpPort: UDP_SERVICE_PORTS.snmp,
  facts: SnmpFacts,
  run,
};

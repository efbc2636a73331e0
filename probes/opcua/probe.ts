import { certificateFacts } from '../certificate.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { AddressSpaceRead, OpcuaConnection, SessionRead } from './session-node-opcua.ts';
import { DISCOVERY_OPS, withDiscoveryChannel } from './discovery-client.ts';
import {
  ACCESS_CURRENT_WRITE,
  type AddressSpaceFacts,
  type EndpointFacts,
  type OpcuaCertificateFacts,
  OpcuaEndpointsFacts,
  OpcuaSessionFacts,
  type SecurityMode,
  type ServerFacts,
  type SessionSkipReason,
  type SessionFacts,
  shortPolicyName,
  type UserTokenType,
} from './facts.ts';
import { KEPT } from './limits.ts';
import type { RawApplication, RawEndpoint } from './raw.ts';

export const OPCUA_SESSION_OPT_IN = 'opcua.session';

// A device may answer with any amount of data; keep the facts small and bounded (and limits.ts KEPT).
const MAX_TEXT = 512;

const MODES: readonly SecurityMode[] = ['Invalid', 'None', 'Sign', 'SignAndEncrypt'];
const TOKEN_TYPES: readonly UserTokenType[] = ['Anonymous', 'UserName', 'Certificate', 'IssuedToken'];
const APPLICATION_TYPES = ['Server', 'Client', 'ClientAndServer', 'DiscoveryServer'];

/** Loaded on first use, by the opt-in session only: discovery never loads node-opcua. */
async function connectSession<T>(ctx: ProbeContext, probe: string, fn: (conn: OpcuaConnection) => Promise<T>): Promise<T> {
  const { withOpcuaConnection } = await import('./session-node-opcua.ts');
  return withOpcuaConnection(ctx, probe, fn);
}

const clip = (s: string) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s);
const ENDPOINTS_PROBE = 'opcua.endpoints';
const SESSION_PROBE = 'opcua.session';

/** Turns the endpoints a device announced into facts; certificates are parsed and deduplicated. */
export function endpointFacts(raw: readonly RawEndpoint[]): Pick<OpcuaEndpointsFacts, 'endpoints' | 'certificates'> {
  const certificates = new Map<string, OpcuaCertificateFacts>();
  const endpoints = raw.slice(0, KEPT.endpoints).map((e): EndpointFacts => {
    const facts: EndpointFacts = {
      endpointUrl: clip(e.endpointUrl),
      securityMode: MODES[e.securityMode] ?? 'Invalid',
      securityPolicy: clip(shortPolicyName(e.securityPolicyUri)),
      securityPolicyUri: clip(e.securityPolicyUri),
      securityLevel: Number.isInteger(e.securityLevel) ? e.securityLevel : 0,
      userTokens: e.userTokens.slice(0, KEPT.userTokens).map((t) => ({
        type: TOKEN_TYPES[t.tokenType] ?? 'Invalid',
        policyId: clip(t.policyId),
        securityPolicyUri: clip(t.securityPolicyUri),
        securityPolicy: clip(shortPolicyName(t.securityPolicyUri)),
      })),
      applicationUri: clip(e.server.applicationUri),
      productUri: clip(e.server.productUri),
      applicationName: clip(e.server.applicationName),
    };
    if (e.serverCertificate === undefined) return facts;
    const leaf = firstDerElement(e.serverCertificate);
    let cert: ReturnType<typeof certificateFacts> | undefined;
    try {
      cert = leaf ? certificateFacts(leaf) : undefined;
    } catch {
      cert = undefined;
    }
    if (!cert) return { ...facts, certificateUnparsable: true };
    const known = certificates.get(cert.fingerprint256) ?? { ...cert, applicationUris: [] };
    if (!known.applicationUris.includes(facts.applicationUri)) known.applicationUris.push(facts.applicationUri);
    certificates.set(cert.fingerprint256, known);
    return { ...facts, certificateFingerprint256: cert.fingerprint256 };
  });
  return { endpoints, certificates: [...certificates.values()] };
}

/**
 * OPC UA sends a certificate chain as concatenated DER; the leaf comes first. Returns it, or
 * undefined when the bytes do not start with a DER SEQUENCE whose length fits.
 */
export function firstDerElement(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) return undefined;
  const first = bytes[1] ?? 0;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || bytes.length < 2 + count) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[2 + i] ?? 0);
    header = 2 + count;
  }
  const total = header + length;
  return total <= bytes.length ? bytes.subarray(0, total) : undefined;
}

export function serverFacts(raw: readonly RawApplication[]): ServerFacts[] {
  return raw.slice(0, KEPT.servers).map((a) => ({
    applicationUri: clip(a.applicationUri),
    productUri: clip(a.productUri),
    applicationName: clip(a.applicationName),
    applicationType: APPLICATION_TYPES[a.applicationType] ?? 'Unknown',
    discoveryUrls: a.discoveryUrls.slice(0, KEPT.discoveryUrls).map(clip),
  }));
}

/** Reads what the session returned into facts; drift is only computed when the server sent its time. */
export function sessionFacts(endpointUrl: string, read: SessionRead): SessionFacts {
  const v = read.values;
  const str = (x: unknown) => (typeof x === 'string' ? clip(x) : undefined);
  const roundTrip = read.receivedAt.getTime() - read.sentAt.getTime();
  const agentTime = new Date(read.sentAt.getTime() + roundTrip / 2);
  const facts: SessionFacts = {
    endpointUrl: clip(endpointUrl),
    buildInfo: {},
    agentTimeAtRead: agentTime.toISOString(),
    readRoundTripMs: roundTrip,
  };
  const build = facts.buildInfo;
  const set = <K extends keyof typeof build>(key: K, value: (typeof build)[K] | undefined) => {
    if (value !== undefined) build[key] = value;
  };
  set('productName', str(v.productName));
  set('productUri', str(v.productUri));
  set('manufacturerName', str(v.manufacturerName));
  set('softwareVersion', str(v.softwareVersion));
  set('buildNumber', str(v.buildNumber));
  if (v.buildDate instanceof Date && !Number.isNaN(v.buildDate.getTime())) build.buildDate = v.buildDate.toISOString();
  if (v.currentTime instanceof Date && !Number.isNaN(v.currentTime.getTime())) {
    facts.serverCurrentTime = v.currentTime.toISOString();
    facts.clockDriftMs = v.currentTime.getTime() - agentTime.getTime();
  }
  if (typeof v.auditing === 'boolean') facts.auditing = v.auditing;
  if (typeof v.diagnosticsEnabled === 'boolean') facts.diagnosticsEnabled = v.diagnosticsEnabled;
  if (typeof v.securityRejectedSessionCount === 'number' && Number.isInteger(v.securityRejectedSessionCount)) {
    facts.securityRejectedSessionCount = v.securityRejectedSessionCount;
  }
  return facts;
}

/** The browse's variables into facts: those the anonymous session may write, bounded. */
export function addressSpaceFacts(read: AddressSpaceRead): AddressSpaceFacts {
  const writable = read.variables.filter((v) => v.userAccessLevel !== undefined && (v.userAccessLevel & ACCESS_CURRENT_WRITE) !== 0);
  return {
    nodesBrowsed: read.nodesBrowsed,
    variablesRead: read.variables.length,
    anonymousWritable: writable.slice(0, KEPT.writableVariables).map((v) => ({
      nodeId: clip(v.nodeId),
      browseName: clip(v.browseName),
      ...(v.accessLevel !== undefined ? { accessLevel: v.accessLevel } : {}),
      userAccessLevel: v.userAccessLevel ?? 0,
    })),
    anonymousWritableCount: writable.length,
    stop: read.stop,
  };
}

/** A server must offer at least the endpoint it was reached on; an empty list is not an answer. */
function someEndpoints(endpoints: RawEndpoint[]): RawEndpoint[] {
  if (endpoints.length === 0) throw new ProbeUnavailable('malformed', 'GetEndpoints returned no endpoint');
  return endpoints;
}

/** What an endpoint listing sends: a TCP connect (unless discovery's is handed over), HEL, a None secure channel, GetEndpoints, FindServers, close. */
const ENDPOINT_OPS = ['tcp.connect', ...Object.values(DISCOVERY_OPS)];

export const opcuaEndpointsProbe: ProbeDefinition<OpcuaEndpointsFacts> = {
  id: ENDPOINTS_PROBE,
  version: 1,
  protocol: 'opcua',
  safety: 'identify',
  ops: ENDPOINT_OPS,
  transport: 'tcp',
  facts: OpcuaEndpointsFacts,
  run: (ctx) =>
    withDiscoveryChannel(ctx, ENDPOINTS_PROBE, async (channel) => {
      const observedAt = ctx.now().toISOString();
      const listed = await channel.getEndpoints();
      const facts: OpcuaEndpointsFacts = { observedAt, ...endpointFacts(someEndpoints(listed.endpoints)), endpointsAnnounced: listed.announced };
      // Some devices refuse FindServers; the endpoints alone are still worth keeping.
      const servers = await channel.findServers().catch((err: unknown) => {
        if (err instanceof ProbeUnavailable && (err.kind === 'timeout' || err.kind === 'budget')) throw err;
        ctx.transcript.note(ENDPOINTS_PROBE, 'opcua.find-servers', `not answered: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
      if (servers) facts.servers = serverFacts(servers);
      return facts;
    }),
};

/** Why no anonymous session can be opened on these endpoints, or undefined when one can (Anonymous on a None endpoint). */
function sessionSkip(endpoints: readonly EndpointFacts[]): SessionSkipReason | undefined {
  const anonymous = endpoints.filter((e) => e.userTokens.some((t) => t.type === 'Anonymous'));
  if (anonymous.length === 0) return 'anonymous-not-offered';
  return anonymous.some((e) => e.securityMode === 'None') ? undefined : 'anonymous-needs-secure-channel';
}

/**
 * Opt-in: opens an anonymous session on the None channel, only where a None endpoint offers
 * Anonymous, reads the fixed Server variables, and browses the address space (bounded) for the
 * variables that session may write, reading access levels, never writing. Otherwise it says why
 * it did not.
 */
export const opcuaSessionProbe: ProbeDefinition<OpcuaSessionFacts> = {
  id: SESSION_PROBE,
  // 2: the session also browses for variables an anonymous session may write.
  version: 2,
  protocol: 'opcua',
  safety: 'read-session',
  ops: [...ENDPOINT_OPS, 'opcua.create-session', 'opcua.activate-session', 'opcua.read', 'opcua.browse', 'opcua.browse-next', 'opcua.close-session'],
  transport: 'tcp',
  optIn: OPCUA_SESSION_OPT_IN,
  facts: OpcuaSessionFacts,
  run: async (ctx) => {
    const observedAt = ctx.now().toISOString();
    // The agent gates opt-ins too; a probe that opens sessions refuses on its own as well.
    if (ctx.options.session !== true) return { observedAt, sessionSkipped: 'not-opted-in' };
    // The endpoint listing of this scan already tells when no session can be opened: no connection then.
    const listed = ctx.earlier?.find((o) => o.probe === ENDPOINTS_PROBE && o.port === ctx.port && o.status === 'ok');
    const known = listed?.status === 'ok' ? OpcuaEndpointsFacts.safeParse(listed.facts) : undefined;
    if (known?.success && (known.data.endpointsAnnounced ?? 0) <= known.data.endpoints.length) {
      const skipped = sessionSkip(known.data.endpoints);
      if (skipped) return { observedAt, sessionSkipped: skipped };
    }
    return connectSession(ctx, SESSION_PROBE, async (conn): Promise<OpcuaSessionFacts> => {
      const skipped = sessionSkip(endpointFacts(someEndpoints(await conn.getEndpoints())).endpoints);
      if (skipped) return { observedAt, sessionSkipped: skipped };
      const { server, addressSpace } = await conn.readServerAnonymously();
      return { observedAt, session: { ...sessionFacts(conn.endpointUrl, server), addressSpace: addressSpaceFacts(addressSpace) } };
    });
  },
};

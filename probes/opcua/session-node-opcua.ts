/**
 * The only importer of node-opcua-client in the agent, loaded only by the opt-in session probe
 * (discovery has its own client, discovery-client.ts). It exposes the endpoints, one fixed read of
 * the Server object, and a bounded browse that reads the access levels of variables: Browse,
 * BrowseNext and Read only. No method here can write, call or subscribe.
 */
import {
  AttributeIds,
  BrowseDirection,
  type BrowseResult,
  type ClientSession,
  type DataValue,
  type EndpointDescription,
  MessageSecurityMode,
  NodeClass,
  NodeClassMask,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
} from 'node-opcua-client';
import { InMemoryCertificateKeyPairProvider, InMemoryCertificateStore } from 'node-opcua-common';
import { defaultClientTransportFactory, type IClientTransport } from 'node-opcua-transport';
import { passGate } from '../gate.ts';
import { socketFailure } from '../socket-failure.ts';
import { StepTimer } from '../step-timer.ts';
import type { FailureKind, ProbeContext } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { endpointUrlOf } from './discovery-client.ts';
import { LIMITS } from './limits.ts';
import type { RawApplication, RawEndpoint } from './raw.ts';

// node-opcua prints warnings and errors to stdout, which must stay machine-readable; every
// error that matters reaches the probe as a rejected promise instead.
setWarningLogger(() => {});
setErrorLogger(() => {});

const AGENT_APPLICATION_URI = 'urn:cellcheck:agent';

/**
 * The Server object's variables the opt-in session reads (protocols.md); nothing else can be
 * read through this adapter.
 */
export const SESSION_NODES = {
  productName: 2261,
  productUri: 2262,
  manufacturerName: 2263,
  softwareVersion: 2264,
  buildNumber: 2265,
  buildDate: 2266,
  currentTime: 2258,
  auditing: 2994,
  diagnosticsEnabled: 2294,
  securityRejectedSessionCount: 2279,
} as const;
export type SessionNode = keyof typeof SESSION_NODES;

export type AttributeValue = string | number | boolean | Date | undefined;

export interface SessionRead {
  /** Good values only; a node the server could not read is absent. */
  readonly values: Partial<Record<SessionNode, AttributeValue>>;
  /** Agent clock just before the Read request and just after its response. */
  readonly sentAt: Date;
  readonly receivedAt: Date;
}

/** A variable the browse found, with its access levels as the anonymous session read them. */
export interface BrowsedVariable {
  readonly nodeId: string;
  readonly browseName: string;
  readonly accessLevel: number | undefined;
  readonly userAccessLevel: number | undefined;
}

export type BrowseStop = 'complete' | 'node-limit' | 'depth-limit' | 'request-limit' | 'time-limit';

export interface AddressSpaceRead {
  readonly nodesBrowsed: number;
  readonly variables: readonly BrowsedVariable[];
  readonly stop: BrowseStop;
}

/**
 * Bounds of the browse: nodes reached, depth below Objects, requests (Browse, BrowseNext, Read)
 * and time, so a huge or endless address space costs the device a known, small amount.
 */
export const BROWSE_LIMITS = {
  maxNodes: 500,
  maxDepth: 6,
  maxRequests: 40,
  maxMs: 10_000,
  nodesPerBrowse: 32,
  referencesPerNode: 100,
  variablesPerRead: 100,
} as const;

export interface OpcuaConnection {
  readonly endpointUrl: string;
  getEndpoints(): Promise<RawEndpoint[]>;
  /**
   * Opens an anonymous session on the None channel, reads SESSION_NODES, browses the address
   * space for the access levels of its variables (BROWSE_LIMITS), closes the session.
   */
  readServerAnonymously(): Promise<{ server: SessionRead; addressSpace: AddressSpaceRead }>;
}

let keyPair: Promise<InMemoryCertificateKeyPairProvider> | undefined;

/** One in-memory client certificate per process: nothing is written to disk. */
function clientKeyPair(): Promise<InMemoryCertificateKeyPairProvider> {
  keyPair ??= (async () => {
    const kp = new InMemoryCertificateKeyPairProvider();
    await kp.ensureCertificateExists({ applicationUri: AGENT_APPLICATION_URI, subject: '/CN=cellcheck agent', dns: [] });
    return kp;
  })();
  return keyPair;
}

const OPS: Record<string, string> = {
  GetEndpointsRequest: 'opcua.get-endpoints',
  CreateSessionRequest: 'opcua.create-session',
  ActivateSessionRequest: 'opcua.activate-session',
  ReadRequest: 'opcua.read',
  BrowseRequest: 'opcua.browse',
  BrowseNextRequest: 'opcua.browse-next',
  CloseSessionRequest: 'opcua.close-session',
  CloseSecureChannelRequest: 'opcua.close',
};

/** Anything node-opcua sends that we did not ask for shows up as `opcua.other:<Name>` (safety tests). */
function opOf(schemaName: string): string {
  const base = schemaName.replace(/(Request|Response)$/, 'Request');
  return OPS[base] ?? `opcua.other:${schemaName}`;
}

interface Message {
  readonly schema: { readonly name: string };
  readonly responseHeader?: { readonly serviceResult?: { readonly name: string } };
  readonly endpoints?: unknown;
}

function summary(msg: Message): string {
  const name = msg.schema.name;
  const status = msg.responseHeader?.serviceResult?.name;
  const count = Array.isArray(msg.endpoints) ? ` endpoints=${msg.endpoints.length}` : '';
  return status ? `${name} ${status}${count}` : name;
}

/**
 * Connects over a None secure channel (HEL, OPN, GetEndpoints happen inside connect), runs `fn`
 * and always disconnects. One TCP connection per call; every wait is bounded by the step timeout
 * and the device budget.
 */
export async function withOpcuaConnection<T>(ctx: ProbeContext, probe: string, fn: (conn: OpcuaConnection) => Promise<T>): Promise<T> {
  if (ctx.signal.aborted) throw new ProbeUnavailable('budget', 'device time budget spent before connecting');
  await passGate(ctx, probe, 'opcua.hello');
  const endpointUrl = endpointUrlOf(ctx.address, ctx.port);
  const kp = await clientKeyPair();
  // disconnect() leaves a socket open while the HEL/ACK handshake is pending (a silent peer);
  // holding the transports lets the finally block destroy them on every path.
  const transports: IClientTransport[] = [];
  const client = OPCUAClient.create({
    applicationName: 'cellcheck',
    applicationUri: AGENT_APPLICATION_URI,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    endpointMustExist: false,
    keepSessionAlive: false,
    requestedSessionTimeout: 60_000,
    connectionStrategy: { maxRetry: 0, initialDelay: 0, maxDelay: 0 },
    // node-opcua breaks a socket idle for half this value; our own step timeout must fire first.
    transportTimeout: 2 * ctx.stepTimeoutMs,
    defaultTransactionTimeout: ctx.stepTimeoutMs,
    // The discovery client's limits: bounds what one device may make the client buffer.
    transportSettings: { ...LIMITS },
    certificateKeyPairProvider: kp,
    transportFactory: {
      create: (settings) => {
        const transport = defaultClientTransportFactory.create(settings);
        transports.push(transport);
        return transport;
      },
    },
    clientCertificateManager: new InMemoryCertificateStore({ autoAcceptUnknown: true }),
  });
  let discovered: EndpointDescription[] | undefined;
  client.on('send_request', (req: Message) => ctx.transcript.tx(probe, opOf(req.schema.name), undefined, summary(req)));
  client.on('receive_response', (res: Message) => {
    ctx.transcript.rx(probe, opOf(res.schema.name), undefined, summary(res));
    // connect() already asks for the endpoints; keeping that answer saves a second request.
    if (res.schema.name === 'GetEndpointsResponse' && Array.isArray(res.endpoints)) discovered = res.endpoints as EndpointDescription[];
  });

  // Requests we start pass the gate; those node-opcua sends inside connect() are covered by the hello.
  const step = async <R>(op: string, work: () => Promise<R>) => {
    if (op !== 'opcua.open-secure-channel') await passGate(ctx, probe, op);
    return bounded(ctx, op, work());
  };
  let errored = false;
  try {
    ctx.transcript.tx(probe, 'opcua.hello', undefined, endpointUrl);
    ctx.transcript.tx(probe, 'opcua.open-secure-channel', undefined, 'SecurityPolicy None, MessageSecurityMode None');
    await step('opcua.open-secure-channel', () => client.connect(endpointUrl));
    ctx.transcript.rx(probe, 'opcua.open-secure-channel', undefined, 'secure channel open');
    const conn: OpcuaConnection = {
      endpointUrl,
      getEndpoints: async () => {
        discovered ??= await step('opcua.get-endpoints', () => client.getEndpoints());
        return discovered.map(rawEndpoint);
      },
      readServerAnonymously: async () => {
        const session = await step('opcua.create-session', () => client.createSession());
        try {
          const server = await readSessionNodes(session, step, ctx.now);
          return { server, addressSpace: await browseAccessLevels(session, step) };
        } finally {
          await step('opcua.close-session', () => session.close()).catch(() => undefined);
        }
      },
    };
    return await fn(conn);
  } catch (err) {
    errored = true;
    throw opcuaUnavailable(err);
  } finally {
    // After an error the channel may be stuck mid-handshake, where disconnect() does not close
    // the socket: destroy the transports first. After success, close gracefully first.
    if (errored) for (const transport of transports) transport.dispose();
    await bounded(ctx, 'opcua.close', client.disconnect(), Math.min(2000, ctx.stepTimeoutMs), false).catch(() => undefined);
    if (!errored) for (const transport of transports) transport.dispose();
    client.removeAllListeners();
    ctx.transcript.note(probe, 'opcua.close', 'disconnected');
  }
}

async function readSessionNodes(session: ClientSession, step: Step, now: () => Date): Promise<SessionRead> {
  const names = Object.keys(SESSION_NODES) as SessionNode[];
  const nodes = names.map((n) => ({ nodeId: `ns=0;i=${SESSION_NODES[n]}`, attributeId: AttributeIds.Value }));
  const sentAt = now();
  const results: DataValue[] = await step('opcua.read', () => session.read(nodes));
  const receivedAt = now();
  const values: Partial<Record<SessionNode, AttributeValue>> = {};
  names.forEach((name, i) => {
    const dv = results[i];
    if (dv?.statusCode.isGood()) values[name] = plainValue(dv.value.value);
  });
  return { values, sentAt, receivedAt };
}

type Step = <R>(op: string, work: () => Promise<R>) => Promise<R>;

/** Namespace 0 holds the standard nodes (the Server object and its diagnostics), not the device's data. */
const isStandardNode = (nodeId: string) => !/^ns=[1-9]/.test(nodeId);

/**
 * Walks the hierarchy below Objects breadth first (Objects and Variables, forward hierarchical
 * references), then reads AccessLevel and UserAccessLevel of every variable found. Stops at the
 * first bound it reaches (BROWSE_LIMITS) and says which; what was read so far is kept.
 */
async function browseAccessLevels(session: ClientSession, step: Step): Promise<AddressSpaceRead> {
  const L = BROWSE_LIMITS;
  const started = performance.now();
  session.requestedMaxReferencesPerNode = L.referencesPerNode;
  const state: { requests: number; stop: BrowseStop } = { requests: 0, stop: 'complete' };
  /** True once the request or time bound is reached (recorded as the stop, unless one came first). */
  const exhausted = (): boolean => {
    const limit = state.requests >= L.maxRequests ? 'request-limit' : performance.now() - started >= L.maxMs ? 'time-limit' : undefined;
    if (limit && (state.stop === 'complete' || state.stop === 'depth-limit')) state.stop = limit;
    return limit !== undefined;
  };
  const request = <R>(op: string, work: () => Promise<R>) => {
    state.requests++;
    return step(op, work);
  };
  const seen = new Set<string>();
  const full = () => state.stop === 'node-limit';
  const found: { nodeId: string; browseName: string }[] = [];
  const take = (results: readonly BrowseResult[], next: string[], depth: number) => {
    for (const ref of results.flatMap((r) => r.references ?? [])) {
      const nodeId = ref.nodeId.toString();
      if (seen.has(nodeId) || isStandardNode(nodeId)) continue;
      if (seen.size >= L.maxNodes) {
        state.stop = 'node-limit';
        return;
      }
      seen.add(nodeId);
      if (ref.nodeClass === NodeClass.Variable) found.push({ nodeId, browseName: ref.browseName.toString() });
      if (depth < L.maxDepth) next.push(nodeId);
      else if (state.stop === 'complete') state.stop = 'depth-limit';
    }
  };
  // A node with more references than one reply holds leaves a continuation point (BrowseNext);
  // points left when a bound is reached are the server's to free at CloseSession.
  const continuations = (results: readonly BrowseResult[]) => results.flatMap((r) => (r.continuationPoint?.length ? [r.continuationPoint] : []));
  let level = ['i=85'];
  for (let depth = 1; level.length > 0 && !full(); depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length && !full() && !exhausted(); i += L.nodesPerBrowse) {
      const batch = level.slice(i, i + L.nodesPerBrowse).map((nodeId) => ({
        nodeId,
        referenceTypeId: 'HierarchicalReferences',
        browseDirection: BrowseDirection.Forward,
        includeSubtypes: true,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 0x3f,
      }));
      let results = await request('opcua.browse', () => session.browse(batch));
      take(results, next, depth);
      for (let points = continuations(results); points.length > 0 && !full() && !exhausted(); points = continuations(results)) {
        const asked = points;
        results = await request('opcua.browse-next', () => session.browseNext(asked, false));
        take(results, next, depth);
      }
    }
    level = exhausted() ? [] : next;
  }
  const variables: BrowsedVariable[] = [];
  const accessOf = (dv: DataValue | undefined) => (dv?.statusCode.isGood() && typeof dv.value.value === 'number' ? dv.value.value : undefined);
  for (let i = 0; i < found.length && !exhausted(); i += L.variablesPerRead) {
    const batch = found.slice(i, i + L.variablesPerRead);
    const attributes = batch.flatMap((v) => [AttributeIds.AccessLevel, AttributeIds.UserAccessLevel].map((attributeId) => ({ nodeId: v.nodeId, attributeId })));
    const values: DataValue[] = await request('opcua.read', () => session.read(attributes));
    for (const [k, v] of batch.entries()) variables.push({ ...v, accessLevel: accessOf(values[2 * k]), userAccessLevel: accessOf(values[2 * k + 1]) });
  }
  return { nodesBrowsed: seen.size, variables, stop: state.stop };
}

function plainValue(v: unknown): AttributeValue {
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function rawApplication(a: EndpointDescription['server']): RawApplication {
  return {
    applicationUri: text(a.applicationUri),
    productUri: text(a.productUri),
    applicationName: text(a.applicationName?.text),
    applicationType: Number(a.applicationType),
    discoveryUrls: (a.discoveryUrls ?? []).map(text),
  };
}

function rawEndpoint(e: EndpointDescription): RawEndpoint {
  return {
    endpointUrl: text(e.endpointUrl),
    securityMode: Number(e.securityMode),
    securityPolicyUri: text(e.securityPolicyUri),
    securityLevel: Number(e.securityLevel),
    userTokens: (e.userIdentityTokens ?? []).map((t) => ({
      tokenType: Number(t.tokenType),
      policyId: text(t.policyId),
      securityPolicyUri: text(t.securityPolicyUri),
    })),
    server: rawApplication(e.server),
    serverCertificate: e.serverCertificate && e.serverCertificate.length > 0 ? new Uint8Array(e.serverCertificate) : undefined,
  };
}

/** Races one node-opcua call against the step timeout and the device budget. */
function bounded<R>(ctx: ProbeContext, op: string, work: Promise<R>, timeoutMs = ctx.stepTimeoutMs, watchBudget = true): Promise<R> {
  const step = new StepTimer<R>(watchBudget ? { signal: ctx.signal, end: `device time budget spent during ${op}` } : undefined);
  step.arm(timeoutMs, `no answer to ${op} within ${timeoutMs} ms`);
  // Handles a rejection that arrives after we gave up, too: the settled step ignores it.
  work.then(
    (v) => step.resolve(v),
    (err: unknown) => step.fail(err),
  );
  return step.done;
}

/**
 * Maps node-opcua and socket errors to the agent's failure kinds. node-opcua reports most
 * handshake errors as text only, so the message is matched; the detail keeps it on one line.
 */
export function opcuaUnavailable(err: unknown): ProbeUnavailable {
  if (err instanceof ProbeUnavailable) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const text = `${code} ${message}`;
  const detail = message.replace(/\s+/g, ' ').trim().slice(0, 240);
  const socket = socketFailure(err);
  if (socket) return socket.kind === 'refused' ? socket : new ProbeUnavailable(socket.kind, detail);
  const kinds: [RegExp, FailureKind][] = [
    // The socket broke while waiting for ACK: the reply was not OPC UA, or larger than allowed.
    [/hadError ?true|BadTcp|BadDecodingError|BadProtocolVersionUnsupported|BadCommunicationError/, 'protocol-mismatch'],
    [/ended by server|disconnected by third party/, 'closed'],
    [/Timeout\(A\)|timed out/i, 'timeout'],
    [/BadServiceUnsupported/, 'not-supported'],
    [/BadIdentityTokenRejected|BadIdentityTokenInvalid|BadUserAccessDenied|BadTooManySessions|BadSecurityChecksFailed/, 'denied'],
  ];
  return new ProbeUnavailable(kinds.find(([re]) => re.test(text))?.[1] ?? 'error', detail);
}

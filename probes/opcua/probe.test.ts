import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import { RequestLog } from '../../fixtures/request-log.ts';
import { serveTcp } from '../../fixtures/tcp-server.ts';
import {
  ANONYMOUS_WRITABLE,
  HARDENED_APPLICATION_URI,
  startOpcuaFixture,
  TAG_COUNT,
  WEAK_APPLICATION_URI,
  WEAK_CERTIFICATE_URI,
} from '../../fixtures/opcua/server.ts';
import { runProbe } from '../run.ts';
import { realClock, testContext, untilClosed } from '../test-kit.ts';
import type { ProbeContext, ProbeDefinition, ProbeOutcome } from '../types.ts';
import type { OpcuaEndpointsFacts, OpcuaSessionFacts } from './facts.ts';
import { firstDerElement, opcuaEndpointsProbe, opcuaSessionProbe } from './probe.ts';
import { BROWSE_LIMITS } from './session-node-opcua.ts';
import { testAddress } from '../../test/addresses.ts';

const WEAK_HOST = testAddress('opcuaProbe', 1);
const HARDENED_HOST = testAddress('opcuaProbe', 2);
const SILENT_HOST = testAddress('opcuaProbe', 3);
const CLOSED_HOST = testAddress('opcuaProbe', 4);
const GARBAGE_HOST = testAddress('opcuaProbe', 5);
const HUGE_HOST = testAddress('opcuaProbe', 6);

/** Operation kinds a discovery or session run may send; anything else is a safety failure. */
const ALLOWED_OPS = new Set([
  'tcp.connect',
  'opcua.hello',
  'opcua.open-secure-channel',
  'opcua.get-endpoints',
  'opcua.find-servers',
  'opcua.create-session',
  'opcua.activate-session',
  'opcua.read',
  'opcua.browse',
  'opcua.browse-next',
  'opcua.close-session',
  'opcua.close',
]);

let weak: RunningFixture;
let hardened: RunningFixture;
let silent: RunningFixture;
let closedPort: number;
/** What the garbage peer answers to the agent's HEL; empty means it just closes. */
let garbageReply = Buffer.alloc(0);
let garbage: RunningFixture;

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

beforeAll(async () => {
  [weak, hardened] = await Promise.all([
    startOpcuaFixture({ host: WEAK_HOST, posture: 'weak' }),
    startOpcuaFixture({ host: HARDENED_HOST, posture: 'hardened' }),
  ]);
  const peer = (name: string, host: string) => ({ name, protocol: 'opcua', host, port: 0, log: new RequestLog() });
  // Read (and drop) the HEL so the socket sees the agent's close at once.
  silent = await serveTcp(peer('opcua-silent', SILENT_HOST), (socket) => socket.resume());
  garbage = await serveTcp(peer('opcua-garbage', GARBAGE_HOST), (socket) => {
    socket.once('data', () => {
      socket.resume();
      if (garbageReply.length > 0) socket.write(garbageReply);
      socket.end();
    });
  });
  const gone = net.createServer();
  closedPort = await listen(gone, CLOSED_HOST);
  await new Promise<void>((resolve) => gone.close(() => resolve()));
});

afterAll(async () => {
  await Promise.all([weak, hardened, silent, garbage].map((f) => f?.close()));
});

function context(host: string, port: number, options: Record<string, unknown> = {}, stepTimeoutMs = 3000, signal = new AbortController().signal): ProbeContext {
  return testContext(host, port, { stepTimeoutMs, signal, options, now: realClock });
}

async function run<F>(def: ProbeDefinition<F>, ctx: ProbeContext): Promise<ProbeOutcome> {
  const outcome = await runProbe(def as ProbeDefinition, ctx);
  for (const op of ctx.transcript.sentOps()) expect(ALLOWED_OPS.has(op), op).toBe(true);
  return outcome;
}

function okFacts<F>(outcome: ProbeOutcome): F {
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${outcome.failure.kind} ${outcome.failure.detail}`);
  return outcome.facts as F;
}

const port = (f: RunningFixture) => f.ports.opcua ?? 0;

describe('opcua.endpoints', () => {
  it('reads modes, policies, tokens and the weak certificate without a session', async () => {
    const before = weak.log.requests.length;
    const connectionsBefore = weak.log.connections;
    const facts = okFacts<OpcuaEndpointsFacts>(await run(opcuaEndpointsProbe, context(WEAK_HOST, port(weak))));

    expect(new Set(facts.endpoints.map((e) => `${e.securityMode}/${e.securityPolicy}`))).toEqual(
      new Set(['None/None', 'Sign/Basic128Rsa15', 'SignAndEncrypt/Basic128Rsa15']),
    );
    const none = facts.endpoints.find((e) => e.securityMode === 'None');
    expect(none?.endpointUrl).toBe(`opc.tcp://${WEAK_HOST}:${port(weak)}`);
    expect(none?.userTokens.map((t) => t.type)).toContain('Anonymous');
    expect(none?.userTokens.some((t) => t.type === 'UserName' && t.securityPolicyUri === '')).toBe(true);
    expect(facts.endpoints.every((e) => e.applicationUri === WEAK_APPLICATION_URI)).toBe(true);

    expect(facts.certificates).toHaveLength(1);
    const cert = facts.certificates[0];
    expect(cert).toMatchObject({
      keyType: 'rsa',
      keyBits: 1024,
      signatureHash: 'sha1',
      selfSigned: true,
      sanUris: [WEAK_CERTIFICATE_URI],
      applicationUris: [WEAK_APPLICATION_URI],
    });
    expect(facts.endpoints.every((e) => e.certificateFingerprint256 === cert?.fingerprint256)).toBe(true);
    expect(facts.servers?.map((s) => s.applicationUri)).toEqual([WEAK_APPLICATION_URI]);

    const received = weak.log.requests.slice(before);
    expect(received.map((r) => r.kind)).toEqual(['GetEndpointsRequest', 'FindServersRequest']);
    expect(received.every((r) => r.class === 'read')).toBe(true);
    expect(weak.log.connections - connectionsBefore).toBe(1);
    expect(weak.log.maxConcurrent).toBe(1);
  });

  it('sees only SignAndEncrypt with current policies and a CA-issued RSA-2048 certificate on the hardened server', async () => {
    const facts = okFacts<OpcuaEndpointsFacts>(await run(opcuaEndpointsProbe, context(HARDENED_HOST, port(hardened))));
    const offered = facts.endpoints.filter((e) => e.securityMode !== 'None');
    expect(new Set(offered.map((e) => `${e.securityMode}/${e.securityPolicy}`))).toEqual(
      new Set(['SignAndEncrypt/Basic256Sha256', 'SignAndEncrypt/Aes256_Sha256_RsaPss']),
    );
    const tokenTypes = new Set(facts.endpoints.flatMap((e) => e.userTokens.map((t) => t.type)));
    expect(tokenTypes.has('Anonymous')).toBe(false);
    expect(offered.every((e) => e.userTokens.every((t) => t.type === 'UserName' || t.type === 'Certificate'))).toBe(true);
    expect(facts.certificates).toHaveLength(1);
    expect(facts.certificates[0]).toMatchObject({ keyBits: 2048, signatureHash: 'sha256', selfSigned: false, sanUris: [HARDENED_APPLICATION_URI] });
    expect(hardened.log.count('session')).toBe(0);
  });

  it('is refused on a port nobody listens on', async () => {
    const outcome = await run(opcuaEndpointsProbe, context(CLOSED_HOST, closedPort));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });

  it('times out within the step budget on a peer that accepts and says nothing, and closes the socket', async () => {
    const started = performance.now();
    const outcome = await run(opcuaEndpointsProbe, context(SILENT_HOST, port(silent), {}, 400));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(400 + 1500);
    await untilClosed(silent.log, 300);
  });

  it.each([
    ['an HTTP answer', Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 'protocol-mismatch'],
    ['an ACK announcing 2 GiB', Buffer.concat([Buffer.from('ACKF'), Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(20)]), 'protocol-mismatch'],
    ['a close without answer', Buffer.alloc(0), 'closed'],
  ])('turns %s to HEL into a typed failure', async (_, reply, kind) => {
    garbageReply = reply;
    const outcome = await run(opcuaEndpointsProbe, context(GARBAGE_HOST, port(garbage), {}, 1000));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe(kind);
    expect(outcome.durationMs).toBeLessThan(1000);
  });

  it('stops and closes the socket when the device budget is spent mid-handshake', async () => {
    const started = performance.now();
    const outcome = await run(opcuaEndpointsProbe, context(SILENT_HOST, port(silent), {}, 10_000, AbortSignal.timeout(300)));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('budget');
    expect(performance.now() - started).toBeLessThan(2000);
    await untilClosed(silent.log, 300);
  });
});

describe('opcua.session', () => {
  it('does not connect at all when not opted in', async () => {
    const connections = weak.log.connections;
    const facts = okFacts<OpcuaSessionFacts>(await run(opcuaSessionProbe, context(WEAK_HOST, port(weak))));
    expect(facts.sessionSkipped).toBe('not-opted-in');
    expect(weak.log.connections).toBe(connections);
    expect(weak.log.count('session')).toBe(0);
  });

  it('reads build info and computes the clock drift on the weak server when opted in', async () => {
    const before = weak.log.requests.length;
    const ctx = context(WEAK_HOST, port(weak), { session: true });
    const facts = okFacts<OpcuaSessionFacts>(await run(opcuaSessionProbe, ctx));
    expect(facts.session?.buildInfo).toMatchObject({ manufacturerName: 'Simulated Automation AG', productName: 'SimPLC OPC UA', softwareVersion: '2.1.0' });
    expect(facts.session?.auditing).toBe(false);
    expect(Math.abs(facts.session?.clockDriftMs ?? Number.NaN)).toBeLessThan(5000);
    const received = weak.log.requests.slice(before);
    expect(received.map((r) => r.kind).filter((k) => !/^Browse/.test(k))).toEqual([
      'GetEndpointsRequest',
      'CreateSessionRequest',
      'ActivateSessionRequest',
      // The Server object's variables, then access levels of the browsed variables, 100 a request.
      'ReadRequest',
      'ReadRequest',
      'ReadRequest',
      'CloseSessionRequest',
    ]);
    expect(received.some((r) => r.class === 'write' || r.class === 'auth')).toBe(false);
    expect(ctx.transcript.sentOps()).toContain('opcua.close-session');
  });

  it('browses the address space and lists the variables an anonymous session may write, with no Write and no Call', async () => {
    const before = weak.log.requests.length;
    const facts = okFacts<OpcuaSessionFacts>(await run(opcuaSessionProbe, context(WEAK_HOST, port(weak), { session: true })));
    const space = facts.session?.addressSpace;
    expect(space).toMatchObject({ stop: 'complete', anonymousWritableCount: ANONYMOUS_WRITABLE.length });
    expect(space?.anonymousWritable.map((v) => [v.nodeId, v.browseName]).sort()).toEqual([
      ['ns=1;s=Line1.Setpoint', '1:Setpoint'],
      ['ns=1;s=Plant.Mode', '1:Mode'],
    ]);
    // Read-only ones and the one only other users may write are read, not listed.
    expect(space?.variablesRead).toBe(TAG_COUNT + 4);
    const kinds = weak.log.requests.slice(before).map((r) => r.kind);
    // The Tags object holds more references than one reply: BrowseNext fetched the rest.
    expect(kinds).toContain('BrowseRequest');
    expect(kinds).toContain('BrowseNextRequest');
    expect(kinds.filter((k) => /^(Write|Call)/.test(k))).toEqual([]);
    expect(weak.log.requests.slice(before).filter((r) => r.class === 'write')).toEqual([]);
  });

  it('stops browsing a huge address space at its bounds, says which, and keeps what it read', async () => {
    const huge = await startOpcuaFixture({ host: HUGE_HOST, posture: 'weak', tags: 2000 });
    try {
      const facts = okFacts<OpcuaSessionFacts>(await run(opcuaSessionProbe, context(HUGE_HOST, port(huge), { session: true })));
      const space = facts.session?.addressSpace;
      expect(space).toMatchObject({ stop: 'node-limit', nodesBrowsed: BROWSE_LIMITS.maxNodes, anonymousWritableCount: ANONYMOUS_WRITABLE.length });
      const browsing = huge.log.requests.filter((r) => /^Browse|^Read/.test(r.kind));
      // Every Browse, BrowseNext and access-level Read counts; the Server object's Read is the one more.
      expect(browsing.length).toBeLessThanOrEqual(BROWSE_LIMITS.maxRequests + 1);
      expect(huge.log.count('write')).toBe(0);
    } finally {
      await huge.close();
    }
  }, 30_000);

  it('skips the session on the hardened server because Anonymous is not offered', async () => {
    const facts = okFacts<OpcuaSessionFacts>(await run(opcuaSessionProbe, context(HARDENED_HOST, port(hardened), { session: true })));
    expect(facts.sessionSkipped).toBe('anonymous-not-offered');
    expect(hardened.log.count('session')).toBe(0);
    expect(hardened.log.openConnections).toBe(0);
  });

  it("does not connect when this scan's endpoint listing already shows no anonymous session is possible", async () => {
    const listing = await run(opcuaEndpointsProbe, context(HARDENED_HOST, port(hardened)));
    const before = hardened.log.connections;
    const facts = okFacts<OpcuaSessionFacts>(
      await run(opcuaSessionProbe, { ...context(HARDENED_HOST, port(hardened), { session: true }), earlier: [listing] }),
    );
    expect(facts.sessionSkipped).toBe('anonymous-not-offered');
    expect(hardened.log.connections).toBe(before);
    // A listing cut short proves no absence: the probe asks the server itself.
    const cut = listing.status === 'ok' ? { ...listing, facts: { ...(listing.facts as object), endpointsAnnounced: 500 } } : listing;
    await run(opcuaSessionProbe, { ...context(HARDENED_HOST, port(hardened), { session: true }), earlier: [cut] });
    expect(hardened.log.connections).toBe(before + 1);
  });
});

describe('firstDerElement', () => {
  it('returns the leaf of a concatenated chain and rejects truncated or non-DER bytes', () => {
    const leaf = Uint8Array.from([0x30, 0x03, 1, 2, 3]);
    const long = Uint8Array.from([0x30, 0x81, 0x02, 9, 9]);
    expect(firstDerElement(Uint8Array.from([...leaf, 0x30, 0x01, 7]))).toEqual(leaf);
    expect(firstDerElement(long)).toEqual(long);
    expect(firstDerElement(Uint8Array.from([0x30, 0x05, 1]))).toBeUndefined();
    expect(firstDerElement(Uint8Array.from([0x04, 0x01, 1]))).toBeUndefined();
    expect(firstDerElement(Uint8Array.from([0x30, 0x80]))).toBeUndefined();
  });
});

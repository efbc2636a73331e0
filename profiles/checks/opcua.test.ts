import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../probes/certificate.ts';
import type { EndpointFacts, OpcuaEndpointsFacts, OpcuaSessionFacts, SessionFacts } from '../../probes/opcua/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import instances from '../data/checks/opcua.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { OPCUA_POLICIES, opcuaCheckKinds, opcuaIdentity, rateOpcuaPolicy } from './opcua.ts';

const P = 'http://opcfoundation.org/UA/SecurityPolicy#';
const APP = 'urn:plant:plc1';

function token(type: 'Anonymous' | 'UserName' | 'Certificate', policy = ''): EndpointFacts['userTokens'][number] {
  return { type, policyId: `${type}-${policy}`, securityPolicyUri: policy ? P + policy : '', securityPolicy: policy };
}

function endpoint(mode: EndpointFacts['securityMode'], policy: string, tokens: EndpointFacts['userTokens']): EndpointFacts {
  return {
    endpointUrl: 'opc.tcp://10.0.0.5:4840',
    securityMode: mode,
    securityPolicy: policy,
    securityPolicyUri: P + policy,
    securityLevel: 1,
    userTokens: tokens,
    applicationUri: APP,
    productUri: 'urn:vendor:product',
    applicationName: 'PLC 1',
  };
}

const CERT: CertificateFacts & { applicationUris: string[] } = {
  subject: 'CN=plc1',
  issuer: 'CN=Plant CA',
  serialNumber: '01',
  fingerprint256: 'AA:BB',
  keyType: 'rsa',
  keyBits: 2048,
  signatureAlgorithm: 'sha256WithRSAEncryption',
  signatureHash: 'sha256',
  notBefore: '2024-01-01T00:00:00.000Z',
  notAfter: '2030-01-01T00:00:00.000Z',
  selfSigned: false,
  sanUris: [APP],
  sanDns: [],
  sanIps: [],
  applicationUris: [APP],
};

const WEAK: OpcuaEndpointsFacts = {
  observedAt: '2025-06-01T00:00:00.000Z',
  endpoints: [
    endpoint('None', 'None', [token('Anonymous'), token('UserName'), token('UserName', 'Basic128Rsa15')]),
    endpoint('Sign', 'Basic128Rsa15', [token('Anonymous'), token('UserName')]),
    endpoint('SignAndEncrypt', 'Basic256', [token('UserName')]),
  ],
  certificates: [{ ...CERT, sanUris: ['urn:factory-default'] }],
};

const HARDENED: OpcuaEndpointsFacts = {
  observedAt: '2025-06-01T00:00:00.000Z',
  endpoints: [
    endpoint('SignAndEncrypt', 'Basic256Sha256', [token('UserName'), token('Certificate')]),
    endpoint('SignAndEncrypt', 'Aes256_Sha256_RsaPss', [token('UserName'), token('Certificate')]),
  ],
  certificates: [CERT],
};

function ok(probe: string, facts: unknown, port = 4840): ProbeOutcome {
  return { probe, version: 1, port, status: 'ok', facts, transcript: [1, 8], durationMs: 30 };
}

function failed(probe: string): ProbeOutcome {
  return {
    probe,
    version: 1,
    port: 4840,
    status: 'unavailable',
    failure: { kind: 'timeout', detail: 'no answer to opcua.open-secure-channel within 2000 ms' },
    transcript: [1, 3],
    durationMs: 2000,
  };
}

function device(outcomes: ProbeOutcome[], opcuaPortOpen = outcomes.length > 0): DeviceView {
  return new DeviceView({
    address: '10.0.0.5',
    services: opcuaPortOpen ? [{ port: 4840, transport: 'tcp', protocol: 'opcua', confirmed: outcomes.length > 0 }] : [],
    outcomes,
  });
}

const SESSION: SessionFacts = {
  endpointUrl: 'opc.tcp://10.0.0.5:4840',
  buildInfo: { manufacturerName: 'Simulated Automation AG', productName: 'SimPLC OPC UA', softwareVersion: '2.1.0' },
  serverCurrentTime: '2025-06-01T00:00:00.500Z',
  agentTimeAtRead: '2025-06-01T00:00:00.000Z',
  readRoundTripMs: 20,
  clockDriftMs: 500,
  auditing: true,
};

function withSession(session: Partial<SessionFacts> | { skipped: OpcuaSessionFacts['sessionSkipped'] }): DeviceView {
  const facts: OpcuaSessionFacts =
    'skipped' in session
      ? { observedAt: WEAK.observedAt, sessionSkipped: session.skipped }
      : { observedAt: WEAK.observedAt, session: { ...SESSION, ...session } };
  return device([ok('opcua.endpoints', WEAK), ok('opcua.session', facts)]);
}

const checks = loadCheckSet(opcuaCheckKinds, instances);
function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

const weak = device([ok('opcua.endpoints', WEAK)]);
const hardened = device([ok('opcua.endpoints', HARDENED)]);
const timedOut = device([failed('opcua.endpoints')]);
const noOpcua = device([]);
const notProbed = device([], true);

describe('opcua check kinds on discovery facts', () => {
  it.each([
    'opcua.anonymous-token-absent',
    'opcua.none-mode-absent',
    'opcua.sign-mode-absent',
    'opcua.sign-and-encrypt-mode-present',
    'opcua.policies-current',
    'opcua.cleartext-password-absent',
    'opcua.certificate-uri-match',
  ])('%s: pass on hardened, unknown when unreachable or unprobed, not-applicable without OPC UA', (id) => {
    expect(evaluate(id, hardened).status).toBe('pass');
    expect(evaluate(id, timedOut)).toMatchObject({ status: 'unknown', reason: expect.stringContaining('timeout') });
    expect(evaluate(id, notProbed).status).toBe('unknown');
    expect(evaluate(id, noOpcua).status).toBe('not-applicable');
  });

  it.each([
    'opcua.anonymous-token-absent',
    'opcua.none-mode-absent',
    'opcua.sign-mode-absent',
    'opcua.policies-current',
    'opcua.cleartext-password-absent',
    'opcua.certificate-uri-match',
  ])('%s: fail on the weak server', (id) => {
    expect(evaluate(id, weak).status).toBe('fail');
  });

  it('names the offending endpoints, policies, tokens and URIs as values', () => {
    expect(evaluate('opcua.anonymous-token-absent', weak).observed).toMatchObject({
      offered: true,
      endpoints: [{ securityMode: 'None' }, { securityMode: 'Sign' }],
    });
    expect(evaluate('opcua.cleartext-password-absent', weak).observed).toEqual({
      cleartextUserName: true,
      tokens: [{ port: 4840, endpointUrl: 'opc.tcp://10.0.0.5:4840', securityMode: 'None', securityPolicy: 'None', policyId: 'UserName-' }],
    });
    const policies = evaluate('opcua.policies-current', weak).observed as { offending: { policy: string; usedBy: string[] }[] };
    expect(policies.offending).toEqual([
      expect.objectContaining({ policy: `${P}Basic128Rsa15`, usedBy: ['endpoint', 'token'], rating: 'deprecated' }),
      expect.objectContaining({ policy: `${P}Basic256`, usedBy: ['endpoint'], rating: 'deprecated' }),
    ]);
    expect(evaluate('opcua.certificate-uri-match', weak).observed).toMatchObject({ mismatched: [{ missing: [APP], sanUris: ['urn:factory-default'] }] });
  });

  it('fails encryption-available when no endpoint encrypts', () => {
    const signOnly = device([ok('opcua.endpoints', { ...HARDENED, endpoints: [endpoint('Sign', 'Basic256Sha256', [token('UserName')])] })]);
    expect(evaluate('opcua.sign-and-encrypt-mode-present', signOnly)).toMatchObject({ status: 'fail', observed: { offered: false, modes: ['Sign'] } });
  });

  it('is unknown for a policy the knowledge base does not rate', () => {
    const odd = device([
      ok('opcua.endpoints', { ...HARDENED, endpoints: [{ ...endpoint('SignAndEncrypt', 'Vendor', []), securityPolicyUri: 'urn:vendor:policy' }] }),
    ]);
    expect(evaluate('opcua.policies-current', odd)).toMatchObject({ status: 'unknown', observed: { unrated: ['urn:vendor:policy'] } });
  });

  it('turns a pass resting on absence into unknown when the server announced more endpoints than were read', () => {
    const cut = device([ok('opcua.endpoints', { ...HARDENED, endpointsAnnounced: 3000 })]);
    for (const id of ['opcua.anonymous-token-absent', 'opcua.none-mode-absent', 'opcua.policies-current']) {
      expect(evaluate(id, hardened).status, id).toBe('pass');
      expect(evaluate(id, cut), id).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/port 4840: 2 of 3000/) });
    }
    // What was seen stays proven: a SignAndEncrypt endpoint is present whatever else was announced.
    expect(evaluate('opcua.sign-and-encrypt-mode-present', cut).status).toBe('pass');
    expect(evaluate('opcua.anonymous-token-absent', device([ok('opcua.endpoints', { ...WEAK, endpointsAnnounced: 3000 })])).status).toBe('fail');
  });

  it('is not-applicable for the URI match when no endpoint carried a certificate', () => {
    expect(evaluate('opcua.certificate-uri-match', device([ok('opcua.endpoints', { ...HARDENED, certificates: [] })])).status).toBe('not-applicable');
  });
});

describe('opcua check kinds on session facts', () => {
  it('auditing: pass, fail, unknown when unreadable, skipped or not opted in, not-applicable without OPC UA', () => {
    expect(evaluate('opcua.auditing-enabled', withSession({})).status).toBe('pass');
    expect(evaluate('opcua.auditing-enabled', withSession({ auditing: false })).status).toBe('fail');
    const { auditing: _, ...unread } = SESSION;
    expect(
      evaluate('opcua.auditing-enabled', device([ok('opcua.endpoints', WEAK), ok('opcua.session', { observedAt: WEAK.observedAt, session: unread })])).status,
    ).toBe('unknown');
    expect(evaluate('opcua.auditing-enabled', withSession({ skipped: 'anonymous-not-offered' }))).toMatchObject({
      status: 'unknown',
      reason: expect.stringContaining('anonymous-not-offered'),
    });
    expect(evaluate('opcua.auditing-enabled', weak)).toMatchObject({ status: 'unknown', reason: expect.stringContaining('opt-in') });
    expect(evaluate('opcua.auditing-enabled', noOpcua).status).toBe('not-applicable');
  });

  it('anonymous write: fails listing node ids and browse names, passes only on a complete browse or without anonymous sessions', () => {
    const space = (writable: { nodeId: string; browseName: string }[], stop: 'complete' | 'request-limit' = 'complete') => ({
      addressSpace: {
        nodesBrowsed: 10,
        variablesRead: 6,
        anonymousWritable: writable.map((v) => ({ ...v, accessLevel: 3, userAccessLevel: 3 })),
        anonymousWritableCount: writable.length,
        stop,
      },
    });
    expect(evaluate('opcua.anonymous-write-absent', withSession(space([{ nodeId: 'ns=2;s=Setpoint', browseName: '2:Setpoint' }])))).toMatchObject({
      status: 'fail',
      observed: { anonymousWritable: [{ port: 4840, nodeId: 'ns=2;s=Setpoint', browseName: '2:Setpoint' }], count: 1 },
    });
    expect(evaluate('opcua.anonymous-write-absent', withSession(space([]))).status).toBe('pass');
    expect(evaluate('opcua.anonymous-write-absent', withSession(space([], 'request-limit')))).toMatchObject({
      status: 'unknown',
      observed: { open: [{ port: 4840, stop: 'request-limit' }] },
    });
    expect(evaluate('opcua.anonymous-write-absent', withSession({})).status).toBe('unknown');
    expect(evaluate('opcua.anonymous-write-absent', withSession({ skipped: 'anonymous-not-offered' })).status).toBe('pass');
    expect(evaluate('opcua.anonymous-write-absent', weak).status).toBe('unknown');
  });

  it('clock drift: within limit passes, beyond fails, no server time is unknown', () => {
    expect(evaluate('opcua.clock-synchronised', withSession({})).status).toBe('pass');
    expect(evaluate('opcua.clock-synchronised', withSession({ clockDriftMs: -90_000 })).status).toBe('fail');
    const { clockDriftMs: _, serverCurrentTime: __, ...noTime } = SESSION;
    expect(
      evaluate('opcua.clock-synchronised', device([ok('opcua.endpoints', WEAK), ok('opcua.session', { observedAt: WEAK.observedAt, session: noTime })])).status,
    ).toBe('unknown');
  });
});

describe('opcua policy knowledge and identity', () => {
  it('rates every standard policy and leaves unknown URIs unknown', () => {
    expect(rateOpcuaPolicy(`${P}None`).rating).toBe('none');
    expect(rateOpcuaPolicy(`${P}Basic256`).rating).toBe('deprecated');
    expect(rateOpcuaPolicy(`${P}Aes256_Sha256_RsaPss`).rating).toBe('ok');
    expect(rateOpcuaPolicy('urn:x').rating).toBe('unknown');
    expect(Object.keys(OPCUA_POLICIES.policies).length).toBeGreaterThanOrEqual(15);
  });

  it('takes vendor, product and firmware from BuildInfo, else the discovery URIs', () => {
    expect(opcuaIdentity(withSession({}))).toEqual([
      { field: 'vendor', value: 'Simulated Automation AG', source: 'opcua.session' },
      { field: 'product', value: 'SimPLC OPC UA', source: 'opcua.session' },
      { field: 'firmware', value: '2.1.0', source: 'opcua.session' },
    ]);
    expect(opcuaIdentity(hardened)).toEqual([
      { field: 'product', value: 'urn:vendor:product', source: 'opcua.endpoints' },
      { field: 'name', value: APP, source: 'opcua.endpoints' },
      { field: 'name', value: 'PLC 1', source: 'opcua.endpoints' },
    ]);
    expect(opcuaIdentity(timedOut)).toEqual([]);
  });
});

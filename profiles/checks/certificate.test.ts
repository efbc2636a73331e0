import { describe, expect, it } from 'vitest';
import type { CertificateFacts } from '../../probes/certificate.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import instances from '../data/checks/certificate.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { certificateCheckKinds } from './certificate.ts';

const GOOD: CertificateFacts = {
  subject: 'CN=plc1',
  issuer: 'CN=Plant CA',
  serialNumber: '01',
  fingerprint256: 'AA:BB',
  keyType: 'rsa',
  keyBits: 2048,
  signatureAlgorithm: 'sha256WithRSAEncryption',
  signatureHash: 'sha256',
  notBefore: '2025-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  selfSigned: false,
  sanUris: [],
  sanDns: [],
  sanIps: [],
};
const WEAK: CertificateFacts = {
  ...GOOD,
  issuer: GOOD.subject,
  keyBits: 1024,
  signatureAlgorithm: 'sha1WithRSAEncryption',
  signatureHash: 'sha1',
  selfSigned: true,
};
const OBSERVED = '2026-01-01T00:00:00.000Z';

/** Any probe with top-level certificates, here a made-up TLS probe, so the kinds are not tied to OPC UA. */
function device(
  certificates: CertificateFacts[] | 'unavailable' | 'absent',
  observedAt: string | null = OBSERVED,
  contextAt = '1970-01-01T00:00:00.000Z',
): DeviceView {
  const outcomes: ProbeOutcome[] =
    certificates === 'absent'
      ? []
      : certificates === 'unavailable'
        ? [
            {
              probe: 'tls.handshake',
              version: 1,
              port: 443,
              status: 'unavailable',
              failure: { kind: 'refused', detail: 'connection refused' },
              transcript: [1, 2],
              durationMs: 1,
            },
          ]
        : [
            {
              probe: 'tls.handshake',
              version: 1,
              port: 443,
              status: 'ok',
              facts: { ...(observedAt ? { observedAt } : {}), certificates, protocol: 'TLSv1.3' },
              transcript: [1, 4],
              durationMs: 5,
            },
          ];
  return new DeviceView({ address: '10.0.0.5', services: [], outcomes }, { at: contextAt, zoneCidrs: [] });
}

const checks = loadCheckSet(
  certificateCheckKinds,
  instances.map((i) => ({ ...i, params: { ...i.params, probe: 'tls.handshake' } })),
);
function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

const IDS = ['opcua.certificate-key-strong', 'opcua.certificate-signature-hash-current', 'opcua.certificate-valid', 'opcua.certificate-ca-issued'];

describe('certificate check kinds', () => {
  it.each(IDS)('%s: pass on a good certificate, fail on a weak one, unknown/not-applicable without facts', (id) => {
    expect(evaluate(id, device([GOOD])).status).toBe('pass');
    expect(evaluate(id, device([WEAK, GOOD])).status).toBe(id === 'opcua.certificate-valid' ? 'pass' : 'fail');
    expect(evaluate(id, device('unavailable'))).toMatchObject({ status: 'unknown', reason: expect.stringContaining('refused') });
    expect(evaluate(id, device('absent')).status).toBe('not-applicable');
    expect(evaluate(id, device([])).status).toBe('not-applicable');
  });

  it('key strength applies the EC minimum to EC keys and is unknown without a key size', () => {
    expect(evaluate('opcua.certificate-key-strong', device([{ ...GOOD, keyType: 'ec', keyBits: 256, curve: 'prime256v1' }])).status).toBe('pass');
    expect(evaluate('opcua.certificate-key-strong', device([{ ...GOOD, keyType: 'ec', keyBits: 192 }])).status).toBe('fail');
    const { keyBits: _, ...noBits } = GOOD;
    expect(evaluate('opcua.certificate-key-strong', device([noBits])).status).toBe('unknown');
  });

  it('signature hash accepts EdDSA and is unknown for an unrecognised algorithm', () => {
    const { signatureHash: _, ...noHash } = GOOD;
    expect(evaluate('opcua.certificate-signature-hash-current', device([{ ...noHash, signatureAlgorithm: 'ED25519' }])).status).toBe('pass');
    expect(evaluate('opcua.certificate-signature-hash-current', device([{ ...noHash, signatureAlgorithm: '1.2.3.4' }])).status).toBe('unknown');
  });

  it('validity is judged at the observation time: expired, not yet valid, expiring soon', () => {
    const validity = (cert: Partial<CertificateFacts>, observedAt: string | null = OBSERVED, contextAt?: string) =>
      evaluate('opcua.certificate-valid', device([{ ...GOOD, ...cert }], observedAt, contextAt));
    expect(validity({ notAfter: '2025-12-31T00:00:00.000Z' })).toMatchObject({ status: 'fail', observed: { certificates: [{ state: 'expired' }] } });
    expect(validity({ notBefore: '2026-02-01T00:00:00.000Z' })).toMatchObject({ status: 'fail', observed: { certificates: [{ state: 'not-yet-valid' }] } });
    expect(validity({ notAfter: '2026-01-11T00:00:00.000Z' })).toMatchObject({
      status: 'pass',
      observed: { expiringSoon: true, certificates: [{ daysLeft: 10 }] },
    });
    expect(validity({}, null, '2026-01-01T00:00:00.000Z')).toMatchObject({ status: 'pass', observed: { expiringSoon: false } });
    expect(validity({}, null)).toMatchObject({ status: 'unknown', reason: 'observation time unknown' });
  });
});

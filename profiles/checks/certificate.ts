import { z } from 'zod';
import { CertificateFacts } from '../../probes/certificate.ts';
import type { DeviceView, FactsLookup } from '../device-view.ts';
import { defineCheckKind, type RegisteredCheckKind, unavailableVerdict, type Verdict } from './types.ts';

/**
 * What these kinds read from any probe: a top-level `certificates` list, and `observedAt` when the
 * probe records when it saw them. Other fields of the probe's facts are ignored.
 */
export const CertificateBearingFacts = z.object({
  observedAt: z.string().optional(),
  certificates: z.array(CertificateFacts),
});
export type CertificateBearingFacts = z.infer<typeof CertificateBearingFacts>;

const ProbeParam = z.string().regex(/^[a-z0-9-]+\.[a-z0-9.-]+$/);

interface Located {
  readonly port: number;
  readonly at: string;
  readonly cert: CertificateFacts;
}

type Found = { evidence: Extract<FactsLookup<unknown>, { state: 'ok' }>['evidence']; certs: Located[] };

/**
 * The certificates the named probe collected. The time a certificate is judged against is the
 * probe's own `observedAt`, else the evaluation context's `at`: never the clock at evaluation, so
 * re-evaluating a stored run gives the same verdict.
 */
function certificates(device: DeviceView, probe: string): Found | Verdict {
  const found = device.facts(probe, CertificateBearingFacts);
  if (found.state === 'absent') return { status: 'not-applicable', reason: `${probe} did not run` };
  if (found.state === 'unavailable') return unavailableVerdict(probe, found);
  const certs = found.facts.flatMap(({ port, facts }) => facts.certificates.map((cert) => ({ port, at: facts.observedAt ?? device.context.at, cert })));
  if (certs.length === 0) return { status: 'not-applicable', evidence: found.evidence, reason: `${probe} saw no certificate` };
  return { evidence: found.evidence, certs };
}

const id = ({ port, cert }: Located) => ({ port, subject: cert.subject, fingerprint256: cert.fingerprint256 });

/** RSA (and DSA) keys need `minRsaBits`, EC/EdDSA keys `minEcBits`. */
const keyStrong = defineCheckKind({
  id: 'certificate.key-strong',
  params: z.object({ probe: ProbeParam, minRsaBits: z.number().int().positive(), minEcBits: z.number().int().positive() }),
  evaluate(device, params): Verdict {
    const found = certificates(device, params.probe);
    if ('status' in found) return found;
    const keys = found.certs.map((l) => {
      const ec = l.cert.keyType === 'ec' || l.cert.keyType.startsWith('ed');
      const minimum = ec ? params.minEcBits : params.minRsaBits;
      return { ...id(l), keyType: l.cert.keyType, keyBits: l.cert.keyBits ?? null, minimum };
    });
    const expected = { minRsaBits: params.minRsaBits, minEcBits: params.minEcBits };
    const weak = keys.filter((k) => k.keyBits !== null && k.keyBits < k.minimum);
    if (weak.length > 0) return { status: 'fail', observed: { keys }, expected, evidence: found.evidence };
    if (keys.some((k) => k.keyBits === null))
      return { status: 'unknown', observed: { keys }, expected, evidence: found.evidence, reason: 'key size not known for every certificate' };
    return { status: 'pass', observed: { keys }, expected, evidence: found.evidence };
  },
});

/** The hash in the certificate's signature must not be one of `forbidden`. */
const signatureHash = defineCheckKind({
  id: 'certificate.signature-hash-current',
  params: z.object({ probe: ProbeParam, forbidden: z.array(z.string().toLowerCase()).min(1) }),
  evaluate(device, params): Verdict {
    const found = certificates(device, params.probe);
    if ('status' in found) return found;
    const sigs = found.certs.map((l) => ({ ...id(l), signatureAlgorithm: l.cert.signatureAlgorithm, hash: l.cert.signatureHash ?? null }));
    const expected = { forbidden: params.forbidden };
    if (sigs.some((s) => s.hash !== null && params.forbidden.includes(s.hash)))
      return { status: 'fail', observed: { signatures: sigs }, expected, evidence: found.evidence };
    // EdDSA signatures name no separate hash and hash internally with SHA-512 / SHAKE256.
    const unnamed = sigs.filter((s) => s.hash === null && !/^ed(25519|448)$/i.test(s.signatureAlgorithm));
    if (unnamed.length > 0)
      return { status: 'unknown', observed: { signatures: sigs }, expected, evidence: found.evidence, reason: 'signature hash not recognised' };
    return { status: 'pass', observed: { signatures: sigs }, expected, evidence: found.evidence };
  },
});

const DAY_MS = 86_400_000;

/**
 * Fails when a certificate is expired or not yet valid at observation time; one that expires
 * within `warnDays` still passes, with `expiringSoon` in observed.
 */
const validity = defineCheckKind({
  id: 'certificate.valid',
  params: z.object({ probe: ProbeParam, warnDays: z.number().int().nonnegative() }),
  evaluate(device, params): Verdict {
    const found = certificates(device, params.probe);
    if ('status' in found) return found;
    const certs = found.certs.map((l) => {
      const at = Date.parse(l.at);
      const notBefore = Date.parse(l.cert.notBefore);
      const notAfter = Date.parse(l.cert.notAfter);
      const state = Number.isNaN(at) || at <= 0 ? 'unknown-time' : at < notBefore ? 'not-yet-valid' : at > notAfter ? 'expired' : 'valid';
      const daysLeft = state === 'valid' ? Math.floor((notAfter - at) / DAY_MS) : null;
      return {
        ...id(l),
        at: l.at,
        notBefore: l.cert.notBefore,
        notAfter: l.cert.notAfter,
        state,
        daysLeft,
        expiringSoon: daysLeft !== null && daysLeft < params.warnDays,
      };
    });
    const expected = { state: 'valid', warnDays: params.warnDays };
    if (certs.some((c) => c.state === 'expired' || c.state === 'not-yet-valid'))
      return { status: 'fail', observed: { certificates: certs }, expected, evidence: found.evidence };
    if (certs.some((c) => c.state === 'unknown-time'))
      return { status: 'unknown', observed: { certificates: certs }, expected, evidence: found.evidence, reason: 'observation time unknown' };
    return { status: 'pass', observed: { certificates: certs, expiringSoon: certs.some((c) => c.expiringSoon) }, expected, evidence: found.evidence };
  },
});

/** A self-signed certificate cannot be checked against a CA the owner controls. */
const caIssued = defineCheckKind({
  id: 'certificate.ca-issued',
  params: z.object({ probe: ProbeParam }),
  evaluate(device, params): Verdict {
    const found = certificates(device, params.probe);
    if ('status' in found) return found;
    const certs = found.certs.map((l) => ({ ...id(l), issuer: l.cert.issuer, selfSigned: l.cert.selfSigned }));
    const expected = { selfSigned: false };
    if (certs.some((c) => c.selfSigned)) return { status: 'fail', observed: { certificates: certs }, expected, evidence: found.evidence };
    return { status: 'pass', observed: { certificates: certs }, expected, evidence: found.evidence };
  },
});

export const certificateCheckKinds: readonly RegisteredCheckKind[] = [keyStrong, signatureHash, validity, caIssued];

import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ProbeUnavailable } from './types.ts';

/** What a server certificate says about itself, as facts (judged in profiles/checks/certificate.ts). */
export const CertificateFacts = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
  keyType: z.string(),
  /** RSA modulus length; for EC keys the curve's field size. */
  keyBits: z.number().int().optional(),
  curve: z.string().optional(),
  signatureAlgorithm: z.string(),
  /** Hash named by the signature algorithm, lower case (sha1, sha256...), when it names one. */
  signatureHash: z.string().optional(),
  notBefore: z.string(),
  notAfter: z.string(),
  /** Issuer equals subject and the signature verifies with the certificate's own key. */
  selfSigned: z.boolean(),
  sanUris: z.array(z.string()),
  sanDns: z.array(z.string()),
  sanIps: z.array(z.string()),
});
export type CertificateFacts = z.infer<typeof CertificateFacts>;

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };

/** A validity date OpenSSL accepted but JavaScript cannot represent (found by fuzzing) is malformed, not a crash. */
function isoDate(d: Date, field: string): string {
  if (Number.isNaN(d.getTime())) throw new ProbeUnavailable('malformed', `certificate ${field} is not a valid date`);
  return d.toISOString();
}

/** Throws on bytes that are not a DER/PEM certificate; callers turn that into a typed failure. */
export function certificateFacts(raw: Uint8Array | string): CertificateFacts {
  const cert = new X509Certificate(typeof raw === 'string' ? raw : Buffer.from(raw));
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const san = parseSubjectAltName(cert.subjectAltName);
  const facts: CertificateFacts = {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    keyType: key.asymmetricKeyType ?? 'unknown',
    signatureAlgorithm: cert.signatureAlgorithm ?? cert.signatureAlgorithmOid ?? 'unknown',
    notBefore: isoDate(cert.validFromDate, 'notBefore'),
    notAfter: isoDate(cert.validToDate, 'notAfter'),
    selfSigned: cert.subject === cert.issuer && safeVerify(cert),
    ...san,
  };
  if (details.modulusLength !== undefined) facts.keyBits = details.modulusLength;
  if (details.namedCurve !== undefined) {
    facts.curve = details.namedCurve;
    const bits = CURVE_BITS[details.namedCurve];
    if (bits !== undefined) facts.keyBits = bits;
  }
  if (key.asymmetricKeyType === 'ed25519') facts.keyBits = 256;
  const hash = /(md5|sha1|sha224|sha256|sha384|sha512)/i.exec(facts.signatureAlgorithm)?.[1];
  if (hash) facts.signatureHash = hash.toLowerCase();
  return facts;
}

function safeVerify(cert: X509Certificate): boolean {
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** Node renders SANs as `URI:a, DNS:b, IP Address:c`; values may be quoted when they contain commas. */
export function parseSubjectAltName(text: string | undefined): Pick<CertificateFacts, 'sanUris' | 'sanDns' | 'sanIps'> {
  const out = { sanUris: [] as string[], sanDns: [] as string[], sanIps: [] as string[] };
  if (!text) return out;
  const re = /(URI|DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const m of text.matchAll(re)) {
    const kind = m[1];
    let value = (m[2] ?? '').trim();
    if (value.startsWith('"')) value = JSON.parse(value) as string;
    if (kind === 'URI') out.sanUris.push(value);
    else if (kind === 'DNS') out.sanDns.push(value);
    else out.sanIps.push(value);
  }
  return out;
}

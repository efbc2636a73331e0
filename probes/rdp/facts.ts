import { z } from 'zod';
import { CertificateFacts } from '../certificate.ts';
import { TlsVersion } from '../it-services/facts.ts';
import { Failure } from '../types.ts';

/** Whether the server accepts a security layer, as far as the negotiation showed. */
export const Acceptance = z.enum(['accepted', 'refused', 'unknown']);
export type Acceptance = z.infer<typeof Acceptance>;

/** One X.224 Connection Request and what its Connection Confirm said. */
export const RdpNegotiationFacts = z.object({
  /** Security protocols offered in RDP_NEG_REQ (ssl = TLS without NLA, hybrid = CredSSP/NLA). */
  offered: z.array(z.string()),
  /** none: no RDP_NEG_RSP (a server older than negotiation); selected: RDP_NEG_RSP; failure: RDP_NEG_FAILURE. */
  result: z.enum(['none', 'selected', 'failure']),
  /** RDP_NEG_RSP's choice: standard (RDP security), ssl, hybrid, hybrid-ex, rdstls... */
  selected: z.string().optional(),
  /** RDP_NEG_RSP flags, raw (0x08 restricted admin mode supported...). */
  flags: z.number().int().min(0).max(0xff).optional(),
  failureCode: z.number().int().min(0).optional(),
  /** RDP_NEG_FAILURE code by its MS-RDPBCGR name (hybrid-required-by-server...). */
  failure: z.string().optional(),
});
export type RdpNegotiationFacts = z.infer<typeof RdpNegotiationFacts>;

/** The TLS handshake that followed on the same connection: one handshake, the server's choice of version. */
export const RdpTlsFacts = z.object({
  version: TlsVersion,
  cipher: z.string(),
  /** Negotiation this TLS handshake followed: the first one, or the second that offered NLA only to read the certificate. */
  afterOffering: z.array(z.string()),
});
export type RdpTlsFacts = z.infer<typeof RdpTlsFacts>;

export const RdpFacts = z.object({
  /** Each Connection Request sent, one per connection, in order (at most two). */
  negotiations: z.array(RdpNegotiationFacts).min(1),
  /** Standard RDP security (RC4, no server authentication, login screen before any authentication). */
  standardSecurity: Acceptance,
  /** TLS without Network Level Authentication (the login screen shown before authentication). */
  tlsWithoutNla: Acceptance,
  tls: RdpTlsFacts.optional(),
  /** The server's chain as TLS presented it (read by the certificate checks). */
  certificates: z.array(CertificateFacts),
  /** Why no certificate was read after a negotiation that selected TLS or CredSSP. */
  tlsFailure: Failure.optional(),
  connections: z.number().int().min(1).max(2),
  observedAt: z.string(),
});
export type RdpFacts = z.infer<typeof RdpFacts>;

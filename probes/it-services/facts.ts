import { z } from 'zod';
import { CertificateFacts } from '../certificate.ts';
import { Failure } from '../types.ts';

/**
 * Facts of the IT-service probes (Telnet, FTP, HTTP, VNC, TLS), kept apart from the probe code so
 * profiles/ can import the schemas without pulling in any I/O.
 */

export const TelnetNegotiation = z.object({
  verb: z.enum(['WILL', 'WONT', 'DO', 'DONT', 'SB']),
  option: z.number().int().min(0).max(255),
});
export type TelnetNegotiation = z.infer<typeof TelnetNegotiation>;

export const TelnetFacts = z.object({
  /** Facts exist only when the port answered; kept explicit for readers of a run directory. */
  reachable: z.literal(true),
  bytesReceived: z.number().int(),
  /** Negotiation the server started, in order, without repeats. We never answer it. */
  negotiation: z.array(TelnetNegotiation),
  /** Printable text with negotiation removed, cut at a fixed length. */
  banner: z.string(),
  bannerTruncated: z.boolean(),
  loginPrompt: z.boolean(),
  passwordPrompt: z.boolean(),
});
export type TelnetFacts = z.infer<typeof TelnetFacts>;

export const FtpFacts = z.object({
  /** Reply code of the greeting (220 ready, 421 not available...). */
  code: z.number().int().min(100).max(599),
  /** Greeting text without reply codes, lines joined by newlines, bounded. */
  greeting: z.string(),
  /** A `name version` looking token from the greeting, verbatim; never normalised. */
  softwareHint: z.string().optional(),
  /** Reply code to QUIT, when one came back. */
  quitCode: z.number().int().optional(),
});
export type FtpFacts = z.infer<typeof FtpFacts>;

/** How the anonymous login went, after a greeting that was read. */
export const FtpLogin = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('answered'),
    userCode: z.number().int(),
    /** Absent when the server decided at USER (230 or 530 without asking for a password). */
    passCode: z.number().int().optional(),
    /** 230 came back for the anonymous user. */
    loggedIn: z.boolean(),
  }),
  /** The greeting was not 220 (ready), so USER was never sent. */
  z.object({ status: z.literal('not-tried') }),
  /** USER or PASS got no usable reply; the greeting facts stand. */
  z.object({ status: z.literal('unavailable'), failure: Failure }),
]);
export type FtpLogin = z.infer<typeof FtpLogin>;

/** Opt-in probe `ftp.anonymous`: everything `ftp.banner` reads, plus the login, on the same one connection. */
export const FtpAnonymousFacts = FtpFacts.extend({ login: FtpLogin });
export type FtpAnonymousFacts = z.infer<typeof FtpAnonymousFacts>;

export const HttpFacts = z.object({
  httpVersion: z.string(),
  status: z.number().int(),
  reason: z.string(),
  server: z.string().optional(),
  location: z.string().optional(),
  /** 3xx whose Location is an https:// URL. */
  redirectsToHttps: z.boolean(),
  /** Auth schemes named in WWW-Authenticate, lower case (basic, digest, ntlm...). */
  authSchemes: z.array(z.string()),
  /** The returned page holds an `<input type=password>`. */
  passwordField: z.boolean(),
  title: z.string().optional(),
  bodyBytes: z.number().int(),
  /** The body was cut at the read bound or the connection ended early. */
  bodyTruncated: z.boolean(),
});
export type HttpFacts = z.infer<typeof HttpFacts>;

export const TLS_VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1'] as const;
export const TlsVersion = z.enum(TLS_VERSIONS);
export type TlsVersion = z.infer<typeof TlsVersion>;

export const TlsVersionResult = z.object({
  version: TlsVersion,
  /** not-tested: no handshake could tell (e.g. the server chose a newer legacy version). */
  status: z.enum(['accepted', 'rejected', 'no-answer', 'not-tested']),
  cipher: z.string().optional(),
  detail: z.string().optional(),
});
export type TlsVersionResult = z.infer<typeof TlsVersionResult>;

export const TlsFacts = z.object({
  /** One entry per version, newest first. */
  versions: z.array(TlsVersionResult),
  acceptedVersions: z.array(TlsVersion),
  /** The handshake at the newest accepted version. */
  negotiated: z.object({
    version: z.string(),
    cipher: z.string(),
    cipherStandardName: z.string().optional(),
    keyExchange: z.string().optional(),
  }),
  /** Chain as sent by the server, leaf first (read by the certificate check kinds). */
  certificates: z.array(CertificateFacts),
  /** TCP connections the probe used (one per handshake). */
  handshakes: z.number().int(),
  observedAt: z.string(),
});
export type TlsFacts = z.infer<typeof TlsFacts>;

export const VncSecurityType = z.object({ code: z.number().int().min(0).max(255), name: z.string() });
export type VncSecurityType = z.infer<typeof VncSecurityType>;

export const VncFacts = z.object({
  /** As the server announced it, e.g. `003.008`. */
  serverVersion: z.string(),
  /** The version we answered with (highest we speak that is not above the server's). */
  clientVersion: z.string(),
  securityTypes: z.array(VncSecurityType),
  /** Reason text when the server refused before offering types (e.g. too many attempts). */
  refusal: z.string().optional(),
});
export type VncFacts = z.infer<typeof VncFacts>;

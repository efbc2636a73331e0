import { z } from 'zod';
import { CertificateFacts } from '../certificate.ts';

/** Prefix of the standard security policy URIs; the short name is what follows `#`. */
export const SECURITY_POLICY_URI_PREFIX = 'http://opcfoundation.org/UA/SecurityPolicy#';

export const SecurityMode = z.enum(['Invalid', 'None', 'Sign', 'SignAndEncrypt']);
export type SecurityMode = z.infer<typeof SecurityMode>;

export const UserTokenType = z.enum(['Anonymous', 'UserName', 'Certificate', 'IssuedToken', 'Invalid']);
export type UserTokenType = z.infer<typeof UserTokenType>;

export const UserTokenFacts = z.object({
  type: UserTokenType,
  policyId: z.string(),
  /** The token's own policy; '' means the token is protected only by the channel's policy. */
  securityPolicyUri: z.string(),
  securityPolicy: z.string(),
});
export type UserTokenFacts = z.infer<typeof UserTokenFacts>;

export const EndpointFacts = z.object({
  endpointUrl: z.string(),
  securityMode: SecurityMode,
  /** Short name (`Basic256Sha256`) for standard URIs, otherwise the URI itself. */
  securityPolicy: z.string(),
  securityPolicyUri: z.string(),
  securityLevel: z.number().int(),
  userTokens: z.array(UserTokenFacts),
  applicationUri: z.string(),
  productUri: z.string(),
  applicationName: z.string(),
  /** Links to `certificates[]`; absent when the endpoint carries no readable certificate. */
  certificateFingerprint256: z.string().optional(),
  /** The endpoint carried certificate bytes that are not a DER certificate. */
  certificateUnparsable: z.literal(true).optional(),
});
export type EndpointFacts = z.infer<typeof EndpointFacts>;

export const OpcuaCertificateFacts = CertificateFacts.extend({
  /** applicationUri of every endpoint that presented this certificate (to compare with the SAN URI). */
  applicationUris: z.array(z.string()),
});
export type OpcuaCertificateFacts = z.infer<typeof OpcuaCertificateFacts>;

export const ServerFacts = z.object({
  applicationUri: z.string(),
  productUri: z.string(),
  applicationName: z.string(),
  applicationType: z.string(),
  discoveryUrls: z.array(z.string()),
});
export type ServerFacts = z.infer<typeof ServerFacts>;

/** Facts of `opcua.endpoints`: discovery over a None channel, no session. */
export const OpcuaEndpointsFacts = z.object({
  /** Agent clock when the endpoints were read; certificate validity is judged against it. */
  observedAt: z.iso.datetime(),
  /** The first 64 endpoints the server announced. */
  endpoints: z.array(EndpointFacts),
  /** How many endpoints the server announced; more than `endpoints.length` when the list was cut. */
  endpointsAnnounced: z.number().int().nonnegative().optional(),
  /** Server certificates, deduplicated by fingerprint (leaf certificate of each chain). */
  certificates: z.array(OpcuaCertificateFacts),
  /** FindServers answer; undefined when the server refused the service. */
  servers: z.array(ServerFacts).optional(),
});
export type OpcuaEndpointsFacts = z.infer<typeof OpcuaEndpointsFacts>;

export const BuildInfoFacts = z.object({
  productName: z.string().optional(),
  productUri: z.string().optional(),
  manufacturerName: z.string().optional(),
  softwareVersion: z.string().optional(),
  buildNumber: z.string().optional(),
  buildDate: z.iso.datetime().optional(),
});
export type BuildInfoFacts = z.infer<typeof BuildInfoFacts>;

/** OPC UA AccessLevel bit CurrentWrite (Part 3, 8.57): the value may be written. */
export const ACCESS_CURRENT_WRITE = 0x02;

export const AccessibleVariable = z.object({
  nodeId: z.string(),
  browseName: z.string(),
  /** AccessLevel: what the server allows anyone; UserAccessLevel: what it allows this (anonymous) session. */
  accessLevel: z.number().int().optional(),
  userAccessLevel: z.number().int(),
});
export type AccessibleVariable = z.infer<typeof AccessibleVariable>;

/** What the bounded browse of the anonymous session found (Browse, BrowseNext and Read only). */
export const AddressSpaceFacts = z.object({
  /** Objects and variables reached below Objects (namespace 0, the standard nodes, left out). */
  nodesBrowsed: z.number().int().nonnegative(),
  /** Variables whose access levels were read. */
  variablesRead: z.number().int().nonnegative(),
  /** Variables this anonymous session may write (UserAccessLevel has CurrentWrite), the first ones kept. */
  anonymousWritable: z.array(AccessibleVariable),
  anonymousWritableCount: z.number().int().nonnegative(),
  /** `complete`, or the bound the browse reached first (what was read before it is kept). */
  stop: z.enum(['complete', 'node-limit', 'depth-limit', 'request-limit', 'time-limit']),
});
export type AddressSpaceFacts = z.infer<typeof AddressSpaceFacts>;

export const SessionFacts = z.object({
  /** Endpoint the anonymous session was opened on. */
  endpointUrl: z.string(),
  buildInfo: BuildInfoFacts,
  serverCurrentTime: z.iso.datetime().optional(),
  /** Agent clock at the middle of the Read round trip. */
  agentTimeAtRead: z.iso.datetime(),
  readRoundTripMs: z.number(),
  /** serverCurrentTime minus agentTimeAtRead; positive when the server clock is ahead. */
  clockDriftMs: z.number().optional(),
  auditing: z.boolean().optional(),
  diagnosticsEnabled: z.boolean().optional(),
  securityRejectedSessionCount: z.number().int().optional(),
  addressSpace: AddressSpaceFacts.optional(),
});
export type SessionFacts = z.infer<typeof SessionFacts>;

/**
 * Why the session probe did not open a session. `anonymous-needs-secure-channel`: Anonymous is
 * offered only on Sign/SignAndEncrypt endpoints, which would need the device to trust our certificate.
 */
export const SessionSkipReason = z.enum(['not-opted-in', 'anonymous-not-offered', 'anonymous-needs-secure-channel']);
export type SessionSkipReason = z.infer<typeof SessionSkipReason>;

/** Facts of `opcua.session`: either what the anonymous session read, or why it did not run. */
export const OpcuaSessionFacts = z
  .object({
    observedAt: z.iso.datetime(),
    session: SessionFacts.optional(),
    sessionSkipped: SessionSkipReason.optional(),
  })
  .refine((f) => (f.session === undefined) !== (f.sessionSkipped === undefined), {
    message: 'exactly one of session and sessionSkipped',
  });
export type OpcuaSessionFacts = z.infer<typeof OpcuaSessionFacts>;

export function shortPolicyName(uri: string): string {
  return uri.startsWith(SECURITY_POLICY_URI_PREFIX) ? uri.slice(SECURITY_POLICY_URI_PREFIX.length) : uri;
}

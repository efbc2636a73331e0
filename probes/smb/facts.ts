import { z } from 'zod';
import { Failure } from '../types.ts';

const u16 = z.number().int().min(0).max(0xffff);
const u32 = z.number().int().min(0).max(0xffffffff);

/** SMB1 specifics of an NT LM 0.12 NEGOTIATE response. */
export const Smb1Details = z.object({
  /** SecurityMode bit 0 clear: share-level security, a password per share instead of per user. */
  shareLevelSecurity: z.boolean(),
  /** SecurityMode bit 1 clear: the server wants passwords in clear text, not challenge/response. */
  plaintextPasswords: z.boolean(),
  extendedSecurity: z.boolean(),
  capabilities: u32,
  timeZoneMinutes: z.number().int().optional(),
  /** Sent without extended security: workgroup or domain, and the server's NetBIOS name. */
  domainName: z.string().optional(),
  serverName: z.string().optional(),
});
export type Smb1Details = z.infer<typeof Smb1Details>;

/** What the server chose from one NEGOTIATE offer. */
export const SmbDialectFacts = z.object({
  /** `smb1` or `smb2` (SMB 2 and 3 share one wire format); `none` when no offered dialect was accepted. */
  protocol: z.enum(['smb1', 'smb2', 'none']),
  /** `NT LM 0.12`, or the SMB2/3 dialect: 2.0.2, 2.1, 3.0, 3.0.2, 3.1.1. */
  dialect: z.string().optional(),
  signing: z.object({ enabled: z.boolean(), required: z.boolean() }).optional(),
  /** SMB 3.x: GLOBAL_CAP_ENCRYPTION (3.0, 3.0.2) or a cipher chosen from our list (3.1.1). */
  encryption: z.object({ supported: z.boolean(), cipher: z.string().optional() }).optional(),
  /** SMB 3.1.1: the signing algorithm chosen from our list. */
  signingAlgorithm: z.string().optional(),
  serverGuid: z.string().optional(),
  /** The server's clock when it answered (ISO 8601). */
  systemTime: z.string().optional(),
  /** When the server (usually the host) started; Windows sends it as 0 since Vista, so often absent. */
  serverStartTime: z.string().optional(),
  /** Authentication mechanisms the server hinted in SPNEGO (NTLMSSP, Kerberos: a domain member). */
  securityMechanisms: z.array(z.string()).optional(),
  smb1: Smb1Details.optional(),
});
export type SmbDialectFacts = z.infer<typeof SmbDialectFacts>;

export const SmbNegotiateFacts = SmbDialectFacts.extend({
  /** `netbios`: port 139, where a NetBIOS session request was accepted first; `direct`: 445. */
  transport: z.enum(['direct', 'netbios']),
  /** Dialects we offered in the SMB1-form NEGOTIATE (then in the SMB2 NEGOTIATE where the server asked for it). */
  offered: z.array(z.string()),
  requestsSent: z.number().int().min(0),
});
export type SmbNegotiateFacts = z.infer<typeof SmbNegotiateFacts>;

/** The CHALLENGE of a session setup that was never completed (opt-in). */
export const NtlmInfo = z.object({
  targetName: z.string().optional(),
  nbComputerName: z.string().optional(),
  nbDomainName: z.string().optional(),
  dnsComputerName: z.string().optional(),
  dnsDomainName: z.string().optional(),
  dnsTreeName: z.string().optional(),
  /** The server's clock in the CHALLENGE's timestamp pair. */
  timestamp: z.string().optional(),
  /** OS version the NTLM version block reports, e.g. 10.0.17763 (Windows Server 2019); Samba reports its host's. */
  osVersion: z.object({ major: z.number().int(), minor: z.number().int(), build: u16, ntlmRevision: z.number().int() }).optional(),
  flags: u32,
});
export type NtlmInfo = z.infer<typeof NtlmInfo>;

export const SmbNtlmInfoFacts = SmbNegotiateFacts.extend({
  ntlm: NtlmInfo.optional(),
  /** Why no CHALLENGE was read after a valid NEGOTIATE (SMB1 picked, refused, broken reply). */
  ntlmUnavailable: Failure.optional(),
});
export type SmbNtlmInfoFacts = z.infer<typeof SmbNtlmInfoFacts>;

/** The opt-in second connection offering SMB1 alone. */
export const SmbSmb1Facts = z.object({
  transport: z.enum(['direct', 'netbios']),
  /** True when the server picked NT LM 0.12; false when it refused the dialect or closed on it. */
  accepted: z.boolean(),
  /** How a refusal was seen: no dialect index, or the connection closed or reset in answer. */
  refusal: z.enum(['no-dialect', 'closed', 'reset']).optional(),
  negotiate: SmbDialectFacts.optional(),
  requestsSent: z.number().int().min(0),
});
export type SmbSmb1Facts = z.infer<typeof SmbSmb1Facts>;

/** What the server made of one login without a credential (opt-in), as far as the exchange got. */
export const SmbLoginAttempt = z.object({
  /** The guest attempt's made-up user name (none for the anonymous one). */
  user: z.string().optional(),
  /** NT status of the SESSION_SETUP carrying our AUTHENTICATE, as 0x-prefixed hex; 0x00000000 granted it. */
  sessionStatus: z.string().optional(),
  granted: z.boolean().optional(),
  /** SessionFlags of a granted session: the server made it a guest (IS_GUEST) or an anonymous (IS_NULL) one. */
  isGuest: z.boolean().optional(),
  isNull: z.boolean().optional(),
  /** Anonymous session only: TREE_CONNECT to \\host\IPC$, what share listing over the srvsvc pipe needs first. */
  ipc: z.object({ status: z.string(), connected: z.boolean(), shareType: z.enum(['disk', 'pipe', 'print']).optional() }).optional(),
  /** Why the attempt ended before its answers were read (no reply, a broken one). */
  unavailable: Failure.optional(),
});
export type SmbLoginAttempt = z.infer<typeof SmbLoginAttempt>;

/** Opt-in: the NTLM info above, then an anonymous (null session) and a guest login attempt on the same connection. */
export const SmbNullSessionFacts = SmbNtlmInfoFacts.extend({
  anonymous: SmbLoginAttempt.optional(),
  guest: SmbLoginAttempt.optional(),
  /** Why no login was attempted (SMB1 picked, no challenge read). */
  loginsUnavailable: Failure.optional(),
});
export type SmbNullSessionFacts = z.infer<typeof SmbNullSessionFacts>;

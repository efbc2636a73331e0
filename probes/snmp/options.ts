import { z } from 'zod';

/** SNMP probe options: one schema for the config file and the probe (no net-snmp import here). */
export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;

export const SnmpV3Credentials = z.strictObject({
  user: z.string().min(1).max(32),
  authProtocol: z.enum(AUTH_PROTOCOLS),
  authKey: z.string().min(8),
  privProtocol: z.enum(PRIV_PROTOCOLS),
  privKey: z.string().min(8),
});
export type SnmpV3Credentials = z.infer<typeof SnmpV3Credentials>;

export const SnmpProbeOptions = z.strictObject({
  /** Trying communities is credential guessing: configuring a list is the operator's opt-in. */
  communities: z.array(z.string().min(1).max(64)).max(16).default([]),
  /** authPriv credentials; configuring them is the opt-in to an authenticated read. */
  v3: SnmpV3Credentials.optional(),
});
export type SnmpProbeOptions = z.infer<typeof SnmpProbeOptions>;

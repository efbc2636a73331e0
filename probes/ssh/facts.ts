import { z } from 'zod';
import { Failure } from '../types.ts';
import { NAME_LISTS } from './kexinit.ts';

const Names = z.array(z.string());

export const SshListName = z.enum(NAME_LISTS);
export type SshListName = z.infer<typeof SshListName>;

export const SshIdentification = z.object({
  raw: z.string(),
  protoVersion: z.string(),
  softwareVersion: z.string(),
  software: z.string(),
  version: z.string().optional(),
  comments: z.string().optional(),
  preamble: z.array(z.string()),
});
export type SshIdentification = z.infer<typeof SshIdentification>;

export const SshHostKey = z.object({
  type: z.string(),
  bits: z.number().int().optional(),
  curve: z.string().optional(),
  /** SHA-256 of the key blob, base64 without padding, as OpenSSH prints it. */
  fingerprint: z.string(),
});
export type SshHostKey = z.infer<typeof SshHostKey>;

export const SshNegotiated = z.object({
  kex: z.string(),
  hostKey: z.string(),
  cipher: z.string(),
  /** Empty with an AEAD cipher (GCM, ChaCha20-Poly1305), which authenticates by itself. */
  mac: z.string(),
});
export type SshNegotiated = z.infer<typeof SshNegotiated>;

/**
 * The key exchange that follows the KEXINIT on the same connection (RSA host keys preferred, since
 * their size varies). When it cannot finish (no common algorithm, a server that stops answering),
 * the KEXINIT facts still stand and this says why the host key is missing.
 */
export const SshKeyExchange = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    hostKey: SshHostKey,
    /** What both sides agreed on; only known when the exchange ran to NEWKEYS (the opt-in `none` request). */
    negotiated: SshNegotiated.optional(),
  }),
  z.object({ status: z.literal('unavailable'), failure: Failure }),
]);
export type SshKeyExchange = z.infer<typeof SshKeyExchange>;

/** What the server tells before any login (probe `ssh.kexinit`, one connection). */
export const SshKexFacts = z.object({
  identification: SshIdentification,
  /** The ten KEXINIT name-lists, in the server's order of preference, as read from the raw packet. */
  lists: z.object({
    kex: Names,
    hostKey: Names,
    cipherClientToServer: Names,
    cipherServerToClient: Names,
    macClientToServer: Names,
    macServerToClient: Names,
    compressionClientToServer: Names,
    compressionServerToClient: Names,
    languageClientToServer: Names,
    languageServerToClient: Names,
  }),
  firstKexPacketFollows: z.boolean(),
  /** Key types behind the host key algorithms (rsa-sha2-256/512 and ssh-rsa are one `ssh-rsa` key). */
  hostKeyTypes: Names,
  /** kex-strict-s-v00@openssh.com is in the kex list. */
  strictKex: z.boolean(),
  keyExchange: SshKeyExchange,
});
export type SshKexFacts = z.infer<typeof SshKexFacts>;

/** The reply to an authentication request of method `none`, or why there is none. */
export const SshNoneAuth = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    username: z.string(),
    /** USERAUTH_SUCCESS to `none`: the server let the user in without any authentication. */
    noneAccepted: z.boolean(),
    /** Methods the server says can continue (empty when `none` was accepted). */
    methodsLeft: Names,
    /** Pre-login banner text (SSH_MSG_USERAUTH_BANNER), when the server sent one. */
    banner: z.string().optional(),
  }),
  z.object({ status: z.literal('unavailable'), username: z.string(), failure: Failure }),
]);
export type SshNoneAuth = z.infer<typeof SshNoneAuth>;

/** Opt-in probe `ssh.auth-methods`: everything `ssh.kexinit` reads, plus the `none` request, on the same one connection. */
export const SshAuthMethodsFacts = SshKexFacts.extend({ auth: SshNoneAuth });
export type SshAuthMethodsFacts = z.infer<typeof SshAuthMethodsFacts>;

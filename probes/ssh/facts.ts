import { z } from 'zod';
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

/** What the server offers before any key is exchanged (probe `ssh.kexinit`). */
export const SshKexFacts = z.object({
  identification: SshIdentification,
  /** The ten KEXINIT name-lists, in the server's order of preference. */
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
});
export type SshKexFacts = z.infer<typeof SshKexFacts>;

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

/** One host key, obtained by completing one key exchange and then hanging up (probe `ssh.hostkey`). */
export const SshHostKeyFacts = z.object({
  software: z.string().optional(),
  hostKey: SshHostKey,
});
export type SshHostKeyFacts = z.infer<typeof SshHostKeyFacts>;

/** The reply to an authentication request of method `none` (opt-in probe `ssh.auth-methods`). */
export const SshAuthMethodsFacts = z.object({
  username: z.string(),
  /** USERAUTH_SUCCESS to `none`: the server let the user in without any authentication. */
  noneAccepted: z.boolean(),
  /** Methods the server says can continue (empty when `none` was accepted). */
  methodsLeft: Names,
  /** Pre-login banner text (SSH_MSG_USERAUTH_BANNER), when the server sent one. */
  banner: z.string().optional(),
  negotiated: SshNegotiated,
  hostKey: SshHostKey.optional(),
});
export type SshAuthMethodsFacts = z.infer<typeof SshAuthMethodsFacts>;

import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { DEFAULT_SSH_USERNAME, runSshConnection, type SshConnection } from './client.ts';
import { SshAuthMethodsFacts, SshKexFacts } from './facts.ts';
import { hostKeyType, STRICT_KEX_SERVER } from './kexinit.ts';

/** Opt-in flag for the `none` authentication request (the device logs it as an unsuccessful login). */
export const SSH_AUTH_NONE_OPT_IN = 'ssh.authNone';
/** Option naming the user for the `none` request. */
export const SSH_USERNAME_OPTION = 'username';

const KEX_OPS = ['tcp.connect', 'ssh.identification', 'ssh.kexinit', 'ssh.disconnect'] as const;

function kexFacts(c: SshConnection): SshKexFacts {
  const { lists, firstKexPacketFollows } = c.kexinit;
  return {
    identification: { ...c.identification, preamble: [...c.identification.preamble] },
    lists,
    firstKexPacketFollows,
    hostKeyTypes: [...new Set(lists.hostKey.map(hostKeyType))],
    strictKex: lists.kex.includes(STRICT_KEX_SERVER),
    keyExchange: c.keyExchange,
  };
}

/**
 * One TCP connection: the server's identification and its KEXINIT lists read from the raw bytes,
 * then one key exchange (RSA host key preferred) to read the host key, which is then rejected: the
 * server sees a client that hung up before NEWKEYS, without any authentication. A server with which
 * the exchange cannot finish still yields the KEXINIT facts, with the reason the host key is missing.
 */
export const sshKexProbe: ProbeDefinition<SshKexFacts> = {
  id: 'ssh.kexinit',
  version: 2,
  protocol: 'ssh',
  safety: 'identify',
  ops: KEX_OPS,
  transport: 'tcp',
  replacedBy: 'ssh.auth-methods',
  facts: SshKexFacts,
  async run(ctx) {
    return kexFacts(await runSshConnection(ctx, 'ssh.kexinit', { kind: 'key-exchange' }));
  },
};

/**
 * Opt-in, and run instead of `ssh.kexinit` (probes/registry.ts): the same connection and facts,
 * then one request to log in with method `none` as a fixed user. The answer lists the methods the
 * server allows (or, on a device configured that way, lets the user in); the pre-login banner
 * arrives on the way. The device logs this as a login attempt, hence the opt-in.
 */
export const sshAuthMethodsProbe: ProbeDefinition<SshAuthMethodsFacts> = {
  id: 'ssh.auth-methods',
  version: 2,
  protocol: 'ssh',
  safety: 'read-session',
  ops: [...KEX_OPS, 'ssh.auth-none'],
  transport: 'tcp',
  optIn: SSH_AUTH_NONE_OPT_IN,
  facts: SshAuthMethodsFacts,
  async run(ctx) {
    const username = configuredUsername(ctx);
    const c = await runSshConnection(ctx, 'ssh.auth-methods', { kind: 'auth-none', username });
    return { ...kexFacts(c), auth: c.auth };
  },
};

function configuredUsername(ctx: ProbeContext): string {
  const value = ctx.options[SSH_USERNAME_OPTION];
  if (value === undefined) return DEFAULT_SSH_USERNAME;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(value)) {
    throw new ProbeUnavailable('error', `option ${SSH_USERNAME_OPTION} must be 1-64 printable characters without spaces`);
  }
  return value;
}

import { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { runSshClient } from './client.ts';
import { SshAuthMethodsFacts, SshHostKeyFacts, SshKexFacts } from './facts.ts';
import {
  binaryPacketLength,
  CLIENT_SOFTWARE,
  hostKeyType,
  identificationLength,
  MAX_IDENT_LINE,
  MAX_PACKET_BYTES,
  MAX_PRE_IDENT_BYTES,
  packetPayload,
  parseDisconnect,
  parseIdentification,
  parseKexInit,
  SSH_MSG_DEBUG,
  SSH_MSG_DISCONNECT,
  SSH_MSG_IGNORE,
  SSH_MSG_KEXINIT,
  STRICT_KEX_SERVER,
} from './kexinit.ts';

const ID_KEX = 'ssh.kexinit';

/** Opt-in flag for the `none` authentication request (the device logs it as an unsuccessful login). */
export const SSH_AUTH_NONE_OPT_IN = 'ssh.authNone';
/** Option naming the user for the `none` request. */
export const SSH_USERNAME_OPTION = 'username';
export const DEFAULT_SSH_USERNAME = 'cellcheck';

/** IGNORE/DEBUG packets a server may send before its KEXINIT; more than this is not a real server. */
const MAX_PACKETS_BEFORE_KEXINIT = 4;

/**
 * One TCP connection: read the server's identification, send ours, read the KEXINIT the server
 * sends unsolicited, hang up. No KEXINIT of ours, so no key exchange and nothing for the server
 * to compute or log beyond a closed pre-auth connection.
 */
export const sshKexProbe: ProbeDefinition<SshKexFacts> = {
  id: ID_KEX,
  version: 1,
  protocol: 'ssh',
  safety: 'identify',
  ops: ['tcp.connect', 'ssh.identification'],
  facts: SshKexFacts,
  async run(ctx) {
    const session = await TcpSession.open(ctx, ID_KEX);
    try {
      // Read first: a service that is not SSH after all never receives a byte from us.
      const identFrame = await session.readFrame(identificationLength, { op: 'ssh.identification', maxBytes: MAX_PRE_IDENT_BYTES + MAX_IDENT_LINE });
      const identification = parseIdentification(identFrame);
      await session.write('ssh.identification', Buffer.from(`SSH-2.0-${CLIENT_SOFTWARE}\r\n`, 'latin1'));
      const kexinit = await readServerKexInit(session);
      ctx.transcript.note(ID_KEX, 'ssh.close', 'closing after the server KEXINIT, before any key exchange');
      return {
        identification,
        lists: kexinit.lists,
        firstKexPacketFollows: kexinit.firstKexPacketFollows,
        hostKeyTypes: [...new Set(kexinit.lists.hostKey.map(hostKeyType))],
        strictKex: kexinit.lists.kex.includes(STRICT_KEX_SERVER),
      };
    } finally {
      await session.close();
    }
  },
};

async function readServerKexInit(session: TcpSession) {
  for (let i = 0; i <= MAX_PACKETS_BEFORE_KEXINIT; i += 1) {
    const payload = packetPayload(await session.readFrame(binaryPacketLength, { op: 'ssh.kexinit', maxBytes: MAX_PACKET_BYTES }));
    const type = payload[0];
    if (type === SSH_MSG_KEXINIT) return parseKexInit(payload);
    if (type === SSH_MSG_DISCONNECT) {
      const { reason, description } = parseDisconnect(payload);
      throw new ProbeUnavailable('denied', `server disconnected before key exchange (reason ${reason}${description ? `: ${description}` : ''})`);
    }
    if (type !== SSH_MSG_IGNORE && type !== SSH_MSG_DEBUG) throw new ProbeUnavailable('malformed', `expected KEXINIT, got message type ${type ?? 'none'}`);
  }
  throw new ProbeUnavailable('malformed', `no KEXINIT within the first ${MAX_PACKETS_BEFORE_KEXINIT + 1} packets`);
}

/**
 * One connection that completes a key exchange (RSA host key preferred, since its size varies),
 * reads the host key, and rejects it: the server sees a client that hung up before authenticating.
 */
export const sshHostKeyProbe: ProbeDefinition<SshHostKeyFacts> = {
  id: 'ssh.hostkey',
  version: 1,
  protocol: 'ssh',
  safety: 'identify',
  ops: ['tcp.connect', 'ssh.identification', 'ssh.kexinit'],
  facts: SshHostKeyFacts,
  async run(ctx) {
    const result = await runSshClient(ctx, 'ssh.hostkey', { kind: 'host-key' });
    if (!result.hostKey) throw new ProbeUnavailable('protocol-mismatch', 'key exchange ended without a host key');
    return { ...(result.software ? { software: result.software } : {}), hostKey: result.hostKey };
  },
};

/**
 * Opt-in: asks to log in with method `none` as a fixed user. The answer lists the methods the
 * server allows (or, on a device configured that way, lets the user in); the pre-login banner
 * arrives on the way. The device logs this as a login attempt, hence the opt-in.
 */
export const sshAuthMethodsProbe: ProbeDefinition<SshAuthMethodsFacts> = {
  id: 'ssh.auth-methods',
  version: 1,
  protocol: 'ssh',
  safety: 'read-session',
  ops: ['tcp.connect', 'ssh.identification', 'ssh.kexinit', 'ssh.auth-none'],
  optIn: SSH_AUTH_NONE_OPT_IN,
  facts: SshAuthMethodsFacts,
  async run(ctx) {
    const username = configuredUsername(ctx);
    const result = await runSshClient(ctx, 'ssh.auth-methods', { kind: 'auth-none', username });
    if (!result.auth || !result.negotiated) throw new ProbeUnavailable('protocol-mismatch', 'server ended the session before answering the none request');
    return {
      username,
      noneAccepted: result.auth.noneAccepted,
      methodsLeft: result.auth.methodsLeft,
      negotiated: result.negotiated,
      ...(result.banner !== undefined ? { banner: result.banner } : {}),
      ...(result.hostKey ? { hostKey: result.hostKey } : {}),
    };
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

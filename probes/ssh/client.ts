import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Client } from 'ssh2';
import { passGate } from '../gate.ts';
import type { ProbeContext } from '../types.ts';
import { StepWatchdog } from '../step-watchdog.ts';
import { ProbeUnavailable } from '../types.ts';
import type { SshHostKey, SshNegotiated } from './facts.ts';
import { CLIENT_SOFTWARE, hostKeyInfo, identificationLength } from './kexinit.ts';
import { loadSsh2 } from './library.ts';

/**
 * The ssh2 adapter (ssh2 itself loads lazily, ./library.ts). It can do two things and nothing else: complete one key exchange to
 * see the host key, or additionally ask `none` authentication for the allowed methods. No
 * channel, no command, no password is ever sent.
 */

// Current algorithms first, older ones last: old devices still finish the key exchange with us.
const KEX = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group-exchange-sha1',
  'diffie-hellman-group14-sha1',
  'diffie-hellman-group1-sha1',
];
const CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
  'aes256-cbc',
  'aes192-cbc',
  'aes128-cbc',
  '3des-cbc',
];
const MACS = [
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
  'hmac-sha1-etm@openssh.com',
  'hmac-sha1',
  'hmac-md5',
];
const HOST_KEYS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss'];
// For the key size, RSA first: its size is the one that varies between devices.
const HOST_KEYS_RSA_FIRST = [
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-ed25519',
];

/** Longest banner text kept; the rest is cut. */
const MAX_BANNER_CHARS = 4096;

export type ClientGoal = { readonly kind: 'host-key' } | { readonly kind: 'auth-none'; readonly username: string };

export interface ClientResult {
  software?: string;
  negotiated?: SshNegotiated;
  hostKey?: SshHostKey;
  auth?: { noneAccepted: boolean; methodsLeft: string[] };
  banner?: string;
}

/** One ssh2 connection, bounded by a step timer and the device budget, always closed before returning. */
export async function runSshClient(ctx: ProbeContext, probe: string, goal: ClientGoal): Promise<ClientResult> {
  if (ctx.signal.aborted) throw new ProbeUnavailable('budget', 'device time budget spent before connecting');
  const ssh2 = await loadSsh2();
  await passGate(ctx, probe, 'tcp.connect');
  const socket = new net.Socket();
  const client = new ssh2.Client();
  const result: ClientResult = {};
  const watch = new StepWatchdog(ctx);

  // Record the server's identification bytes as sent; after it everything is ssh2's business.
  let head = Buffer.alloc(0);
  const tap = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    let length: number | undefined;
    try {
      length = identificationLength(head);
    } catch {
      length = head.length;
    }
    if (length === undefined) return;
    socket.off('data', tap);
    ctx.transcript.rx(probe, 'ssh.identification', head.subarray(0, length));
  };

  client.on('error', (err: Error & { level?: string; code?: unknown }) => watch.settle(unavailableFrom(err, watch.phase)));
  client.on('close', () => watch.settle(new ProbeUnavailable('closed', `server closed the connection during ${watch.phase}`)));
  client.on('handshake', (n) => {
    result.negotiated = { kex: n.kex, hostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac };
    ctx.transcript.rx(probe, 'ssh.kexinit', undefined, `negotiated ${JSON.stringify(result.negotiated)}`);
    watch.arm('ssh.auth-none');
  });
  client.on('banner', (message: string) => {
    result.banner = cleanText(message.replace(/\r\n?/g, '\n'), MAX_BANNER_CHARS);
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, `banner: ${result.banner}`);
  });
  client.on('ready', () => {
    result.auth = { noneAccepted: true, methodsLeft: [] };
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, 'USERAUTH_SUCCESS: no authentication required');
    watch.settle();
  });

  const hostVerifier = (key: Buffer): boolean => {
    try {
      const info = hostKeyInfo(key);
      const fingerprint = createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
      result.hostKey = { ...info, fingerprint };
      ctx.transcript.rx(probe, 'ssh.kexinit', key, `host key ${info.type}${info.bits ? ` ${info.bits} bits` : ''}`);
    } catch (err) {
      watch.settle(err instanceof ProbeUnavailable ? err : new ProbeUnavailable('malformed', 'unreadable host key'));
      return false;
    }
    if (goal.kind === 'host-key') {
      watch.settle();
      return false;
    }
    return true;
  };

  const username = goal.kind === 'auth-none' ? goal.username : 'cellcheck';
  // ssh2 calls this first with null (what to try), then with the methods the server allows.
  const authHandler = (methodsLeft: string[] | null) => {
    if (methodsLeft === null) {
      ctx.transcript.tx(probe, 'ssh.auth-none', undefined, `USERAUTH_REQUEST method none, user ${username}`);
      return { type: 'none' as const, username };
    }
    result.auth = { noneAccepted: false, methodsLeft: methodsLeft.map((m) => cleanText(m, 64)).slice(0, 32) };
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, `USERAUTH reply, methods that can continue: ${result.auth.methodsLeft.join(',')}`);
    watch.settle();
    return false as const;
  };

  socket.on('connect', () => {
    ctx.transcript.rx(probe, 'tcp.connected');
    ctx.transcript.tx(probe, 'ssh.identification', undefined, `SSH-2.0-${CLIENT_SOFTWARE}`);
    ctx.transcript.tx(probe, 'ssh.kexinit', undefined, 'client KEXINIT offering current and older algorithms');
    watch.arm('ssh.kexinit');
  });
  socket.on('data', tap);

  try {
    client.connect({
      sock: socket,
      username,
      ident: CLIENT_SOFTWARE,
      readyTimeout: 0,
      keepaliveInterval: 0,
      hostVerifier,
      authHandler: authHandler as never,
      algorithms: {
        kex: KEX as never,
        serverHostKey: (goal.kind === 'host-key' ? HOST_KEYS_RSA_FIRST : HOST_KEYS) as never,
        cipher: CIPHERS as never,
        hmac: MACS as never,
        compress: ['none'],
      },
    });
    ctx.transcript.tx(probe, 'tcp.connect', undefined, `${ctx.address}:${ctx.port}`);
    watch.arm('tcp.connect');
    socket.connect({ host: ctx.address, port: ctx.port });
    await watch.done;
    const software = (client as unknown as { _remoteVer?: unknown })._remoteVer;
    if (typeof software === 'string') result.software ??= software;
    return result;
  } finally {
    watch.settle(new ProbeUnavailable('error', 'ssh client stopped'));
    await closeClient(client, socket, ctx.stepTimeoutMs);
    ctx.transcript.note(probe, 'ssh.close', 'closed');
  }
}

/** DISCONNECT and FIN when the transport is up, then a hard destroy if the peer lingers. */
export async function closeClient(client: Client, socket: net.Socket, stepTimeoutMs: number): Promise<void> {
  if (socket.destroyed) return;
  if (socket.connecting || socket.readyState !== 'open') {
    socket.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    const timer = setTimeout(
      () => {
        socket.destroy();
        resolve();
      },
      Math.min(500, stepTimeoutMs),
    );
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
    socket.end();
    socket.resume();
  });
}

export function unavailableFrom(err: Error & { level?: string; code?: unknown }, phase: string): ProbeUnavailable {
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code === 'ECONNREFUSED') return new ProbeUnavailable('refused', 'connection refused');
  if (code === 'ECONNRESET') return new ProbeUnavailable('reset', `connection reset during ${phase}`);
  const message = cleanText(err.message, 200);
  if (/no matching/i.test(message)) return new ProbeUnavailable('not-supported', `no common algorithm: ${message}`);
  if (/identification|packet|length/i.test(message)) return new ProbeUnavailable('malformed', message);
  if (/lost before handshake/i.test(message)) return new ProbeUnavailable('closed', `server closed the connection during ${phase}`);
  if (err.level === 'client-socket') return new ProbeUnavailable('error', `socket error during ${phase}: ${code ?? message}`);
  return new ProbeUnavailable('protocol-mismatch', `${phase}: ${message}`);
}

/** Printable text only (plus newlines and tabs), cut to `max` characters. */
function cleanText(text: string, max: number): string {
  return text.replace(/[^\x20-\x7e\n\t\u00a0-\uffff]/g, '?').slice(0, max);
}

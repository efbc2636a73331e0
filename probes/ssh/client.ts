import type net from 'node:net';
import type { Client } from 'ssh2';
import { passGate } from '../gate.ts';
import { fingerprint as keyFingerprint } from './known-hosts.ts';
import { socketFailure } from '../socket-failure.ts';
import { PhaseTimer } from '../step-timer.ts';
import { closeSocket, connectSocket } from '../tcp-session.ts';
import type { Transcript } from '../transcript.ts';
import type { ProbeContext } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { SshHostKey, SshKeyExchange, SshNegotiated, SshNoneAuth } from './facts.ts';
import { CLIENT_SOFTWARE, hostKeyInfo, type Identification, type KexInit, SSH_MSG_DISCONNECT, SSH_MSG_KEXINIT, SSH_MSG_NEWKEYS } from './kexinit.ts';
import { loadSsh2 } from './library.ts';
import { ServerHello } from './server-hello.ts';

/** The user name SSH sends when none is configured. */
export const DEFAULT_SSH_USERNAME = 'cellcheck';
/**
 * The ssh2 adapter (ssh2 itself loads lazily, ./library.ts). On one connection it can do two
 * things and nothing else: complete one key exchange to see the host key, or additionally ask
 * `none` authentication for the allowed methods. No channel, no command, no password is ever sent.
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
// RSA first: its size is the one that varies between devices, and the host key check judges it.
const HOST_KEYS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-ed25519'];

/** Longest banner text kept; the rest is cut. */
const MAX_BANNER_CHARS = 4096;

/** Names of the clear-text messages ssh2 sends, for the transcript. */
const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [SSH_MSG_DISCONNECT]: 'DISCONNECT',
  [SSH_MSG_KEXINIT]: 'KEXINIT offering current and older algorithms',
  [SSH_MSG_NEWKEYS]: 'NEWKEYS',
  30: 'KEXDH_INIT / KEX_ECDH_INIT',
  32: 'KEX_DH_GEX_INIT',
  34: 'KEX_DH_GEX_REQUEST',
};

export type ClientGoal = { readonly kind: 'key-exchange' } | { readonly kind: 'auth-none'; readonly username: string };

/** What one connection told; without an identification and a KEXINIT the probe fails instead. */
export interface SshConnection {
  readonly identification: Identification;
  readonly kexinit: KexInit;
  readonly keyExchange: SshKeyExchange;
  /** Only for the `auth-none` goal. */
  readonly auth?: SshNoneAuth;
}

/**
 * One TCP connection (discovery's, when the agent hands it over): the server's identification and
 * KEXINIT read from the raw bytes, then ssh2 completes a key exchange on the same socket to see the
 * host key, and for the `auth-none` goal sends one `none` request. Bounded by a step timer and the
 * device budget, always closed before returning.
 */
export async function runSshConnection(ctx: ProbeContext, probe: string, goal: { readonly kind: 'key-exchange' }): Promise<SshConnection>;
export async function runSshConnection(
  ctx: ProbeContext,
  probe: string,
  goal: { readonly kind: 'auth-none'; readonly username: string },
): Promise<SshConnection & { readonly auth: SshNoneAuth }>;
export async function runSshConnection(ctx: ProbeContext, probe: string, goal: ClientGoal): Promise<SshConnection> {
  const ssh2 = await loadSsh2();
  const socket = await connectSocket(ctx, probe);
  socket.setNoDelay(true);
  const client = new ssh2.Client();
  const watch = new PhaseTimer(ctx, 'ssh.identification');
  watch.next('ssh.identification');
  let identification: Identification | undefined;
  let kexinit: KexInit | undefined;
  let hostKey: SshHostKey | undefined;
  let negotiated: SshNegotiated | undefined;
  let auth: { noneAccepted: boolean; methodsLeft: string[]; banner?: string } | undefined;
  let banner: string | undefined;
  const username = goal.kind === 'auth-none' ? goal.username : DEFAULT_SSH_USERNAME;

  const hostVerifier = (key: Buffer, verify: (accept: boolean) => void): void => {
    try {
      const info = hostKeyInfo(key);
      hostKey = { ...info, fingerprint: keyFingerprint(key) };
      ctx.transcript.rx(probe, 'ssh.kexinit', key, `host key ${info.type}${info.bits ? ` ${info.bits} bits` : ''}`);
    } catch (err) {
      watch.fail(err instanceof ProbeUnavailable ? err : new ProbeUnavailable('malformed', 'unreadable host key'));
      verify(false);
      return;
    }
    if (goal.kind === 'key-exchange') {
      // Rejecting the key ends the exchange before NEWKEYS: nothing is encrypted, nothing logged in.
      watch.resolve();
      verify(false);
      return;
    }
    // Everything after the key exchange belongs to the opt-in request: the gate decides before any of it is sent.
    passGate(ctx, probe, 'ssh.auth-none').then(
      () => verify(!watch.settled),
      (err: unknown) => {
        watch.fail(asUnavailable(err));
        verify(false);
      },
    );
  };

  // ssh2 calls this first with null (what to try), then with the methods the server allows.
  const authHandler = (methodsLeft: string[] | null) => {
    if (methodsLeft === null) {
      ctx.transcript.tx(probe, 'ssh.auth-none', undefined, `USERAUTH_REQUEST method none, user ${username} (encrypted)`);
      return { type: 'none' as const, username };
    }
    auth = { noneAccepted: false, methodsLeft: methodsLeft.map((m) => cleanText(m, 64)).slice(0, 32) };
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, `USERAUTH reply, methods that can continue: ${auth.methodsLeft.join(',')}`);
    watch.resolve();
    return false as const;
  };

  const startClient = async () => {
    try {
      await passGate(ctx, probe, 'ssh.identification');
      await passGate(ctx, probe, 'ssh.kexinit');
    } catch (err) {
      watch.fail(asUnavailable(err));
      return;
    }
    if (watch.settled) return;
    recordClearTextWrites(socket, ctx.transcript, probe);
    hello.handOver();
    watch.next('ssh.kexinit');
    try {
      client.connect({
        sock: socket,
        username,
        ident: CLIENT_SOFTWARE,
        readyTimeout: 0,
        keepaliveInterval: 0,
        hostVerifier: hostVerifier as never,
        authHandler: authHandler as never,
        algorithms: { kex: KEX as never, serverHostKey: HOST_KEYS as never, cipher: CIPHERS as never, hmac: MACS as never, compress: ['none'] },
      });
    } catch (err) {
      watch.fail(new ProbeUnavailable('error', `ssh client did not start: ${err instanceof Error ? err.message : String(err)}`));
    }
  };

  const hello = new ServerHello(socket, ctx.transcript, probe, {
    identification: (id) => {
      identification = id;
      void startClient();
    },
    kexinit: (k) => {
      kexinit = k;
      watch.next('ssh.key-exchange');
    },
    failure: (err) => watch.fail(err),
  });
  socket.on('error', (err: NodeJS.ErrnoException) => watch.fail(unavailableFrom(Object.assign(err, { level: 'client-socket' }), watch.phase)));
  socket.on('close', () => watch.fail(new ProbeUnavailable('closed', `server closed the connection during ${watch.phase}`)));
  // A handed-over socket may have died between discovery and this probe.
  if (socket.destroyed) watch.fail(new ProbeUnavailable('closed', 'connection closed before the server identification'));

  client.on('error', (err: Error & { level?: string; code?: unknown }) => watch.fail(unavailableFrom(err, watch.phase)));
  client.on('close', () => watch.fail(new ProbeUnavailable('closed', `server closed the connection during ${watch.phase}`)));
  client.on('handshake', (n) => {
    negotiated = { kex: n.kex, hostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac };
    ctx.transcript.rx(probe, 'ssh.kexinit', undefined, `negotiated ${JSON.stringify(negotiated)}`);
    ctx.transcript.tx(probe, 'ssh.auth-none', undefined, 'SERVICE_REQUEST ssh-userauth (encrypted)');
    watch.next('ssh.auth-none');
  });
  client.on('banner', (message: string) => {
    banner = cleanText(message.replace(/\r\n?/g, '\n'), MAX_BANNER_CHARS);
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, `banner: ${banner}`);
  });
  client.on('ready', () => {
    auth = { noneAccepted: true, methodsLeft: [] };
    ctx.transcript.rx(probe, 'ssh.auth-none', undefined, 'USERAUTH_SUCCESS: no authentication required');
    watch.resolve();
  });

  let failure: ProbeUnavailable | undefined;
  try {
    await watch.done;
  } catch (err) {
    failure = asUnavailable(err);
  } finally {
    hello.stop();
    watch.fail(new ProbeUnavailable('error', 'ssh client stopped'));
    await closeClient(client, socket, ctx.stepTimeoutMs);
    ctx.transcript.note(probe, 'ssh.close', 'closed');
  }
  const why = failure ?? new ProbeUnavailable('error', 'the connection ended without an answer');
  if (!identification || !kexinit) throw why;
  const keyExchange: SshKeyExchange = hostKey
    ? { status: 'ok', hostKey, ...(negotiated ? { negotiated } : {}) }
    : { status: 'unavailable', failure: { kind: why.kind, detail: why.message } };
  if (goal.kind === 'key-exchange') return { identification, kexinit, keyExchange };
  const answered: SshNoneAuth | undefined = auth && { status: 'ok', username, ...auth, ...(banner !== undefined ? { banner } : {}) };
  return { identification, kexinit, keyExchange, auth: answered ?? { status: 'unavailable', username, failure: { kind: why.kind, detail: why.message } } };
}

/**
 * Records what ssh2 writes while it is clear text (our identification, KEXINIT, key exchange
 * messages, a DISCONNECT) byte for byte; after NEWKEYS the bytes are encrypted and the event
 * handlers record what was sent instead.
 */
function recordClearTextWrites(socket: net.Socket, transcript: Transcript, probe: string): void {
  const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
  let clear = true;
  socket.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (clear && (typeof chunk === 'string' || chunk instanceof Uint8Array)) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (bytes.toString('latin1', 0, 4) === 'SSH-') {
        transcript.tx(probe, 'ssh.identification', bytes);
      } else {
        // Packet layout: uint32 length, byte padding, then the message type.
        const type = bytes[5] ?? -1;
        transcript.tx(probe, type === SSH_MSG_DISCONNECT ? 'ssh.disconnect' : 'ssh.kexinit', bytes, MESSAGE_NAMES[type] ?? `message ${type}`);
        if (type === SSH_MSG_NEWKEYS) clear = false;
      }
    }
    return write(chunk, ...rest);
  }) as typeof socket.write;
}

/** DISCONNECT (when ssh2's transport is up) and FIN, then a hard destroy if the peer lingers. */
export async function closeClient(client: Client, socket: net.Socket, graceMs: number): Promise<void> {
  if (socket.destroyed) return;
  client.end();
  await closeSocket(socket, graceMs);
}

function asUnavailable(err: unknown): ProbeUnavailable {
  return err instanceof ProbeUnavailable ? err : new ProbeUnavailable('error', err instanceof Error ? err.message : String(err));
}

export function unavailableFrom(err: Error & { level?: string; code?: unknown }, phase: string): ProbeUnavailable {
  const socket = socketFailure(err, `during ${phase}`);
  if (socket) return socket;
  const code = typeof err.code === 'string' ? err.code : undefined;
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

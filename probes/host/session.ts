import { appendFileSync } from 'node:fs';
import type net from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import { z } from 'zod';
import { passGate } from '../gate.ts';
import { closeClient, unavailableFrom } from '../ssh/client.ts';
import { loadSsh2 } from '../ssh/library.ts';
import { CLIENT_SOFTWARE } from '../ssh/kexinit.ts';
import type { ProbeContext } from '../types.ts';
import { PhaseTimer, StepTimer } from '../step-timer.ts';
import { connectSocket } from '../tcp-session.ts';
import { ProbeUnavailable } from '../types.ts';
import { commandLine, type HostCommand, isAllowedCommand } from './commands.ts';
import type { HostFacts } from './facts.ts';
import { checkPin, fingerprint, keyType, knownHostName, knownHostsLine } from '../ssh/known-hosts.ts';

/**
 * The credential material the agent resolved for one device (never stored: the probe registers
 * every secret with the transcript before connecting).
 */
export const HostCredential = z
  .object({
    user: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'a user name is 1-64 printable characters without spaces'),
    privateKey: z.string().optional(),
    passphrase: z.string().optional(),
    password: z.string().optional(),
    /** known_hosts file pinning the device's host key. */
    knownHostsFile: z.string(),
    knownHosts: z.string(),
    /** Write the host key to knownHostsFile when the device is not in it yet. */
    recordFirstUse: z.boolean(),
    /** Command ids (host/commands.ts) to run with `sudo -n`. */
    sudo: z.array(z.string()),
  })
  .refine((c) => c.privateKey !== undefined || c.password !== undefined, 'a credential needs a private key or a password');
export type HostCredential = z.infer<typeof HostCredential>;

/** Longest stderr kept of one command (only its first line reaches the facts). */
const MAX_STDERR_BYTES = 4096;

/** Whether ssh2 can use a private key (with its passphrase); the reason when not. */
export async function privateKeyProblem(key: string, passphrase?: string): Promise<string | undefined> {
  const parsed = (await loadSsh2()).utils.parseKey(key, passphrase);
  if (parsed instanceof Error) return parsed.message;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  return first?.isPrivateKey() ? undefined : 'not a private key';
}

export interface RawRun {
  readonly line: string;
  readonly exitCode?: number;
  readonly stdout: Buffer;
  readonly truncated: boolean;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The channel could not be opened or the connection dropped. */
  readonly channelError?: string;
}

/**
 * The adapter for credentialed SSH: one connection per device, host key pinned before any
 * credential is sent, and a single operation, running an allow-listed command on an exec
 * channel with a time and size limit. There is no way to pass it a command of one's own.
 */
export class HostSession {
  readonly #ctx: ProbeContext;
  readonly #probe: string;
  readonly #client: Client;
  readonly #socket: net.Socket;
  #closed = false;

  private constructor(ctx: ProbeContext, probe: string, client: Client, socket: net.Socket) {
    this.#ctx = ctx;
    this.#probe = probe;
    this.#client = client;
    this.#socket = socket;
    client.on('close', () => {
      this.#closed = true;
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Connects, verifies the host key against the pins, and logs in; throws ProbeUnavailable otherwise. */
  static async open(ctx: ProbeContext, probe: string, cred: HostCredential): Promise<{ session: HostSession; hostKey: HostFacts['hostKey'] }> {
    if (ctx.signal.aborted) throw new ProbeUnavailable('budget', 'device time budget spent before connecting');
    // The login is one more request; asked for before connecting so a refusal sends nothing.
    await passGate(ctx, probe, 'ssh.auth');
    const ssh2 = await loadSsh2();
    const socket = await connectSocket(ctx, probe);
    // Small request/reply exchanges: without this, delayed ACKs add ~90 ms to every command.
    socket.setNoDelay(true);
    const client = new ssh2.Client();
    const name = knownHostName(ctx.address, ctx.port);
    let hostKey: HostFacts['hostKey'] | undefined;
    const watch = new PhaseTimer(ctx, 'ssh.kexinit');

    const hostVerifier = (key: Buffer): boolean => {
      const type = keyType(key);
      const print = fingerprint(key);
      ctx.transcript.rx(probe, 'ssh.kexinit', key, `host key ${type} SHA256:${print}`);
      const verdict = checkPin(cred.knownHosts, name, key);
      if (verdict === 'match') {
        hostKey = { type, fingerprint: print, trust: 'pinned' };
      } else if (verdict === 'unknown' && cred.recordFirstUse) {
        try {
          appendFileSync(cred.knownHostsFile, knownHostsLine(name, key));
        } catch (err) {
          watch.fail(
            new ProbeUnavailable('error', `cannot record the host key in ${cred.knownHostsFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
          );
          return false;
        }
        ctx.transcript.note(probe, 'ssh.host-key-recorded', `first use: ${type} SHA256:${print} written to the known_hosts file`);
        hostKey = { type, fingerprint: print, trust: 'recorded' };
      } else {
        const why = {
          mismatch: 'does not match the key pinned for this device (possible impostor); no credential was sent',
          revoked: 'is marked @revoked in the known_hosts file; no credential was sent',
          unknown: 'is not in the known_hosts file and recordFirstUse is off; no credential was sent',
          match: '',
        }[verdict];
        watch.fail(new ProbeUnavailable('denied', `host key ${type} SHA256:${print} ${why}`));
        return false;
      }
      watch.next('ssh.auth');
      return true;
    };

    const methods: object[] = [];
    if (cred.privateKey !== undefined)
      methods.push({ type: 'publickey', username: cred.user, key: cred.privateKey, ...(cred.passphrase !== undefined ? { passphrase: cred.passphrase } : {}) });
    if (cred.password !== undefined) methods.push({ type: 'password', username: cred.user, password: cred.password });
    let next = 0;
    const authHandler = () => {
      const method = methods[next++] as { type: string } | undefined;
      if (!method) return false;
      ctx.transcript.tx(probe, 'ssh.auth', undefined, `USERAUTH_REQUEST method ${method.type}, user ${cred.user}`);
      return method;
    };

    client.on('error', (err: Error & { level?: string; code?: unknown }) => {
      if (err.level === 'client-authentication') watch.fail(new ProbeUnavailable('auth-required', 'the device refused the configured credentials'));
      else watch.fail(unavailableFrom(err, watch.phase));
    });
    client.on('close', () => watch.fail(new ProbeUnavailable('closed', `device closed the connection during ${watch.phase}`)));
    client.on('ready', () => {
      ctx.transcript.rx(probe, 'ssh.auth', undefined, 'USERAUTH_SUCCESS');
      watch.resolve();
    });

    const session = new HostSession(ctx, probe, client, socket);
    try {
      client.connect({
        sock: socket,
        username: cred.user,
        ident: CLIENT_SOFTWARE,
        readyTimeout: 0,
        keepaliveInterval: 0,
        hostVerifier,
        authHandler: authHandler as never,
      });
      watch.next('ssh.kexinit');
      await watch.done;
    } catch (err) {
      await session.close();
      throw err;
    }
    if (!hostKey) {
      await session.close();
      throw new ProbeUnavailable('protocol-mismatch', 'logged in without a verified host key');
    }
    return { session, hostKey };
  }

  /**
   * Runs one allow-listed command and resolves with whatever came back; throws only when the
   * command is not an allow-list entry or the agent's traffic gate refuses the request.
   */
  async run(cmd: HostCommand, sudo: boolean): Promise<RawRun> {
    // Identity, not text: only the allow-list's own entries can reach the device.
    if (!isAllowedCommand(cmd)) throw new Error(`command ${String((cmd as { id?: unknown }).id)} is not on the host allow-list`);
    const ctx = this.#ctx;
    const line = commandLine(cmd, sudo);
    await passGate(ctx, this.#probe, 'host.exec');
    const started = performance.now();
    ctx.transcript.tx(this.#probe, 'host.exec', undefined, line);
    const stdout: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let truncated = false;
    let timedOut = false;
    let exitCode: number | undefined;
    let channel: ClientChannel | undefined;
    const stop = (s: StepTimer<string | undefined>) => {
      if (channel) channel.close();
      else s.resolve('stopped before the channel opened');
    };
    // Resolves with why the channel failed, if it did; the run never fails, it reports what came back.
    const step = new StepTimer<string | undefined>({
      signal: ctx.signal,
      end: (s) => {
        timedOut = true;
        stop(s);
        s.resolve('device time budget spent');
      },
    });
    step.arm(ctx.stepTimeoutMs, (s) => {
      timedOut = true;
      stop(s);
      // A peer that never confirms the close must not hold the probe.
      s.arm(Math.min(500, ctx.stepTimeoutMs), (late) => late.resolve(undefined));
    });
    const onClientClose = () => step.resolve('connection closed');
    this.#client.on('close', onClientClose);
    try {
      if (!step.settled)
        this.#client.exec(line, (err, stream) => {
          if (err) {
            step.resolve(err.message);
            return;
          }
          channel = stream;
          if (step.settled) {
            stream.close();
            return;
          }
          stream.on('data', (chunk: Buffer) => {
            if (truncated) return;
            const room = cmd.maxBytes - bytes;
            if (chunk.length > room) {
              stdout.push(chunk.subarray(0, room));
              bytes += room;
              truncated = true;
              stream.close();
              return;
            }
            stdout.push(chunk);
            bytes += chunk.length;
          });
          stream.stderr.on('data', (chunk: Buffer) => {
            if (stderr.length < MAX_STDERR_BYTES) stderr += chunk.toString('utf8').slice(0, MAX_STDERR_BYTES - stderr.length);
          });
          stream.on('exit', (code: number | null) => {
            if (typeof code === 'number') exitCode = code;
          });
          stream.on('error', () => undefined);
          stream.on('close', () => step.resolve(undefined));
        });
    } catch (err) {
      step.resolve(err instanceof Error ? err.message : String(err));
    }
    const channelError = await step.done;
    this.#client.off('close', onClientClose);
    return {
      line,
      stdout: Buffer.concat(stdout),
      truncated,
      stderr,
      timedOut,
      durationMs: Math.round(performance.now() - started),
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(channelError !== undefined ? { channelError } : {}),
    };
  }

  async close(): Promise<void> {
    await closeClient(this.#client, this.#socket, this.#ctx.stepTimeoutMs);
    this.#ctx.transcript.note(this.#probe, 'ssh.close', 'closed');
  }
}

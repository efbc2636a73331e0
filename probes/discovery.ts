import type { TrafficGate } from './gate.ts';
import type { RoundTrips } from './round-trip.ts';
import type { Transcript } from './transcript.ts';
import type net from 'node:net';
import { closeSocket, connectSocket } from './tcp-session.ts';
import { ProbeUnavailable } from './types.ts';

export type PortState = 'open' | 'closed' | 'filtered' | 'error' | 'skipped';

export interface PortResult {
  readonly port: number;
  readonly state: PortState;
  readonly detail?: string;
}

export interface DiscoveryOptions {
  readonly address: string;
  readonly ports: readonly number[];
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly transcript: Transcript;
  /** Consecutive unanswered connects (no open or closed port seen yet) after which the address counts as silent. */
  readonly silentAfter: number;
  readonly gate?: TrafficGate;
  /** The device's round trips: each answered connect is one. */
  readonly roundTrips?: RoundTrips;
  /**
   * Called with each open port's connection before discovery moves on: the agent's probes for that
   * port may take the socket over, so a service costs one connection. Discovery closes whatever is
   * left open afterwards.
   */
  readonly onOpen?: (port: number, socket: net.Socket) => Promise<void>;
}

export const DISCOVERY_PROBE = 'tcp.discovery';
/** Discovery's allow-list: a connect and nothing else. */
export const DISCOVERY_OPS = ['tcp.connect'] as const;

/**
 * TCP connect check, one port at a time: a full handshake, nothing sent by discovery itself, a clean
 * close. Stops early on an address that answers nothing, so empty ranges cost little and no device
 * is flooded. Only one connection to the address is open at any time, the handed-over one included.
 */
export async function discoverPorts(opts: DiscoveryOptions): Promise<PortResult[]> {
  const results: PortResult[] = [];
  let answered = false;
  let silent = 0;
  for (const port of opts.ports) {
    if (opts.signal.aborted || (!answered && silent >= opts.silentAfter)) {
      results.push({ port, state: 'skipped', detail: opts.signal.aborted ? 'device budget spent' : 'address silent' });
      continue;
    }
    const ctx = {
      address: opts.address,
      port,
      stepTimeoutMs: opts.timeoutMs,
      signal: opts.signal,
      transcript: opts.transcript,
      options: {},
      now: () => new Date(),
      ...(opts.gate ? { gate: opts.gate } : {}),
      ...(opts.roundTrips ? { roundTrips: opts.roundTrips } : {}),
    };
    let socket: net.Socket;
    try {
      socket = await connectSocket(ctx, DISCOVERY_PROBE);
    } catch (err) {
      const kind = err instanceof ProbeUnavailable ? err.kind : 'error';
      const detail = err instanceof Error ? err.message : String(err);
      if (kind === 'refused' || kind === 'reset') {
        results.push({ port, state: 'closed' });
        answered = true;
      } else if (kind === 'timeout') {
        results.push({ port, state: 'filtered', detail });
        silent += 1;
      } else {
        results.push({ port, state: kind === 'budget' ? 'skipped' : 'error', detail });
      }
      continue;
    }
    results.push({ port, state: 'open' });
    answered = true;
    // Errors after the handshake belong to whoever reads the socket; none must crash the agent.
    socket.on('error', () => undefined);
    try {
      await opts.onOpen?.(port, socket);
    } finally {
      await closeDiscoveryConnection(socket, opts.transcript, opts.timeoutMs);
    }
  }
  return results;
}

/** Closes a connection discovery opened and no probe took over (or one left open), and records it. */
export async function closeDiscoveryConnection(socket: net.Socket, transcript: Transcript, graceMs: number): Promise<void> {
  if (socket.destroyed) return;
  await closeSocket(socket, graceMs);
  transcript.note(DISCOVERY_PROBE, 'tcp.close', 'closed');
}

import type net from 'node:net';
import { z } from 'zod';
import type { TrafficGate } from './gate.ts';
import type { RoundTrips } from './round-trip.ts';
import type { Transcript } from './transcript.ts';

/** Ordered: a target's safety ceiling admits every class up to and including its own. */
export const SAFETY_CLASSES = ['identify', 'read-session', 'intrusive'] as const;
export const SafetyClass = z.enum(SAFETY_CLASSES);
export type SafetyClass = z.infer<typeof SafetyClass>;

/** Why a probe produced no facts. "No answer" is common on plants and is never "secure". */
export const FailureKind = z.enum([
  'timeout',
  'refused',
  'reset',
  'closed',
  'protocol-mismatch',
  'malformed',
  'auth-required',
  'not-supported',
  'budget',
  'denied',
  'error',
]);
export type FailureKind = z.infer<typeof FailureKind>;

export const Failure = z.object({ kind: FailureKind, detail: z.string() });
export type Failure = z.infer<typeof Failure>;

/** Thrown inside a probe to end it with a typed reason; the runner turns it into an outcome. */
export class ProbeUnavailable extends Error {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, detail: string) {
    super(detail);
    this.name = 'ProbeUnavailable';
    this.kind = kind;
  }
}

/**
 * The probe's protocol section of the config (`probes.<protocol>`): options, credentials and
 * opt-ins. An opt-in named `<protocol>.<key>` is `options.<key>` here.
 */
export type ProbeOptions = Readonly<Record<string, unknown>>;

export interface ProbeContext {
  readonly address: string;
  readonly port: number;
  /** Limit for each network step (connect, one request/reply). */
  readonly stepTimeoutMs: number;
  /** Aborted when the device's whole budget is spent; probes must close their socket and stop. */
  readonly signal: AbortSignal;
  readonly transcript: Transcript;
  readonly options: ProbeOptions;
  readonly now: () => Date;
  /** Set by the agent: every connection and request passes it before leaving (probes/gate.ts). */
  readonly gate?: TrafficGate;
  /** Set by the agent: the connection discovery just opened to a port, for the first probe that connects there. */
  readonly handover?: SocketHandover;
  /** Set by the agent: outcomes of the probes that already ran on this device in this scan (a probe may skip what they show pointless). */
  readonly earlier?: readonly ProbeOutcome[];
  /** Set by the agent: the device's round trips so far, which shorten waits for UDP answers (probes/round-trip.ts). */
  readonly roundTrips?: RoundTrips;
}

export interface SocketHandover {
  /** The open socket to `port`, once; undefined when there is none (the probe then connects itself). */
  take(port: number): net.Socket | undefined;
}

export interface ProbeDefinition<F = unknown> {
  /** Stable id, `<protocol>.<what>`, e.g. `opcua.endpoints`. */
  readonly id: string;
  /** Bumped when the facts a probe returns change meaning. */
  readonly version: number;
  /** Service protocol this probe talks to (see probes/services.ts). */
  readonly protocol: string;
  readonly safety: SafetyClass;
  /** Config flag that must be true before this probe runs (authentication attempts, sessions). */
  readonly optIn?: string;
  /**
   * Every operation kind this probe may send (transcript `op` of its requests, connects included):
   * its read-only allow-list. The agent's gate refuses anything else, and `scan --plan` lists them.
   */
  readonly ops: readonly string[];
  /** How the agent reaches it: TCP on each discovered port of its `protocols`, or UDP on `udpPort`. */
  readonly transport: 'tcp' | 'udp';
  /** Service protocols (probes/services.ts) it runs on; by default its own `protocol`. */
  readonly protocols?: readonly string[];
  /** Ops sent on some of those protocols only (op → protocols), e.g. SMB's NetBIOS session request on 139 alone; `scan --plan` names them there only. */
  readonly opsOnlyOn?: Readonly<Record<string, readonly string[]>>;
  /** Port of a UDP probe. */
  readonly udpPort?: number;
  /** Runs only on targets with a `credentials` entry of this kind, which it receives as `options.credential`. */
  readonly credential?: 'ssh';
  /** Id of the probe that runs instead wherever it may run: it collects the same facts and more on the same one connection. */
  readonly replacedBy?: string;
  /**
   * UDP probe: not sent to a device where this (TCP) probe answered (facts, and its `answered` agrees),
   * since that one collected the same facts. Where the TCP probe ran but failed (the port accepted,
   * then the service refused, dropped or garbled the exchange), the UDP probe is sent once.
   * FINS/UDP after FINS/TCP is the only user.
   */
  readonly skipAfter?: string;
  /** For a probe another names in `skipAfter`: whether its facts hold the answer; a refusal kept as a fact does not. By default any facts do. */
  answered?(facts: F): boolean;
  readonly facts: z.ZodType<F>;
  run(ctx: ProbeContext): Promise<F>;
}

export const ProbeOutcome = z.discriminatedUnion('status', [
  z.object({
    probe: z.string(),
    version: z.number().int(),
    port: z.number().int(),
    status: z.literal('ok'),
    facts: z.unknown(),
    /** First and last transcript sequence numbers this probe wrote. */
    transcript: z.tuple([z.number().int(), z.number().int()]),
    durationMs: z.number(),
  }),
  z.object({
    probe: z.string(),
    version: z.number().int(),
    port: z.number().int(),
    status: z.literal('unavailable'),
    failure: Failure,
    transcript: z.tuple([z.number().int(), z.number().int()]),
    durationMs: z.number(),
  }),
]);
export type ProbeOutcome = z.infer<typeof ProbeOutcome>;

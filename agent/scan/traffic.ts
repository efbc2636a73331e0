import type { Send, TrafficGate } from '../../probes/gate.ts';
import { StepTimer } from '../../probes/step-timer.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import { ProbeUnavailable } from '../../probes/types.ts';

export interface TrafficLimits {
  /** Connection attempts plus requests one device may receive in a scan. */
  readonly requestBudget: number;
  /** Least time between two packets to one device. */
  readonly minGapMs: number;
  /** Ceiling across all devices together. */
  readonly packetsPerSecond: number;
  /** Probes in a row without any answer after which a device is left alone. */
  readonly breakerAfter: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  const step = new StepTimer({ signal, end: 'device time budget spent while waiting to send' });
  step.arm(ms, (s) => s.resolve());
  return step.done;
}

/**
 * Token bucket shared by every device of a scan: at most `perSecond` packets a second, with a
 * burst of a twentieth of a second. A caller that finds it empty reserves a token ahead (the
 * count goes negative) and waits for it, so concurrent callers queue fairly without a lock.
 */
export class PacketRate {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #clock: () => number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, clock: () => number = () => performance.now()) {
    this.#perMs = perSecond / 1000;
    this.#burst = Math.max(1, perSecond / 20);
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#at = clock();
  }

  /** Milliseconds the caller must wait before its packet may leave (its token is reserved). */
  reserve(): number {
    const now = this.#clock();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.#perMs;
  }
}

/** Failure kinds that prove the device still answers (it refused, reset, replied with something). */
const ANSWERED_KINDS = new Set(['refused', 'reset', 'closed', 'protocol-mismatch', 'malformed', 'auth-required', 'not-supported', 'denied']);

export interface DeviceGateOptions {
  readonly address: string;
  /** Operation kinds each probe may send (its declared `ops`), keyed by probe id. */
  readonly allowedOps: ReadonlyMap<string, ReadonlySet<string>>;
  readonly limits: TrafficLimits;
  readonly rate: PacketRate;
  /** Aborted when the device's time budget is spent. */
  readonly signal: AbortSignal;
  /** True for an address the config denies (checked again here, at the socket layer). */
  readonly denied: (address: string) => boolean;
}

/**
 * The traffic discipline of one device: only its own planned address, only declared operation
 * kinds, a request budget, a minimum gap between packets, the scan-wide packet rate, and a
 * circuit breaker fed by probe outcomes. Packets to one device are serialised.
 */
export class DeviceGate implements TrafficGate {
  readonly #o: DeviceGateOptions;
  #sent = 0;
  #lastAt = Number.NEGATIVE_INFINITY;
  #silentProbes = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: DeviceGateOptions) {
    this.#o = options;
  }

  /** Packets (connection attempts and requests) let through so far. */
  get sent(): number {
    return this.#sent;
  }

  get open(): boolean {
    return this.#silentProbes >= this.#o.limits.breakerAfter;
  }

  pass(send: Send): Promise<void> {
    const turn = this.#queue.then(() => this.#admit(send));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Feeds the circuit breaker: a probe that timed out saw no answer; anything else resets the
   * count. The gap also runs from a probe's end, so the device has closed one connection before
   * the next one opens.
   */
  observe(outcome: ProbeOutcome): void {
    this.#lastAt = performance.now();
    if (outcome.status === 'unavailable' && outcome.failure.kind === 'timeout') this.#silentProbes += 1;
    else if (outcome.status === 'ok' || ANSWERED_KINDS.has(outcome.failure.kind)) this.#silentProbes = 0;
  }

  async #admit(send: Send): Promise<void> {
    const o = this.#o;
    if (send.address !== o.address)
      throw new ProbeUnavailable('denied', `${send.address} is not a planned target of this device (${o.address}); it is reported, never contacted`);
    if (o.denied(send.address)) throw new ProbeUnavailable('denied', `${send.address} is on the config's deny list`);
    if (!o.allowedOps.get(send.probe)?.has(send.op))
      throw new ProbeUnavailable('denied', `operation ${send.op} is not on the allow-list of probe ${send.probe}`);
    if (this.open) throw new ProbeUnavailable('budget', `circuit breaker open: ${this.#silentProbes} probes in a row got no answer`);
    if (this.#sent >= o.limits.requestBudget) throw new ProbeUnavailable('budget', `request budget of ${o.limits.requestBudget} packets for this device spent`);
    await sleep(this.#lastAt + o.limits.minGapMs - performance.now(), o.signal);
    this.#sent += 1;
    await sleep(o.rate.reserve(), o.signal);
    this.#lastAt = performance.now();
  }
}

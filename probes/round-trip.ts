/**
 * How long to wait for a UDP answer from one device. UDP has no handshake and no refusal from an
 * agent that ignores a request (a wrong community), so every unanswered request costs its whole
 * wait: on a device that has already shown how fast it answers, that wait need not be the step
 * timeout.
 *
 * Rule: until the device has answered anything (a TCP connect accepted or refused, an SNMP
 * reply), wait the step timeout; after that, wait max(floorMs, factor x the slowest round trip
 * seen on the device), never more than the step timeout. Defaults: floor 250 ms, factor 8 (a
 * device answering in 2 ms gets 250 ms, one answering in 100 ms gets 800 ms).
 */
export const UDP_WAIT_DEFAULTS = { floorMs: 250, factor: 8 } as const;

export class RoundTrips {
  readonly floorMs: number;
  readonly factor: number;
  #slowestMs: number | undefined;

  constructor(options: { readonly floorMs: number; readonly factor: number } = UDP_WAIT_DEFAULTS) {
    this.floorMs = options.floorMs;
    this.factor = options.factor;
  }

  /** One answer from the device, `ms` after the request left. */
  record(ms: number): void {
    this.#slowestMs = Math.max(this.#slowestMs ?? 0, ms);
  }

  /** The wait for one UDP answer, per the rule above. */
  waitMs(stepTimeoutMs: number): number {
    if (this.#slowestMs === undefined) return stepTimeoutMs;
    return Math.min(stepTimeoutMs, Math.max(this.floorMs, Math.ceil(this.factor * this.#slowestMs)));
  }
}

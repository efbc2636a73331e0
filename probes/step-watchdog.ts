import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/**
 * For protocol libraries driven by events (ssh2): one promise that settles once, on success, when
 * a step takes longer than the step timeout, or when the device budget is spent. `arm` starts
 * the next step's timer and names it for the failure message.
 */
export class StepWatchdog {
  readonly done: Promise<void>;
  #phase: string;
  #timer: NodeJS.Timeout | undefined;
  #settled = false;
  #finish: (reason?: ProbeUnavailable) => void = () => undefined;
  readonly #ctx: ProbeContext;
  readonly #onAbort = () => this.settle(new ProbeUnavailable('budget', `device time budget spent during ${this.#phase}`));

  constructor(ctx: ProbeContext, phase = 'tcp.connect') {
    this.#ctx = ctx;
    this.#phase = phase;
    this.done = new Promise<void>((resolve, reject) => {
      this.#finish = (reason) => (reason ? reject(reason) : resolve());
    });
    // `done` may be rejected before anyone awaits it; the caller's await rethrows it.
    this.done.catch(() => undefined);
    ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  get phase(): string {
    return this.#phase;
  }

  get settled(): boolean {
    return this.#settled;
  }

  arm(next: string): void {
    if (this.#settled) return;
    this.#phase = next;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => this.settle(new ProbeUnavailable('timeout', `no answer to ${next} within ${this.#ctx.stepTimeoutMs} ms`)),
      this.#ctx.stepTimeoutMs,
    );
  }

  settle(reason?: ProbeUnavailable): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    this.#finish(reason);
  }
}

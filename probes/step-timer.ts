import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/**
 * How a step ends when its timer fires or the device budget is spent: a string fails it with
 * ProbeUnavailable (`timeout` or `budget`) and that detail; a function is the caller's own ending
 * (it may settle the step, or start winding down and settle later).
 */
export type StepEnd<T> = string | ((step: StepTimer<T>) => void);

/**
 * One bounded wait: `done` settles exactly once, by the caller (`resolve`, `fail`), by the timer
 * (`arm`) or by the budget signal, and then the timer and the abort listener are gone. A budget
 * already spent ends the step in the constructor, before the caller starts anything.
 */
export class StepTimer<T = void> {
  readonly done: Promise<T>;
  #settled = false;
  #timer: NodeJS.Timeout | undefined;
  #resolve: (value: T) => void = () => undefined;
  #reject: (reason: unknown) => void = () => undefined;
  #stopWatching: () => void = () => undefined;

  /** Without `budget` only the timer bounds the step (a close that must run after the budget is spent). */
  constructor(budget?: { readonly signal: AbortSignal; readonly end: StepEnd<T> }) {
    this.done = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // `done` may fail before anyone awaits it; the caller's await still sees the failure.
    this.done.catch(() => undefined);
    if (!budget) return;
    const onAbort = () => this.#end(budget.end, 'budget');
    if (budget.signal.aborted) {
      onAbort();
      return;
    }
    budget.signal.addEventListener('abort', onAbort, { once: true });
    this.#stopWatching = () => budget.signal.removeEventListener('abort', onAbort);
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Starts the timer, replacing a running one; does nothing once the step has settled. */
  arm(ms: number, timeout: StepEnd<T>): void {
    if (this.#settled) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#end(timeout, 'timeout'), ms);
  }

  resolve(value: T): void {
    if (this.#release()) this.#resolve(value);
  }

  fail(reason: unknown): void {
    if (this.#release()) this.#reject(reason);
  }

  #end(end: StepEnd<T>, kind: 'timeout' | 'budget'): void {
    if (typeof end === 'string') this.fail(new ProbeUnavailable(kind, end));
    else end(this);
  }

  /** True for the one call that settles the step. */
  #release(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#stopWatching();
    return true;
  }
}

/**
 * A StepTimer for protocol libraries driven by events (ssh2): the step runs through named phases,
 * each bounded by the step timeout, and the name appears in the timeout or budget failure.
 */
export class PhaseTimer extends StepTimer {
  readonly #stepTimeoutMs: number;
  // An object, not a field: the budget ending can run inside super(), before fields exist.
  readonly #current: { phase: string };

  constructor(ctx: Pick<ProbeContext, 'signal' | 'stepTimeoutMs'>, phase: string) {
    const current = { phase };
    super({ signal: ctx.signal, end: (step) => step.fail(new ProbeUnavailable('budget', `device time budget spent during ${current.phase}`)) });
    this.#current = current;
    this.#stepTimeoutMs = ctx.stepTimeoutMs;
  }

  get phase(): string {
    return this.#current.phase;
  }

  /** Starts the next phase's timer and names it for the failure message. */
  next(phase: string): void {
    if (this.settled) return;
    this.#current.phase = phase;
    this.arm(this.#stepTimeoutMs, `no answer to ${phase} within ${this.#stepTimeoutMs} ms`);
  }
}

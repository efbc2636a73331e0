import { getEventListeners } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PhaseTimer, StepTimer } from './step-timer.ts';
import { connectSocket } from './tcp-session.ts';
import { rejectedUnavailable, testContext } from './test-kit.ts';

const HOST = '127.97.0.1';

afterEach(() => {
  vi.useRealTimers();
});

describe('StepTimer', () => {
  it('ends at once, in the constructor, when the budget is already spent', async () => {
    const budget = new AbortController();
    budget.abort();
    const step = new StepTimer({ signal: budget.signal, end: 'spent before the step' });
    expect(step.settled).toBe(true);
    step.arm(10, 'never');
    const failure = await rejectedUnavailable(step.done);
    expect([failure.kind, failure.message]).toEqual(['budget', 'spent before the step']);
  });

  it('fails with a timeout when the timer fires, and leaves no abort listener', async () => {
    const budget = new AbortController();
    const step = new StepTimer({ signal: budget.signal, end: 'budget' });
    step.arm(20, 'no answer within 20 ms');
    expect(getEventListeners(budget.signal, 'abort')).toHaveLength(1);
    const failure = await rejectedUnavailable(step.done);
    expect([failure.kind, failure.message]).toEqual(['timeout', 'no answer within 20 ms']);
    expect(getEventListeners(budget.signal, 'abort')).toHaveLength(0);
  });

  it('fails with budget when the signal aborts during the wait, and clears its timer', async () => {
    vi.useFakeTimers();
    const budget = new AbortController();
    const step = new StepTimer({ signal: budget.signal, end: 'spent while waiting' });
    step.arm(60_000, 'timeout');
    expect(vi.getTimerCount()).toBe(1);
    budget.abort();
    expect(vi.getTimerCount()).toBe(0);
    const failure = await rejectedUnavailable(step.done);
    expect([failure.kind, failure.message]).toEqual(['budget', 'spent while waiting']);
  });

  it('settles once: what comes after the first ending changes nothing', async () => {
    vi.useFakeTimers();
    const budget = new AbortController();
    const step = new StepTimer<number>({ signal: budget.signal, end: 'budget' });
    step.arm(100, 'timeout');
    step.resolve(1);
    step.fail(new Error('late failure'));
    step.resolve(2);
    budget.abort();
    step.arm(100, 'timeout again');
    expect(vi.getTimerCount()).toBe(0);
    await expect(step.done).resolves.toBe(1);
  });

  it('runs a custom ending, which may wind down and settle later', async () => {
    const step = new StepTimer<string>();
    const order: string[] = [];
    step.arm(10, (s) => {
      order.push('timer');
      s.arm(10, (late) => late.resolve('closed after the grace period'));
    });
    await expect(step.done).resolves.toBe('closed after the grace period');
    expect(order).toEqual(['timer']);
  });

  it('names the current phase in the timeout and budget failures (PhaseTimer)', async () => {
    const timing = new PhaseTimer({ signal: new AbortController().signal, stepTimeoutMs: 20 }, 'ssh.identification');
    timing.next('ssh.kexinit');
    expect(timing.phase).toBe('ssh.kexinit');
    const timeout = await rejectedUnavailable(timing.done);
    expect([timeout.kind, timeout.message]).toEqual(['timeout', 'no answer to ssh.kexinit within 20 ms']);

    const budget = new AbortController();
    const spent = new PhaseTimer({ signal: budget.signal, stepTimeoutMs: 60_000 }, 'ssh.identification');
    spent.next('ssh.auth');
    budget.abort();
    const failure = await rejectedUnavailable(spent.done);
    expect([failure.kind, failure.message]).toEqual(['budget', 'device time budget spent during ssh.auth']);
  });
});

describe('a site using StepTimer (connectSocket)', () => {
  it('does not connect when the budget runs out while the gate holds the request', async () => {
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted += 1;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const port = (server.address() as net.AddressInfo).port;
    const budget = new AbortController();
    // The gate lets the connect pass just as the device budget ends.
    const ctx = testContext(HOST, port, { signal: budget.signal, gate: { pass: async () => budget.abort() } });
    try {
      const failure = await rejectedUnavailable(connectSocket(ctx, 'test.connect'));
      expect([failure.kind, failure.message]).toEqual(['budget', 'device time budget spent while connecting']);
      // A connection would have arrived by now on loopback.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(accepted).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

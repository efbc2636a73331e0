import type { ProbeContext } from './types.ts';

/** One packet a probe is about to send: a connection attempt or a request. */
export interface Send {
  readonly probe: string;
  /** Transcript operation kind, e.g. `tcp.connect`, `modbus.read-device-id`. */
  readonly op: string;
  readonly address: string;
  readonly port: number;
}

/**
 * The agent's traffic discipline, applied where bytes leave: every connection attempt and every
 * request passes it first. It may wait (minimum gap, global packet rate) and refuses by throwing
 * ProbeUnavailable: `denied` for an address outside the plan or an operation outside the probe's
 * allow-list, `budget` when the device's request budget is spent or its circuit breaker is open.
 */
export interface TrafficGate {
  pass(send: Send): Promise<void>;
}

/** Asks the context's gate for one packet to the probe's device (probe unit tests run without one). */
export async function passGate(ctx: ProbeContext, probe: string, op: string, port = ctx.port): Promise<void> {
  await ctx.gate?.pass({ probe, op, address: ctx.address, port });
}

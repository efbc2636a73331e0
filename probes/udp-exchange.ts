import type dgram from 'node:dgram';
import { passGate } from './gate.ts';
import { socketFailure } from './socket-failure.ts';
import { StepTimer } from './step-timer.ts';
import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

export interface UdpRequest<T> {
  readonly probe: string;
  /** Operation kind of the request (the gate's allow-list names it); the reply is recorded as `reply`. */
  readonly op: string;
  readonly reply: string;
  readonly request: Buffer;
  /** Who listens, for the failure texts ("no FINS node"). */
  readonly peer: string;
  /**
   * The value a datagram answers with, or undefined for one that answers another request (it is
   * recorded and ignored); a throw (a malformed answer) fails the exchange.
   */
  accept(datagram: Buffer): T | undefined;
}

/**
 * One request and its answer on a probe's connected UDP socket: the request passes the gate, the
 * wait is one StepTimer as long as the device's round trips allow, every datagram is recorded,
 * and a port unreachable ends it as `refused`.
 */
export async function udpExchange<T>(ctx: ProbeContext, socket: dgram.Socket, r: UdpRequest<T>): Promise<T> {
  const spent = `device time budget spent during ${r.op}`;
  if (ctx.signal.aborted) throw new ProbeUnavailable('budget', spent);
  await passGate(ctx, r.probe, r.op);
  const step = new StepTimer<T>({ signal: ctx.signal, end: spent });
  const wait = ctx.roundTrips?.waitMs(ctx.stepTimeoutMs) ?? ctx.stepTimeoutMs;
  step.arm(wait, `no answer to ${r.op} from ${ctx.address}:${ctx.port} within ${wait} ms`);
  const failed = (err: NodeJS.ErrnoException) => {
    const socketKind = socketFailure(err);
    if (socketKind?.kind === 'refused') step.fail(new ProbeUnavailable('refused', `no ${r.peer}: ${ctx.address} answered port ${ctx.port} unreachable`));
    else step.fail(socketKind ?? new ProbeUnavailable('error', `UDP socket: ${err.message}`));
  };
  const sent = performance.now();
  const onMessage = (datagram: Buffer) => {
    let value: T | undefined;
    try {
      value = r.accept(datagram);
    } catch (err) {
      ctx.transcript.rx(r.probe, r.reply, datagram);
      step.fail(err);
      return;
    }
    ctx.transcript.rx(r.probe, r.reply, datagram, value === undefined ? 'answers no request waiting: ignored' : undefined);
    if (value === undefined) return;
    ctx.roundTrips?.record(performance.now() - sent);
    step.resolve(value);
  };
  socket.on('message', onMessage);
  socket.on('error', failed);
  ctx.transcript.tx(r.probe, r.op, r.request);
  socket.send(r.request, (err) => {
    if (err) failed(err);
  });
  try {
    return await step.done;
  } finally {
    // The error listener stays until the socket closes: an ICMP error arriving late must not throw.
    socket.off('message', onMessage);
  }
}

import type { FailureKind } from './types.ts';
import { ProbeUnavailable } from './types.ts';

interface SocketCode {
  readonly kind: FailureKind;
  /** Detail of the failure; `during` names the step ("during connect", "while waiting for …"). */
  readonly detail: (code: string, during: string) => string;
}

const refused: SocketCode = { kind: 'refused', detail: () => 'connection refused' };
const reset: SocketCode = { kind: 'reset', detail: (_, during) => `connection reset ${during}`.trim() };
const unreachable: SocketCode = { kind: 'timeout', detail: (code) => `unreachable (${code})` };

/**
 * The one meaning of each socket error code, for every transport and library. A code not listed
 * is no socket failure of its own: the caller's protocol decides (often `error`).
 */
export const SOCKET_CODES: Readonly<Record<string, SocketCode>> = {
  // The device answered: a TCP RST to our SYN, or ICMP port-unreachable on UDP; nothing listens there.
  ECONNREFUSED: refused,
  // The device aborted a connection it had accepted (RST): it answers, but dropped us.
  ECONNRESET: reset,
  // We wrote to a connection the device had already aborted: the same RST as ECONNRESET, seen on a write.
  EPIPE: reset,
  // The kernel gave up retransmitting: nothing answered.
  ETIMEDOUT: unreachable,
  // No route or no ARP answer for the host: as silent as an unanswered connect (the circuit breaker counts it).
  EHOSTUNREACH: unreachable,
  // No route to the network from this agent: nothing could answer.
  ENETUNREACH: unreachable,
};

const CODE_IN_TEXT = new RegExp(`\\b(${Object.keys(SOCKET_CODES).join('|')})\\b`);

/**
 * The table code of an error: its `code`, else one its message names (node-opcua wraps socket
 * errors into messages such as "connect ECONNREFUSED 127.0.0.1:4840").
 */
function tableCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' && Object.hasOwn(SOCKET_CODES, code)) return code;
  return CODE_IN_TEXT.exec(err instanceof Error ? err.message : String(err))?.[1];
}

/** The failure a socket error means, or undefined when it carries no code of SOCKET_CODES. */
export function socketFailure(err: unknown, during = ''): ProbeUnavailable | undefined {
  const code = tableCode(err);
  const meaning = code === undefined ? undefined : SOCKET_CODES[code];
  return meaning && new ProbeUnavailable(meaning.kind, meaning.detail(code as string, during));
}

import type { FailureKind } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { LIMITS } from './limits.ts';

/** The StatusCodes (Part 6, Annex A) a server may answer discovery with, by the failure kind each is. */
const STATUS: Readonly<Record<number, readonly [name: string, kind: FailureKind]>> = {
  2147549184: ['BadUnexpectedError', 'error'],
  2147614720: ['BadInternalError', 'error'],
  2147680256: ['BadOutOfMemory', 'denied'],
  2147745792: ['BadResourceUnavailable', 'denied'],
  2147811328: ['BadCommunicationError', 'protocol-mismatch'],
  2147876864: ['BadEncodingError', 'protocol-mismatch'],
  2147942400: ['BadDecodingError', 'protocol-mismatch'],
  2148007936: ['BadEncodingLimitsExceeded', 'malformed'],
  2148139008: ['BadTimeout', 'timeout'],
  2148204544: ['BadServiceUnsupported', 'not-supported'],
  2148270080: ['BadShutdown', 'denied'],
  2148335616: ['BadServerNotConnected', 'denied'],
  2148401152: ['BadServerHalted', 'denied'],
  2148532224: ['BadTooManyOperations', 'denied'],
  2148728832: ['BadSecurityChecksFailed', 'denied'],
  2149711872: ['BadSecureChannelIdInvalid', 'protocol-mismatch'],
  2150236160: ['BadRequestHeaderInvalid', 'protocol-mismatch'],
  2151481344: ['BadNotSupported', 'not-supported'],
  2153054208: ['BadSecurityPolicyRejected', 'denied'],
  2153119744: ['BadTooManySessions', 'denied'],
  2155675648: ['BadTcpServerTooBusy', 'denied'],
  2155741184: ['BadTcpMessageTypeInvalid', 'protocol-mismatch'],
  2155806720: ['BadTcpSecureChannelUnknown', 'protocol-mismatch'],
  2155872256: ['BadTcpMessageTooLarge', 'malformed'],
  2155937792: ['BadTcpNotEnoughResources', 'denied'],
  2156003328: ['BadTcpInternalError', 'protocol-mismatch'],
  2156068864: ['BadTcpEndpointUrlInvalid', 'protocol-mismatch'],
  2156134400: ['BadRequestInterrupted', 'error'],
  2156199936: ['BadRequestTimeout', 'timeout'],
  2156265472: ['BadSecureChannelClosed', 'closed'],
  2156331008: ['BadSecureChannelTokenUnknown', 'protocol-mismatch'],
  2156396544: ['BadSequenceNumberInvalid', 'protocol-mismatch'],
  2159542272: ['BadRequestTooLarge', 'malformed'],
  2159607808: ['BadResponseTooLarge', 'malformed'],
  2159935488: ['BadProtocolVersionUnsupported', 'protocol-mismatch'],
};

/** A server refusing to send a reply over the limits the agent announced in HEL. */
const TOO_LARGE = new Set([0x80080000, 0x80800000, 0x80b90000]);

/** The top two bits: 00 Good, 01 Uncertain, 10 Bad. */
export const isBad = (code: number): boolean => code >>> 30 === 2;

/** `BadTimeout (0x800A0000)`, or the hex alone for a code this table does not name. */
function statusText(code: number): string {
  const hex = `0x${(code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
  const name = STATUS[code >>> 0]?.[0];
  return name ? `${name} (${hex})` : hex;
}

/**
 * A server's refusal (ERR message, abort chunk, ServiceFault or a Bad service result) as a typed
 * failure; `where` says what it answered, `reason` is the server's own text when it sent one.
 */
export function statusFailure(code: number, where: string, reason = ''): ProbeUnavailable {
  const kind = STATUS[code >>> 0]?.[1] ?? 'error';
  const said = reason ? `: ${reason.replace(/\s+/g, ' ').trim().slice(0, 200)}` : '';
  const limit = TOO_LARGE.has(code >>> 0) ? ` (the agent accepts replies of at most ${LIMITS.maxMessageSize} bytes in ${LIMITS.maxChunkCount} chunks)` : '';
  return new ProbeUnavailable(kind, `${where} ${statusText(code)}${said}${limit}`);
}

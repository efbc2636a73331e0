import { randomInt } from 'node:crypto';
import net from 'node:net';
import { exchange, onOneConnection } from '../exchange.ts';
import { fixedField } from '../fixed-field.ts';
import { SERVICE_PORTS } from '../services.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { udpExchange } from '../udp-exchange.ts';
import { onOneUdpSocket } from '../udp-socket.ts';
import { FinsFacts } from './facts.ts';
import {
  buildControllerDataRead,
  buildNodeAddressRequest,
  buildTcpFrame,
  endCodeValue,
  FINS_TCP_COMMANDS,
  FINS_TCP_ERRORS,
  type FinsAddress,
  type FinsResponse,
  finsTcpFrameLength,
  MAX_TCP_REPLY_BYTES,
  parseControllerData,
  parseControllerDataResponse,
  parseNodeAddressResponse,
  parseTcpMessage,
} from './frame.ts';

export const FINS_TCP_PROBE_ID = 'fins.controller-data';
export const FINS_UDP_PROBE_ID = 'fins.controller-data-udp';
const OP_READ = 'fins.controller-data-read';
const OP_NODE = 'fins.node-address';
const OP_REPLY = 'fins.reply';

/** DNA 0, DA1 0, DA2 0: the CPU unit of the node that received the frame, so it is never relayed to another node. */
const RECEIVING_CPU: FinsAddress = { network: 0, node: 0, unit: 0 };

/** Model and version are fixed-width ASCII fields padded with spaces or NULs. */
const text = (field: Buffer) => fixedField(field, 0, field.length) ?? '';

function endCodeFlags(endCode: FinsResponse['endCode']): FinsFacts['endCodeFlags'] {
  const flags: NonNullable<FinsFacts['endCodeFlags']> = [];
  if (endCode.main & 0x80) flags.push('relay-error');
  if (endCode.sub & 0x40) flags.push('non-fatal-cpu-error');
  if (endCode.sub & 0x80) flags.push('fatal-cpu-error');
  return flags;
}

/** The facts of one Controller Data Read answer: the controller's data when the end code is normal. */
function answerFacts(response: FinsResponse): Pick<FinsFacts, 'responder' | 'endCode' | 'endCodeFlags' | 'controller'> {
  const endCode = endCodeValue(response.endCode);
  const flags = endCodeFlags(response.endCode);
  const base = { responder: response.source, endCode, ...(flags?.length ? { endCodeFlags: flags } : {}) };
  if (endCode !== 0) return base;
  const data = parseControllerData(response.data);
  return {
    ...base,
    controller: { model: text(data.model), version: text(data.version), ...(data.area ? { area: data.area } : {}), furtherBytes: data.furtherBytes },
  };
}

/**
 * FINS/TCP: the client node address exchange (node 0: the server allocates one), then one
 * Controller Data Read from that node to the server's CPU, on one connection. A refused exchange is
 * a fact (the server names why, e.g. an IP not on its protected list), not a failure.
 */
async function runTcp(ctx: ProbeContext): Promise<FinsFacts> {
  return onOneConnection(ctx, FINS_TCP_PROBE_ID, async (session) => {
    const ask = async (op: string, request: Buffer) =>
      parseTcpMessage(
        await exchange(ctx, session, FINS_TCP_PROBE_ID, { op, request, replyOp: OP_REPLY, maxBytes: MAX_TCP_REPLY_BYTES, frameLength: finsTcpFrameLength }),
      );
    const nodeExchange = await ask(OP_NODE, buildNodeAddressRequest());
    if (nodeExchange.errorCode !== 0) {
      const meaning = FINS_TCP_ERRORS.get(nodeExchange.errorCode) ?? 'an error code the manuals do not list';
      return { transport: 'tcp', nodeAddressRefused: { code: nodeExchange.errorCode, meaning }, requestsSent: 1 };
    }
    const nodes = parseNodeAddressResponse(nodeExchange);
    const sid = randomInt(0, 256);
    const source: FinsAddress = { network: 0, node: nodes.client, unit: 0 };
    const message = await ask(OP_READ, buildTcpFrame(buildControllerDataRead({ network: 0, node: nodes.server, unit: 0 }, source, sid)));
    if (message.errorCode !== 0 || message.command !== FINS_TCP_COMMANDS.frameSend) {
      const meaning = FINS_TCP_ERRORS.get(message.errorCode) ?? `command ${message.command}`;
      throw new ProbeUnavailable('not-supported', `FINS/TCP refused the Controller Data Read frame: error ${message.errorCode} (${meaning})`);
    }
    return { transport: 'tcp', nodes, ...answerFacts(parseControllerDataResponse(message.body, sid)), requestsSent: 2 };
  });
}

/** Our FINS node on UDP: the host number of our address, as the PLC's automatic address conversion expects. */
function ownNode(local: string): number {
  const last = net.isIPv4(local) ? Number(local.split('.')[3]) : 0;
  return last >= 1 && last <= 254 ? last : 1;
}

/** FINS/UDP: one Controller Data Read datagram, no handshake, on one connected socket. */
async function runUdp(ctx: ProbeContext): Promise<FinsFacts> {
  return onOneUdpSocket(ctx, async (socket) => {
    const sid = randomInt(0, 256);
    const source: FinsAddress = { network: 0, node: ownNode(socket.address().address), unit: 0 };
    const response = await udpExchange(ctx, socket, {
      probe: FINS_UDP_PROBE_ID,
      family: 'fins',
      op: OP_READ,
      peer: 'FINS/UDP node',
      request: buildControllerDataRead(RECEIVING_CPU, source, sid),
      accept: (datagram) => parseControllerDataResponse(datagram, sid),
    });
    return { transport: 'udp', ...answerFacts(response), requestsSent: 1 };
  });
}

/** Controller Data Read only: what Omron's own tools send to learn which CPU they talk to. */
export const finsTcpProbe: ProbeDefinition<FinsFacts> = {
  id: FINS_TCP_PROBE_ID,
  version: 1,
  protocol: 'fins',
  safety: 'identify',
  ops: ['tcp.connect', OP_NODE, OP_READ],
  transport: 'tcp',
  facts: FinsFacts,
  // A node address refusal is kept as a fact, but FINS/UDP (often filtered apart, or not at all) may still answer.
  answered: (facts) => facts.nodeAddressRefused === undefined,
  run: runTcp,
};

/**
 * The same read over FINS/UDP, for a controller whose FINS/TCP did not answer (FINS/UDP is on by
 * default on CS/CJ/CP Ethernet units, FINS/TCP often is not, while TCP 9600 may still accept):
 * TCP 9600 closed, the node address exchange refused, or the connection dropped or garbled. Where
 * the TCP probe answered, the device is not asked again.
 */
export const finsUdpProbe: ProbeDefinition<FinsFacts> = {
  id: FINS_UDP_PROBE_ID,
  version: 1,
  protocol: 'fins',
  safety: 'identify',
  ops: [OP_READ],
  transport: 'udp',
  udpPort: SERVICE_PORTS.fins,
  skipAfter: FINS_TCP_PROBE_ID,
  facts: FinsFacts,
  run: runUdp,
};

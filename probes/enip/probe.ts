import { randomBytes } from 'node:crypto';
import { exchange, interruption, onOneConnection } from '../exchange.ts';
import { fixedField } from '../fixed-field.ts';
import type { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import {
  buildListRequest,
  type CpfItem,
  type EnipCommand,
  encapsulationFrameLength,
  HEADER_BYTES,
  ITEM_COMMUNICATIONS,
  ITEM_IDENTITY,
  MAX_REPLY_BYTES,
  parseCommunicationsItem,
  parseCpfItems,
  parseHeader,
  parseIdentityItem,
} from './encapsulation.ts';
import { type EnipIdentity, EnipListFacts, type EnipService } from './facts.ts';

const PROBE_ID = 'enip.list';

const OPS: Readonly<Record<EnipCommand, string>> = { listIdentity: 'enip.list-identity', listServices: 'enip.list-services' };

/** Names are short strings, often padded with NULs or spaces. */
const text = (bytes: Buffer) => fixedField(bytes, 0, bytes.length) ?? '';

/** The list items of one command's reply; a refusal (non-zero encapsulation status) is returned as a number. */
async function ask(ctx: ProbeContext, session: TcpSession, command: EnipCommand): Promise<{ items: CpfItem[] } | { status: number }> {
  const senderContext = randomBytes(8);
  const frame = await exchange(ctx, session, PROBE_ID, {
    op: OPS[command],
    request: buildListRequest(command, senderContext),
    replyOp: 'enip.reply',
    maxBytes: MAX_REPLY_BYTES,
    frameLength: encapsulationFrameLength,
  });
  const header = parseHeader(frame, { command, senderContext });
  if (header.status !== 0) return { status: header.status };
  return { items: parseCpfItems(frame.subarray(HEADER_BYTES)) };
}

function identityFacts(item: Buffer): EnipIdentity {
  const id = parseIdentityItem(item);
  return {
    encapsulationVersion: id.encapsulationVersion,
    socketAddress: id.socketAddress,
    vendorId: id.vendorId,
    deviceType: id.deviceType,
    productCode: id.productCode,
    revision: `${id.revision.major}.${id.revision.minor}`,
    status: id.status,
    serialNumber: id.serialNumber.toString(16).padStart(8, '0'),
    productName: text(id.productName),
    state: id.state,
  };
}

function serviceFacts(item: Buffer): EnipService {
  const c = parseCommunicationsItem(item);
  return {
    name: text(c.name),
    version: c.version,
    capabilityFlags: c.capabilityFlags,
    cipOverTcp: (c.capabilityFlags & 0x20) !== 0,
    cipOverUdp: (c.capabilityFlags & 0x100) !== 0,
  };
}

/**
 * ListIdentity, then ListServices, on one connection and without a session: what any host on the
 * network can read from an EtherNet/IP device. A peer that does not answer ListIdentity validly
 * yields no facts; a ListServices failure after it is kept as `interrupted`.
 */
export const enipListProbe: ProbeDefinition<EnipListFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'enip',
  safety: 'identify',
  ops: ['tcp.connect', OPS.listIdentity, OPS.listServices],
  transport: 'tcp',
  facts: EnipListFacts,
  run: (ctx) =>
    onOneConnection(ctx, PROBE_ID, async (session) => {
      const identity = await ask(ctx, session, 'listIdentity');
      if ('status' in identity)
        throw new ProbeUnavailable('protocol-mismatch', `ListIdentity refused with encapsulation status 0x${identity.status.toString(16)}`);
      const facts: EnipListFacts = {
        identities: identity.items.filter((i) => i.typeId === ITEM_IDENTITY).map((i) => identityFacts(i.data)),
        requestsSent: 1,
      };
      try {
        facts.requestsSent = 2;
        const services = await ask(ctx, session, 'listServices');
        if ('status' in services) facts.listServicesStatus = services.status;
        else facts.services = services.items.filter((i) => i.typeId === ITEM_COMMUNICATIONS).map((i) => serviceFacts(i.data));
      } catch (err) {
        facts.interrupted = interruption(err);
      }
      return facts;
    }),
};

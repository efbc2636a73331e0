import { randomInt } from 'node:crypto';
import type dgram from 'node:dgram';
import { UDP_SERVICE_PORTS } from '../services.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { UdpLink } from '../udp-exchange.ts';
import { onOneUdpSocket } from '../udp-socket.ts';
import {
  type BacnetApdu,
  type BacnetMessage,
  DEVICE_PROPERTIES,
  DEVICE_PROPERTY_NAMES,
  type DevicePropertyName,
  decodeMessage,
  decodeReadPropertyAck,
  decodeReadPropertyMultipleAck,
  encodeReadProperty,
  encodeReadPropertyMultiple,
  encodeWhoIs,
  type ReadAck,
  SERVICE,
  WILDCARD_INSTANCE,
} from './codec.ts';
import { BacnetFacts } from './facts.ts';

export const BACNET_PROBE_ID = 'bacnet.device';
const DEVICE_OBJECT_TYPE = 8;
/** Numeric properties; every other one the probe reads is a CharacterString. */
const UNSIGNED_PROPERTIES: ReadonlySet<DevicePropertyName> = new Set(['vendorIdentifier', 'protocolRevision']);
/** Error class `property` (clause 18): only this property is missing; any other class ends the reads. */
const ERROR_CLASS_PROPERTY = 2;

type Answer = Extract<BacnetApdu, { type: 'complex-ack' | 'error' | 'reject' | 'abort' }>;

/** The run's one UDP socket, connected to the device, as a UdpLink: BACnet messages decoded, invoke ids counted. */
class BacnetLink {
  readonly #udp: UdpLink;
  #invokeId = randomInt(0, 256);

  constructor(ctx: ProbeContext, socket: dgram.Socket) {
    this.#udp = new UdpLink(ctx, socket, { probe: BACNET_PROBE_ID, family: 'bacnet', peer: 'BACnet/IP device' });
  }

  nextInvokeId(): number {
    this.#invokeId = (this.#invokeId + 1) & 0xff;
    return this.#invokeId;
  }

  /** Sends one request through the gate and waits for the message `accept` takes; a malformed datagram fails the wait. */
  exchange<T>(op: string, text: string, request: Buffer, accept: (message: BacnetMessage) => T | undefined): Promise<T> {
    return this.#udp.exchange({ op, text, request, accept: (datagram) => accept(decodeMessage(datagram)) });
  }

  /** A confirmed request: its answer is the ACK, Error, Reject or Abort carrying its invoke id. */
  confirmed(op: string, text: string, invokeId: number, request: Buffer): Promise<Answer> {
    return this.exchange(op, text, request, ({ apdu }) =>
      apdu && apdu.type !== 'i-am' && apdu.type !== 'other' && apdu.invokeId === invokeId ? apdu : undefined,
    );
  }
}

/** A timeout is an answer of its own here (no I-Am, no ACK); every other failure ends the run. */
async function unlessTimeout<T>(work: Promise<T>): Promise<T | ProbeUnavailable> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ProbeUnavailable && err.kind === 'timeout') return err;
    throw err;
  }
}

function refusal(answer: Answer): string {
  switch (answer.type) {
    case 'error':
      return `Error class ${answer.errorClass} code ${answer.errorCode}`;
    case 'reject':
      return `Reject reason ${answer.reason}`;
    case 'abort':
      return `Abort reason ${answer.reason}`;
    default:
      return answer.segmented ? 'a segmented answer (not accepted)' : `an answer of service ${answer.service}`;
  }
}

/** The ACK's body decoded by `decode` if it answers `service` whole; undefined for a refusal. */
function ackOf(answer: Answer, service: number, decode: (body: Buffer) => ReadAck): ReadAck | undefined {
  if (answer.type !== 'complex-ack' || answer.segmented) return undefined;
  if (answer.service !== service) throw new ProbeUnavailable('malformed', `BACnet: an ACK of service ${answer.service} to service ${service}`);
  return decode(answer.body);
}

interface Collected {
  properties: BacnetFacts['properties'];
  unread: BacnetFacts['unread'];
  instance?: number;
}

function keep(into: Collected, ack: ReadAck): void {
  if (ack.objectType === DEVICE_OBJECT_TYPE && ack.instance !== WILDCARD_INSTANCE) into.instance ??= ack.instance;
  for (const result of ack.results) {
    const name = DEVICE_PROPERTY_NAMES.find((n) => DEVICE_PROPERTIES[n] === result.property);
    if (!name || into.properties[name] !== undefined) continue;
    const v = result.value;
    if (result.error) into.unread.push({ property: name, reason: `Error class ${result.error.errorClass} code ${result.error.errorCode}` });
    else if (UNSIGNED_PROPERTIES.has(name) && v?.kind === 'unsigned') Object.assign(into.properties, { [name]: v.value });
    else if (!UNSIGNED_PROPERTIES.has(name) && v?.kind === 'text') Object.assign(into.properties, { [name]: v.text });
    else into.unread.push({ property: name, reason: v ? `a value of application tag ${v.kind === 'other' ? v.tag : v.kind}` : 'no value' });
  }
}

/** ReadProperty one property at a time, for a device that refused ReadPropertyMultiple. */
async function readEach(link: BacnetLink, instance: number, into: Collected): Promise<string | undefined> {
  for (const [i, name] of DEVICE_PROPERTY_NAMES.entries()) {
    const id = link.nextInvokeId();
    const answer = await unlessTimeout(
      link.confirmed('bacnet.read-property', `ReadProperty Device ${instance} ${name}`, id, encodeReadProperty(id, instance, name)),
    );
    if (answer instanceof ProbeUnavailable) {
      // One unanswered read: the rest would each cost the same wait.
      for (const rest of DEVICE_PROPERTY_NAMES.slice(i)) into.unread.push({ property: rest, reason: 'no answer' });
      return answer.message;
    }
    const ack = ackOf(answer, SERVICE.readProperty, decodeReadPropertyAck);
    if (ack) {
      keep(into, ack);
      continue;
    }
    into.unread.push({ property: name, reason: refusal(answer) });
    // A missing property is normal; a refused service or object means the other reads fail alike.
    if (answer.type !== 'error' || answer.errorClass !== ERROR_CLASS_PROPERTY) {
      for (const rest of DEVICE_PROPERTY_NAMES.slice(i + 1)) into.unread.push({ property: rest, reason: refusal(answer) });
      return refusal(answer);
    }
  }
  return undefined;
}

async function steps(link: BacnetLink): Promise<BacnetFacts> {
  const iAm = await unlessTimeout(
    link.exchange('bacnet.who-is', 'Who-Is, unicast to this device only, no range', encodeWhoIs(), ({ apdu, sourceNetwork }) =>
      // An I-Am a router forwards from another network is another device's.
      apdu?.type === 'i-am' && sourceNetwork === undefined && apdu.objectType === DEVICE_OBJECT_TYPE ? apdu : undefined,
    ),
  );
  const heard = iAm instanceof ProbeUnavailable ? undefined : iAm;
  // Many devices broadcast their I-Am, which a unicast socket cannot hear: the wildcard instance reads them anyway.
  const instance = heard?.instance ?? WILDCARD_INSTANCE;
  const into: Collected = { properties: {}, unread: [] };
  const id = link.nextInvokeId();
  const multiple = await unlessTimeout(
    link.confirmed(
      'bacnet.read-property-multiple',
      `ReadPropertyMultiple Device ${instance}: ${DEVICE_PROPERTY_NAMES.join(', ')}`,
      id,
      encodeReadPropertyMultiple(id, instance, DEVICE_PROPERTY_NAMES),
    ),
  );
  if (multiple instanceof ProbeUnavailable && !heard) throw new ProbeUnavailable('timeout', `no BACnet answer: ${multiple.message}`);
  const ack = multiple instanceof ProbeUnavailable ? undefined : ackOf(multiple, SERVICE.readPropertyMultiple, decodeReadPropertyMultipleAck);
  let readVia: BacnetFacts['readVia'] = 'read-property-multiple';
  let stopped: string | undefined;
  if (ack) {
    keep(into, ack);
    for (const name of DEVICE_PROPERTY_NAMES) {
      if (into.properties[name] === undefined && !into.unread.some((u) => u.property === name))
        into.unread.push({ property: name, reason: 'not in the answer' });
    }
  } else {
    readVia = 'read-property';
    stopped = await readEach(link, instance, into);
  }
  const read = Object.keys(into.properties).length > 0;
  if (!read && !heard) {
    const first = multiple instanceof ProbeUnavailable ? multiple.message : refusal(multiple);
    throw new ProbeUnavailable(
      'not-supported',
      `the device answered BACnet but gave no Device property: ${first}${stopped ? `; ReadProperty: ${stopped}` : ''}`,
    );
  }
  const deviceInstance = heard?.instance ?? into.instance;
  return {
    ...(deviceInstance === undefined ? {} : { deviceInstance }),
    ...(heard ? { iAm: { vendorId: heard.vendorId, maxApdu: heard.maxApdu, segmentation: heard.segmentation } } : {}),
    readVia: read ? readVia : 'none',
    properties: into.properties,
    unread: into.unread,
  };
}

/** Every step of one run shares one socket: the device sees a single peer from start to end. */
async function run(ctx: ProbeContext): Promise<BacnetFacts> {
  return onOneUdpSocket(ctx, (socket) => steps(new BacnetLink(ctx, socket)));
}

export const bacnetDeviceProbe: ProbeDefinition<BacnetFacts> = {
  id: BACNET_PROBE_ID,
  version: 1,
  protocol: 'bacnet',
  // Who-Is and reads of the Device object only: what any BACnet workstation sends to find a device.
  safety: 'identify',
  ops: ['bacnet.who-is', 'bacnet.read-property-multiple', 'bacnet.read-property'],
  transport: 'udp',
  udpPort: UDP_SERVICE_PORTS.bacnet,
  facts: BacnetFacts,
  run,
};

import { ProbeUnavailable } from '../types.ts';

/**
 * BACnet/IP (ASHRAE 135 Annex J) framing of the few messages the `bacnet.device` probe uses: BVLC,
 * NPDU and APDU. The builder can express a unicast Who-Is and reads of the Device object only, so
 * no write, no other object and no broadcast can be built with it. The decoder reads I-Am, the
 * ComplexACK of ReadProperty(Multiple), Error, Reject and Abort; anything a device sends ends in a
 * value or a ProbeUnavailable('malformed'), never another exception.
 */

const BVLC_TYPE = 0x81;
export const BVLC = { result: 0x00, forwardedNpdu: 0x04, originalUnicast: 0x0a, originalBroadcast: 0x0b } as const;
const NPDU_VERSION = 0x01;
/** NPDU control bits (clause 6.2.2). */
const NPDU = { networkMessage: 0x80, destination: 0x20, source: 0x08, expectingReply: 0x04 } as const;

export const PDU = { confirmed: 0, unconfirmed: 1, simpleAck: 2, complexAck: 3, segmentAck: 4, error: 5, reject: 6, abort: 7 } as const;
export const SERVICE = { iAm: 0, whoIs: 8, readProperty: 12, readPropertyMultiple: 14 } as const;

const DEVICE_OBJECT_TYPE = 8;
/** The Device instance every device takes as its own in a ReadProperty (clause 15.5.2), for a device whose I-Am we could not hear. */
export const WILDCARD_INSTANCE = 0x3fffff;
/** Max-APDU code 5 (1476 octets, the largest a B/IP frame carries) with no segmented answer accepted. */
const MAX_APDU_1476 = 0x05;
/** Longest text kept from a property: names and descriptions are short on every real device. */
const TEXT_LIMIT = 256;

/** The Device object properties the probe reads, by their BACnetPropertyIdentifier. */
export const DEVICE_PROPERTIES = {
  objectName: 77,
  vendorName: 121,
  vendorIdentifier: 120,
  modelName: 70,
  firmwareRevision: 44,
  applicationSoftwareVersion: 12,
  protocolRevision: 139,
  location: 58,
  description: 28,
} as const;
export type DevicePropertyName = keyof typeof DEVICE_PROPERTIES;
export const DEVICE_PROPERTY_NAMES = Object.keys(DEVICE_PROPERTIES) as DevicePropertyName[];

function frame(control: number, apdu: readonly number[]): Buffer {
  const length = 4 + 2 + apdu.length;
  return Buffer.from([BVLC_TYPE, BVLC.originalUnicast, length >> 8, length & 0xff, NPDU_VERSION, control, ...apdu]);
}

function deviceObjectId(instance: number): number[] {
  const id = ((DEVICE_OBJECT_TYPE << 22) | (instance & WILDCARD_INSTANCE)) >>> 0;
  return [id >>> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff];
}

/** Who-Is without a range, sent unicast to the one device: only that device answers it. */
export function encodeWhoIs(): Buffer {
  return frame(0, [PDU.unconfirmed << 4, SERVICE.whoIs]);
}

function confirmedHeader(invokeId: number, service: number): number[] {
  return [PDU.confirmed << 4, MAX_APDU_1476, invokeId & 0xff, service];
}

/** ReadProperty of one property of the Device object. */
export function encodeReadProperty(invokeId: number, instance: number, property: DevicePropertyName): Buffer {
  // Context tag 0 (object id, 4 octets), context tag 1 (property id, 1 octet).
  return frame(NPDU.expectingReply, [...confirmedHeader(invokeId, SERVICE.readProperty), 0x0c, ...deviceObjectId(instance), 0x19, DEVICE_PROPERTIES[property]]);
}

/** One ReadPropertyMultiple of the given properties of the Device object. */
export function encodeReadPropertyMultiple(invokeId: number, instance: number, properties: readonly DevicePropertyName[]): Buffer {
  // Context 0 object id, opening tag 1, a context-0 property id each, closing tag 1.
  const refs = properties.flatMap((p) => [0x09, DEVICE_PROPERTIES[p]]);
  return frame(NPDU.expectingReply, [...confirmedHeader(invokeId, SERVICE.readPropertyMultiple), 0x0c, ...deviceObjectId(instance), 0x1e, ...refs, 0x1f]);
}

export type BacnetApdu =
  | {
      readonly type: 'i-am';
      readonly objectType: number;
      readonly instance: number;
      readonly maxApdu: number;
      readonly segmentation: number;
      readonly vendorId: number;
    }
  | { readonly type: 'complex-ack'; readonly invokeId: number; readonly service: number; readonly segmented: boolean; readonly body: Buffer }
  | { readonly type: 'error'; readonly invokeId: number; readonly service: number; readonly errorClass: number; readonly errorCode: number }
  | { readonly type: 'reject'; readonly invokeId: number; readonly reason: number }
  | { readonly type: 'abort'; readonly invokeId: number; readonly reason: number }
  /** Any other PDU (a request, a SimpleACK, another unconfirmed service): not an answer to us. */
  | { readonly type: 'other'; readonly pduType: number; readonly service?: number };

export interface BacnetMessage {
  readonly bvlcFunction: number;
  /** The network a router forwarded it from (NPDU source): another device than the one asked. */
  readonly sourceNetwork?: number;
  /** A network-layer message (router chatter) carries no APDU. */
  readonly apdu?: BacnetApdu;
}

function malformed(detail: string): ProbeUnavailable {
  return new ProbeUnavailable('malformed', `BACnet: ${detail}`);
}

function byteAt(b: Buffer, at: number, what: string): number {
  const v = b[at];
  if (v === undefined) throw malformed(`message ends before ${what}`);
  return v;
}

/** One BVLC/NPDU/APDU datagram; throws ProbeUnavailable('malformed') for anything else. */
export function decodeMessage(datagram: Buffer): BacnetMessage {
  if (datagram.length < 4 || datagram[0] !== BVLC_TYPE) throw malformed('not a BACnet/IP (BVLC) datagram');
  const bvlcFunction = datagram[1] as number;
  const length = datagram.readUInt16BE(2);
  if (length !== datagram.length) throw malformed(`BVLC length ${length} but the datagram holds ${datagram.length} octets`);
  if (bvlcFunction === BVLC.result) return { bvlcFunction };
  // A Forwarded-NPDU carries the original sender's B/IP address (6 octets) before the NPDU.
  const npduAt = bvlcFunction === BVLC.forwardedNpdu ? 10 : bvlcFunction === BVLC.originalUnicast || bvlcFunction === BVLC.originalBroadcast ? 4 : -1;
  if (npduAt < 0) throw malformed(`BVLC function 0x${bvlcFunction.toString(16)} carries no NPDU we read`);
  return { bvlcFunction, ...decodeNpdu(datagram.subarray(npduAt)) };
}

function decodeNpdu(b: Buffer): Omit<BacnetMessage, 'bvlcFunction'> {
  if (byteAt(b, 0, 'the NPDU version') !== NPDU_VERSION) throw malformed(`NPDU version ${b[0]}`);
  const control = byteAt(b, 1, 'the NPDU control');
  let at = 2;
  if (control & NPDU.destination) at += 3 + byteAt(b, at + 2, 'the destination address length');
  let sourceNetwork: number | undefined;
  if (control & NPDU.source) {
    sourceNetwork = (byteAt(b, at, 'the source network') << 8) | byteAt(b, at + 1, 'the source network');
    at += 3 + byteAt(b, at + 2, 'the source address length');
  }
  if (control & NPDU.destination) at += 1; // hop count
  const routed = sourceNetwork === undefined ? {} : { sourceNetwork };
  if (control & NPDU.networkMessage) {
    byteAt(b, at, 'the network message type');
    return routed;
  }
  return { ...routed, apdu: decodeApdu(b.subarray(at)) };
}

function decodeApdu(b: Buffer): BacnetApdu {
  const first = byteAt(b, 0, 'the APDU');
  const pduType = first >> 4;
  switch (pduType) {
    case PDU.unconfirmed: {
      const service = byteAt(b, 1, 'the service choice');
      return service === SERVICE.iAm ? decodeIAm(b.subarray(2)) : { type: 'other', pduType, service };
    }
    case PDU.complexAck: {
      const segmented = (first & 0x08) !== 0;
      // A segmented ACK has a sequence number and window size before the service choice.
      const serviceAt = segmented ? 4 : 2;
      return {
        type: 'complex-ack',
        invokeId: byteAt(b, 1, 'the invoke id'),
        service: byteAt(b, serviceAt, 'the service choice'),
        segmented,
        body: b.subarray(serviceAt + 1),
      };
    }
    case PDU.error: {
      const reader = new TagReader(b.subarray(3));
      const errorClass = reader.applicationUnsigned(9, 'the error class');
      const errorCode = reader.applicationUnsigned(9, 'the error code');
      return { type: 'error', invokeId: byteAt(b, 1, 'the invoke id'), service: byteAt(b, 2, 'the service choice'), errorClass, errorCode };
    }
    case PDU.reject:
      return { type: 'reject', invokeId: byteAt(b, 1, 'the invoke id'), reason: byteAt(b, 2, 'the reject reason') };
    case PDU.abort:
      return { type: 'abort', invokeId: byteAt(b, 1, 'the invoke id'), reason: byteAt(b, 2, 'the abort reason') };
    case PDU.confirmed:
    case PDU.simpleAck:
    case PDU.segmentAck:
      return { type: 'other', pduType };
    default:
      throw malformed(`unknown PDU type ${pduType}`);
  }
}

function decodeIAm(b: Buffer): BacnetApdu {
  const reader = new TagReader(b);
  const id = reader.applicationObjectId('the I-Am device identifier');
  return {
    type: 'i-am',
    ...id,
    maxApdu: reader.applicationUnsigned(2, 'the I-Am max APDU'),
    segmentation: reader.applicationUnsigned(9, 'the I-Am segmentation'),
    vendorId: reader.applicationUnsigned(2, 'the I-Am vendor id'),
  };
}

interface Tag {
  readonly number: number;
  readonly context: boolean;
  readonly opening: boolean;
  readonly closing: boolean;
  /** Octets of content (for an application Boolean: none, its value is `lvt`). */
  readonly length: number;
  readonly lvt: number;
  /** Where the content starts. */
  readonly contentAt: number;
}

/** A property value as the probe keeps it: text and unsigned numbers; anything else by its tag only. */
export type BacnetValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'unsigned'; readonly value: number }
  | { readonly kind: 'other'; readonly tag: number };

/** Reads BACnet tags (clause 20.2.1) in order, refusing any length beyond the buffer. */
class TagReader {
  readonly #b: Buffer;
  #at = 0;

  constructor(b: Buffer) {
    this.#b = b;
  }

  get done(): boolean {
    return this.#at >= this.#b.length;
  }

  peek(what: string): Tag {
    const b = this.#b;
    const first = byteAt(b, this.#at, what);
    let at = this.#at + 1;
    let number = first >> 4;
    if (number === 0x0f) number = byteAt(b, at++, what);
    const context = (first & 0x08) !== 0;
    const lvt = first & 0x07;
    if (context && (lvt === 6 || lvt === 7)) return { number, context, opening: lvt === 6, closing: lvt === 7, length: 0, lvt, contentAt: at };
    let length = lvt;
    if (!context && number === 1) length = 0;
    else if (lvt === 5) {
      length = byteAt(b, at++, what);
      if (length === 254) {
        length = (byteAt(b, at, what) << 8) | byteAt(b, at + 1, what);
        at += 2;
      } else if (length === 255) {
        length = byteAt(b, at, what) * 2 ** 24 + ((byteAt(b, at + 1, what) << 16) | (byteAt(b, at + 2, what) << 8) | byteAt(b, at + 3, what));
        at += 4;
      }
    }
    if (at + length > b.length) throw malformed(`${what}: a tag of ${length} octets runs past the end`);
    return { number, context, opening: false, closing: false, length, lvt, contentAt: at };
  }

  next(what: string): Tag {
    const tag = this.peek(what);
    this.#at = tag.contentAt + tag.length;
    return tag;
  }

  content(tag: Tag): Buffer {
    return this.#b.subarray(tag.contentAt, tag.contentAt + tag.length);
  }

  #expect(what: string, ok: (t: Tag) => boolean): Tag {
    const tag = this.next(what);
    if (!ok(tag)) throw malformed(`${what}: unexpected tag ${tag.number}${tag.context ? ' (context)' : ''}`);
    return tag;
  }

  #unsigned(tag: Tag, what: string): number {
    if (tag.length < 1 || tag.length > 4) throw malformed(`${what}: an unsigned of ${tag.length} octets`);
    return this.content(tag).readUIntBE(0, tag.length);
  }

  #objectId(tag: Tag, what: string): { objectType: number; instance: number } {
    if (tag.length !== 4) throw malformed(`${what}: an object identifier of ${tag.length} octets`);
    const id = this.content(tag).readUInt32BE(0);
    return { objectType: id >>> 22, instance: id & WILDCARD_INSTANCE };
  }

  applicationUnsigned(tagNumber: number, what: string): number {
    return this.#unsigned(
      this.#expect(what, (t) => !t.context && !t.opening && !t.closing && t.number === tagNumber),
      what,
    );
  }

  applicationObjectId(what: string): { objectType: number; instance: number } {
    return this.#objectId(
      this.#expect(what, (t) => !t.context && t.number === 12),
      what,
    );
  }

  contextUnsigned(tagNumber: number, what: string): number {
    return this.#unsigned(
      this.#expect(what, (t) => t.context && !t.opening && !t.closing && t.number === tagNumber),
      what,
    );
  }

  contextObjectId(tagNumber: number, what: string): { objectType: number; instance: number } {
    return this.#objectId(
      this.#expect(what, (t) => t.context && !t.opening && !t.closing && t.number === tagNumber),
      what,
    );
  }

  opening(tagNumber: number, what: string): void {
    this.#expect(what, (t) => t.opening && t.number === tagNumber);
  }

  closing(tagNumber: number, what: string): void {
    this.#expect(what, (t) => t.closing && t.number === tagNumber);
  }

  /** Whether the next tag is context tag `tagNumber` (optional parameters); false at the end. */
  isContext(tagNumber: number, shape: 'plain' | 'opening'): boolean {
    if (this.done) return false;
    const t = this.peek('an optional parameter');
    return t.context && t.number === tagNumber && (shape === 'opening' ? t.opening : !t.opening && !t.closing);
  }

  /** The application-tagged values up to closing tag `closingNumber`, the first kept. */
  valuesUntilClosing(closingNumber: number, what: string): BacnetValue | undefined {
    let first: BacnetValue | undefined;
    let depth = 0;
    for (;;) {
      const tag = this.next(what);
      if (tag.closing && depth === 0) {
        if (tag.number !== closingNumber) throw malformed(`${what}: closing tag ${tag.number} instead of ${closingNumber}`);
        return first;
      }
      if (tag.opening) depth += 1;
      else if (tag.closing) depth -= 1;
      else if (first === undefined && depth === 0 && !tag.context) first = this.#value(tag);
    }
  }

  #value(tag: Tag): BacnetValue {
    if (tag.number === 2 && tag.length >= 1 && tag.length <= 4) return { kind: 'unsigned', value: this.content(tag).readUIntBE(0, tag.length) };
    if (tag.number === 7) {
      const text = characterString(this.content(tag));
      if (text !== undefined) return { kind: 'text', text };
    }
    return { kind: 'other', tag: tag.number };
  }
}

/** A CharacterString's text, by its character set octet; undefined for a set we do not decode. */
function characterString(content: Buffer): string | undefined {
  const charset = content[0];
  const data = content.subarray(1);
  let text: string;
  if (charset === 0) text = data.toString('utf8');
  else if (charset === 5) text = data.toString('latin1');
  else if (charset === 4)
    text = Buffer.from(data.subarray(0, data.length & ~1))
      .swap16()
      .toString('utf16le');
  else return undefined;
  // Control characters would let a device forge lines in a terminal or log.
  return text.replace(/\p{Cc}/gu, ' ').slice(0, TEXT_LIMIT);
}

export interface PropertyResult {
  readonly property: number;
  readonly value?: BacnetValue;
  readonly error?: { readonly errorClass: number; readonly errorCode: number };
}

export interface ReadAck {
  readonly objectType: number;
  readonly instance: number;
  readonly results: readonly PropertyResult[];
}

/** The body of a ReadProperty ComplexACK (clause 15.5.1.3). */
export function decodeReadPropertyAck(body: Buffer): ReadAck {
  const r = new TagReader(body);
  const id = r.contextObjectId(0, 'the ReadProperty object identifier');
  const property = r.contextUnsigned(1, 'the ReadProperty property identifier');
  if (r.isContext(2, 'plain')) r.contextUnsigned(2, 'the ReadProperty array index');
  r.opening(3, 'the ReadProperty value');
  const value = r.valuesUntilClosing(3, 'the ReadProperty value');
  return { ...id, results: [value === undefined ? { property } : { property, value }] };
}

/** The body of a ReadPropertyMultiple ComplexACK (clause 15.7.1.3), the first object's results. */
export function decodeReadPropertyMultipleAck(body: Buffer): ReadAck {
  const r = new TagReader(body);
  const id = r.contextObjectId(0, 'the ReadPropertyMultiple object identifier');
  r.opening(1, 'the ReadPropertyMultiple results');
  const results: PropertyResult[] = [];
  while (!r.peek('a ReadPropertyMultiple result').closing) {
    const property = r.contextUnsigned(2, 'a ReadPropertyMultiple property identifier');
    if (r.isContext(3, 'plain')) r.contextUnsigned(3, 'a ReadPropertyMultiple array index');
    if (r.isContext(4, 'opening')) {
      r.opening(4, 'a ReadPropertyMultiple value');
      const value = r.valuesUntilClosing(4, 'a ReadPropertyMultiple value');
      results.push(value === undefined ? { property } : { property, value });
    } else {
      r.opening(5, 'a ReadPropertyMultiple access error');
      const errorClass = r.applicationUnsigned(9, 'an access error class');
      const errorCode = r.applicationUnsigned(9, 'an access error code');
      r.closing(5, 'a ReadPropertyMultiple access error');
      results.push({ property, error: { errorClass, errorCode } });
    }
  }
  r.closing(1, 'the ReadPropertyMultiple results');
  return { ...id, results };
}

/**
 * OPC UA Binary built-in types (Part 6, 5.2), only those discovery needs. Everything is
 * little-endian. The reader checks every length against the bytes left before it reads or
 * allocates, and throws ProbeUnavailable('malformed') naming the field.
 */
import { ProbeUnavailable } from '../types.ts';

/** 100 ns ticks between 1601-01-01 (OPC UA DateTime epoch) and 1970-01-01. */
const EPOCH_OFFSET_MS = 11_644_473_600_000n;
/** Nested DiagnosticInfo deeper than this is not from a real server (each level costs one byte). */
const MAX_DIAGNOSTIC_DEPTH = 16;

interface NodeId {
  readonly namespace: number;
  /** Numeric id, or a text form of a string, GUID or opaque id. */
  readonly id: number | string;
}

export class UaReader {
  readonly #buf: Buffer;
  readonly #what: string;
  #at = 0;

  /** `what` names the message in error texts, e.g. `GetEndpointsResponse`. */
  constructor(buf: Buffer, what: string) {
    this.#buf = buf;
    this.#what = what;
  }

  get remaining(): number {
    return this.#buf.length - this.#at;
  }

  fail(field: string, problem: string): ProbeUnavailable {
    return new ProbeUnavailable('malformed', `${this.#what}: ${field} ${problem} (at byte ${this.#at} of ${this.#buf.length})`);
  }

  #take(n: number, field: string): Buffer {
    if (n > this.remaining) throw this.fail(field, `needs ${n} bytes, ${this.remaining} left`);
    const out = this.#buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  byte(field: string): number {
    return this.#take(1, field).readUInt8(0);
  }

  uint16(field: string): number {
    return this.#take(2, field).readUInt16LE(0);
  }

  uint32(field: string): number {
    return this.#take(4, field).readUInt32LE(0);
  }

  int32(field: string): number {
    return this.#take(4, field).readInt32LE(0);
  }

  /** Fixed-size bytes (a GUID; an Int64 DateTime discovery does not need to read). */
  bytes(n: number, field: string): Buffer {
    return this.#take(n, field);
  }

  /** Everything not read yet (a chunk's body after its headers). */
  rest(): Buffer {
    return this.#take(this.remaining, 'rest');
  }

  /** Int32 length then that many bytes; -1 is null, returned as undefined. */
  byteString(field: string): Buffer | undefined {
    const length = this.int32(`${field} length`);
    if (length === -1) return undefined;
    if (length < -1) throw this.fail(field, `has a negative length ${length}`);
    return this.#take(length, field);
  }

  /** UTF-8 String; null and empty both read as ''. */
  string(field: string): string {
    return this.byteString(field)?.toString('utf8') ?? '';
  }

  /**
   * Array of `read` with each element at least `minBytes` long on the wire: the count is checked
   * against the bytes left before anything is read. Only the first `keep` elements are returned;
   * the rest are still read (so the fields after the array can be), unless `stopAfterKept` says
   * nothing the caller needs follows the array.
   */
  array<T>(field: string, minBytes: number, read: (index: number) => T, keep = Number.POSITIVE_INFINITY, stopAfterKept = false): { items: T[]; count: number } {
    const count = this.#arrayLength(field, minBytes);
    const items: T[] = [];
    const last = stopAfterKept ? Math.min(count, keep) : count;
    for (let i = 0; i < last; i += 1) {
      const item = read(i);
      if (i < keep) items.push(item);
    }
    return { items, count };
  }

  /** Int32 element count (-1 null = 0), refused when `count * minBytes` exceeds the bytes left. */
  #arrayLength(field: string, minBytes: number): number {
    const count = this.int32(`${field} length`);
    if (count === -1) return 0;
    if (count < -1) throw this.fail(field, `has a negative length ${count}`);
    if (count * minBytes > this.remaining) throw this.fail(field, `announces ${count} elements of at least ${minBytes} bytes, ${this.remaining} bytes left`);
    return count;
  }

  nodeId(field: string): NodeId {
    const encoding = this.byte(`${field} encoding`);
    // Bits 0x80 and 0x40 belong to ExpandedNodeId only.
    switch (encoding) {
      case 0x00:
        return { namespace: 0, id: this.byte(field) };
      case 0x01:
        return { namespace: this.byte(field), id: this.uint16(field) };
      case 0x02:
        return { namespace: this.uint16(field), id: this.uint32(field) };
      case 0x03:
        return { namespace: this.uint16(field), id: `s=${this.string(field)}` };
      case 0x04:
        return { namespace: this.uint16(field), id: `g=${this.bytes(16, field).toString('hex')}` };
      case 0x05:
        return { namespace: this.uint16(field), id: `b=${this.byteString(field)?.toString('base64') ?? ''}` };
      default:
        throw this.fail(field, `has an unknown NodeId encoding 0x${encoding.toString(16)}`);
    }
  }

  /** LocalizedText: the text only ('' when absent). */
  localizedText(field: string): string {
    const mask = this.byte(`${field} mask`);
    if (mask & 0x01) this.string(`${field} locale`);
    return mask & 0x02 ? this.string(`${field} text`) : '';
  }

  /** Skips an ExtensionObject (type id, encoding, body); discovery never needs one's content. */
  skipExtensionObject(field: string): void {
    this.nodeId(`${field} type`);
    const encoding = this.byte(`${field} encoding`);
    if (encoding === 0x01 || encoding === 0x02) this.byteString(`${field} body`);
    else if (encoding !== 0x00) throw this.fail(field, `has an unknown body encoding 0x${encoding.toString(16)}`);
  }

  /** Skips a DiagnosticInfo, whose inner info nests recursively; the depth is bounded. */
  skipDiagnosticInfo(field: string, depth = 0): void {
    if (depth > MAX_DIAGNOSTIC_DEPTH) throw this.fail(field, `nests deeper than ${MAX_DIAGNOSTIC_DEPTH} levels`);
    const mask = this.byte(`${field} mask`);
    // SymbolicId, NamespaceUri, Locale, LocalizedText: Int32 indexes into the string table.
    for (const bit of [0x01, 0x02, 0x08, 0x04]) if (mask & bit) this.int32(field);
    if (mask & 0x10) this.string(`${field} additionalInfo`);
    if (mask & 0x20) this.uint32(`${field} innerStatusCode`);
    if (mask & 0x40) this.skipDiagnosticInfo(`${field} inner`, depth + 1);
  }
}

export class UaWriter {
  readonly #parts: Buffer[] = [];

  byte(v: number): this {
    this.#parts.push(Buffer.from([v & 0xff]));
    return this;
  }

  uint16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    this.#parts.push(b);
    return this;
  }

  uint32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    this.#parts.push(b);
    return this;
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.#parts.push(b);
    return this;
  }

  dateTime(d: Date): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE((BigInt(d.getTime()) + EPOCH_OFFSET_MS) * 10_000n);
    this.#parts.push(b);
    return this;
  }

  /** `undefined` writes null (-1). */
  byteString(v: Uint8Array | undefined): this {
    if (v === undefined) return this.int32(-1);
    this.int32(v.length);
    this.#parts.push(Buffer.from(v));
    return this;
  }

  string(v: string | undefined): this {
    return this.byteString(v === undefined ? undefined : Buffer.from(v, 'utf8'));
  }

  /** Array of strings; `undefined` writes a null array. */
  strings(v: readonly string[] | undefined): this {
    if (v === undefined) return this.int32(-1);
    this.int32(v.length);
    for (const s of v) this.string(s);
    return this;
  }

  /** A namespace-0 numeric NodeId in its shortest encoding. */
  nodeId(id: number): this {
    if (id <= 0xff) return this.byte(0x00).byte(id);
    if (id <= 0xffff) return this.byte(0x01).byte(0).uint16(id);
    return this.byte(0x02).uint16(0).uint32(id);
  }

  /** An ExtensionObject without a body (null type id, encoding 0). */
  nullExtensionObject(): this {
    return this.nodeId(0).byte(0x00);
  }

  raw(b: Uint8Array): this {
    this.#parts.push(Buffer.from(b));
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

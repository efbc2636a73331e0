/** Test helpers shared by the OPC UA codec and client tests: frames built with node-opcua's own encoders. */
import { BinaryStream, encodeExpandedNodeId } from 'node-opcua';

interface Encodable {
  readonly schema: { readonly encodingDefaultBinary?: unknown };
  binaryStoreSize(): number;
  encode(stream: BinaryStream): void;
}

/** A service message body as node-opcua sends it: encoding NodeId, then the structure. */
export function serviceBody(message: Encodable): Buffer {
  const stream = new BinaryStream(message.binaryStoreSize() + 16);
  encodeExpandedNodeId(message.schema.encodingDefaultBinary as Parameters<typeof encodeExpandedNodeId>[0], stream);
  message.encode(stream);
  return Buffer.from(stream.buffer.subarray(0, stream.length));
}

export interface ChunkIds {
  readonly channelId: number;
  readonly tokenId: number;
  readonly sequenceNumber: number;
  readonly requestId: number;
}

/** A MSG chunk (final, intermediate or abort) of a None secure channel around `payload`. */
export function msgChunk(final: 'F' | 'C' | 'A', payload: Buffer, ids: ChunkIds): Buffer {
  const head = Buffer.alloc(24);
  head.write(`MSG${final}`, 0, 'latin1');
  head.writeUInt32LE(24 + payload.length, 4);
  head.writeUInt32LE(ids.channelId, 8);
  head.writeUInt32LE(ids.tokenId, 12);
  head.writeUInt32LE(ids.sequenceNumber, 16);
  head.writeUInt32LE(ids.requestId, 20);
  return Buffer.concat([head, payload]);
}

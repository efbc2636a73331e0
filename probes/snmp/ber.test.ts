import { describe, expect, it } from 'vitest';
import { ProbeUnavailable } from '../types.ts';
import { encodeDiscoveryRequest, encodeInteger, encodeTlv, parseDiscoveryReport, peekMessage, readInteger, readOid, readTlv, TAG } from './ber.ts';

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const seq = (...parts: Buffer[]) => encodeTlv(TAG.sequence, Buffer.concat(parts));
const octets = (b: Buffer | string) => encodeTlv(TAG.octetString, typeof b === 'string' ? Buffer.from(b) : b);
/** usmStatsUnknownEngineIDs.0 = 1.3.6.1.6.3.15.1.1.4.0 */
const UNKNOWN_ENGINE_OID = hex('06 0a 2b 06 01 06 03 0f 01 01 04 00');
const ENGINE_ID = hex('80 00 1f 88 80 01 02 03 04 05 06 07 08');

function report(opts: { msgId?: number; version?: number; flags?: number; engineId?: Buffer; pduTag?: number } = {}): Buffer {
  const engineId = opts.engineId ?? ENGINE_ID;
  const usm = seq(octets(engineId), encodeInteger(7), encodeInteger(123456), octets(''), octets(''), octets(''));
  const varbind = seq(UNKNOWN_ENGINE_OID, encodeTlv(0x41, hex('01')));
  const pdu = encodeTlv(opts.pduTag ?? TAG.report, Buffer.concat([encodeInteger(99), encodeInteger(0), encodeInteger(0), seq(varbind)]));
  return seq(
    encodeInteger(opts.version ?? 3),
    seq(encodeInteger(opts.msgId ?? 0x1234), encodeInteger(65507), octets(Buffer.from([opts.flags ?? 0])), encodeInteger(3)),
    octets(usm),
    seq(octets(engineId), octets(''), pdu),
  );
}

function malformedKind(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof ProbeUnavailable)) throw err;
    return err.kind;
  }
}

describe('BER encoding', () => {
  it('encodes the v3 discovery request byte for byte', () => {
    expect(encodeDiscoveryRequest(0x1234, 0x42).toString('hex')).toBe(
      '3039020103300f02021234020300ffe30401040201030410300e04000201000201000400040004003011040004' + '00a00b020142020100020100' + '3000',
    );
  });

  it('encodes integers minimally in two’s complement', () => {
    const cases: [number, string][] = [
      [0, '020100'],
      [127, '02017f'],
      [128, '02020080'],
      [256, '02020100'],
      [-1, '0201ff'],
      [-128, '020180'],
      [-129, '0202ff7f'],
      [0xffffffff, '020500ffffffff'],
    ];
    for (const [n, h] of cases) {
      expect(encodeInteger(n).toString('hex')).toBe(h);
      expect(readInteger(hex(h), readTlv(hex(h), 0))).toBe(n);
    }
  });

  it('uses the long length form above 127 bytes', () => {
    const tlv = encodeTlv(TAG.octetString, Buffer.alloc(300));
    expect(tlv.subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(readTlv(tlv, 0)).toEqual({ tag: TAG.octetString, start: 4, end: 304 });
  });
});

describe('parseDiscoveryReport', () => {
  it('reads engine ID, boots, time and the report OID', () => {
    const r = parseDiscoveryReport(report());
    expect(r.msgId).toBe(0x1234);
    expect(r.engineId.toString('hex')).toBe(ENGINE_ID.toString('hex'));
    expect(r.engineBoots).toBe(7);
    expect(r.engineTime).toBe(123456);
    expect(r.reportOid).toBe('1.3.6.1.6.3.15.1.1.4.0');
  });

  it('keeps the engine parameters when the scoped PDU is encrypted', () => {
    const r = parseDiscoveryReport(report({ flags: 0x03 }));
    expect(r.engineBoots).toBe(7);
    expect(r.reportOid).toBeUndefined();
  });

  it('rejects every truncation of a valid report as malformed', () => {
    const full = report();
    for (let n = 0; n < full.length; n++) expect(malformedKind(() => parseDiscoveryReport(full.subarray(0, n)))).toBe('malformed');
  });

  it('rejects a wrong version, an empty engine ID, a non-report PDU and trailing bytes', () => {
    expect(malformedKind(() => parseDiscoveryReport(report({ version: 1 })))).toBe('malformed');
    expect(malformedKind(() => parseDiscoveryReport(report({ engineId: Buffer.alloc(0) })))).toBe('malformed');
    expect(malformedKind(() => parseDiscoveryReport(report({ pduTag: TAG.getRequest })))).toBe('malformed');
    expect(malformedKind(() => parseDiscoveryReport(Buffer.concat([report(), hex('00')])))).toBe('malformed');
  });

  it('cuts off a peer announcing a huge length', () => {
    expect(malformedKind(() => parseDiscoveryReport(hex('30 83 ff ff ff 02 01 03')))).toBe('malformed');
    expect(malformedKind(() => parseDiscoveryReport(hex('30 84 7f ff ff ff 02 01 03')))).toBe('malformed');
    expect(malformedKind(() => parseDiscoveryReport(hex('30 80 02 01 03 00 00')))).toBe('malformed');
  });

  it('turns random garbage into a typed failure, never another exception', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const valid = report();
    for (let i = 0; i < 2000; i++) {
      // Half pure noise, half a valid report with a few bytes flipped.
      const buf = i % 2 === 0 ? Buffer.from(Array.from({ length: rand() % 120 }, () => rand() % 256)) : Buffer.from(valid);
      if (i % 2 === 1) for (let k = 0; k < 3; k++) buf[rand() % buf.length] = rand() % 256;
      try {
        parseDiscoveryReport(buf);
      } catch (err) {
        expect(err).toBeInstanceOf(ProbeUnavailable);
      }
    }
  });
});

describe('readOid and peekMessage', () => {
  it('decodes multi-byte arcs and rejects an OID ending inside an arc', () => {
    const oid = hex('06 07 2b 06 01 04 01 82 37');
    expect(readOid(oid, readTlv(oid, 0))).toBe('1.3.6.1.4.1.311');
    const cut = hex('06 06 2b 06 01 04 01 82');
    expect(malformedKind(() => readOid(cut, readTlv(cut, 0)))).toBe('malformed');
  });

  it('tells an unauthenticated v3 message from an authenticated one and v2c, with the id an answer repeats', () => {
    expect(peekMessage(encodeDiscoveryRequest(1, 2))).toEqual({ version: 3, authenticated: false, id: 1 });
    expect(peekMessage(report({ flags: 0x07 }))).toEqual({ version: 3, authenticated: true, id: 0x1234 });
    // v1/v2c: the PDU's request-id (message: version, community, PDU).
    const get = seq(
      encodeInteger(1),
      octets('public'),
      encodeTlv(TAG.getRequest, Buffer.concat([encodeInteger(77), encodeInteger(0), encodeInteger(0), seq()])),
    );
    expect(peekMessage(get)).toEqual({ version: 1, authenticated: false, id: 77 });
    expect(peekMessage(seq(encodeInteger(1), octets('x')))).toEqual({ version: 1, authenticated: false, id: undefined });
    expect(peekMessage(hex('ff ff'))).toBeUndefined();
  });
});

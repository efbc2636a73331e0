import { describe, expect, it } from 'vitest';
import { ProbeUnavailable } from '../types.ts';
import {
  buildAdu,
  buildReadDeviceIdRequest,
  MAX_ADU_BYTES,
  MODBUS_ALLOWED_FUNCTIONS,
  type ModbusAllowedFunction,
  type ModbusReply,
  mbapFrameLength,
  parseDeviceIdReply,
} from './frame.ts';

const header = { transactionId: 0x1234, unitId: 0xff };

/** A reply ADU from hex of its PDU (function code onwards), framed with `header`. */
function reply(pduHex: string, h = header): Buffer {
  const pdu = Buffer.from(pduHex.replace(/\s+/g, ''), 'hex');
  const out = Buffer.alloc(7 + pdu.length);
  out.writeUInt16BE(h.transactionId, 0);
  out.writeUInt16BE(1 + pdu.length, 4);
  out.writeUInt8(h.unitId, 6);
  pdu.copy(out, 7);
  return out;
}

/** Runs the parser and returns its result or the typed failure; any other throw fails the test. */
function outcome(frame: Buffer, readDevIdCode = 1): ModbusReply | ProbeUnavailable {
  try {
    return parseDeviceIdReply(frame, { ...header, readDevIdCode });
  } catch (err) {
    if (err instanceof ProbeUnavailable) return err;
    throw err;
  }
}

function failure(frame: Buffer, readDevIdCode = 1): ProbeUnavailable {
  const got = outcome(frame, readDevIdCode);
  if (!(got instanceof ProbeUnavailable)) throw new Error(`expected a failure, got ${JSON.stringify(got)}`);
  expect(got.kind).toBe('malformed');
  return got;
}

// "ACME" "PLC-1" "V1.2"
const BASIC = '2b 0e 01 81 00 00 03  00 04 41434d45  01 05 504c432d31  02 04 56312e32';

describe('request builder', () => {
  it('builds FC 43 / MEI 14 with the MBAP header', () => {
    expect(buildReadDeviceIdRequest(header, 'basic', 0).toString('hex')).toBe('123400000005ff2b0e0100');
    expect(buildReadDeviceIdRequest({ transactionId: 2, unitId: 1 }, 'regular', 3).toString('hex')).toBe('000200000005012b0e0203');
    expect(buildReadDeviceIdRequest({ transactionId: 3, unitId: 1 }, 'extended', 0x80).toString('hex')).toBe('000300000005012b0e0380');
  });

  it('allows FC 43 only, at compile time and at run time', () => {
    expect(MODBUS_ALLOWED_FUNCTIONS).toEqual([0x2b]);
    for (const fc of [1, 3, 5, 6, 8, 15, 16, 21, 22, 23, 0x2b | 0x80]) {
      // @ts-expect-error: only allow-listed function codes type-check
      const attempt = () => buildAdu(header, fc, Uint8Array.of(0, 0, 0, 1));
      expect(attempt).toThrow(ProbeUnavailable);
      expect(attempt).toThrow(/not on the read-only allow-list/);
    }
    expect(buildAdu(header, 0x2b as ModbusAllowedFunction, Uint8Array.of(0x0e, 1, 0))[7]).toBe(0x2b);
  });

  it('refuses out-of-range header fields and object ids', () => {
    expect(() => buildReadDeviceIdRequest({ transactionId: 0x10000, unitId: 1 }, 'basic', 0)).toThrow(ProbeUnavailable);
    expect(() => buildReadDeviceIdRequest({ transactionId: 1, unitId: 256 }, 'basic', 0)).toThrow(ProbeUnavailable);
    expect(() => buildReadDeviceIdRequest(header, 'basic', 0x100)).toThrow(ProbeUnavailable);
  });
});

describe('mbapFrameLength', () => {
  it('waits for the header, then tells the ADU length', () => {
    const frame = reply(BASIC);
    expect(mbapFrameLength(frame.subarray(0, 5))).toBeUndefined();
    expect(mbapFrameLength(frame.subarray(0, 6))).toBe(frame.length);
    expect(mbapFrameLength(frame)).toBe(frame.length);
  });

  it('rejects an announced length beyond the Modbus maximum without waiting for it', () => {
    expect(() => mbapFrameLength(Buffer.from('000100000100', 'hex'))).toThrow(/exceeds the Modbus maximum/);
    expect(() => mbapFrameLength(Buffer.from('0001000000ff', 'hex'))).toThrow(/exceeds/);
    expect(mbapFrameLength(Buffer.from('0001000000fe', 'hex'))).toBe(MAX_ADU_BYTES);
  });

  it('rejects a length too short for unit and function', () => {
    expect(() => mbapFrameLength(Buffer.from('000100000001', 'hex'))).toThrow(/too short/);
  });

  it('rejects garbage as not Modbus as soon as the protocol id is visible', () => {
    expect(() => mbapFrameLength(Buffer.from('HTTP/1.1 400'))).toThrow(ProbeUnavailable);
    expect(() => mbapFrameLength(Buffer.from('SSH-'))).toThrow(/protocol id/);
  });
});

describe('parseDeviceIdReply', () => {
  it('parses a basic reply', () => {
    const got = outcome(reply(BASIC));
    expect(got).toMatchObject({ type: 'device-id', readDevIdCode: 1, conformity: 0x81, moreFollows: false, nextObjectId: 0 });
    if (got instanceof ProbeUnavailable || got.type !== 'device-id') throw new Error('unexpected');
    expect(got.objects.map((o) => [o.id, o.value.toString('latin1')])).toEqual([
      [0, 'ACME'],
      [1, 'PLC-1'],
      [2, 'V1.2'],
    ]);
  });

  it('parses a regular reply', () => {
    const got = outcome(reply('2b 0e 02 82 00 00 02  04 03 505043  05 02 4d31'), 2);
    expect(got).toMatchObject({ type: 'device-id', readDevIdCode: 2, conformity: 0x82, objects: [{ id: 4 }, { id: 5 }] });
  });

  it('parses an extended reply with a private object and an empty value', () => {
    const got = outcome(reply('2b 0e 03 83 00 00 02  80 02 beef  81 00'), 3);
    if (got instanceof ProbeUnavailable || got.type !== 'device-id') throw new Error('unexpected');
    expect(got.objects.map((o) => [o.id, o.value.toString('hex')])).toEqual([
      [0x80, 'beef'],
      [0x81, ''],
    ]);
  });

  it('parses more-follows and the next object id (paging)', () => {
    expect(outcome(reply('2b 0e 01 01 ff 02 02  00 01 41  01 01 42'))).toMatchObject({ moreFollows: true, nextObjectId: 2, conformity: 0x01 });
  });

  it('parses exception replies as such', () => {
    for (const [code, name] of [
      [0x01, 'illegal-function'],
      [0x02, 'illegal-data-address'],
      [0x03, 'illegal-data-value'],
      [0x04, 'server-device-failure'],
      [0x0a, 'gateway-path-unavailable'],
      [0x0b, 'gateway-target-no-response'],
    ] as const) {
      expect(outcome(reply(`ab ${code.toString(16).padStart(2, '0')}`))).toEqual({ type: 'exception', code, name });
    }
  });

  it('rejects an undefined exception code and a long exception reply', () => {
    expect(failure(reply('ab 07')).message).toMatch(/exception code 0x07/);
    expect(failure(reply('ab 01 00')).message).toMatch(/exception reply/);
  });

  it('rejects a truncated reply', () => {
    expect(failure(reply('2b 0e 01 81 00')).message).toMatch(/truncated/);
    expect(failure(reply('2b 0e 01 81 00 00 03  00 04 41434d45  01 05 504c43')).message).toMatch(/object 0x01 announces 5 bytes, only 3 left/);
    expect(failure(reply('2b 0e 01 81 00 00 03  00 04 41434d45')).message).toMatch(/object 2 of 3 starts past the end/);
    expect(failure(reply('2b 0e 01 81 00 00 02  00 04 41434d45 01')).message).toMatch(/object 2 of 2 starts past the end/);
    expect(failure(reply(BASIC).subarray(0, 7)).message).toMatch(/shorter than an MBAP header/);
  });

  it('rejects a wrong MBAP length', () => {
    const frame = reply(BASIC);
    frame.writeUInt16BE(frame.readUInt16BE(4) + 1, 4);
    expect(failure(frame).message).toMatch(/MBAP length/);
  });

  it('rejects bytes after the announced objects', () => {
    expect(failure(reply(`${BASIC} 00`)).message).toMatch(/1 bytes after the 3 announced objects/);
  });

  it('rejects a mismatched transaction id, unit id, function, MEI type or ReadDevId code', () => {
    expect(failure(reply(BASIC, { transactionId: 0x1235, unitId: 0xff })).message).toMatch(/transaction id 4661, expected 4660/);
    expect(failure(reply(BASIC, { transactionId: 0x1234, unitId: 1 })).message).toMatch(/unit id 1, expected 255/);
    expect(failure(reply('03 02 0000')).message).toMatch(/function code 0x03/);
    expect(failure(reply('2b 0d 01 81 00 00 00')).message).toMatch(/MEI type/);
    expect(failure(reply(BASIC), 2).message).toMatch(/ReadDevId code 1, expected 2/);
    expect(failure(reply('2b 0e 01 81 01 00 00')).message).toMatch(/more-follows byte 0x01/);
  });

  it('rejects garbage with a non-zero protocol id', () => {
    expect(failure(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')).message).toMatch(/protocol id/);
  });

  it('never throws anything but ProbeUnavailable, on any cut or any random bytes', () => {
    const valid = reply(BASIC);
    for (let n = 0; n <= valid.length; n += 1) outcome(valid.subarray(0, n));
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i += 1) {
      const frame = Buffer.from(valid);
      for (let k = 0; k < 3; k += 1) frame[random() % frame.length] = random() & 0xff;
      outcome(frame.subarray(0, random() % (frame.length + 1)));
      const noise = Buffer.from(Array.from({ length: random() % 40 }, () => random() & 0xff));
      outcome(noise);
      try {
        mbapFrameLength(noise);
      } catch (err) {
        expect(err).toBeInstanceOf(ProbeUnavailable);
      }
    }
  });
});

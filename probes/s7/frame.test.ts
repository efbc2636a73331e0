import { describe, expect, it } from 'vitest';
import { ProbeUnavailable } from '../types.ts';
import type { S7Request, SzlList } from './frame.ts';
import {
  buildS7Request,
  bcdDateTime,
  decodeComponentIdentification,
  decodeDiagnosticBuffer,
  decodeModuleIdentification,
  decodeProtection,
  decodeSzlIds,
  parseCotp,
  parseSetupReply,
  parseSzlList,
  parseSzlTelegram,
  S7_ALLOWED,
  tpktFrameLength,
} from './frame.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];

/** A Read SZL response PDU (S7 header + param + data), as a device would send it. */
function szlReply(opts: { ref?: number; seq?: number; more?: boolean; err?: number; ret?: number; body: number[] | Buffer }): Buffer {
  const param = [0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, opts.seq ?? 0, 0x00, opts.more ? 0x01 : 0x00, ...u16(opts.err ?? 0)];
  const body = [...opts.body];
  const data = [opts.ret ?? 0xff, 0x09, ...u16(body.length), ...body];
  return Buffer.from([0x32, 0x07, 0x00, 0x00, ...u16(opts.ref ?? 1), ...u16(param.length), ...u16(data.length), ...param, ...data]);
}

function list(id: number, index: number, recordLength: number, records: number[][], count = records.length): Buffer {
  return Buffer.from([...u16(id), ...u16(index), ...u16(recordLength), ...u16(count), ...records.flat()]);
}

const text = (s: string, n: number, pad = 0x20) => Array.from({ length: n }, (_, i) => (i < s.length ? s.charCodeAt(i) : pad));
const moduleRecord = (index: number, mlfb: string, version: number[]) => [...u16(index), ...text(mlfb, 20), 0x00, 0xc0, ...version];

function listOf(buf: Buffer): SzlList {
  const parsed = parseSzlList(buf);
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed.value;
}

describe('buildS7Request', () => {
  it('builds the COTP connection request with TPDU size 1024 and both TSAPs', () => {
    expect(buildS7Request({ kind: 'cotp-cr', callingTsap: 0x0100, calledTsap: 0x0102 })).toEqual(hex('03000016 11 e0 0000 0001 00 c0010a c1020100 c2020102'));
  });

  it('builds Setup Communication with PDU size 480', () => {
    expect(buildS7Request({ kind: 'setup-communication', pduRef: 1, pduSize: 480 })).toEqual(
      hex('03000019 02f080 32010000 0001 0008 0000 f000 0001 0001 01e0'),
    );
  });

  it('builds Read SZL and its follow-up as userdata of the CPU function group', () => {
    expect(buildS7Request({ kind: 'szl-read', pduRef: 2, szlId: 0x0232, index: 4 })).toEqual(
      hex('03000021 02f080 32070000 0002 0008 0008 0001120411440100 ff090004 0232 0004'),
    );
    expect(buildS7Request({ kind: 'szl-followup', pduRef: 3, sequence: 0x17 })).toEqual(
      hex('03000021 02f080 32070000 0003 000c 0004 000112081244011700000000 0a000000'),
    );
  });

  it('refuses every kind outside the allow-list, so no other job can be built', () => {
    for (const kind of ['write-var', 'read-var', 'plc-stop', 'download', 'setup', '']) {
      expect(() => buildS7Request({ kind, pduRef: 1 } as unknown as S7Request)).toThrow(/allow-list/);
    }
  });

  it('emits Setup Communication as its only job PDU', () => {
    const samples: Record<(typeof S7_ALLOWED)[number], S7Request> = {
      'cotp-cr': { kind: 'cotp-cr', callingTsap: 0x0100, calledTsap: 0x0200 },
      'setup-communication': { kind: 'setup-communication', pduRef: 9, pduSize: 240 },
      'szl-read': { kind: 'szl-read', pduRef: 9, szlId: 0x0011, index: 0 },
      'szl-followup': { kind: 'szl-followup', pduRef: 9, sequence: 1 },
    };
    for (const kind of S7_ALLOWED) {
      const bytes = buildS7Request(samples[kind]);
      if (kind === 'cotp-cr') continue;
      const s7 = bytes.subarray(7);
      expect(s7[0]).toBe(0x32);
      expect([0x01, 0x07]).toContain(s7[1]);
      if (s7[1] === 0x01) expect(s7[10]).toBe(0xf0);
      else expect([s7[15], s7[16]]).toEqual([0x44, 0x01]);
    }
  });

  it('rejects values that do not fit their fields', () => {
    expect(() => buildS7Request({ kind: 'szl-read', pduRef: 1, szlId: 0x10000, index: 0 })).toThrow(RangeError);
    expect(() => buildS7Request({ kind: 'szl-followup', pduRef: 1, sequence: 256 })).toThrow(RangeError);
    expect(() => buildS7Request({ kind: 'setup-communication', pduRef: -1, pduSize: 480 })).toThrow(RangeError);
  });
});

describe('tpktFrameLength', () => {
  it('waits for the header, then returns the announced length', () => {
    expect(tpktFrameLength(hex('0300'))).toBeUndefined();
    expect(tpktFrameLength(hex('03000016 11'))).toBe(0x16);
  });

  it('throws a typed malformed failure on non-TPKT bytes and impossible lengths', () => {
    for (const bad of [hex('48545450'), hex('03010016'), hex('03000005')]) {
      expect(() => tpktFrameLength(bad)).toThrow(ProbeUnavailable);
      try {
        tpktFrameLength(bad);
      } catch (err) {
        expect((err as ProbeUnavailable).kind).toBe('malformed');
      }
    }
  });
});

describe('parseCotp', () => {
  it('parses a connection confirm with its TPDU size', () => {
    expect(parseCotp(hex('03000016 11 d0 0001 0001 00 c0010a c1020100 c2020102'))).toEqual({ ok: true, value: { type: 'cc', tpduSize: 1024 } });
  });

  it('parses a disconnect request and a data TPDU', () => {
    expect(parseCotp(hex('0300000b 06 80 0001 0001 03'))).toEqual({ ok: true, value: { type: 'dr', reason: 3 } });
    const dt = parseCotp(hex('0300000a 02f000 320102'));
    expect(dt.ok && dt.value).toMatchObject({ type: 'dt', last: false });
  });

  it('returns typed failures for length mismatches, short headers and unknown types', () => {
    expect(parseCotp(hex('03000010 02f080'))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseCotp(hex('03000007 09f080'))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseCotp(hex('03000007 03f080'))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseCotp(hex('03000008 03d00001'))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseCotp(hex('0300000d 08 d0 0001 0001 00 c0 05'))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseCotp(hex('03000007 02 70 00'))).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
  });
});

describe('parseSetupReply', () => {
  const reply = (ref: number, errClass: number, pdu: number) =>
    Buffer.from([0x32, 0x03, 0, 0, ...u16(ref), 0, 8, 0, 0, errClass, 0, 0xf0, 0, 0, 1, 0, 1, ...u16(pdu)]);

  it('reads the granted PDU size', () => {
    expect(parseSetupReply(reply(1, 0, 240), 1)).toEqual({ ok: true, value: { pduSize: 240 } });
  });

  it('returns typed failures', () => {
    expect(parseSetupReply(reply(1, 0x81, 240), 1)).toMatchObject({ ok: false, kind: 'refused' });
    expect(parseSetupReply(reply(2, 0, 240), 1)).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
    expect(parseSetupReply(reply(1, 0, 0), 1)).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSetupReply(reply(1, 0, 60000), 1)).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSetupReply(reply(1, 0, 240).subarray(0, 18), 1)).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSetupReply(Buffer.from('HTTP/1.1 200 OK'), 1)).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
  });
});

describe('parseSzlTelegram', () => {
  it('reads the first telegram of a multi-telegram answer', () => {
    const t = parseSzlTelegram(szlReply({ ref: 4, seq: 0x21, more: true, body: [0, 0x11, 0, 0, 0, 28, 0, 4, 1, 2] }), 4);
    expect(t).toMatchObject({ ok: true, value: { sequence: 0x21, more: true, returnCode: 0xff, errorCode: 0 } });
    expect(t.ok && t.value.data).toEqual(Buffer.from([0, 0x11, 0, 0, 0, 28, 0, 4, 1, 2]));
  });

  it('reads "object does not exist"', () => {
    expect(parseSzlTelegram(szlReply({ ret: 0x0a, err: 0xd401, body: [] }), 1)).toMatchObject({ ok: true, value: { returnCode: 0x0a, errorCode: 0xd401 } });
  });

  it('returns typed failures for wrong lengths, headers and types', () => {
    const good = szlReply({ body: [1, 2, 3, 4] });
    const dataLie = Buffer.from(good);
    dataLie.writeUInt16BE(0x00ff, good.length - 6);
    expect(parseSzlTelegram(dataLie, 1)).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSzlTelegram(good.subarray(0, good.length - 1), 1)).toMatchObject({ ok: false, kind: 'malformed' });
    const notSzl = Buffer.from(good);
    notSzl[15] = 0x83;
    expect(parseSzlTelegram(notSzl, 1)).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
    const job = Buffer.from(good);
    job[1] = 0x01;
    expect(parseSzlTelegram(job, 1)).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
    expect(parseSzlTelegram(good, 2)).toMatchObject({ ok: false, kind: 'protocol-mismatch' });
  });
});

describe('SZL lists', () => {
  it('parses records by the header and decodes 0x0011 with every index', () => {
    const records = [
      moduleRecord(0x0001, '6ES7 215-1AG40-0XB0', [0, 0, 0, 5]),
      moduleRecord(0x0006, '6ES7 215-1AG40-0XB0', [0, 0, 0, 5]),
      moduleRecord(0x0007, '', [0x56, 2, 8, 1]),
      moduleRecord(0x0081, 'Boot Loader', [0x41, 1, 2, 3]),
    ];
    const decoded = decodeModuleIdentification(listOf(list(0x0011, 0, 28, records)));
    expect(decoded.ok && decoded.value).toEqual([
      { index: 1, orderNumber: '6ES7 215-1AG40-0XB0', moduleType: 0xc0, version: undefined, versionRaw: '00000005' },
      { index: 6, orderNumber: '6ES7 215-1AG40-0XB0', moduleType: 0xc0, version: undefined, versionRaw: '00000005' },
      { index: 7, orderNumber: '', moduleType: 0xc0, version: 'V2.8.1', versionRaw: '56020801' },
      { index: 0x81, orderNumber: 'Boot Loader', moduleType: 0xc0, version: 'A1.2.3', versionRaw: '41010203' },
    ]);
  });

  it('follows a longer record length than the standard one', () => {
    const records = [[...moduleRecord(0x0007, '', [0x56, 3, 0, 0]), 0xee, 0xee]];
    const decoded = decodeModuleIdentification(listOf(list(0x0011, 0, 30, records)));
    expect(decoded.ok && decoded.value[0]).toMatchObject({ index: 7, version: 'V3.0.0' });
  });

  it('decodes the id list, component identification and protection', () => {
    const ids = decodeSzlIds(listOf(list(0, 0, 2, [u16(0x0011), u16(0x001c), u16(0x0232)])));
    expect(ids).toEqual({ ok: true, value: [0x0011, 0x001c, 0x0232] });
    const component = decodeComponentIdentification(
      listOf(
        list(0x001c, 0, 34, [
          [0, 5, ...text('S C-X4U421302020', 32, 0)],
          [0, 1, ...text('PLC_1\u0007', 32, 0)],
        ]),
      ),
    );
    expect(component).toEqual({
      ok: true,
      value: [
        { index: 5, text: 'S C-X4U421302020' },
        { index: 1, text: 'PLC_1' },
      ],
    });
    const protection = decodeProtection(listOf(list(0x0232, 4, 40, [[0, 4, 0, 1, 0, 3, 0, 3, 0, 1, 0, 0, ...new Array<number>(28).fill(0)]])));
    expect(protection).toEqual({ ok: true, value: { schSchal: 1, schPar: 3, schRel: 3, bartSch: 1, anlSch: 0 } });
  });

  it('returns typed failures for truncated, oversized and inconsistent lists', () => {
    expect(parseSzlList(Buffer.from([0, 0x11, 0]))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSzlList(list(0x0011, 0, 30, [moduleRecord(1, 'x', [0, 0, 0, 0])]))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSzlList(list(0x0011, 0, 28, [moduleRecord(1, 'x', [0, 0, 0, 0])], 0xffff))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseSzlList(list(0x0000, 0, 0, [], 5))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(decodeModuleIdentification(listOf(list(0x0011, 0, 20, [new Array<number>(20).fill(0x41)])))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(decodeComponentIdentification(listOf(list(0x001c, 0, 10, [new Array<number>(10).fill(0x41)])))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(decodeProtection(listOf(list(0x0232, 4, 40, [[0, 1, ...new Array<number>(38).fill(0)]])))).toMatchObject({ ok: false, kind: 'malformed' });
    expect(decodeProtection(listOf(list(0x0232, 4, 4, [[0, 4, 0, 0]])))).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('never throws on garbage, whatever parser it reaches', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i += 1) {
      const bytes = Buffer.from(Array.from({ length: rand() % 80 }, () => rand() & 0xff));
      if (i % 3 === 0 && bytes.length > 2) bytes[0] = 0x32;
      expect(() => {
        parseCotp(bytes);
        parseSetupReply(bytes, 1);
        parseSzlTelegram(bytes, 1);
        const l = parseSzlList(bytes);
        if (l.ok) {
          decodeSzlIds(l.value);
          decodeModuleIdentification(l.value);
          decodeComponentIdentification(l.value);
          decodeProtection(l.value);
          decodeDiagnosticBuffer(l.value);
        }
      }).not.toThrow();
    }
  });
});

describe('diagnostic buffer (SZL 0x00A0)', () => {
  /** event id, priority, OB, DatID, info1, info2, then the 8 BCD time bytes. */
  const entry = (time: string) => [...hex(`4302 ff 64 c700 0000 00000008 ${time}`)];
  const NEWEST = '2403181459072502';
  const OLDER = '2403181458072502';

  it('decodes entries in the order the CPU sends them, with event id, OB and the BCD time', () => {
    const body = list(0x00a0, 0, 20, [entry(NEWEST), [...hex(`1381 fe 46 c772 4304 08147714 ${OLDER}`)]]);
    expect(decodeDiagnosticBuffer(listOf(body))).toEqual({
      ok: true,
      value: [
        { eventId: 0x4302, priority: 0xff, obNumber: 0x64, datId: 0xc700, info1: 0, info2: 8, time: '2024-03-18T14:59:07.250', timeRaw: NEWEST.toLowerCase() },
        {
          eventId: 0x1381,
          priority: 0xfe,
          obNumber: 0x46,
          datId: 0xc772,
          info1: 0x4304,
          info2: 0x08147714,
          time: '2024-03-18T14:58:07.250',
          timeRaw: OLDER.toLowerCase(),
        },
      ],
    });
  });

  it('accepts an empty buffer', () => {
    expect(decodeDiagnosticBuffer(listOf(list(0x00a0, 0, 20, [])))).toEqual({ ok: true, value: [] });
  });

  it('refuses a record length other than 20 instead of reading guessed offsets', () => {
    for (const length of [16, 24]) {
      const records = [new Array<number>(length).fill(0x11)];
      expect(decodeDiagnosticBuffer(listOf(list(0x00a0, 0, length, records)))).toMatchObject({
        ok: false,
        kind: 'malformed',
        detail: expect.stringMatching(`${length} bytes`),
      });
    }
  });

  it('turns a truncated list into a typed failure, not a throw', () => {
    const cut = list(0x00a0, 0, 20, [entry(NEWEST), entry(OLDER)]).subarray(0, 8 + 20 + 7);
    expect(parseSzlList(cut)).toMatchObject({ ok: false, kind: 'malformed', detail: expect.stringMatching(/2 records of 20 bytes/) });
  });

  it('keeps the entry but drops a time whose BCD bytes are garbage', () => {
    const garbage = ['24a3181459072502', '2413181459072502', '2402301459072502', '2403182459072502', '2403181460072502', '0000000000000000'];
    for (const raw of garbage) {
      const decoded = decodeDiagnosticBuffer(listOf(list(0x00a0, 0, 20, [entry(raw)])));
      expect(decoded.ok && decoded.value[0]).toMatchObject({ eventId: 0x4302, time: undefined, timeRaw: raw });
    }
  });

  it('reads two-digit years 90-99 as the 1990s and the rest as 20xx, ignoring the weekday nibble', () => {
    expect(bcdDateTime(hex('9402042352163886'))).toBe('1994-02-04T23:52:16.388');
    expect(bcdDateTime(hex('8912312359599990'))).toBe('2089-12-31T23:59:59.999');
    expect(bcdDateTime(hex('240229000000000f'))).toBe('2024-02-29T00:00:00.000');
    expect(bcdDateTime(hex('230229000000000f'))).toBeUndefined();
    expect(bcdDateTime(hex('2402290000'))).toBeUndefined();
  });
});

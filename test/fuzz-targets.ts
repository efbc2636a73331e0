/**
 * Fuzz targets for every parser that reads device bytes, shared by test/fuzz.test.ts (a few hundred
 * cases each) and bench/fuzz.ts (>= 10,000 each). Each input is either random bytes or a valid
 * frame with random damage (flips, cuts, insertions, huge length fields), so the parsers' deeper
 * branches are reached too. A parser may return, or fail with ProbeUnavailable (or, for the S7
 * reader, a `Parsed` failure); any other exception is a bug.
 */
import fc from 'fast-check';
import { decodeMessage, decodeReadPropertyAck, decodeReadPropertyMultipleAck } from '../probes/bacnet/codec.ts';
import { certificateFacts } from '../probes/certificate.ts';
import { parseIdentifyReply, v2FrameLength } from '../probes/codesys/v2.ts';
import { dnp3Crc, linkFrameLength, parseLinkFrame } from '../probes/dnp3/link.ts';
import { apciFrameLength, parseApci } from '../probes/iec104/apci.ts';
import { decodeChunked, httpFacts, httpHeadLength, inspectHtml, parseHttpHead } from '../probes/it-services/http.ts';
import { ftpReplyLength, parseFtpReply } from '../probes/it-services/ftp.ts';
import { telnetFacts } from '../probes/it-services/telnet.ts';
import { printableText, softwareToken } from '../probes/it-services/text.ts';
import { parseRfbVersion, parseSecurityMessage, rfbVersionLength, securityMessageLength } from '../probes/it-services/vnc.ts';
import {
  encapsulationFrameLength,
  type EnipCommand,
  ITEM_COMMUNICATIONS,
  ITEM_IDENTITY,
  parseCommunicationsItem,
  parseCpfItems,
  parseHeader,
  parseIdentityItem,
} from '../probes/enip/encapsulation.ts';
import { finsTcpFrameLength, parseControllerData, parseControllerDataResponse, parseNodeAddressResponse, parseTcpMessage } from '../probes/fins/frame.ts';
import { helloFrameLength, parseHello } from '../probes/fox/hello.ts';
import { mqttFrameLength, PACKET_TYPES, parseConnack, parsePacket, parsePublish, parseSuback } from '../probes/mqtt/packets.ts';
import { acceptance } from '../probes/rdp/probe.ts';
import { parseConnectionConfirm } from '../probes/rdp/x224.ts';
import { nbssFrameLength, parseNbssFrame } from '../probes/smb/netbios.ts';
import { parseAvPairs, parseNtlmChallenge } from '../probes/smb/ntlm.ts';
import { parseSmb1Negotiate } from '../probes/smb/smb1.ts';
import { parseSmb2Header, parseSmb2Negotiate, parseSmb2SessionSetup, parseSmb2TreeConnect } from '../probes/smb/smb2.ts';
import { hintedMechanisms, unwrapNtlmToken } from '../probes/smb/spnego.ts';
import {
  nbss as smbFrame,
  negTokenRespChallenge,
  ntlmChallenge,
  smb1NegotiateResponse,
  smb2NegotiateResponse,
  smb2SessionSetupResponse,
  smb2TreeConnectPipe,
} from '../fixtures/smb/messages.ts';
import { WINDOWS_SCADA } from '../fixtures/smb/server.ts';
import { parseCpuModel, parseResponse as parseSlmpResponse, slmpFrameLength } from '../probes/melsec/frame.ts';
import {
  parseInfoReply as parsePcworxInfo,
  parseInitReply as parsePcworxInit,
  type PcworxRequest,
  replyFrameLength as pcworxFrameLength,
} from '../probes/pcworx/frame.ts';
import { infoFrameLength as proconosFrameLength, parseInfoReply as parseProconosInfo } from '../probes/proconos/frame.ts';
import { mbapFrameLength, parseDeviceIdReply } from '../probes/modbus/frame.ts';
import { UaWriter } from '../probes/opcua/discovery-binary.ts';
import { LIMITS } from '../probes/opcua/limits.ts';
import {
  ChunkAssembler,
  chunkLength,
  decodeFindServersResponse,
  decodeGetEndpointsResponse,
  decodeOpenSecureChannelResponse,
  ENCODING,
  parseChunk,
  SECURITY_POLICY_NONE,
} from '../probes/opcua/discovery-messages.ts';
import { endpointFacts } from '../probes/opcua/probe.ts';
import {
  decodeComponentIdentification,
  decodeModuleIdentification,
  decodeProtection,
  decodeSzlIds,
  type Parsed,
  parseCotp,
  parseSetupReply,
  parseSzlList,
  parseSzlTelegram,
  tpktFrameLength,
} from '../probes/s7/frame.ts';
import { encodeTlv, parseDiscoveryReport, peekMessage } from '../probes/snmp/ber.ts';
import { binaryPacketLength, hostKeyInfo, identificationLength, packetPayload, parseIdentification, parseKexInit } from '../probes/ssh/kexinit.ts';
import { ProbeUnavailable } from '../probes/types.ts';

export interface FuzzTarget {
  readonly name: string;
  readonly input: fc.Arbitrary<Buffer>;
  /** Feeds one input through the parser chain the probe uses. */
  readonly run: (input: Buffer) => void;
}

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** Damage to a valid frame: byte flips, cuts, insertions, and overwrites with extreme length-like values. */
const damaged = (valid: readonly Buffer[]): fc.Arbitrary<Buffer> =>
  fc
    .tuple(
      fc.constantFrom(...valid),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
          fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
          fc.record({ kind: fc.constant('max' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff) }),
        ),
        { maxLength: 6 },
      ),
    )
    .map(([frame, edits]) => {
      let b = Buffer.from(frame);
      for (const e of edits) {
        const at = b.length === 0 ? 0 : e.at % (b.length + 1);
        if (e.kind === 'cut') b = b.subarray(0, at);
        else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([e.value]), b.subarray(at)]);
        else if (at < b.length) b[at] = e.value;
      }
      return b;
    });

const bytes = (maxLength = 1024): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const input = (valid: readonly Buffer[], maxLength?: number) => fc.oneof({ arbitrary: damaged(valid), weight: 3 }, { arbitrary: bytes(maxLength), weight: 1 });

/** Runs a framing function the way TcpSession does: until it names a length or asks for more. */
function frame(lengthOf: (b: Buffer) => number | undefined, b: Buffer): Buffer | undefined {
  const total = lengthOf(b);
  return total !== undefined && total <= b.length ? b.subarray(0, total) : undefined;
}

/** Runs independent parser calls on one input, so a typed failure of one does not hide the others. */
function each(...calls: (() => unknown)[]): void {
  for (const call of calls) {
    try {
      call();
    } catch (err) {
      if (!(err instanceof ProbeUnavailable)) throw err;
    }
  }
}

const unwrapped = <T>(p: Parsed<T>): T | undefined => (p.ok ? p.value : undefined);

// --- valid samples ------------------------------------------------------------------------------

const modbusReply = (() => {
  const objects = Buffer.concat([hex('00 05'), Buffer.from('Acme '), hex('01 03'), Buffer.from('X-1'), hex('02 04'), Buffer.from('V1.2')]);
  const pdu = Buffer.concat([hex('2b 0e 01 81 00 00 03'), objects]);
  return Buffer.concat([hex('00 01 00 00'), u16(pdu.length + 1), hex('ff'), pdu]);
})();

/** BACnet/IP answers: I-Am (plain and forwarded by a router), ReadProperty(Multiple) ACKs, Error, Reject, Abort. */
const bacnetReplies = (() => {
  const bvll = (fn: number, npdu: Buffer) => Buffer.concat([hex('81'), Buffer.from([fn]), u16(npdu.length + 4), npdu]);
  const name = Buffer.concat([hex('00'), Buffer.from('AHU-01 FEC')]);
  const text = Buffer.concat([hex('75'), Buffer.from([name.length]), name]);
  const iAm = hex('1000 c4 02004e2b 22 05c4 91 03 21 05');
  const rpm = Buffer.concat([hex('3005 0e 0c 02004e2b 1e 294d 4e'), text, hex('4f 2978 4e 2105 4f 291c 5e 9102 9120 5f 1f')]);
  const rp = Buffer.concat([hex('3007 0c 0c 02004e2b 1946 3e'), text, hex('3f')]);
  return [
    bvll(0x0a, Buffer.concat([hex('0100'), iAm])),
    // Forwarded-NPDU from 192.168.1.20:47808, NPDU source network 5, MAC length 1.
    bvll(0x04, Buffer.concat([hex('c0a80114 bac0 0108 0005 01 2a'), iAm])),
    bvll(0x0a, Buffer.concat([hex('0100'), rpm])),
    bvll(0x0a, Buffer.concat([hex('0100'), rp])),
    bvll(0x0a, hex('0100 5009 0c 9102 9120')),
    bvll(0x0a, hex('0100 6009 09')),
    bvll(0x0a, hex('0100 7109 04')),
  ];
})();

/** ListIdentity (0x63) and ListServices (0x04) replies: 24-byte little-endian header, then the items. */
const enipReplies = (() => {
  const le16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
  const reply = (command: number, items: Buffer[]) => {
    const data = Buffer.concat([le16(items.length), ...items]);
    return Buffer.concat([le16(command), le16(data.length), Buffer.alloc(20), data]);
  };
  const item = (type: number, data: Buffer) => Buffer.concat([le16(type), le16(data.length), data]);
  const name = Buffer.from('1756-EN2T/D');
  const identity = Buffer.concat([
    hex('0100 0002 af12 7f000001'),
    Buffer.alloc(8),
    hex('0100 0c00 a600 0b02 3000 eeffc000'),
    Buffer.from([name.length]),
    name,
    hex('03'),
  ]);
  const communications = Buffer.concat([hex('0100 2001'), Buffer.from('Communications\0\0')]);
  return [reply(0x63, [item(0x0c, identity)]), reply(0x04, [item(0x100, communications)])];
})();

/** SMB replies framed for TCP 445: SMB1 NT LM 0.12 NEGOTIATE, SMB2 NEGOTIATE (2.1, 3.1.1 with contexts), SESSION_SETUP with an NTLMSSP CHALLENGE, a granted null session, the IPC$ TREE_CONNECT. */
const smbReplies = (() => {
  const answer = { signingRequired: true, encryption: true, kerberos: true };
  const challenge = negTokenRespChallenge(ntlmChallenge(WINDOWS_SCADA));
  return [
    smb1NegotiateResponse(WINDOWS_SCADA, 0, 'enabled'),
    smb2NegotiateResponse(WINDOWS_SCADA, 1n, { ...answer, dialect: 0x0210 }),
    smb2NegotiateResponse(WINDOWS_SCADA, 1n, { ...answer, dialect: 0x0311 }),
    smb2SessionSetupResponse(2n, 0xc0000016, 5n, challenge),
    smb2SessionSetupResponse(3n, 0, 5n, Buffer.alloc(0), 2),
    smb2TreeConnectPipe(4n, 5n, 1),
  ].map((message) => smbFrame(0, message));
})();

/** FINS Controller Data Read answers (service id 7): bare for UDP, in FINS/TCP frames, and the node address answer. */
const finsReplies = (() => {
  const model = Buffer.from('CJ2M-CPU33          02.00               ');
  const answer = Buffer.concat([hex('c0000200ef000000 0a00 0705 010000'), model, Buffer.alloc(40), hex('003c 17 8000 08 04 0000 00 0000'), Buffer.alloc(66)]);
  const tcp = (command: number, body: Buffer) => Buffer.concat([Buffer.from('FINS'), u32(8 + body.length), u32(command), u32(0), body]);
  return [answer, answer.subarray(0, 14 + 40), tcp(1, hex('000000ef 0000000a')), tcp(2, answer)];
})();

/** SLMP 3E binary answers to Read CPU Model: normal (model name and code) and an error with its information. */
const slmpReplies = [
  Buffer.concat([hex('d000 00 ff ff03 00 1400 0000'), Buffer.from('Q03UDVCPU       '), hex('6603')]),
  hex('d000 00 ff ff03 00 0b00 00c2 00ffff0300 0101 0000'),
];

/** CoDeSys V2 identification replies: 0xBB, then texts in 32-byte fields at 64, 96 and 128. */
const codesysV2Replies = (() => {
  const reply = Buffer.alloc(192);
  reply.writeUInt16BE(0xbbbb, 0);
  reply.writeUInt32LE(186, 2);
  Buffer.from('Linux').copy(reply, 64);
  Buffer.from('2.6.29.6-rt24').copy(reply, 96);
  Buffer.from('WAGO 750-880').copy(reply, 128);
  return [reply, reply.subarray(0, 160)];
})();

/** IEC 104 APCI frames: TESTFR con, STARTDT act, an S frame, an I frame with an ASDU. */
const iec104Frames = [hex('680483000000'), hex('680407000000'), hex('680401000200'), hex('680e0000000064010600010000000014')];

/** DNP3 link frames with valid CRCs: Link Status (header only) and an unsolicited null response (one user data block). */
const dnp3Frames = (() => {
  const le16 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
  const linkFrame = (header: Buffer, data: Buffer) =>
    Buffer.concat([header, le16(dnp3Crc(header)), data, data.length > 0 ? le16(dnp3Crc(data)) : Buffer.alloc(0)]);
  return [linkFrame(hex('0564 05 0b 0100 0004'), Buffer.alloc(0)), linkFrame(hex('0564 0a 44 0100 0004'), hex('c0 f0 82 0000'))];
})();

/** A station's hello (one multi-line object field), and a Fox error message. */
const foxReplies = [
  Buffer.from('fox a 0 -1 fox hello\n{\nfox.version=s:1.0.1\napp.name=s:Station\napp.version=s:4.8.0.110\nsysInfo=o:bog 61[<bog>\n</bog>\n]\nid=i:2\n};;\n'),
  Buffer.from('fox e 0 -1 fox error\n{\nmessage=s:refused\n};;\n'),
];

/** PC WORX replies: init (session id at byte 17), select-info, and the 176-byte device information with its text fields. */
const pcworxReplies = (() => {
  const init = Buffer.concat([hex('81010014'), Buffer.alloc(16)]);
  init[17] = 0x2a;
  const info = Buffer.concat([hex('810600b0'), Buffer.alloc(172)]);
  for (const [text, at] of [
    ['ILC 151 ETH', 30],
    ['4.60', 66],
    ['Nov  5 2018', 79],
    ['14:05:00', 91],
    ['2700974', 152],
  ] as const)
    info.write(text, at, 'latin1');
  return [init, Buffer.concat([hex('8105000c'), Buffer.alloc(8)]), info];
})();

/** A ProConOS info reply: 0xCC 0x01, then fixed-width text fields from byte 12. */
const proconosReply = (() => {
  const reply = Buffer.alloc(128);
  reply.set([0xcc, 0x01, 0x00, 0x80]);
  for (const [text, at] of [
    ['ProConOS V4.1.0267 Jul 31 2012', 12],
    ['ILC 350 PN V3.71', 44],
    ['PumpStation', 76],
    ['PumpStation', 88],
    ['Exist', 100],
  ] as const)
    reply.write(text, at, 'latin1');
  return reply;
})();

function s7Userdata(ref: number, data: Buffer): Buffer {
  const param = hex('00 01 12 08 12 84 01 00 00 00 00 00');
  const s7 = Buffer.concat([hex('32 07 00 00'), u16(ref), u16(param.length), u16(data.length), param, data]);
  const cotp = hex('02 f0 80');
  return Buffer.concat([hex('03 00'), u16(4 + cotp.length + s7.length), cotp, s7]);
}
const szlList = (id: number, recordLength: number, records: Buffer[]) => Buffer.concat([u16(id), u16(0), u16(recordLength), u16(records.length), ...records]);
const s7Replies = [
  s7Userdata(1, Buffer.concat([hex('ff 09'), u16(8 + 2 * 3), szlList(0x0000, 2, [hex('0011'), hex('001c'), hex('0232')])])),
  s7Userdata(
    1,
    Buffer.concat([hex('ff 09'), u16(8 + 28), szlList(0x0011, 28, [Buffer.concat([hex('0001'), Buffer.from('6ES7 215-1AG40-0XB0 '), hex('0000 5602 0801')])])]),
  ),
  s7Userdata(1, Buffer.concat([hex('ff 09'), u16(8 + 34), szlList(0x001c, 34, [Buffer.concat([hex('0001'), Buffer.from('PLC_1'.padEnd(32, '\0'))])])])),
  s7Userdata(1, Buffer.concat([hex('ff 09'), u16(8 + 40), szlList(0x0232, 40, [Buffer.concat([hex('0004 0001 0003 0001 0001'), Buffer.alloc(30)])])])),
  Buffer.concat([hex('03 00 00 1b 02 f0 80 32 03 00 00 00 01 00 08 00 00 00 00 f0 00 00 01 00 01 01 e0')]),
  hex('03 00 00 16 11 d0 00 01 00 01 00 c0 01 0a c1 02 01 00 c2 02 01 02'),
];

const nameList = (names: string[]) => {
  const s = Buffer.from(names.join(','), 'latin1');
  return Buffer.concat([u32(s.length), s]);
};
const kexPayload = Buffer.concat([
  hex('14'),
  Buffer.alloc(16, 7),
  ...[
    ['curve25519-sha256', 'diffie-hellman-group14-sha1'],
    ['ssh-ed25519', 'ssh-rsa'],
    ['aes128-ctr'],
    ['aes128-ctr'],
    ['hmac-sha2-256'],
    ['hmac-sha2-256'],
    ['none'],
    ['none'],
    [],
    [],
  ].map(nameList),
  hex('00 00000000'),
]);
const sshPacket = (payload: Buffer) => {
  const padding = 4 + ((8 - ((payload.length + 5 + 4) % 8)) % 8);
  return Buffer.concat([u32(payload.length + padding + 1), Buffer.from([padding]), payload, Buffer.alloc(padding)]);
};
const sshHostKey = Buffer.concat([u32(11), Buffer.from('ssh-ed25519'), u32(32), Buffer.alloc(32, 1)]);

const tlv = (tag: number, ...content: Buffer[]) => encodeTlv(tag, Buffer.concat(content));
const int = (n: number) => tlv(0x02, Buffer.from([n]));
const snmpReport = tlv(
  0x30,
  int(3),
  tlv(0x30, int(7), tlv(0x02, hex('00ffe3')), tlv(0x04, hex('00')), int(3)),
  tlv(0x04, tlv(0x30, tlv(0x04, hex('80001f8880aabbccdd')), int(5), int(100), tlv(0x04), tlv(0x04), tlv(0x04))),
  tlv(
    0x30,
    tlv(0x04, hex('80001f8880aabbccdd')),
    tlv(0x04),
    tlv(0xa8, int(9), int(0), int(0), tlv(0x30, tlv(0x30, tlv(0x06, hex('2b060106030f01010400')), tlv(0x41, hex('05'))))),
  ),
);

/** A self-signed P-256 certificate made for these tests (CN fuzz.invalid, SAN URI, DNS and IP). */
const SELF_SIGNED_EC = Buffer.from(
  'MIIBqzCCAVKgAwIBAgIUH4U3xNGVzQv3D3CmedBn53ETJbYwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMZnV6ei5pbnZhbGlkMB4XDTI2MTEyODA2MjY0M1oXDTM2MTEyNTA2MjY0M1owFzEVMBMGA1UEAwwMZnV6ei5pbnZhbGlkMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2YfLxy9OMJQGe8LuwHcSvlAIQ7RUZ7ix34bav121FybHOKmTPOt4jvvQ9MYrqdEA728oGB4JyOdZGHOg2KbIpKN8MHowHQYDVR0OBBYEFIhjXxLU/LmHXo78PjVFDyYE4jKFMB8GA1UdIwQYMBaAFIhjXxLU/LmHXo78PjVFDyYE4jKFMA8GA1UdEwEB/wQFMAMBAf8wJwYDVR0RBCAwHoYIdXJuOmZ1enqCDGZ1enouaW52YWxpZIcEf1QAATAKBggqhkjOPQQDAgNHADBEAiBsKQuNSwjl2Eai1aicIlHp0HOPfAdHiCZ0VlMM7PpY0gIgeu2pBITt4PSeXr9egiho2uUa6CfsEP5ttRaPuAiOsSw=',
  'base64',
);

/** OPC UA replies: ACK, ERR, an OPN response and GetEndpoints / FindServers / ServiceFault in MSG chunks. */
const opcuaReplies = (() => {
  const header = (w: UaWriter, status = 0) => w.raw(Buffer.alloc(8)).uint32(1).uint32(status).byte(0x11).int32(1).string('more').int32(-1).nodeId(0).byte(0);
  const application = (w: UaWriter) =>
    w.string('urn:a').string('urn:p').byte(0x03).string('en').string('Device').int32(0).string(undefined).string(undefined).strings(['opc.tcp://x:4840']);
  const endpoint = (w: UaWriter) => {
    w.string('opc.tcp://x:4840');
    application(w).byteString(SELF_SIGNED_EC).int32(1).string(SECURITY_POLICY_NONE).int32(2);
    w.string('anon').int32(0).string(undefined).string(undefined).string(undefined);
    return w.string('user').int32(1).string(undefined).string(undefined).string(SECURITY_POLICY_NONE).string('tcp').byte(0);
  };
  const endpoints = endpoint(endpoint(header(new UaWriter().nodeId(ENCODING.GetEndpointsResponse)).int32(2))).toBuffer();
  const servers = application(header(new UaWriter().nodeId(ENCODING.FindServersResponse)).int32(1)).toBuffer();
  const fault = header(new UaWriter().nodeId(ENCODING.ServiceFault), 0x800b0000).toBuffer();
  const opened = header(new UaWriter().nodeId(ENCODING.OpenSecureChannelResponse))
    .uint32(0)
    .uint32(5)
    .uint32(1)
    .raw(Buffer.alloc(8))
    .uint32(60_000)
    .byteString(undefined)
    .toBuffer();
  const chunk = (head: string, rest: Buffer) =>
    new UaWriter()
      .raw(Buffer.from(head, 'latin1'))
      .uint32(8 + rest.length)
      .raw(rest)
      .toBuffer();
  const msg = (body: Buffer) => chunk('MSGF', new UaWriter().uint32(5).uint32(1).uint32(2).uint32(2).raw(body).toBuffer());
  return [
    chunk('ACKF', new UaWriter().uint32(0).uint32(65_536).uint32(65_536).uint32(0).uint32(0).toBuffer()),
    chunk('ERRF', new UaWriter().uint32(0x807d0000).string('busy').toBuffer()),
    chunk('OPNF', new UaWriter().uint32(5).string(SECURITY_POLICY_NONE).byteString(undefined).byteString(undefined).uint32(1).uint32(1).raw(opened).toBuffer()),
    msg(endpoints),
    msg(servers),
    msg(fault),
    endpoints,
  ];
})();

const rfb = [Buffer.from('RFB 003.008\n'), Buffer.from('RFB 003.003\n')];
const vncSecurity = [hex('03 01 02 13'), hex('00 00 00 02'), Buffer.concat([hex('00'), u32(6), Buffer.from('denied')])];
const ftpReplies = [Buffer.from('220 FTP ready\r\n'), Buffer.from('220-Welcome\r\n220-line\r\n220 end\r\n'), Buffer.from('331 Password required\r\n')];
const httpReplies = [
  Buffer.from('HTTP/1.1 200 OK\r\nServer: web/1.0\r\nContent-Type: text/html\r\n\r\n<html><title>HMI</title><input type="password"></html>'),
  Buffer.from('HTTP/1.1 301 Moved\r\nLocation: https://x/\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
  Buffer.from('HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n\r\n'),
];
const telnetBanners = [hex('fffd18 fffb01 fffb03'), Buffer.from('\r\nlogin: '), Buffer.concat([hex('fffa1801fff0'), Buffer.from('Password:')])];

// --- targets ------------------------------------------------------------------------------------

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'S7 TPKT/COTP/SZL',
    input: input(s7Replies),
    run: (b) => {
      const f = frame(tpktFrameLength, b);
      if (!f) return;
      const tpdu = unwrapped(parseCotp(f));
      if (tpdu?.type !== 'dt') return;
      unwrapped(parseSetupReply(tpdu.payload, 1));
      const telegram = unwrapped(parseSzlTelegram(tpdu.payload, 1));
      const list = telegram && unwrapped(parseSzlList(telegram.data));
      if (!list) return;
      decodeSzlIds(list);
      decodeModuleIdentification(list);
      decodeComponentIdentification(list);
      decodeProtection(list);
    },
  },
  {
    name: 'Modbus FC 43 device identification',
    input: input([modbusReply]),
    run: (b) => {
      const f = frame(mbapFrameLength, b);
      if (f) each(...[1, 2, 3].map((readDevIdCode) => () => parseDeviceIdReply(f, { transactionId: 1, unitId: 255, readDevIdCode })));
    },
  },
  {
    name: 'BACnet/IP I-Am, ReadProperty(Multiple) ACK, Error, Reject, Abort',
    input: input(bacnetReplies, 1500),
    run: (b) => {
      each(
        () => {
          const { apdu } = decodeMessage(b);
          if (apdu?.type === 'complex-ack')
            each(
              () => decodeReadPropertyAck(apdu.body),
              () => decodeReadPropertyMultipleAck(apdu.body),
            );
        },
        () => decodeReadPropertyAck(b),
        () => decodeReadPropertyMultipleAck(b),
      );
    },
  },
  {
    name: 'EtherNet/IP ListIdentity and ListServices',
    input: input(enipReplies),
    run: (b) => {
      const f = frame(encapsulationFrameLength, b);
      if (!f) return;
      each(
        ...(['listIdentity', 'listServices'] as const satisfies readonly EnipCommand[]).map((command) => () => {
          parseHeader(f, { command, senderContext: Buffer.alloc(8) });
          for (const item of parseCpfItems(f.subarray(24))) {
            if (item.typeId === ITEM_IDENTITY) parseIdentityItem(item.data);
            if (item.typeId === ITEM_COMMUNICATIONS) parseCommunicationsItem(item.data);
          }
        }),
      );
    },
  },
  {
    name: 'SMB NEGOTIATE (SMB1 and SMB2/3), SESSION_SETUP, SPNEGO and NTLMSSP CHALLENGE, TREE_CONNECT',
    input: input(smbReplies, 1500),
    run: (b) => {
      const f = frame(nbssFrameLength, b);
      if (!f) return;
      const message = parseNbssFrame(f).payload;
      each(
        () => hintedMechanisms(parseSmb1Negotiate(message, ['NT LM 0.12', 'SMB 2.002', 'SMB 2.???']).securityBlob ?? Buffer.alloc(0)),
        () => {
          parseSmb2Header(message, 'negotiate', 1n);
          hintedMechanisms(parseSmb2Negotiate(message).securityBlob);
        },
        () => {
          parseSmb2Header(message, 'sessionSetup', 2n);
          parseNtlmChallenge(unwrapNtlmToken(parseSmb2SessionSetup(message).securityBlob));
        },
        () => parseAvPairs(message),
        () => {
          parseSmb2Header(message, 'treeConnect', 4n);
          parseSmb2TreeConnect(message);
        },
      );
    },
  },
  {
    name: 'RDP X.224 Connection Confirm (RDP_NEG_RSP, RDP_NEG_FAILURE, none)',
    input: input([hex('030000130ed00000123400 020b0800 01000000'), hex('030000130ed00000123400 03000800 05000000'), hex('0300000b06d00000123400')], 64),
    run: (b) => {
      const f = frame(tpktFrameLength, b);
      if (f) acceptance(parseConnectionConfirm(f));
    },
  },
  {
    name: 'MQTT CONNACK, SUBACK and the $SYS version PUBLISH',
    input: input([hex('20020000'), hex('20020005'), hex('9003000100'), Buffer.concat([hex('31 1b 0013'), Buffer.from('$SYS/broker/version2.0.11')])], 256),
    run: (b) => {
      const f = frame(mqttFrameLength, b);
      if (!f) return;
      const p = parsePacket(f);
      if (p.type === PACKET_TYPES.connack) parseConnack(p);
      else if (p.type === PACKET_TYPES.suback) parseSuback(p, 1);
      else parsePublish(p);
    },
  },
  {
    name: 'Omron FINS Controller Data Read (UDP and TCP) and FINS/TCP node address answers',
    input: input(finsReplies),
    run: (b) => {
      const controllerData = (answer: Buffer) => parseControllerData(parseControllerDataResponse(answer, 7).data);
      each(
        () => controllerData(b),
        () => {
          const f = frame(finsTcpFrameLength, b);
          if (!f) return;
          const message = parseTcpMessage(f);
          each(
            () => parseNodeAddressResponse(message),
            () => controllerData(message.body),
          );
        },
      );
    },
  },
  {
    name: 'MELSEC SLMP Read CPU Model (3E binary)',
    input: input(slmpReplies),
    run: (b) => {
      const f = frame(slmpFrameLength, b);
      if (f) parseCpuModel(parseSlmpResponse(f).data);
    },
  },
  {
    name: 'CoDeSys V2 identification reply',
    input: input(codesysV2Replies, 600),
    run: (b) => {
      const f = frame(v2FrameLength, b);
      if (f) parseIdentifyReply(f);
    },
  },
  {
    name: 'IEC 60870-5-104 APCI',
    input: input(iec104Frames, 300),
    run: (b) => {
      const f = frame(apciFrameLength, b);
      if (f) parseApci(f);
    },
  },
  {
    name: 'DNP3 data link frame',
    input: input(dnp3Frames, 400),
    run: (b) => {
      const f = frame(linkFrameLength, b);
      if (f) parseLinkFrame(f);
    },
  },
  {
    name: 'SSH identification and KEXINIT',
    input: input([Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.6 Debian\r\n'), sshPacket(kexPayload)]), sshPacket(kexPayload), kexPayload, sshHostKey]),
    run: (b) => {
      each(
        () => {
          const ident = frame(identificationLength, b);
          if (ident) parseIdentification(ident);
        },
        () => {
          const packet = frame(binaryPacketLength, b);
          if (packet) parseKexInit(packetPayload(packet));
        },
        () => parseKexInit(b),
        () => hostKeyInfo(b),
      );
    },
  },
  {
    name: 'SNMP BER (v3 discovery report)',
    input: input([snmpReport], 1500),
    run: (b) => {
      each(
        () => peekMessage(b),
        () => parseDiscoveryReport(b),
      );
    },
  },
  {
    name: 'OPC UA chunks and discovery responses',
    input: input(opcuaReplies, 4096),
    run: (b) => {
      const responses = (body: Buffer) =>
        each(
          () => endpointFacts(decodeGetEndpointsResponse(body, 1).endpoints),
          () => decodeFindServersResponse(body, 1),
          () => decodeOpenSecureChannelResponse(body, 1),
        );
      each(
        () => {
          const f = frame(chunkLength(LIMITS.receiveBufferSize, 'malformed'), b);
          const chunk = f && parseChunk(f);
          const body = chunk && chunk.type !== 'ACK' && chunk.type !== 'ERR' ? new ChunkAssembler('fuzz').add(chunk) : undefined;
          if (body) responses(body);
        },
        () => responses(b),
      );
    },
  },
  {
    name: 'VNC RFB version and security types',
    input: input([...rfb, ...vncSecurity]),
    run: (b) => {
      each(
        () => b.length >= rfbVersionLength(b) && parseRfbVersion(b.subarray(0, rfbVersionLength(b))),
        ...['003.003', '003.008'].map((version) => () => {
          const f = frame((x) => securityMessageLength(version, x), b);
          if (f) parseSecurityMessage(version, f);
        }),
      );
    },
  },
  {
    name: 'FTP, HTTP and Telnet banners',
    input: input([...ftpReplies, ...httpReplies, ...telnetBanners], 4096),
    run: (b) => {
      each(
        () => {
          const ftp = frame(ftpReplyLength, b);
          if (ftp) parseFtpReply(ftp);
        },
        () => {
          const headLength = httpHeadLength(b);
          if (headLength === undefined || headLength > b.length) return;
          httpFacts(parseHttpHead(b.subarray(0, headLength)), decodeChunked(b.subarray(headLength)).data, false);
        },
        () => inspectHtml(b.toString('latin1')),
        () => softwareToken(printableText(b).text),
        () => telnetFacts(b),
      );
    },
  },
  {
    name: 'Niagara Fox hello',
    input: input(foxReplies, 2048),
    run: (b) => {
      const f = frame(helloFrameLength, b);
      if (f) parseHello(f);
    },
  },
  {
    name: 'PC WORX init, select-info and device information',
    input: input(pcworxReplies),
    run: (b) => {
      each(
        ...(['init', 'selectInfo', 'readInfo'] as const satisfies readonly PcworxRequest[]).map((request) => () => {
          const f = frame(pcworxFrameLength(request), b);
          if (f && request === 'init') parsePcworxInit(f);
          if (f && request === 'readInfo') parsePcworxInfo(f);
        }),
      );
    },
  },
  {
    name: 'ProConOS info reply',
    input: input([proconosReply]),
    run: (b) => {
      const f = frame(proconosFrameLength, b);
      if (f) parseProconosInfo(f);
    },
  },
  {
    name: 'TLS/OPC UA certificate (DER)',
    input: input([SELF_SIGNED_EC], 2048),
    run: (b) => {
      try {
        certificateFacts(b);
      } catch (err) {
        // Callers record unreadable DER as a typed failure; what node:crypto throws for it carries an OpenSSL code.
        if (!/^ERR_(OSSL|CRYPTO)/.test(String((err as NodeJS.ErrnoException).code))) throw err;
      }
    },
  },
];

export interface FuzzRun {
  readonly name: string;
  readonly cases: number;
  readonly slowestMs: number;
  readonly ms: number;
}

/** Checks one target over `numRuns` inputs: only typed failures may escape; reports the slowest case. */
export function fuzz(target: FuzzTarget, numRuns: number, seed?: number): FuzzRun {
  let slowest = 0;
  const started = performance.now();
  fc.assert(
    fc.property(target.input, (b) => {
      const t = performance.now();
      try {
        target.run(b);
      } catch (err) {
        if (!(err instanceof ProbeUnavailable)) throw err;
      }
      slowest = Math.max(slowest, performance.now() - t);
    }),
    { numRuns, ...(seed === undefined ? {} : { seed }) },
  );
  return { name: target.name, cases: numRuns, slowestMs: slowest, ms: performance.now() - started };
}

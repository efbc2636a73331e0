import { describe, expect, it } from 'vitest';
import { thrownUnavailable } from '../test-kit.ts';
import { encodeKexInitPayload, encodePacket, encodeString } from '../../fixtures/ssh/raw-server.ts';
import {
  binaryPacketLength,
  hostKeyInfo,
  hostKeyType,
  identificationLength,
  MAX_PRE_IDENT_LINES,
  packetPayload,
  parseDisconnect,
  parseIdentification,
  parseKexInit,
} from './kexinit.ts';

const b = (s: string) => Buffer.from(s, 'latin1');

// Lists as a Debian 12 OpenSSH 9.2 server sends them (shape and order of a real server).
const OPENSSH_92 = {
  kex: [
    'sntrup761x25519-sha512@openssh.com',
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha256',
    'kex-strict-s-v00@openssh.com',
  ],
  hostKey: ['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519'],
  cipherClientToServer: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  cipherServerToClient: ['chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  macClientToServer: [
    'umac-64-etm@openssh.com',
    'umac-128-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'umac-64@openssh.com',
    'umac-128@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  macServerToClient: [
    'umac-64-etm@openssh.com',
    'umac-128-etm@openssh.com',
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'umac-64@openssh.com',
    'umac-128@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
  ],
  compressionClientToServer: ['none', 'zlib@openssh.com'],
  compressionServerToClient: ['none', 'zlib@openssh.com'],
};

describe('identification', () => {
  it('parses an OpenSSH line with comments', () => {
    const frame = b('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
    expect(identificationLength(frame)).toBe(frame.length);
    expect(parseIdentification(frame)).toEqual({
      raw: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3',
      protoVersion: '2.0',
      softwareVersion: 'OpenSSH_9.2p1',
      software: 'OpenSSH',
      version: '9.2p1',
      comments: 'Debian-2+deb12u3',
      preamble: [],
    });
  });

  it('splits device software tokens and keeps tokens without a version whole', () => {
    expect(parseIdentification(b('SSH-2.0-dropbear_2022.83\r\n'))).toMatchObject({ software: 'dropbear', version: '2022.83' });
    expect(parseIdentification(b('SSH-1.99-Cisco-1.25\r\n'))).toMatchObject({ protoVersion: '1.99', software: 'Cisco', version: '1.25' });
    expect(parseIdentification(b('SSH-2.0-ROSSSH\r\n'))).toMatchObject({ software: 'ROSSSH' });
    expect(parseIdentification(b('SSH-2.0-ROSSSH\r\n')).version).toBeUndefined();
    expect(parseIdentification(b('SSH-2.0-OpenSSH_for_Windows_8.1\n'))).toMatchObject({ software: 'OpenSSH_for_Windows', version: '8.1' });
  });

  it('accepts lines before the identification and leaves the next packet unread', () => {
    const buf = b('Welcome\r\nAuthorised use only\r\nSSH-2.0-libssh_0.9.6\r\n\x00\x00\x01\x00');
    const n = identificationLength(buf);
    expect(n).toBe(buf.length - 4);
    expect(parseIdentification(buf.subarray(0, n))).toMatchObject({ software: 'libssh', preamble: ['Welcome', 'Authorised use only'] });
  });

  it('waits for more bytes while the line is incomplete', () => {
    expect(identificationLength(b(''))).toBeUndefined();
    expect(identificationLength(b('SS'))).toBeUndefined();
    expect(identificationLength(b('SSH-2.0-Open'))).toBeUndefined();
    expect(identificationLength(b('Hello\r\nSSH-2.0'))).toBeUndefined();
  });

  it('rejects garbage, endless preambles and overlong lines as malformed', () => {
    expect(thrownUnavailable(() => identificationLength(Buffer.alloc(5000, 0x41))).kind).toBe('malformed');
    const lines = Array.from({ length: MAX_PRE_IDENT_LINES + 1 }, (_, i) => `line ${i}\r\n`).join('');
    expect(thrownUnavailable(() => identificationLength(b(lines))).kind).toBe('malformed');
    expect(thrownUnavailable(() => identificationLength(b(`SSH-2.0-${'x'.repeat(300)}`))).kind).toBe('malformed');
    expect(thrownUnavailable(() => identificationLength(b(`SSH-2.0-${'x'.repeat(300)}\r\n`))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseIdentification(b('SSH-2.0-\x01\x02\r\n'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseIdentification(b('SSH-2.0\r\n'))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseIdentification(b('HTTP/1.1 400 Bad Request\r\n'))).kind).toBe('malformed');
  });

  it('reports an SSH-1 only server as a protocol mismatch', () => {
    expect(thrownUnavailable(() => parseIdentification(b('SSH-1.5-OldDevice\r\n'))).kind).toBe('protocol-mismatch');
  });
});

describe('binary packet framing', () => {
  it('frames a packet and returns its payload', () => {
    const payload = encodeKexInitPayload({ kex: ['curve25519-sha256'] });
    const packet = encodePacket(payload);
    expect(binaryPacketLength(packet.subarray(0, 4))).toBeUndefined();
    expect(binaryPacketLength(packet)).toBe(packet.length);
    expect(packetPayload(packet)).toEqual(payload);
  });

  it('cuts off huge announced lengths and impossible padding', () => {
    expect(thrownUnavailable(() => binaryPacketLength(Buffer.from([0x7f, 0xff, 0xff, 0xff, 4]))).kind).toBe('malformed');
    expect(thrownUnavailable(() => binaryPacketLength(Buffer.from([0, 0, 0, 12, 2]))).kind).toBe('malformed');
    expect(thrownUnavailable(() => binaryPacketLength(Buffer.from([0, 0, 0, 8, 10]))).kind).toBe('malformed');
  });
});

describe('KEXINIT', () => {
  it('reads all ten lists of a real-world-shaped offer', () => {
    const k = parseKexInit(encodeKexInitPayload(OPENSSH_92));
    expect(k.lists.kex).toEqual(OPENSSH_92.kex);
    expect(k.lists.hostKey).toEqual(OPENSSH_92.hostKey);
    expect(k.lists.macServerToClient).toEqual(OPENSSH_92.macServerToClient);
    expect(k.lists.compressionClientToServer).toEqual(['none', 'zlib@openssh.com']);
    expect(k.lists.languageClientToServer).toEqual([]);
    expect(k.firstKexPacketFollows).toBe(false);
    expect(k.cookie).toBe('ab'.repeat(16));
  });

  it('reads first_kex_packet_follows', () => {
    expect(parseKexInit(encodeKexInitPayload({ kex: ['curve25519-sha256'] }, true)).firstKexPacketFollows).toBe(true);
  });

  it('rejects every truncation of a valid payload', () => {
    const payload = encodeKexInitPayload(OPENSSH_92);
    for (let cut = 0; cut < payload.length; cut += 1) {
      expect(thrownUnavailable(() => parseKexInit(payload.subarray(0, cut))).kind).toBe('malformed');
    }
  });

  it('rejects a list length beyond the payload and oversized lists', () => {
    const payload = encodeKexInitPayload({ kex: ['curve25519-sha256'] });
    payload.writeUInt32BE(0xffffffff, 17);
    expect(thrownUnavailable(() => parseKexInit(payload)).kind).toBe('malformed');
    const huge = Buffer.concat([Buffer.from([20]), Buffer.alloc(16), encodeString('a,'.repeat(3000))]);
    expect(thrownUnavailable(() => parseKexInit(huge)).message).toMatch(/more than 4096/);
    const many = Buffer.concat([Buffer.from([20]), Buffer.alloc(16), encodeString(Array.from({ length: 200 }, (_, i) => `k${i}`).join(','))]);
    expect(thrownUnavailable(() => parseKexInit(many)).message).toMatch(/more than 128/);
  });

  it('rejects empty names, control bytes and other message types', () => {
    expect(thrownUnavailable(() => parseKexInit(encodeKexInitPayload({ kex: ['a', '', 'b'] }))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseKexInit(encodeKexInitPayload({ kex: ['a\x00b'] }))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseKexInit(encodeKexInitPayload({ kex: ['x'.repeat(65)] }))).kind).toBe('malformed');
    expect(thrownUnavailable(() => parseKexInit(Buffer.from([21]))).message).toMatch(/message type 21/);
  });
});

describe('helpers', () => {
  it('reads a DISCONNECT, also when cut short', () => {
    expect(parseDisconnect(Buffer.concat([Buffer.from([1, 0, 0, 0, 2]), encodeString('Too many\x07 sessions')]))).toEqual({
      reason: 2,
      description: 'Too many? sessions',
    });
    expect(parseDisconnect(Buffer.from([1, 0, 0]))).toEqual({ reason: 0, description: '' });
  });

  it('maps host key algorithms to key types', () => {
    expect(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519-cert-v01@openssh.com'].map(hostKeyType)).toEqual([
      'ssh-rsa',
      'ssh-rsa',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
  });

  it('reads host key sizes from key blobs and rejects cut blobs', () => {
    const modulus = Buffer.concat([Buffer.from([0]), Buffer.alloc(256, 0xc1)]);
    const rsa = Buffer.concat([encodeString('ssh-rsa'), encodeString(Buffer.from([1, 0, 1])), encodeString(modulus)]);
    expect(hostKeyInfo(rsa)).toEqual({ type: 'ssh-rsa', bits: 2048 });
    expect(hostKeyInfo(Buffer.concat([encodeString('ecdsa-sha2-nistp384'), encodeString('nistp384'), encodeString(Buffer.alloc(97))]))).toEqual({
      type: 'ecdsa-sha2-nistp384',
      curve: 'nistp384',
      bits: 384,
    });
    expect(hostKeyInfo(Buffer.concat([encodeString('ssh-ed25519'), encodeString(Buffer.alloc(32))]))).toEqual({ type: 'ssh-ed25519', bits: 256 });
    expect(thrownUnavailable(() => hostKeyInfo(rsa.subarray(0, 40))).kind).toBe('malformed');
  });
});

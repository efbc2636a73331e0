import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { classifyTlsError } from './it-services/tls.ts';
import { opcuaUnavailable } from './opcua/session-node-opcua.ts';
import { SnmpChannel } from './snmp/channel.ts';
import { SOCKET_CODES, socketFailure } from './socket-failure.ts';
import { unavailableFrom } from './ssh/client.ts';
import { connectSocket, TcpSession } from './tcp-session.ts';
import { rejectedUnavailable, testContext } from './test-kit.ts';
import type { FailureKind, ProbeUnavailable } from './types.ts';

const HOST = '127.97.1.1';

/** A loopback port nothing listens on: bound once to learn a free number, then released. */
async function closedTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function closedUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('socket failures: one table, one meaning', () => {
  it('gives each code the same kind in every protocol that classifies socket errors', () => {
    const expected = Object.fromEntries(Object.entries(SOCKET_CODES).map(([code, meaning]) => [code, meaning.kind]));
    // EPIPE was `reset` for OPC UA, a rejected offer for TLS and `error` for TCP connects and SSH.
    expect(expected).toEqual({
      ECONNREFUSED: 'refused',
      ECONNRESET: 'reset',
      EPIPE: 'reset',
      ETIMEDOUT: 'timeout',
      EHOSTUNREACH: 'timeout',
      ENETUNREACH: 'timeout',
    });
    const seen: Record<string, Record<string, FailureKind | 'rejected' | 'not-tested' | 'accepted'>> = {};
    for (const code of Object.keys(SOCKET_CODES)) {
      const socketError = () => Object.assign(new Error(`read ${code}`), { code, level: 'client-socket' });
      const tls = classifyTlsError(socketError());
      seen[code] = {
        table: socketFailure(socketError())?.kind as FailureKind,
        ssh: unavailableFrom(socketError(), 'ssh.kexinit').kind,
        // node-opcua passes socket errors on as text only.
        opcua: opcuaUnavailable(new Error(`connect ${code} 127.0.0.1:4840`)).kind,
        // During a TLS handshake a reset is the server refusing the offered versions.
        tls: tls.kind === 'stop' ? tls.failure.kind : tls.kind,
      };
    }
    for (const [code, kind] of Object.entries(expected)) {
      expect(seen[code], code).toEqual({ table: kind, ssh: kind, opcua: kind, tls: kind === 'reset' ? 'rejected' : kind });
    }
  });

  it('leaves a code outside the table to the protocol', () => {
    expect(socketFailure(Object.assign(new Error('bind EACCES'), { code: 'EACCES' }))).toBeUndefined();
    expect(socketFailure(new Error('no code at all'))).toBeUndefined();
  });

  it('classifies real loopback failures: a refused connect, a reset reply, an unreachable UDP port', async () => {
    const refused = await rejectedUnavailable(connectSocket(testContext(HOST, await closedTcpPort()), 'test.connect'));
    expect([refused.kind, refused.message]).toEqual(['refused', 'connection refused']);

    // Resets once asked, so the connect itself has surely completed.
    const resetting = net.createServer((s) => s.once('data', () => s.resetAndDestroy()));
    await new Promise<void>((resolve) => resetting.listen(0, HOST, resolve));
    try {
      const session = await TcpSession.open(testContext(HOST, (resetting.address() as net.AddressInfo).port), 'test.read');
      await session.write('test.request', Buffer.from('?'));
      const reset = await rejectedUnavailable(session.readFrame(() => undefined, { op: 'test.reply', maxBytes: 16 }));
      await session.close();
      expect([reset.kind, reset.message]).toEqual(['reset', 'connection reset while waiting for test.reply']);
    } finally {
      await new Promise((resolve) => resetting.close(resolve));
    }

    const channel = await SnmpChannel.open(testContext(HOST, await closedUdpPort()), 'test.udp');
    try {
      const unreachable = new Promise<ProbeUnavailable>((resolve) => channel.attach({ owns: () => false, message: () => undefined, failure: resolve }));
      await channel.send({ op: 'test.datagram' }, Buffer.from([0x30, 0x00]));
      const failure = await unreachable;
      expect(failure.kind).toBe('refused');
      expect(failure.message).toMatch(/^no SNMP agent: 127\.97\.1\.1 answered port \d+ unreachable$/);
    } finally {
      await channel.close();
    }
  });
});

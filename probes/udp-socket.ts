import dgram from 'node:dgram';
import net from 'node:net';
import type { ProbeContext } from './types.ts';
import { ProbeUnavailable } from './types.ts';

/**
 * The one UDP socket of a probe run, connected to the device's address and port: the kernel drops
 * datagrams from anyone else, and an ICMP port-unreachable arrives as ECONNREFUSED (`refused`)
 * instead of a silent wait. No datagram leaves until the caller sends one.
 */
export async function openConnectedUdpSocket(ctx: Pick<ProbeContext, 'address' | 'port'>): Promise<dgram.Socket> {
  const socket = dgram.createSocket(net.isIPv6(ctx.address) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(ctx.port, ctx.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    socket.close();
    throw new ProbeUnavailable('error', `UDP socket to ${ctx.address}:${ctx.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return socket;
}

/** Runs `work` on the probe's one connected UDP socket and always closes it. */
export async function onOneUdpSocket<T>(ctx: Pick<ProbeContext, 'address' | 'port'>, work: (socket: dgram.Socket) => Promise<T>): Promise<T> {
  const socket = await openConnectedUdpSocket(ctx);
  try {
    return await work(socket);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

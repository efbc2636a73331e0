import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverPorts } from './discovery.ts';
import { TcpSession } from './tcp-session.ts';
import { Transcript } from './transcript.ts';
import { rejectedUnavailable, testContext } from './test-kit.ts';
import { testAddress } from '../test/addresses.ts';

const HOST = testAddress('tcpSession', 1);
type Behaviour = (socket: net.Socket) => void;
const servers: net.Server[] = [];
let accepted = 0;

async function serve(port: number, behaviour: Behaviour): Promise<void> {
  const server = net.createServer((s) => {
    accepted += 1;
    s.on('error', () => {});
    behaviour(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
}

const ctx = (port: number, stepTimeoutMs = 400) => testContext(HOST, port, { stepTimeoutMs });
const lengthPrefixed = (buf: Buffer) => (buf.length < 2 ? undefined : 2 + buf.readUInt16BE(0));

beforeAll(async () => {
  await serve(41001, (s) => s.end(Buffer.from([0, 3, 1, 2, 3, 0, 1, 9])));
  await serve(41002, () => {});
  await serve(41003, (s) => s.write(Buffer.from([0xff, 0xff])));
  await serve(41004, (s) => s.end(Buffer.from([0, 9, 1])));
  await serve(41005, (s) => s.resetAndDestroy());
  await serve(41006, (s) => {
    const t = setInterval(() => s.write('x'), 30);
    s.on('close', () => clearInterval(t));
  });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('TcpSession', () => {
  it('reads consecutive frames and records them', async () => {
    const c = ctx(41001);
    const s = await TcpSession.open(c, 't');
    expect([...(await s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }))]).toEqual([0, 3, 1, 2, 3]);
    expect([...(await s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }))]).toEqual([0, 1, 9]);
    await s.close();
    expect(
      c.transcript
        .entries()
        .filter((e) => e.op === 't.reply')
        .map((e) => e.hex),
    ).toEqual(['0003010203', '000109']);
  });

  it('times out on a silent peer within the step limit', async () => {
    const s = await TcpSession.open(ctx(41002, 200), 't');
    const started = performance.now();
    expect((await rejectedUnavailable(s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }))).kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(600);
    await s.close();
  });

  it('cuts off a peer announcing more than allowed', async () => {
    const s = await TcpSession.open(ctx(41003), 't');
    const err = await rejectedUnavailable(s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }));
    expect(err.kind).toBe('malformed');
    expect(err.message).toContain('65537 bytes');
    await s.close();
  });

  it('reports a peer closing mid-frame and keeps the partial bytes', async () => {
    const c = ctx(41004);
    const s = await TcpSession.open(c, 't');
    const err = await rejectedUnavailable(s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }));
    expect(err.kind).toBe('closed');
    expect(err.message).toContain('incomplete reply');
    expect(c.transcript.entries().at(-1)).toMatchObject({ op: 't.reply.partial', hex: '000901' });
    await s.close();
  });

  it('reports a reset', async () => {
    // The reset can land during the handshake or on the first read, depending on timing.
    const attempt = async () => {
      const s = await TcpSession.open(ctx(41005), 't');
      try {
        await s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 });
      } finally {
        await s.close();
      }
    };
    expect(['reset', 'closed']).toContain((await rejectedUnavailable(attempt())).kind);
  });

  it('bounds an endless stream read until idle', async () => {
    const s = await TcpSession.open(ctx(41006, 300), 't');
    const out = await s.readIdle(100, { op: 't.banner', maxBytes: 4 });
    expect(out.length).toBeLessThanOrEqual(4);
    await s.close();
  });

  it('types a refused connection', async () => {
    expect((await rejectedUnavailable(TcpSession.open(ctx(41999), 't'))).kind).toBe('refused');
  });

  it('stops when the device budget is spent', async () => {
    const ac = new AbortController();
    const c = { ...ctx(41002, 5000), signal: ac.signal };
    const s = await TcpSession.open(c, 't');
    setTimeout(() => ac.abort(), 50);
    expect((await rejectedUnavailable(s.readFrame(lengthPrefixed, { op: 't.reply', maxBytes: 64 }))).kind).toBe('budget');
    await s.close();
  });
});

describe('discoverPorts', () => {
  it('tells open from closed ports and sends nothing', async () => {
    const before = accepted;
    const transcript = new Transcript();
    const res = await discoverPorts({ address: HOST, ports: [41002, 41998], timeoutMs: 500, signal: new AbortController().signal, transcript, silentAfter: 3 });
    expect(res.map((r) => r.state)).toEqual(['open', 'closed']);
    expect(accepted - before).toBe(1);
    expect(transcript.entries().filter((e) => e.dir === 'tx' && e.len !== undefined)).toEqual([]);
  });

  it('hands an open port connection to a probe: one connection, the greeting sent at connect kept', async () => {
    const before = accepted;
    const transcript = new Transcript();
    const frames: Buffer[] = [];
    let left: net.Socket | undefined;
    const res = await discoverPorts({
      address: HOST,
      ports: [41001],
      timeoutMs: 500,
      signal: new AbortController().signal,
      transcript,
      silentAfter: 3,
      onOpen: async (port, socket) => {
        // The server greets at once; the probe only starts reading after a pause.
        await new Promise((r) => setTimeout(r, 50));
        left = socket;
        const session = await TcpSession.open({ ...ctx(port), transcript, handover: { take: (p) => (p === port ? socket : undefined) } }, 'p');
        frames.push(await session.readFrame(lengthPrefixed, { op: 'greeting', maxBytes: 64 }));
        await session.close();
      },
    });
    expect(res.map((r) => r.state)).toEqual(['open']);
    expect(accepted - before).toBe(1);
    expect(frames.map((f) => [...f])).toEqual([[0, 3, 1, 2, 3]]);
    expect(left?.destroyed).toBe(true);
    expect(transcript.entries().map((e) => `${e.probe}:${e.op}`)).toEqual([
      'tcp.discovery:tcp.connect',
      'tcp.discovery:tcp.connected',
      'p:tcp.adopt',
      'p:greeting',
      'p:tcp.close',
    ]);
  });

  it('closes a connection nobody took over', async () => {
    const before = accepted;
    const transcript = new Transcript();
    let held: net.Socket | undefined;
    await discoverPorts({
      address: HOST,
      ports: [41002],
      timeoutMs: 500,
      signal: new AbortController().signal,
      transcript,
      silentAfter: 3,
      onOpen: async (_port, socket) => {
        held = socket;
      },
    });
    expect(accepted - before).toBe(1);
    expect(held?.destroyed).toBe(true);
    expect(transcript.entries().at(-1)?.op).toBe('tcp.close');
  });

  it('skips the remaining ports of a budget already spent', async () => {
    const ac = new AbortController();
    ac.abort();
    const res = await discoverPorts({ address: HOST, ports: [41001, 41002], timeoutMs: 500, signal: ac.signal, transcript: new Transcript(), silentAfter: 3 });
    expect(res.map((r) => r.state)).toEqual(['skipped', 'skipped']);
  });
});

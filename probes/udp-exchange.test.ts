import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../fixtures/fixture.ts';
import { startRawUdpPeer } from '../fixtures/snmp/raw-peer.ts';
import { testAddress } from '../test/addresses.ts';
import { rejectedUnavailable, testContext } from './test-kit.ts';
import { type ProbeContext, ProbeUnavailable } from './types.ts';
import { UdpLink } from './udp-exchange.ts';
import { onOneUdpSocket } from './udp-socket.ts';

const PEER = { probe: 'test.link', family: 'test', peer: 'test peer' };
let echo: RunningFixture;
beforeAll(async () => {
  echo = await startRawUdpPeer({ host: testAddress('udpLink', 1), port: 16_161, name: 'echo', answer: (request) => request });
});
afterAll(async () => {
  await echo.close();
});

const port = (f: RunningFixture) => f.ports.snmp ?? 0;
const request = (text: string, accept: (answer: string) => boolean, extra: { text?: string } = {}) => ({
  op: 'test.ask',
  request: Buffer.from(text),
  accept: (datagram: Buffer) => (accept(datagram.toString()) ? datagram.toString() : undefined),
  ...extra,
});
const steps = (ctx: ProbeContext) => ctx.transcript.entries().map((e) => [e.dir, e.op, e.text ?? '']);

describe('UdpLink, the request/answer piece BACnet and FINS/UDP share', () => {
  it('records an answer to no waiting request as ignored, and takes the next request its own answer on the same socket', async () => {
    const ctx = testContext(echo.host, port(echo), { stepTimeoutMs: 150 });
    const before = echo.log.requests.length;
    const answers = await onOneUdpSocket(ctx, async (socket) => {
      const link = new UdpLink(ctx, socket, PEER);
      const first = await rejectedUnavailable(link.exchange(request('one', () => false)));
      return [first.kind, await link.exchange(request('two', (a) => a === 'two', { text: 'the second question' }))];
    });
    expect(answers).toEqual(['timeout', 'two']);
    expect(steps(ctx)).toEqual([
      ['tx', 'test.ask', ''],
      ['rx', 'test.reply', 'answers no request waiting: ignored'],
      ['tx', 'test.ask', 'the second question'],
      ['rx', 'test.reply', ''],
    ]);
    // One socket: the peer saw one source endpoint.
    expect(new Set(echo.log.requests.slice(before).map((r) => r.connection)).size).toBe(1);
  });

  it('fails the exchange with what accept throws (a malformed answer), the datagram recorded', async () => {
    const ctx = testContext(echo.host, port(echo));
    const failure = await onOneUdpSocket(ctx, (socket) =>
      rejectedUnavailable(
        new UdpLink(ctx, socket, PEER).exchange({
          op: 'test.ask',
          request: Buffer.from('x'),
          accept: () => {
            throw new ProbeUnavailable('malformed', 'not an answer');
          },
        }),
      ),
    );
    expect([failure.kind, failure.message]).toEqual(['malformed', 'not an answer']);
    expect(steps(ctx)).toEqual([
      ['tx', 'test.ask', ''],
      ['rx', 'test.reply', ''],
    ]);
  });

  it('ends as refused on port unreachable and sends nothing more on that link', async () => {
    const ctx = testContext(testAddress('udpLink', 2), 9, { stepTimeoutMs: 1000 });
    const failures = await onOneUdpSocket(ctx, async (socket) => {
      const link = new UdpLink(ctx, socket, PEER);
      const first = await rejectedUnavailable(link.exchange(request('one', () => true)));
      const second = await rejectedUnavailable(link.exchange(request('two', () => true)));
      return [first, second].map((f) => [f.kind, f.message]);
    });
    const refused = ['refused', `no test peer: ${ctx.address} answered port 9 unreachable`];
    expect(failures).toEqual([refused, refused]);
    expect(ctx.transcript.entries().filter((e) => e.dir === 'tx')).toHaveLength(1);
  });
});

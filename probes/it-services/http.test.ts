import { describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { HttpPosture } from '../../fixtures/it-services/servers.ts';
import { startHttpFixture } from '../../fixtures/it-services/servers.ts';
import { runProbe } from '../run.ts';
import { ProbeUnavailable } from '../types.ts';
import { decodeChunked, httpFacts, httpHeadLength, httpProbe, inspectHtml, parseHttpHead } from './http.ts';
import { fixturesPerPosture, itEndsHostilePostures, testContext, untilClosed } from '../test-kit.ts';
import { testAddress } from '../../test/addresses.ts';

const HOST = testAddress('http', 1);
const buf = (s: string) => Buffer.from(s, 'latin1');

describe('HTTP parsing', () => {
  it('cuts the head at the blank line', () => {
    const head = 'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n';
    expect(httpHeadLength(buf(`${head}<html>`))).toBe(head.length);
    expect(httpHeadLength(buf('HTTP/1.0 200 OK\nServer: x\n\nbody'))).toBe(27);
    expect(httpHeadLength(buf('HTTP/1.1 200 OK\r\nServer'))).toBeUndefined();
    expect(httpHeadLength(buf('HTT'))).toBeUndefined();
  });

  it('recognises a peer that is not HTTP from its first bytes', () => {
    expect(() => httpHeadLength(buf('SSH-2.0-x\r\n'))).toThrow(ProbeUnavailable);
    expect(() => httpHeadLength(Buffer.from([0x16, 0x03, 0x01]))).toThrow(ProbeUnavailable);
  });

  it('parses status line and headers, lower-casing names', () => {
    const head = parseHttpHead(buf('HTTP/1.1 301 Moved Permanently\r\nLocation: https://plc/\r\nSERVER:  Boa/0.94 \r\n\r\n'));
    expect(head).toEqual({
      httpVersion: '1.1',
      status: 301,
      reason: 'Moved Permanently',
      headers: [
        ['location', 'https://plc/'],
        ['server', 'Boa/0.94'],
      ],
    });
    expect(parseHttpHead(buf('HTTP/1.0 200\r\n\r\n')).reason).toBe('');
  });

  it('rejects malformed heads', () => {
    expect(() => parseHttpHead(buf('HTTP/1.1 OK\r\n\r\n'))).toThrow(ProbeUnavailable);
    expect(() => parseHttpHead(buf('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'))).toThrow(ProbeUnavailable);
    const many = `HTTP/1.1 200 OK\r\n${'X: y\r\n'.repeat(101)}\r\n`;
    expect(() => parseHttpHead(buf(many))).toThrow(/more than 100/);
  });

  it('undoes chunked coding and says when it was cut', () => {
    expect(decodeChunked(buf('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n'))).toEqual({ data: buf('hello world'), complete: true });
    expect(decodeChunked(buf('5\r\nhel'))).toEqual({ data: buf('hel'), complete: false });
    expect(decodeChunked(buf('zz\r\nhello'))).toEqual({ data: buf(''), complete: false });
  });

  it('finds title and password inputs', () => {
    expect(inspectHtml('<TITLE> A &amp; B&#33; </TITLE><input name=u><INPUT class="x" type=password>')).toEqual({ title: 'A & B!', passwordField: true });
    expect(inspectHtml("<input type='password'>")).toEqual({ passwordField: true });
    expect(inspectHtml('<input type="passwordless"><title></title>')).toEqual({ passwordField: false });
  });

  it('derives redirect, auth schemes and truncation', () => {
    const head = parseHttpHead(
      buf('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\nWWW-Authenticate: Digest realm="x"\r\nTransfer-Encoding: chunked\r\n\r\n'),
    );
    const f = httpFacts(head, buf('4\r\n<tit'), false);
    expect(f).toMatchObject({ status: 401, authSchemes: ['basic', 'digest'], redirectsToHttps: false, bodyTruncated: true });
    const redirect = httpFacts(parseHttpHead(buf('HTTP/1.1 302 Found\r\nLocation: HTTPS://plc:443/\r\n\r\n')), Buffer.alloc(0), false);
    expect(redirect.redirectsToHttps).toBe(true);
  });
});

describe('httpProbe against fixtures', () => {
  const fixture = fixturesPerPosture<HttpPosture, RunningFixture>(['weak', 'hardened', 'basic-auth', 'silent', 'drip', 'endless', 'garbage'], (posture) =>
    startHttpFixture({ host: HOST, posture }),
  );

  it('reads the login page of the weak posture with one GET on one connection', async () => {
    const f = fixture('weak');
    const ctx = testContext(HOST, f.ports.http as number);
    const outcome = await runProbe(httpProbe, ctx);
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({
      status: 200,
      server: 'SimHMI-httpd/1.0',
      title: 'SimHMI & Line 3 Login',
      passwordField: true,
      redirectsToHttps: false,
      authSchemes: [],
      bodyTruncated: false,
    });
    expect(f.log.kinds()).toEqual(['GET /']);
    expect(f.log.count('read')).toBe(1);
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'http.get']);
    expect(f.log.connections).toBe(1);
    await untilClosed(f.log);
  });

  it('sees the redirect to https of the hardened posture', async () => {
    const outcome = await runProbe(httpProbe, testContext(HOST, fixture('hardened').ports.http as number));
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({ status: 301, location: `https://${HOST}/`, redirectsToHttps: true, passwordField: false });
  });

  it('sees Basic authentication in a chunked 401', async () => {
    const outcome = await runProbe(httpProbe, testContext(HOST, fixture('basic-auth').ports.http as number));
    expect(outcome.status === 'ok' && outcome.facts).toMatchObject({ status: 401, authSchemes: ['basic'], title: '401', bodyTruncated: false });
  });

  itEndsHostilePostures(httpProbe, 'http', fixture, [
    ['silent', 'timeout'],
    ['drip', 'timeout'],
    ['endless', 'malformed'],
    ['garbage', 'protocol-mismatch'],
  ]);
});

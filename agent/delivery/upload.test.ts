import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '../../console/server.ts';
import { ConsoleStore } from '../../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../../report/keys.ts';
import { signResult } from '../../report/sign.ts';
import { sampleResult } from '../../test/sample-result.ts';
import { makeTestPki, opensslMissing } from '../../test/tls-certs.ts';
import { postSignedResult, resultsUrl } from './upload.ts';

const root = mkdtempSync(join(tmpdir(), 'cellcheck-upload-'));
const pair = newSigningKeyPair();
const key = parsePrivateKey(pair.privatePem, 'k');
let store: ConsoleStore;
let token: string;

beforeAll(async () => {
  store = await ConsoleStore.open(join(root, 'console.db'));
  const pub = parsePublicKey(pair.publicPem, 'p');
  token = await store.enrollAgent('agent-a', pub, await keyId(pub), new Date(), { zones: ['Line 1'] });
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

const body = async (runId: string) => JSON.stringify(await signResult(sampleResult({ runId }), key));

describe('upload client', () => {
  it('joins the results path to a base URL with or without a path', () => {
    expect(resultsUrl(new URL('https://c.example:8443')).href).toBe('https://c.example:8443/api/v1/results');
    expect(resultsUrl(new URL('https://c.example/console')).href).toBe('https://c.example/console/api/v1/results');
  });

  it('gives up on a console that accepts but never answers, within the timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.82.3.5', r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = Date.now();
    const outcome = await postSignedResult(await body('slow'), { url: new URL(`http://127.82.3.5:${port}`), token, timeoutMs: 300, proxyEnv: {} });
    expect(outcome).toEqual({ kind: 'retry', reason: 'no answer within 300 ms' });
    expect(Date.now() - t0).toBeLessThan(3000);
    silent.close();
  });

  it('tells refusals that resending cannot fix from ones it can', async () => {
    const svc = await startConsole({ store, host: '127.82.3.6', port: 0 });
    try {
      const url = new URL(svc.url);
      expect(await postSignedResult(await body('r-1'), { url, token, timeoutMs: 5000, proxyEnv: {} })).toEqual({
        kind: 'acknowledged',
        status: 201,
        duplicate: false,
      });
      expect(await postSignedResult(await body('r-1'), { url, token, timeoutMs: 5000, proxyEnv: {} })).toEqual({
        kind: 'acknowledged',
        status: 200,
        duplicate: true,
      });
      expect(await postSignedResult('{}', { url, token, timeoutMs: 5000, proxyEnv: {} })).toMatchObject({
        kind: 'rejected',
        status: 400,
        reason: expect.stringMatching(/^HTTP 400 malformed: /),
      });
      const unknown = await postSignedResult(await body('r-2'), { url, token: 'wrong', timeoutMs: 5000, proxyEnv: {} });
      expect(unknown).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^HTTP 401 unknown-agent/) });
    } finally {
      await svc.close();
    }
  });
});

describe.skipIf(opensslMissing() !== undefined)(`upload over TLS with client certificate, through an HTTPS_PROXY ${opensslMissing() ?? ''}`, () => {
  let pki: ReturnType<typeof makeTestPki>;
  let svc: RunningConsole;
  let proxy: http.Server;
  let proxyUrl: string;
  const tunnels: string[] = [];
  let proxiedBytes = '';

  beforeAll(async () => {
    pki = makeTestPki('127.82.3.2');
    svc = await startConsole({
      store,
      host: '127.82.3.2',
      port: 0,
      tls: { cert: pki.read('serverCert'), key: pki.read('serverKey'), clientCa: pki.read('ca') },
    });
    // A minimal CONNECT proxy on loopback: it records each tunnel and every byte it relays.
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      if (!host?.startsWith('127.82.')) return client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        client.on('data', (b: Buffer) => {
          proxiedBytes += b.toString('latin1');
        });
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.82.3.1', r));
    proxyUrl = `http://127.82.3.1:${(proxy.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await svc?.close();
    proxy?.closeAllConnections();
    proxy?.close();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  const tls = () => ({ url: new URL(svc.url), token, timeoutMs: 5000, ca: pki.read('ca'), cert: pki.read('clientCert'), key: pki.read('clientKey') });

  it('tunnels through HTTPS_PROXY, checks the console against the operator CA, and shows the client certificate', async () => {
    const outcome = await postSignedResult(await body('tls-1'), { ...tls(), proxyEnv: { HTTPS_PROXY: proxyUrl } });
    expect(outcome).toEqual({ kind: 'acknowledged', status: 201, duplicate: false });
    expect(tunnels).toEqual([new URL(svc.url).host]);
    expect(proxiedBytes.length).toBeGreaterThan(0);
    expect(proxiedBytes).not.toContain(token);
    expect((await store.run('tls-1'))?.agentId).toBe('agent-a');
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = tunnels.length;
    const outcome = await postSignedResult(await body('tls-2'), { ...tls(), proxyEnv: { https_proxy: proxyUrl, NO_PROXY: '127.82.3.2' } });
    expect(outcome.kind).toBe('acknowledged');
    expect(tunnels.length).toBe(before);
  });

  it('keeps the result for a retry when the handshake fails (no client certificate, or an untrusted console)', async () => {
    const { cert: _c, key: _k, ...noClientCert } = tls();
    expect(await postSignedResult(await body('tls-3'), { ...noClientCert, proxyEnv: {} })).toMatchObject({ kind: 'retry' });
    expect(await postSignedResult(await body('tls-4'), { ...tls(), ca: pki.read('otherCa'), proxyEnv: {} })).toMatchObject({
      kind: 'retry',
      reason: expect.stringMatching(/certificate|SELF_SIGNED|UNABLE/i),
    });
    expect(await store.run('tls-3')).toBeUndefined();
  });
});

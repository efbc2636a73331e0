import { scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleStore } from '../console/store.ts';
import { keyId, newSigningKeyPair, parsePrivateKey, parsePublicKey } from '../report/keys.ts';
import type { Result } from '../report/result.ts';
import { canonicalJson, signResult } from '../report/sign.ts';
import { type ConsoleProcess, startConsoleProcess } from './run-process.ts';
import { fleetResult, signPayloadText } from './setup/console-fleet.ts';
import { storeKinds } from './setup/console-stores.ts';
import { makeTestPki, opensslMissing } from './tls-certs.ts';
import { TEST_RANGES, testAddress } from './addresses.ts';

/**
 * The console attacked from outside, as an intruder would: the real `cellcheck console` in a
 * child process, on each store, over HTTP (and TLS with client certificates). Each case is an
 * attack that once worked; it must now be refused while the console stays up.
 */
const kinds = storeKinds(testAddress('consoleAttack', 0, 1), TEST_RANGES.consoleAttack.port);
const dir = mkdtempSync(join(tmpdir(), 'cellcheck-attack-'));
afterAll(() => {
  for (const k of kinds) k.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PASSWORD = 'the right password';
const MAX_BODY = 4 * 1024 * 1024;
const MAX_INFLIGHT = 8 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

interface SendOptions {
  readonly headers?: Record<string, string | number>;
  readonly body?: string | Buffer;
  /** Source address on loopback: the console throttles per client address. */
  readonly from?: string;
  readonly tls?: https.RequestOptions;
}

/** One request on a new connection; resolves with the reply, rejects when the connection fails. */
function send(base: string, method: string, path: string, o: SendOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const lib = base.startsWith('https:') ? https : http;
    const req = lib.request(`${base}${path}`, { method, headers: o.headers, agent: false, ...(o.from ? { localAddress: o.from } : {}), ...o.tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const cookieOf = (a: Answer, name: string) => /^([^=]+)=([^;]*)/.exec((a.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`)) ?? '')?.[2];

/** A browser's login: the form (with its cookie-bound token), then the post; `next` as the attacker chose it. */
async function loginForm(base: string, from: string, next?: string) {
  const form = await send(base, 'GET', `/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`, { from });
  return {
    token: /name="login_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '',
    cookie: cookieOf(form, 'cellcheck_login') ?? '',
    next: /name="next" value="([^"]*)"/.exec(form.text)?.[1] ?? '',
  };
}

function postLogin(base: string, from: string, f: { token: string; cookie: string }, fields: Record<string, string>): Promise<Answer> {
  return send(base, 'POST', '/login', {
    from,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `cellcheck_login=${f.cookie}`, origin: base },
    body: new URLSearchParams({ login_csrf: f.token, ...fields }).toString(),
  });
}

/** Logs in; the session cookie, or throws with what the console said. */
async function login(base: string, from: string, name: string, password = PASSWORD): Promise<string> {
  const reply = await postLogin(base, from, await loginForm(base, from), { name, password, next: '/' });
  const session = cookieOf(reply, 'cellcheck_session');
  if (reply.status !== 303 || !session) throw new Error(`login of ${name} answered ${reply.status}`);
  return session;
}

const alive = async (base: string) => (await send(base, 'GET', '/login')).status === 200;

function agentKey() {
  const pair = newSigningKeyPair();
  return { priv: parsePrivateKey(pair.privatePem, 'k'), pub: parsePublicKey(pair.publicPem, 'p') };
}

function postSigned(base: string, token: string, body: string | Buffer) {
  return send(base, 'POST', '/api/v1/results', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/jose+json' }, body });
}

const result = (runId: string, zone: string, collectedAt: string, agentId = 'edge-1'): Result =>
  fleetResult({ runId, zone, agentId, collectedAt, addresses: ['127.89.50.10'] });

/**
 * Opens an upload, sends its headers and `sentBytes` of a body declared `declaredBytes` long, and
 * waits for an answer without sending more. `answer` resolves with the status, or never (the
 * console is still reading); `finish` sends the rest.
 */
function partialUpload(base: string, token: string | undefined, declaredBytes: number, sentBytes: number) {
  const url = new URL(base);
  const socket = net.connect(Number(url.port), url.hostname);
  const head = [
    'POST /api/v1/results HTTP/1.1',
    `Host: ${url.host}`,
    'Content-Type: application/jose+json',
    `Content-Length: ${declaredBytes}`,
    ...(token ? [`Authorization: Bearer ${token}`] : []),
    '',
    '',
  ].join('\r\n');
  socket.write(head);
  socket.write(Buffer.alloc(sentBytes, 0x20));
  let received = '';
  const answer = new Promise<number>((resolve) => {
    socket.on('data', (b: Buffer) => {
      received += b.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (m) resolve(Number(m[1]));
    });
  });
  socket.on('error', () => undefined);
  return {
    answer,
    finish: () => socket.write(Buffer.alloc(declaredBytes - sentBytes, 0x20)),
    close: () => socket.destroy(),
  };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'no answer'>((resolve) => setTimeout(() => resolve('no answer'), ms).unref())]);

for (const [i, k] of kinds.entries()) {
  describe.skipIf(k.skip !== undefined)(`console under attack on ${k.kind} ${k.skip ?? ''}`, () => {
    const host = `127.89.${i + 1}.1`;
    const edge1 = agentKey();
    const edgeAny = agentKey();
    const tokens = { edge1: '', edgeAny: '', reader: '' };
    let location = '';
    let main: ConsoleProcess;
    let base = '';
    /** A fresh client address per attack: throttling is per address, and attacks must not spend each other's budget. */
    let nextClient = 10;
    const client = () => `127.89.${i + 1}.${nextClient++}`;

    beforeAll(async () => {
      location = await k.fresh('attack');
      const store = await ConsoleStore.open(location);
      tokens.edge1 = await store.enrollAgent('edge-1', edge1.pub, await keyId(edge1.pub), new Date(), { zones: ['Line 1'] });
      tokens.edgeAny = await store.enrollAgent('edge-any', edgeAny.pub, await keyId(edgeAny.pub), new Date(), { zones: ['*'] });
      tokens.reader = await store.addReader('auditor', new Date());
      for (const name of ['vera', 'victim', 'racer']) await store.accounts.addUser(name, PASSWORD, 'viewer', 'cli', new Date());
      // A user whose hash was made at the old cost (scrypt N=2^14), as databases of earlier releases hold.
      const salt = Buffer.alloc(16, 3);
      const old = ['scrypt', 16384, 8, 1, salt.toString('base64url'), scryptSync(PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')].join('$');
      await store.db.run('INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)', ['legacy', old, 'viewer', new Date().toISOString()]);
      await store.close();
      main = await startConsoleProcess(location, `${host}:0`, dir, ['--max-body-bytes', String(MAX_BODY), '--max-inflight-bytes', String(MAX_INFLIGHT)]);
      base = `http://${main.listen}`;
    });
    afterAll(async () => {
      if (!main) return;
      const exited = new Promise((r) => main.child.once('exit', r));
      main.child.kill('SIGTERM');
      await exited;
    });

    it('1. a login link with a line break in next= neither kills the console nor reaches a header', async () => {
      const from = client();
      const form = await loginForm(base, from, '/\nboom');
      expect(form.next).toBe('/');
      for (const next of ['/\nboom', '/\nx', '/\r\nSet-Cookie: a=b', '/\r\n\r\n<script>'])
        expect(await postLogin(base, from, await loginForm(base, from), { name: 'vera', password: PASSWORD, next })).toMatchObject({
          status: 303,
          headers: { location: '/' },
        });
      expect(main.child.exitCode).toBeNull();
      expect(await alive(base)).toBe(true);
    });

    it('2. next= cannot send a browser to another site', async () => {
      const from = client();
      for (const next of ['/\t/other-host:8080/x', '//other-host/x', '/\\other-host/x', '/\\\\other-host', 'https://other-host/', ' /x', '/ /x', '/%0A']) {
        const reply = await postLogin(base, from, await loginForm(base, from, next), { name: 'vera', password: PASSWORD, next });
        expect([next, reply.status, reply.headers.location]).toEqual([next, 303, next === '/%0A' ? '/%0A' : '/']);
      }
      // A plain path of this console is kept.
      const kept = await postLogin(base, from, await loginForm(base, from), { name: 'vera', password: PASSWORD, next: '/zones/Line%201?q=a&b=1' });
      expect(kept.headers.location).toBe('/zones/Line%201?q=a&b=1');
    });

    it('3. forty passwords sent at once are throttled like forty in a row: the right one, last, does not get in', async () => {
      const from = client();
      const forms = await Promise.all(Array.from({ length: 40 }, () => loginForm(base, from)));
      const replies = await Promise.all(forms.map((f, n) => postLogin(base, from, f, { name: 'victim', password: n === 39 ? PASSWORD : `guess number ${n}` })));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 401).length).toBe(5);
      expect(statuses.filter((s) => s === 429).length).toBe(35);
      expect(statuses[39]).toBe(429);
      // Two hundred names at once from one address: the per-address budget holds too.
      const spreadFrom = client();
      const spreadForms = await Promise.all(Array.from({ length: 200 }, () => loginForm(base, spreadFrom)));
      const spread = await Promise.all(spreadForms.map((f, n) => postLogin(base, spreadFrom, f, { name: `name${n}`, password: 'some guess here' })));
      expect(spread.filter((r) => r.status === 401).length).toBe(20);
      expect(spread.filter((r) => r.status === 429).length).toBe(180);
    });

    it('4. an upload without a valid token is refused before its body is read, and bodies in flight are bounded', async () => {
      // Twenty uploads declaring 4 MiB each, with only 64 KiB sent: the 401 comes without the rest.
      const unauthenticated = Array.from({ length: 20 }, (_, n) => partialUpload(base, n % 2 ? 'not-a-token' : undefined, MAX_BODY, 64 * 1024));
      expect(await Promise.all(unauthenticated.map((u) => within(u.answer, 5000)))).toEqual(new Array(20).fill(401));
      for (const u of unauthenticated) u.close();
      // An enrolled agent's uploads share the in-flight allowance (8 MiB): the third concurrent one gets 503.
      const a = partialUpload(base, tokens.edge1, MAX_BODY, 3.5 * 1024 * 1024);
      const b = partialUpload(base, tokens.edge1, MAX_BODY, 3.5 * 1024 * 1024);
      await new Promise((r) => setTimeout(r, 300));
      const c = partialUpload(base, tokens.edge1, MAX_BODY, 2 * 1024 * 1024);
      expect(await within(c.answer, 5000)).toBe(503);
      expect(await within(a.answer, 200)).toBe('no answer');
      a.finish();
      b.finish();
      expect([await within(a.answer, 5000), await within(b.answer, 5000)]).toEqual([400, 400]);
      for (const u of [a, b, c]) u.close();
      // Once they are done, the allowance is back.
      const ok = await postSigned(
        base,
        tokens.edge1,
        JSON.stringify(await signResult(result('after-flood', 'Line 1', '2026-03-01T08:00:00.000Z'), edge1.priv)),
      );
      expect(ok.status).toBe(201);
    });

    it('5. an agent posts only for the zones it is bound to, and not from the future', async () => {
      const post = async (r: Result, key = edge1.priv, token = tokens.edge1) => {
        const reply = await postSigned(base, token, JSON.stringify(await signResult(r, key)));
        return { status: reply.status, error: (JSON.parse(reply.text) as { error?: string }).error };
      };
      expect(await post(result('z-real', 'Line 1', '2026-03-02T08:00:00.000Z'))).toEqual({ status: 201, error: undefined });
      expect(await post(result('z-other', 'Line 2', '2026-03-02T08:00:00.000Z'))).toEqual({ status: 403, error: 'zone-not-allowed' });
      expect(await post(result('z-future', 'Line 1', '2099-01-01T00:00:00.000Z'))).toEqual({ status: 422, error: 'clock-skew' });
      expect(await post(result('z-any', 'Line 2', '2026-03-02T09:00:00.000Z', 'edge-any'), edgeAny.priv, tokens.edgeAny)).toEqual({
        status: 201,
        error: undefined,
      });
      const listed = await send(base, 'GET', '/api/v1/results?zone=Line%201', { headers: { authorization: `Bearer ${tokens.reader}` } });
      const runs = (JSON.parse(listed.text) as { results: { runId: string }[] }).results.map((r) => r.runId);
      expect(runs[0]).toBe('z-real');
      expect(runs).not.toContain('z-future');
    });

    it('6. a validly signed payload nested 100,000 levels deep is refused at ingest, and nothing is stored', async () => {
      const r = result('deep-1', 'Line 1', '2026-03-03T08:00:00.000Z');
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      const payload = canonicalJson(r).replace('"observed":{', `"observed":{"deep":${deep},`);
      const reply = await postSigned(base, tokens.edge1, JSON.stringify(await signPayloadText(payload, r, edge1.priv)));
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.text)).toMatchObject({ error: 'malformed-document', reason: expect.stringContaining('nested deeper than 64 levels') });
      expect((await send(base, 'GET', '/api/v1/results/deep-1', { headers: { authorization: `Bearer ${tokens.reader}` } })).status).toBe(404);
    });

    it('7. malformed percent-encoding is a 400 on the API and a 404 page on the web, never a 500', async () => {
      const api = await send(base, 'GET', '/api/v1/results/%E0%A4%A', { headers: { authorization: `Bearer ${tokens.reader}` } });
      expect([api.status, JSON.parse(api.text).error]).toEqual([400, 'bad-path']);
      const session = await login(base, client(), 'vera');
      for (const path of ['/runs/%E0%A4%A', '/zones/%E0%A4%A', '/zones/Line%201/devices/%FF'])
        expect((await send(base, 'GET', path, { headers: { cookie: `cellcheck_session=${session}` } })).status).toBe(404);
      expect(main.logLines().filter((l) => l.status === 500)).toEqual([]);
    });

    it('8. passwords are hashed at scrypt N=2^17, and an older hash is raised at the next login', async () => {
      await login(base, client(), 'legacy');
      const store = await ConsoleStore.open(location);
      try {
        const hashes = await store.db.all('SELECT name, password_hash FROM users ORDER BY name');
        expect(hashes.map((h) => [h.name, String(h.password_hash).split('$').slice(0, 4).join('$')])).toEqual(
          ['legacy', 'racer', 'vera', 'victim'].map((n) => [n, 'scrypt$131072$8$1']),
        );
      } finally {
        await store.close();
      }
    });

    it('holds a thousand idle connections and still serves; idle keep-alive connections are closed by the console', async () => {
      const url = new URL(base);
      const silent = Array.from({ length: 500 }, () => net.connect(Number(url.port), url.hostname).on('error', () => undefined));
      const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 500 });
      const closed: Promise<void>[] = [];
      await Promise.all(
        Array.from(
          { length: 500 },
          () =>
            new Promise<void>((resolve, reject) => {
              const req = http.get(`${base}/login`, { agent: keepAlive }, (res) => {
                res.resume();
                res.on('end', () => resolve());
              });
              req.on('socket', (s) => closed.push(new Promise((r) => s.once('close', () => r()))));
              req.on('error', reject);
            }),
        ),
      );
      const started = Date.now();
      expect(await alive(base)).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      // keepAliveTimeout is 5 s: the console lets go of every idle keep-alive connection.
      expect(await within(Promise.all(closed), 8000)).not.toBe('no answer');
      keepAlive.destroy();
      for (const s of silent) s.destroy();
    });

    it('behind a trusted reverse proxy, throttles each client named in X-Forwarded-For; from anyone else, the header changes nothing', async () => {
      const proxy = `127.89.${i + 1}.250`;
      const behind = await startConsoleProcess(location, `${host}:0`, dir, ['--trust-proxy', proxy]);
      const behindBase = `http://${behind.listen}`;
      try {
        const attempts = async (from: string, forwardedFor: string, n: number) => {
          const forms = await Promise.all(Array.from({ length: n }, () => loginForm(behindBase, from)));
          const replies = await Promise.all(
            forms.map((f, k) =>
              send(behindBase, 'POST', '/login', {
                from,
                headers: {
                  'content-type': 'application/x-www-form-urlencoded',
                  cookie: `cellcheck_login=${f.cookie}`,
                  origin: behindBase,
                  'x-forwarded-for': forwardedFor,
                },
                body: new URLSearchParams({ login_csrf: f.token, name: `proxied${k}-${forwardedFor}`, password: 'a wrong guess' }).toString(),
              }),
            ),
          );
          return replies.map((r) => r.status);
        };
        const count = (statuses: number[], status: number) => statuses.filter((x) => x === status).length;
        // Through the proxy: 21 from one client are 20 checks and one refusal; another client starts afresh.
        const first = await attempts(proxy, '198.51.100.7, 10.0.0.1', 21);
        expect([count(first, 401), count(first, 429)]).toEqual([20, 1]);
        expect(await attempts(proxy, '10.0.0.2', 1)).toEqual([401]);
        // Not through the proxy: the header is the client's own word, so the peer's address counts.
        const direct = client();
        const spoofed = await attempts(direct, '10.0.0.3', 21);
        expect([count(spoofed, 401), count(spoofed, 429)]).toEqual([20, 1]);
        expect(await attempts(direct, '10.0.0.4', 1)).toEqual([429]);
      } finally {
        const exited = new Promise((r) => behind.child.once('exit', r));
        behind.child.kill('SIGTERM');
        await exited;
      }
    });

    it('logs a line for every refused request, and never a token or a password', () => {
      const lines = main.logLines();
      expect(lines.filter((l) => l.status === 401 && l.path === '/api/v1/results').length).toBeGreaterThanOrEqual(20);
      expect(lines.some((l) => l.status === 429)).toBe(true);
      const text = JSON.stringify(lines);
      for (const secret of [PASSWORD, tokens.edge1, tokens.edgeAny, tokens.reader]) expect(text).not.toContain(secret);
    });

    it('session: ends when idle, and at its absolute limit even when used all the time', { timeout: 60_000 }, async () => {
      // A second console on the same database with short limits: idle 6 s, absolute 14.4 s (margins for a loaded CI machine).
      const short = await startConsoleProcess(location, `${host}:0`, dir, ['--session-idle-minutes', '0.1', '--session-max-hours', '0.004']);
      const shortBase = `http://${short.listen}`;
      try {
        const page = async (session: string) => (await send(shortBase, 'GET', '/', { headers: { cookie: `cellcheck_session=${session}` } })).status;
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const idle = async () => {
          const s = await login(shortBase, client(), 'vera');
          const seen: number[] = [];
          for (let t = 0; t < 16; t++) {
            seen.push(await page(s));
            await sleep(500);
          }
          await sleep(7000);
          seen.push(await page(s));
          return seen;
        };
        const absolute = async () => {
          const loggedIn = Date.now();
          const s = await login(shortBase, client(), 'racer');
          while ((await page(s)) === 200 && Date.now() - loggedIn < 30_000) await sleep(400);
          return Date.now() - loggedIn;
        };
        const [idleSeen, lastedMs] = await Promise.all([idle(), absolute()]);
        // Used every half second for 8 s (past the 6 s idle limit): alive; then 7 s idle: gone.
        expect(idleSeen).toEqual([...new Array(16).fill(200), 303]);
        expect(lastedMs).toBeGreaterThanOrEqual(14_400);
        expect(lastedMs).toBeLessThan(20_000);
      } finally {
        const exited = new Promise((r) => short.child.once('exit', r));
        short.child.kill('SIGTERM');
        await exited;
      }
    });
  });
}

describe.skipIf(opensslMissing() !== undefined)(`console with --client-ca, under attack ${opensslMissing() ?? ''}`, () => {
  const host = '127.89.9.1';
  let pki: ReturnType<typeof makeTestPki>;
  let tlsConsole: ConsoleProcess;
  let base = '';

  beforeAll(async () => {
    pki = makeTestPki(host);
    tlsConsole = await startConsoleProcess(join(dir, 'tls.db'), `${host}:0`, dir, [
      '--tls-cert',
      pki.files.serverCert,
      '--tls-key',
      pki.files.serverKey,
      '--client-ca',
      pki.files.ca,
    ]);
    base = `https://${tlsConsole.listen}`;
  });
  afterAll(async () => {
    if (tlsConsole) {
      const exited = new Promise((r) => tlsConsole.child.once('exit', r));
      tlsConsole.child.kill('SIGTERM');
      await exited;
    }
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  const attempt = (cert?: 'clientCert' | 'expiredClientCert' | 'strangerClientCert') => {
    const key = { clientCert: 'clientKey', expiredClientCert: 'expiredClientKey', strangerClientCert: 'strangerClientKey' } as const;
    return send(base, 'GET', '/login', { tls: { ca: pki.read('ca'), ...(cert ? { cert: pki.read(cert), key: pki.read(key[cert]) } : {}) } });
  };

  it('refuses in the handshake a client with no certificate, an expired one, or one from another CA; serves a good one', async () => {
    await expect(attempt()).rejects.toThrow(/certificate|socket hang up|ECONNRESET/i);
    await expect(attempt('expiredClientCert')).rejects.toThrow(/certificate|expired|socket hang up|ECONNRESET/i);
    await expect(attempt('strangerClientCert')).rejects.toThrow(/certificate|unknown ca|socket hang up|ECONNRESET/i);
    expect((await attempt('clientCert')).status).toBe(200);
    expect(tlsConsole.child.exitCode).toBeNull();
  });
});

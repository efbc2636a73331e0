import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { RawSshBehaviour } from '../../fixtures/ssh/raw-server.ts';
import { startRawSshFixture } from '../../fixtures/ssh/raw-server.ts';
import { SSH_POSTURES, startSshFixture } from '../../fixtures/ssh/server.ts';
import { runProbe } from '../run.ts';
import { type TestContextOptions, testContext, untilClosed } from '../test-kit.ts';
import type { Send } from '../gate.ts';
import type { FailureKind, ProbeContext, ProbeDefinition, ProbeOutcome, SocketHandover } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import { SshAuthMethodsFacts, SshKexFacts } from './facts.ts';
import { sshAuthMethodsProbe, sshKexProbe } from './probe.ts';
import { testAddress } from '../../test/addresses.ts';

const BANNER = 'Authorised personnel only. Activity is logged.';

let legacy: RunningFixture;
let modern: RunningFixture;
let open: RunningFixture;
let terrapin: RunningFixture;
let noCommon: RunningFixture;
const hostile = new Map<RawSshBehaviour['kind'], RunningFixture>();

const HOSTILE: [RawSshBehaviour, FailureKind][] = [
  [{ kind: 'huge-list' }, 'malformed'],
  [{ kind: 'huge-length' }, 'malformed'],
  [{ kind: 'truncated' }, 'closed'],
  [{ kind: 'truncated-silent' }, 'timeout'],
  [{ kind: 'bad-list-length' }, 'malformed'],
  [{ kind: 'garbage-ident' }, 'malformed'],
  [{ kind: 'silent' }, 'timeout'],
  [{ kind: 'endless-lines' }, 'malformed'],
  [{ kind: 'ssh1' }, 'protocol-mismatch'],
  [{ kind: 'disconnect' }, 'denied'],
];

beforeAll(async () => {
  [legacy, modern, open, terrapin, noCommon] = await Promise.all([
    startSshFixture({ host: testAddress('sshProbe', 1), posture: 'legacy', banner: BANNER }),
    startSshFixture({ host: testAddress('sshProbe', 2), posture: 'modern', greeting: 'Device console ready' }),
    startSshFixture({ host: testAddress('sshProbe', 3), posture: 'modern', acceptNone: true }),
    startRawSshFixture({
      host: testAddress('sshProbe', 4),
      behaviour: {
        kind: 'kexinit',
        ident: 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.4',
        preamble: ['Line before the identification'],
        ignoreFirst: true,
        lists: {
          kex: ['curve25519-sha256', 'diffie-hellman-group14-sha256'],
          hostKey: ['rsa-sha2-512', 'ssh-ed25519'],
          cipherClientToServer: ['chacha20-poly1305@openssh.com', 'aes128-cbc'],
          cipherServerToClient: ['chacha20-poly1305@openssh.com', 'aes128-cbc'],
          macClientToServer: ['hmac-sha2-256-etm@openssh.com'],
          macServerToClient: ['hmac-sha2-256-etm@openssh.com'],
        },
      },
    }),
    startRawSshFixture({
      host: testAddress('sshNoCommonAlgorithms', 1),
      behaviour: { kind: 'kexinit', lists: { kex: ['vendor-kex@example.com'], hostKey: ['ssh-ed25519'], cipherClientToServer: ['aes128-ctr'] } },
    }),
  ]);
  let i = 10;
  for (const [behaviour] of HOSTILE) {
    i += 1;
    hostile.set(behaviour.kind, await startRawSshFixture({ host: testAddress('sshProbe', i), behaviour }));
  }
});

afterAll(async () => {
  await Promise.all([legacy, modern, open, terrapin, noCommon, ...hostile.values()].map((f) => f?.close()));
});

const context = (f: RunningFixture, extra: TestContextOptions = {}): ProbeContext => testContext(f.host, f.ports.ssh ?? 0, { stepTimeoutMs: 2000, ...extra });

/** What discovery does: connect, send nothing, and offer the open socket to the port's first probe. */
async function discoveryHandover(f: RunningFixture): Promise<{ handover: SocketHandover; taken: () => boolean }> {
  const socket = net.connect({ host: f.host, port: f.ports.ssh ?? 0 });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let offered: net.Socket | undefined = socket;
  return {
    handover: {
      take: () => {
        const s = offered;
        offered = undefined;
        return s;
      },
    },
    taken: () => offered === undefined,
  };
}

/** A gate that records every packet it is asked about and refuses the listed operations. */
function recordingGate(refuse: readonly string[] = []) {
  const asked: string[] = [];
  return {
    asked,
    gate: {
      async pass(send: Send) {
        asked.push(send.op);
        if (refuse.includes(send.op)) throw new ProbeUnavailable('denied', `operation ${send.op} refused by the test`);
      },
    },
  };
}

async function run(def: ProbeDefinition, ctx: ProbeContext): Promise<ProbeOutcome> {
  return runProbe(def, ctx);
}

function okFacts<T>(outcome: ProbeOutcome, schema: { parse(v: unknown): T }): T {
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${outcome.failure.kind} ${outcome.failure.detail}`);
  return schema.parse(outcome.facts);
}

const KEX_OPS = sshKexProbe.ops;

describe('ssh.kexinit against ssh2 servers', () => {
  it('reads the legacy lists and the RSA host key with one connection and no authentication', async () => {
    const before = legacy.log.connections;
    const ctx = context(legacy);
    const facts = okFacts(await run(sshKexProbe, ctx), SshKexFacts);
    const p = SSH_POSTURES.legacy;
    expect(facts.lists.kex).toEqual([...p.kex, 'kex-strict-s-v00@openssh.com']);
    expect(facts.lists.hostKey).toEqual(['ssh-rsa']);
    expect(facts.lists.cipherClientToServer).toEqual(p.cipher);
    expect(facts.lists.cipherServerToClient).toEqual(p.cipher);
    expect(facts.lists.macClientToServer).toEqual(p.hmac);
    expect(facts.lists.macServerToClient).toEqual(p.hmac);
    expect(facts.lists.compressionClientToServer).toEqual(['none']);
    expect(facts.hostKeyTypes).toEqual(['ssh-rsa']);
    expect(facts.strictKex).toBe(true);
    expect(facts.identification).toMatchObject({ raw: 'SSH-2.0-dropbear_2014.63', software: 'dropbear', version: '2014.63' });
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-rsa', bits: 1024 } });
    if (facts.keyExchange.status === 'ok') expect(facts.keyExchange.hostKey.fingerprint).toMatch(/^[A-Za-z0-9+/]{43}$/);
    await untilClosed(legacy.log);
    expect(legacy.log.connections - before).toBe(1);
    expect(legacy.log.maxConcurrent).toBe(1);
    expect(legacy.log.count('auth')).toBe(0);
    // The host key is rejected before NEWKEYS: the server never sees a finished key exchange.
    expect(legacy.log.kinds()).not.toContain('ssh.kex');
    const sent = ctx.transcript.sentOps();
    expect(sent.slice(0, 3)).toEqual(['tcp.connect', 'ssh.identification', 'ssh.kexinit']);
    expect(sent.filter((op) => !KEX_OPS.includes(op))).toEqual([]);
    const ops = ctx.transcript.entries().map((e) => `${e.dir}:${e.op}`);
    // Read first: the server's identification is in before a byte of ours leaves.
    expect(ops.indexOf('rx:ssh.identification')).toBeLessThan(ops.indexOf('tx:ssh.identification'));
    expect(ops).toContain('note:ssh.close');
    // The server's KEXINIT packet is kept byte for byte.
    const kexinit = ctx.transcript.entries().find((e) => e.dir === 'rx' && e.op === 'ssh.kexinit');
    expect(kexinit?.hex?.slice(10, 12)).toBe('14');
  });

  it('reads the modern lists, the lines before the identification and an Ed25519 key', async () => {
    const facts = okFacts(await run(sshKexProbe, context(modern)), SshKexFacts);
    const p = SSH_POSTURES.modern;
    expect(facts.lists.kex).toEqual([...p.kex, 'kex-strict-s-v00@openssh.com']);
    expect(facts.lists.hostKey).toEqual(['ssh-ed25519']);
    expect(facts.lists.cipherServerToClient).toEqual(p.cipher);
    expect(facts.lists.macServerToClient).toEqual(p.hmac);
    expect(facts.identification.preamble).toEqual(['Device console ready']);
    expect(facts.identification).toMatchObject({ software: 'OpenSSH', version: '9.6p1', comments: 'Ubuntu-3ubuntu13' });
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-ed25519', bits: 256 } });
    await untilClosed(modern.log);
    expect(modern.log.count('auth')).toBe(0);
  });

  it("takes discovery's connection over: one TCP connection for the whole service", async () => {
    const before = legacy.log.connections;
    const { handover, taken } = await discoveryHandover(legacy);
    const ctx = context(legacy, { handover });
    const facts = okFacts(await run(sshKexProbe, ctx), SshKexFacts);
    expect(facts.keyExchange.status).toBe('ok');
    expect(taken()).toBe(true);
    await untilClosed(legacy.log);
    expect(legacy.log.connections - before).toBe(1);
    expect(ctx.transcript.sentOps()).not.toContain('tcp.connect');
    expect(ctx.transcript.entries().map((e) => e.op)).toContain('tcp.adopt');
  });

  it('asks the gate before its identification and its KEXINIT leave', async () => {
    const { asked, gate } = recordingGate();
    okFacts(await run(sshKexProbe, context(modern, { gate })), SshKexFacts);
    expect(asked).toEqual(['tcp.connect', 'ssh.identification', 'ssh.kexinit']);
  });
});

describe('ssh.kexinit against a raw server', () => {
  it('sees a KEXINIT without the strict-kex marker after an IGNORE packet; the host key part says why it is missing', async () => {
    const ctx = context(terrapin, { stepTimeoutMs: 400 });
    const facts = okFacts(await run(sshKexProbe, ctx), SshKexFacts);
    expect(facts.strictKex).toBe(false);
    expect(facts.hostKeyTypes).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(facts.lists.cipherClientToServer).toEqual(['chacha20-poly1305@openssh.com', 'aes128-cbc']);
    expect(facts.identification.preamble).toEqual(['Line before the identification']);
    // The raw server never answers a key exchange.
    expect(facts.keyExchange).toMatchObject({ status: 'unavailable', failure: { kind: 'timeout' } });
    await untilClosed(terrapin.log);
    expect(terrapin.log.connections).toBe(1);
    expect(terrapin.log.kinds()[0]).toBe('ssh.client-identification');
  });

  it('keeps the KEXINIT facts when no algorithm is in common', async () => {
    const facts = okFacts(await run(sshKexProbe, context(noCommon)), SshKexFacts);
    expect(facts.lists.kex).toEqual(['vendor-kex@example.com']);
    expect(facts.keyExchange).toMatchObject({ status: 'unavailable', failure: { kind: 'not-supported' } });
    await untilClosed(noCommon.log);
  });

  it.each(HOSTILE)('ends a hostile %o typed (%s) within budget, socket closed', async (behaviour, kind) => {
    const f = hostile.get(behaviour.kind);
    if (!f) throw new Error('fixture missing');
    const started = performance.now();
    const outcome = await run(sshKexProbe, context(f, { stepTimeoutMs: 400 }));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(outcome.status).toBe('unavailable');
    if (outcome.status === 'unavailable') expect(outcome.failure.kind).toBe(kind);
    await untilClosed(f.log);
  });

  it('sends nothing to a service that never identifies as SSH', async () => {
    for (const kind of ['garbage-ident', 'endless-lines', 'silent'] as const) {
      const f = hostile.get(kind);
      if (!f) throw new Error('fixture missing');
      const ctx = context(f, { stepTimeoutMs: 400 });
      await run(sshKexProbe, ctx);
      expect(ctx.transcript.sentOps(), kind).toEqual(['tcp.connect']);
      await untilClosed(f.log);
      expect(f.log.count(), kind).toBe(0);
    }
  });

  it('stops when the device budget is spent', async () => {
    const f = hostile.get('silent');
    if (!f) throw new Error('fixture missing');
    const outcome = await run(sshKexProbe, context(f, { stepTimeoutMs: 5000, signal: AbortSignal.timeout(150) }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('budget');
    await untilClosed(f.log);
  });

  it('reports a closed port as refused', async () => {
    const outcome = await run(sshKexProbe, testContext(legacy.host, 1, { stepTimeoutMs: 2000 }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });
});

describe('ssh.auth-methods (opt-in)', () => {
  it('is declared opt-in and read-session', () => {
    expect(sshAuthMethodsProbe.optIn).toBe('ssh.authNone');
    expect(sshAuthMethodsProbe.safety).toBe('read-session');
    expect(sshAuthMethodsProbe.ops.filter((op) => !KEX_OPS.includes(op))).toEqual(['ssh.auth-none']);
  });

  it('reads the KEXINIT, host key, allowed methods and banner on one connection with exactly one none request', async () => {
    const before = legacy.log.connections;
    const authBefore = legacy.log.kinds('auth').length;
    const { handover } = await discoveryHandover(legacy);
    const ctx = context(legacy, { options: { 'ssh.authNone': true }, handover });
    const facts = okFacts(await run(sshAuthMethodsProbe, ctx), SshAuthMethodsFacts);
    expect(facts.auth).toMatchObject({ status: 'ok', username: 'cellcheck', noneAccepted: false, methodsLeft: ['password', 'keyboard-interactive'] });
    expect(facts.auth.status === 'ok' && facts.auth.banner?.trim()).toBe(BANNER);
    expect(facts.lists.kex).toEqual([...SSH_POSTURES.legacy.kex, 'kex-strict-s-v00@openssh.com']);
    expect(facts.keyExchange).toMatchObject({
      status: 'ok',
      hostKey: { type: 'ssh-rsa', bits: 1024 },
      negotiated: { kex: 'diffie-hellman-group14-sha1', hostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1' },
    });
    await untilClosed(legacy.log);
    expect(legacy.log.connections - before).toBe(1);
    expect(legacy.log.kinds('auth').slice(authBefore)).toEqual(['ssh.auth.none']);
    expect(legacy.log.count('session')).toBe(0);
    const sent = ctx.transcript.sentOps();
    expect(sent.filter((op) => !sshAuthMethodsProbe.ops.includes(op))).toEqual([]);
    expect(sent.filter((op) => op === 'ssh.auth-none')).toHaveLength(2);
  });

  it('uses the configured user name and has no banner when none is sent', async () => {
    const facts = okFacts(await run(sshAuthMethodsProbe, context(modern, { options: { username: 'audit' } })), SshAuthMethodsFacts);
    expect(facts.auth).toMatchObject({ status: 'ok', username: 'audit', noneAccepted: false, methodsLeft: ['publickey'] });
    expect(facts.auth.status === 'ok' && facts.auth.banner).toBeUndefined();
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-ed25519' } });
  });

  it('reports a server that lets anyone in', async () => {
    const facts = okFacts(await run(sshAuthMethodsProbe, context(open)), SshAuthMethodsFacts);
    expect(facts.auth).toMatchObject({ status: 'ok', noneAccepted: true });
    await untilClosed(open.log);
    expect(open.log.connections).toBe(1);
    expect(open.log.kinds('auth')).toEqual(['ssh.auth.none']);
  });

  it('sends nothing of the login when the gate refuses it; the key exchange facts stand', async () => {
    const authBefore = modern.log.count('auth');
    const { asked, gate } = recordingGate(['ssh.auth-none']);
    const ctx = context(modern, { gate });
    const facts = okFacts(await run(sshAuthMethodsProbe, ctx), SshAuthMethodsFacts);
    expect(facts.keyExchange).toMatchObject({ status: 'ok', hostKey: { type: 'ssh-ed25519' } });
    expect(facts.auth).toMatchObject({ status: 'unavailable', failure: { kind: 'denied' } });
    expect(asked).toEqual(['tcp.connect', 'ssh.identification', 'ssh.kexinit', 'ssh.auth-none']);
    expect(ctx.transcript.sentOps()).not.toContain('ssh.auth-none');
    await untilClosed(modern.log);
    expect(modern.log.count('auth')).toBe(authBefore);
  });

  it('keeps the KEXINIT facts when the key exchange never finishes', async () => {
    const facts = okFacts(await run(sshAuthMethodsProbe, context(terrapin, { stepTimeoutMs: 400 })), SshAuthMethodsFacts);
    expect(facts.strictKex).toBe(false);
    expect(facts.keyExchange).toMatchObject({ status: 'unavailable', failure: { kind: 'timeout' } });
    expect(facts.auth).toMatchObject({ status: 'unavailable', failure: { kind: 'timeout' } });
    await untilClosed(terrapin.log);
  });

  it('rejects a user name that is not a plain token', async () => {
    const outcome = await run(sshAuthMethodsProbe, context(modern, { options: { username: 'a b' } }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('error');
  });

  it.each(['silent', 'garbage-ident', 'endless-lines', 'truncated', 'huge-length', 'disconnect', 'huge-list'] as const)(
    'ends typed against the hostile %s server, socket closed',
    async (kind) => {
      const f = hostile.get(kind);
      if (!f) throw new Error('fixture missing');
      const started = performance.now();
      const outcome = await run(sshAuthMethodsProbe, context(f, { stepTimeoutMs: 400 }));
      expect(outcome.status).toBe('unavailable');
      if (outcome.status === 'unavailable') expect(outcome.failure.kind).not.toBe('error');
      expect(performance.now() - started).toBeLessThan(1500);
      await untilClosed(f.log);
    },
  );

  it('reports a closed port as refused', async () => {
    const outcome = await run(sshAuthMethodsProbe, testContext(legacy.host, 1, { stepTimeoutMs: 2000 }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFixture } from '../../fixtures/fixture.ts';
import type { RawSshBehaviour } from '../../fixtures/ssh/raw-server.ts';
import { startRawSshFixture } from '../../fixtures/ssh/raw-server.ts';
import { SSH_POSTURES, startSshFixture } from '../../fixtures/ssh/server.ts';
import { runProbe } from '../run.ts';
import { Transcript } from '../transcript.ts';
import type { FailureKind, ProbeContext, ProbeDefinition, ProbeOutcome } from '../types.ts';
import { SshAuthMethodsFacts, SshHostKeyFacts, SshKexFacts } from './facts.ts';
import { sshAuthMethodsProbe, sshHostKeyProbe, sshKexProbe } from './probe.ts';

const BANNER = 'Authorised personnel only. Activity is logged.';

let legacy: RunningFixture;
let modern: RunningFixture;
let open: RunningFixture;
let terrapin: RunningFixture;
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
  [legacy, modern, open, terrapin] = await Promise.all([
    startSshFixture({ host: '127.50.0.1', posture: 'legacy', banner: BANNER }),
    startSshFixture({ host: '127.50.0.2', posture: 'modern', greeting: 'Device console ready' }),
    startSshFixture({ host: '127.50.0.3', posture: 'modern', acceptNone: true }),
    startRawSshFixture({
      host: '127.50.0.4',
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
  ]);
  let i = 10;
  for (const [behaviour] of HOSTILE) {
    i += 1;
    hostile.set(behaviour.kind, await startRawSshFixture({ host: `127.50.0.${i}`, behaviour }));
  }
});

afterAll(async () => {
  await Promise.all([legacy, modern, open, terrapin, ...hostile.values()].map((f) => f?.close()));
});

function context(f: RunningFixture, extra: Partial<Pick<ProbeContext, 'stepTimeoutMs' | 'signal' | 'options' | 'port'>> = {}): ProbeContext {
  return {
    address: f.host,
    port: extra.port ?? f.ports.ssh ?? 0,
    stepTimeoutMs: extra.stepTimeoutMs ?? 2000,
    signal: extra.signal ?? new AbortController().signal,
    transcript: new Transcript(),
    options: extra.options ?? {},
    now: () => new Date(0),
  };
}

async function run(def: ProbeDefinition, ctx: ProbeContext): Promise<ProbeOutcome> {
  return runProbe(def, ctx);
}

function okFacts<T>(outcome: ProbeOutcome, schema: { parse(v: unknown): T }): T {
  if (outcome.status !== 'ok') throw new Error(`probe unavailable: ${outcome.failure.kind} ${outcome.failure.detail}`);
  return schema.parse(outcome.facts);
}

/** The server sees the close a moment after the probe returns. */
async function allClosed(f: RunningFixture): Promise<void> {
  for (let i = 0; i < 100 && f.log.openConnections > 0; i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(f.log.openConnections).toBe(0);
}

describe('ssh.kexinit against ssh2 servers', () => {
  it('reads the legacy lists with one connection, no key exchange and no authentication', async () => {
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
    await allClosed(legacy);
    expect(legacy.log.connections - before).toBe(1);
    expect(legacy.log.maxConcurrent).toBe(1);
    expect(legacy.log.count('auth')).toBe(0);
    expect(legacy.log.kinds()).not.toContain('ssh.kex');
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'ssh.identification']);
    expect(ctx.transcript.entries().map((e) => e.op)).toContain('ssh.close');
  });

  it('reads the modern lists and the lines before the identification', async () => {
    const facts = okFacts(await run(sshKexProbe, context(modern)), SshKexFacts);
    const p = SSH_POSTURES.modern;
    expect(facts.lists.kex).toEqual([...p.kex, 'kex-strict-s-v00@openssh.com']);
    expect(facts.lists.hostKey).toEqual(['ssh-ed25519']);
    expect(facts.lists.cipherServerToClient).toEqual(p.cipher);
    expect(facts.lists.macServerToClient).toEqual(p.hmac);
    expect(facts.identification.preamble).toEqual(['Device console ready']);
    expect(facts.identification).toMatchObject({ software: 'OpenSSH', version: '9.6p1', comments: 'Ubuntu-3ubuntu13' });
    await allClosed(modern);
    expect(modern.log.count('auth')).toBe(0);
  });
});

describe('ssh.kexinit against a raw server', () => {
  it('sees a KEXINIT without the strict-kex marker after an IGNORE packet', async () => {
    const facts = okFacts(await run(sshKexProbe, context(terrapin)), SshKexFacts);
    expect(facts.strictKex).toBe(false);
    expect(facts.hostKeyTypes).toEqual(['ssh-rsa', 'ssh-ed25519']);
    expect(facts.lists.cipherClientToServer).toEqual(['chacha20-poly1305@openssh.com', 'aes128-cbc']);
    expect(facts.identification.preamble).toEqual(['Line before the identification']);
    await allClosed(terrapin);
    // The probe sent its identification and not a single packet.
    expect(terrapin.log.kinds()).toEqual(['ssh.client-identification']);
  });

  it.each(HOSTILE)('ends a hostile %o typed (%s) within budget, socket closed', async (behaviour, kind) => {
    const f = hostile.get(behaviour.kind);
    if (!f) throw new Error('fixture missing');
    const started = performance.now();
    const outcome = await run(sshKexProbe, context(f, { stepTimeoutMs: 400 }));
    expect(performance.now() - started).toBeLessThan(1500);
    expect(outcome.status).toBe('unavailable');
    if (outcome.status === 'unavailable') expect(outcome.failure.kind).toBe(kind);
    await allClosed(f);
  });

  it('stops when the device budget is spent', async () => {
    const f = hostile.get('silent');
    if (!f) throw new Error('fixture missing');
    const outcome = await run(sshKexProbe, context(f, { stepTimeoutMs: 5000, signal: AbortSignal.timeout(150) }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('budget');
    await allClosed(f);
  });

  it('reports a closed port as refused', async () => {
    const outcome = await run(sshKexProbe, context(legacy, { port: 1 }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });
});

describe('ssh.hostkey', () => {
  it('reads the RSA host key size with one connection and no authentication', async () => {
    const before = legacy.log.connections;
    const auth = legacy.log.count('auth');
    const ctx = context(legacy);
    const facts = okFacts(await run(sshHostKeyProbe, ctx), SshHostKeyFacts);
    expect(facts.hostKey).toMatchObject({ type: 'ssh-rsa', bits: 1024 });
    expect(facts.hostKey.fingerprint).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(facts.software).toBe('dropbear_2014.63');
    await allClosed(legacy);
    expect(legacy.log.connections - before).toBe(1);
    expect(legacy.log.count('auth')).toBe(auth);
    expect(ctx.transcript.sentOps()).not.toContain('ssh.auth-none');
  });

  it('reads an Ed25519 key', async () => {
    const facts = okFacts(await run(sshHostKeyProbe, context(modern)), SshHostKeyFacts);
    expect(facts.hostKey).toMatchObject({ type: 'ssh-ed25519', bits: 256 });
  });
});

describe('ssh.auth-methods (opt-in)', () => {
  it('is declared opt-in and read-session', () => {
    expect(sshAuthMethodsProbe.optIn).toBe('ssh.authNone');
    expect(sshAuthMethodsProbe.safety).toBe('read-session');
  });

  it('returns the allowed methods and the banner with exactly one none request', async () => {
    const before = legacy.log.kinds('auth').length;
    const ctx = context(legacy, { options: { 'ssh.authNone': true } });
    const facts = okFacts(await run(sshAuthMethodsProbe, ctx), SshAuthMethodsFacts);
    expect(facts).toMatchObject({ username: 'cellcheck', noneAccepted: false, methodsLeft: ['password', 'keyboard-interactive'] });
    expect(facts.banner?.trim()).toBe(BANNER);
    expect(facts.negotiated).toEqual({ kex: 'diffie-hellman-group14-sha1', hostKey: 'ssh-rsa', cipher: 'aes128-cbc', mac: 'hmac-sha1' });
    expect(facts.hostKey).toMatchObject({ type: 'ssh-rsa', bits: 1024 });
    await allClosed(legacy);
    expect(legacy.log.kinds('auth').slice(before)).toEqual(['ssh.auth.none']);
    expect(legacy.log.count('session')).toBe(0);
    expect(ctx.transcript.sentOps()).toEqual(['tcp.connect', 'ssh.identification', 'ssh.kexinit', 'ssh.auth-none']);
  });

  it('uses the configured user name and has no banner when none is sent', async () => {
    const facts = okFacts(await run(sshAuthMethodsProbe, context(modern, { options: { username: 'audit' } })), SshAuthMethodsFacts);
    expect(facts).toMatchObject({ username: 'audit', noneAccepted: false, methodsLeft: ['publickey'] });
    expect(facts.banner).toBeUndefined();
  });

  it('reports a server that lets anyone in', async () => {
    const facts = okFacts(await run(sshAuthMethodsProbe, context(open)), SshAuthMethodsFacts);
    expect(facts.noneAccepted).toBe(true);
    await allClosed(open);
    expect(open.log.kinds('auth')).toEqual(['ssh.auth.none']);
  });

  it('rejects a user name that is not a plain token', async () => {
    const outcome = await run(sshAuthMethodsProbe, context(modern, { options: { username: 'a b' } }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('error');
  });

  it.each(['silent', 'garbage-ident', 'endless-lines', 'truncated', 'huge-length', 'disconnect'] as const)(
    'ends typed against the hostile %s server, socket closed',
    async (kind) => {
      const f = hostile.get(kind);
      if (!f) throw new Error('fixture missing');
      const started = performance.now();
      for (const def of [sshAuthMethodsProbe, sshHostKeyProbe] as ProbeDefinition[]) {
        const outcome = await run(def, context(f, { stepTimeoutMs: 400 }));
        expect(outcome.status).toBe('unavailable');
        if (outcome.status === 'unavailable') expect(outcome.failure.kind).not.toBe('error');
      }
      expect(performance.now() - started).toBeLessThan(3000);
      await allClosed(f);
    },
  );

  it('reports a closed port as refused', async () => {
    const outcome = await run(sshAuthMethodsProbe, context(legacy, { port: 1 }));
    expect(outcome.status === 'unavailable' && outcome.failure.kind).toBe('refused');
  });
});

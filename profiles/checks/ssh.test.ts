import { describe, expect, it } from 'vitest';
import type { DeviceObservation } from '../../probes/observation.ts';
import type { SshAuthMethodsFacts, SshHostKey, SshKexFacts, SshNoneAuth } from '../../probes/ssh/facts.ts';
import type { ProbeOutcome } from '../../probes/types.ts';
import knowledge from '../data/ssh-algorithms.json' with { type: 'json' };
import instances from '../data/checks/ssh.json' with { type: 'json' };
import { loadCheckSet } from '../check-set.ts';
import { DeviceView } from '../device-view.ts';
import { rateSshAlgorithm, SSH_KNOWLEDGE, SshAlgorithmKnowledge, sshCheckKinds, sshIdentity, terrapinExposure } from './ssh.ts';

const LISTS_EMPTY: SshKexFacts['lists'] = {
  kex: [],
  hostKey: [],
  cipherClientToServer: [],
  cipherServerToClient: [],
  macClientToServer: [],
  macServerToClient: [],
  compressionClientToServer: ['none'],
  compressionServerToClient: ['none'],
  languageClientToServer: [],
  languageServerToClient: [],
};

function lists(kex: string[], hostKey: string[], ciphers: string[], macs: string[]): SshKexFacts['lists'] {
  return { ...LISTS_EMPTY, kex, hostKey, cipherClientToServer: ciphers, cipherServerToClient: ciphers, macClientToServer: macs, macServerToClient: macs };
}

const MODERN = lists(
  ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'ext-info-s', 'kex-strict-s-v00@openssh.com'],
  ['ssh-ed25519', 'rsa-sha2-512'],
  ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'],
  ['hmac-sha2-256-etm@openssh.com'],
);
const LEGACY = lists(['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha256'], ['ssh-rsa'], ['aes128-cbc', '3des-cbc'], ['hmac-md5', 'hmac-sha2-256']);

const ED25519: SshKexFacts['keyExchange'] = { status: 'ok', hostKey: { type: 'ssh-ed25519', bits: 256, fingerprint: 'x' } };

function kexFacts(
  l: SshKexFacts['lists'],
  software = 'OpenSSH',
  version: string | null = '9.2p1',
  keyExchange: SshKexFacts['keyExchange'] = ED25519,
): SshKexFacts {
  return {
    identification: {
      raw: `SSH-2.0-${software}${version ? `_${version}` : ''} Debian-2`,
      protoVersion: '2.0',
      softwareVersion: `${software}${version ? `_${version}` : ''}`,
      software,
      ...(version ? { version } : {}),
      comments: 'Debian-2',
      preamble: [],
    },
    lists: l,
    firstKexPacketFollows: false,
    hostKeyTypes: [],
    strictKex: l.kex.includes('kex-strict-s-v00@openssh.com'),
    keyExchange,
  };
}

function ok(probe: string, facts: unknown, port = 22): ProbeOutcome {
  return { probe, version: 1, port, status: 'ok', facts, transcript: [1, 6], durationMs: 9 };
}

const TIMEOUT: ProbeOutcome = {
  probe: 'ssh.kexinit',
  version: 1,
  port: 22,
  status: 'unavailable',
  failure: { kind: 'timeout', detail: 'no complete reply to ssh.identification within 2000 ms' },
  transcript: [1, 3],
  durationMs: 2000,
};

function device(outcomes: ProbeOutcome[], sshPortOpen = outcomes.length > 0): DeviceView {
  const services: DeviceObservation['services'] = sshPortOpen ? [{ port: 22, transport: 'tcp', protocol: 'ssh', confirmed: outcomes.length > 0 }] : [];
  return new DeviceView({ address: '127.50.9.1', services, outcomes });
}

/** The opt-in probe's outcome: it runs instead of ssh.kexinit and carries its facts too. */
function auth(answer: Partial<Extract<SshNoneAuth, { status: 'ok' }>> | SshNoneAuth, l = MODERN): ProbeOutcome {
  const full: SshAuthMethodsFacts = {
    ...kexFacts(l),
    auth: { status: 'ok', username: 'cellcheck', noneAccepted: false, methodsLeft: ['publickey'], ...answer } as SshNoneAuth,
  };
  return ok('ssh.auth-methods', full);
}

const checks = loadCheckSet(sshCheckKinds, instances);

function evaluate(id: string, view: DeviceView) {
  const check = checks.get(id);
  if (!check) throw new Error(`no check ${id}`);
  return check.kind.evaluate(view, check.instance.params);
}

describe('ssh-algorithms.json', () => {
  it('validates, and every rated name has fail, warn or ok with a reason text', () => {
    const k = SshAlgorithmKnowledge.parse(knowledge);
    for (const category of ['kex', 'hostKey', 'cipher', 'mac'] as const) {
      expect(Object.keys(k[category]).length).toBeGreaterThan(5);
      for (const [name, rated] of Object.entries(k[category])) {
        expect(['fail', 'warn', 'ok'], name).toContain(rated.rating);
        expect(k.reasons[rated.reason], name).toBeTruthy();
      }
    }
  });

  it('rejects a reason id without text', () => {
    const broken = structuredClone(knowledge) as { kex: Record<string, { rating: string; reason: string }> };
    broken.kex['curve25519-sha256'] = { rating: 'ok', reason: 'no-such-reason' };
    expect(SshAlgorithmKnowledge.safeParse(broken).success).toBe(false);
  });

  it('rates every algorithm named in the protocol notes as they say', () => {
    const fail = {
      kex: ['diffie-hellman-group1-sha1', 'diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1'],
      hostKey: ['ssh-dss', 'ssh-rsa'],
      cipher: ['3des-cbc', 'arcfour', 'arcfour128', 'arcfour256', 'blowfish-cbc', 'cast128-cbc', 'none'],
      mac: ['hmac-md5', 'hmac-md5-96', 'hmac-sha1', 'hmac-sha1-96', 'hmac-sha1-etm@openssh.com', 'none'],
    };
    const warn = {
      kex: ['diffie-hellman-group14-sha256'],
      hostKey: [],
      cipher: ['aes128-cbc', 'aes256-cbc'],
      mac: ['hmac-sha2-256', 'umac-64-etm@openssh.com'],
    };
    const good = {
      kex: ['curve25519-sha256', 'sntrup761x25519-sha512@openssh.com', 'mlkem768x25519-sha256'],
      hostKey: ['ssh-ed25519', 'rsa-sha2-256', 'rsa-sha2-512'],
      cipher: ['aes128-ctr', 'aes256-ctr', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
      mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'umac-128-etm@openssh.com'],
    };
    for (const [expected, table] of [
      ['fail', fail],
      ['warn', warn],
      ['ok', good],
    ] as const) {
      for (const [category, names] of Object.entries(table)) {
        for (const name of names) expect(rateSshAlgorithm(category as 'kex', name), `${category} ${name}`).toMatchObject({ rating: expected });
      }
    }
  });

  it("rates unknown names 'unknown' and skips kex markers", () => {
    expect(rateSshAlgorithm('cipher', 'vendor-cipher@example.com')).toEqual({ rating: 'unknown', reason: 'not-in-knowledge-base' });
    expect(rateSshAlgorithm('kex', 'kex-strict-s-v00@openssh.com')).toBe('marker');
    expect(rateSshAlgorithm('kex', 'ext-info-s')).toBe('marker');
  });
});

describe('Terrapin rule', () => {
  it('is exposed by chacha20-poly1305 without strict kex', () => {
    const l = lists(['curve25519-sha256'], ['ssh-ed25519'], ['chacha20-poly1305@openssh.com', 'aes128-ctr'], ['hmac-sha2-256']);
    expect(terrapinExposure(l)).toEqual({ strictKex: false, exposing: ['chacha20-poly1305@openssh.com'] });
  });

  it('is exposed by a CBC cipher only together with an EtM MAC', () => {
    const withEtm = lists(['curve25519-sha256'], [], ['aes128-ctr', 'aes256-cbc'], ['hmac-sha2-256', 'hmac-sha2-512-etm@openssh.com']);
    expect(terrapinExposure(withEtm).exposing).toEqual(['aes256-cbc', 'hmac-sha2-512-etm@openssh.com']);
    const withoutEtm = lists(['curve25519-sha256'], [], ['aes256-cbc'], ['hmac-sha2-256']);
    expect(terrapinExposure(withoutEtm).exposing).toEqual([]);
    const gcmEtm = lists(['curve25519-sha256'], [], ['aes256-gcm@openssh.com'], ['hmac-sha2-256-etm@openssh.com']);
    expect(terrapinExposure(gcmEtm).exposing).toEqual([]);
  });

  it('fails without the marker, passes with it or without exposed modes', () => {
    const exposed = lists(['curve25519-sha256'], ['ssh-ed25519'], ['chacha20-poly1305@openssh.com'], ['hmac-sha2-256-etm@openssh.com']);
    const fail = evaluate('ssh.strict-kex', device([ok('ssh.kexinit', kexFacts(exposed))]));
    expect(fail.status).toBe('fail');
    expect(fail.observed).toEqual({ ports: [{ port: 22, strictKex: false, exposing: ['chacha20-poly1305@openssh.com'] }], reason: 'terrapin' });
    expect(evaluate('ssh.strict-kex', device([ok('ssh.kexinit', kexFacts(MODERN))])).status).toBe('pass');
    const plain = lists(['curve25519-sha256'], ['ssh-ed25519'], ['aes128-ctr'], ['hmac-sha2-256']);
    expect(evaluate('ssh.strict-kex', device([ok('ssh.kexinit', kexFacts(plain))])).status).toBe('pass');
    expect(SSH_KNOWLEDGE.terrapin.strictMarker).toBe('kex-strict-s-v00@openssh.com');
  });
});

describe('ssh check instances', () => {
  it('load against their kinds', () => {
    expect([...checks.keys()]).toEqual([
      'ssh.kex-algorithms-current',
      'ssh.host-key-algorithms-current',
      'ssh.cipher-algorithms-current',
      'ssh.mac-algorithms-current',
      'ssh.strict-kex',
      'ssh.host-key-strong',
      'ssh.none-auth-rejected',
      'ssh.password-auth-disabled',
      'ssh.login-banner-present',
    ]);
  });
});

describe('ssh.algorithms-current', () => {
  it('passes a modern server and lists offenders with reason ids for a legacy one', () => {
    for (const id of ['ssh.kex-algorithms-current', 'ssh.host-key-algorithms-current', 'ssh.cipher-algorithms-current', 'ssh.mac-algorithms-current']) {
      expect(evaluate(id, device([ok('ssh.kexinit', kexFacts(MODERN))])), id).toMatchObject({ status: 'pass', observed: { offending: [] } });
    }
    const legacy = device([ok('ssh.kexinit', kexFacts(LEGACY))]);
    const kex = evaluate('ssh.kex-algorithms-current', legacy);
    expect(kex.status).toBe('fail');
    expect(kex.observed).toEqual({
      offending: [{ name: 'diffie-hellman-group1-sha1', list: 'kex', rating: 'fail', reason: 'dh-1024', port: 22 }],
      unrated: [],
    });
    expect(kex.evidence).toEqual([{ probe: 'ssh.kexinit', port: 22, transcript: [1, 6] }]);
    const ciphers = evaluate('ssh.cipher-algorithms-current', legacy);
    expect(ciphers.status).toBe('fail');
    expect((ciphers.observed as { offending: { name: string; list: string }[] }).offending.map((o) => `${o.list}:${o.name}`)).toEqual([
      'cipherClientToServer:3des-cbc',
      'cipherServerToClient:3des-cbc',
    ]);
  });

  it("with minimum 'ok' also fails warn-rated names", () => {
    const kind = sshCheckKinds.find((k) => k.id === 'ssh.algorithms-current');
    if (!kind) throw new Error('kind missing');
    const v = kind.evaluate(device([ok('ssh.kexinit', kexFacts(LEGACY))]), { lists: ['cipherClientToServer'], minimum: 'ok' });
    expect((v.observed as { offending: { name: string }[] }).offending.map((o) => o.name)).toEqual(['aes128-cbc', '3des-cbc']);
  });

  it('is unknown for algorithms the data does not know, unless something fails', () => {
    const odd = lists(['curve25519-sha256'], ['ssh-ed25519'], ['vendor-cipher@example.com'], []);
    expect(evaluate('ssh.cipher-algorithms-current', device([ok('ssh.kexinit', kexFacts(odd))]))).toMatchObject({
      status: 'unknown',
      observed: { unrated: ['vendor-cipher@example.com', 'vendor-cipher@example.com'] },
    });
    const oddAndBad = lists([], [], ['vendor-cipher@example.com', 'arcfour'], []);
    expect(evaluate('ssh.cipher-algorithms-current', device([ok('ssh.kexinit', kexFacts(oddAndBad))])).status).toBe('fail');
  });

  it('follows the absent / unavailable convention', () => {
    expect(evaluate('ssh.cipher-algorithms-current', device([])).status).toBe('not-applicable');
    expect(evaluate('ssh.cipher-algorithms-current', device([], true))).toMatchObject({ status: 'unknown', observed: { openPorts: [22] } });
    const timeout = evaluate('ssh.cipher-algorithms-current', device([TIMEOUT]));
    expect(timeout.status).toBe('unknown');
    expect(timeout.reason).toMatch(/timeout/);
  });
});

describe('opt-in checks', () => {
  const kex = ok('ssh.kexinit', kexFacts(MODERN));

  it('are unknown when not opted in, not applicable without SSH', () => {
    for (const id of ['ssh.none-auth-rejected', 'ssh.password-auth-disabled', 'ssh.login-banner-present']) {
      const v = evaluate(id, device([kex]));
      expect(v.status, id).toBe('unknown');
      expect(v.reason, id).toMatch(/ssh\.authNone/);
      expect(evaluate(id, device([])).status, id).toBe('not-applicable');
    }
  });

  it('none-auth-accepted fails when none is accepted', () => {
    expect(evaluate('ssh.none-auth-rejected', device([auth({ noneAccepted: true, methodsLeft: [] })]))).toMatchObject({
      status: 'fail',
      observed: { noneAccepted: true },
    });
    expect(evaluate('ssh.none-auth-rejected', device([auth({})]))).toMatchObject({
      status: 'pass',
      observed: { noneAccepted: false, methodsLeft: ['publickey'] },
    });
  });

  it('password-auth-offered fails on password, is unknown when none was accepted', () => {
    expect(evaluate('ssh.password-auth-disabled', device([auth({ methodsLeft: ['publickey', 'password'] })]))).toMatchObject({
      status: 'fail',
      observed: { offered: ['password'] },
    });
    expect(evaluate('ssh.password-auth-disabled', device([auth({})])).status).toBe('pass');
    expect(evaluate('ssh.password-auth-disabled', device([auth({ noneAccepted: true, methodsLeft: [] })])).status).toBe('unknown');
  });

  it('banner-present passes a real notice, fails a missing or too short one', () => {
    const notice = 'Authorised personnel only. Activity is logged.';
    expect(evaluate('ssh.login-banner-present', device([auth({ banner: `${notice}\n` })]))).toMatchObject({
      status: 'pass',
      observed: { banners: [{ port: 22, length: notice.length, text: notice }] },
    });
    expect(evaluate('ssh.login-banner-present', device([auth({})])).status).toBe('fail');
    expect(evaluate('ssh.login-banner-present', device([auth({ banner: 'hi' })])).status).toBe('fail');
  });

  it('are unknown, saying why, when the none request got no answer', () => {
    const v = evaluate(
      'ssh.none-auth-rejected',
      device([auth({ status: 'unavailable', username: 'cellcheck', failure: { kind: 'timeout', detail: 'no answer' } })]),
    );
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/none request got no answer \(timeout: no answer\)/);
  });

  it('the opt-in probe also feeds the KEXINIT checks and the identity', () => {
    expect(evaluate('ssh.kex-algorithms-current', device([auth({}, LEGACY)]))).toMatchObject({ status: 'fail', evidence: [{ probe: 'ssh.auth-methods' }] });
    expect(sshIdentity(device([auth({})]))).toEqual([
      { field: 'product', value: 'OpenSSH 9.2p1', source: 'ssh.auth-methods' },
      { field: 'os', value: 'Debian', source: 'ssh.auth-methods' },
    ]);
  });
});

describe('ssh.host-key-strong', () => {
  const kex = (hostKey: SshHostKey) => ok('ssh.kexinit', kexFacts(MODERN, 'OpenSSH', '9.2p1', { status: 'ok', hostKey }));

  it('fails RSA below the minimum and DSA, passes strong keys', () => {
    expect(evaluate('ssh.host-key-strong', device([kex({ type: 'ssh-rsa', bits: 1024, fingerprint: 'x' })]))).toMatchObject({
      status: 'fail',
      observed: { keys: [{ type: 'ssh-rsa', bits: 1024 }] },
    });
    expect(evaluate('ssh.host-key-strong', device([kex({ type: 'ssh-dss', bits: 1024, fingerprint: 'x' })])).status).toBe('fail');
    expect(evaluate('ssh.host-key-strong', device([kex({ type: 'ssh-rsa', bits: 3072, fingerprint: 'x' })])).status).toBe('pass');
    expect(evaluate('ssh.host-key-strong', device([kex({ type: 'ssh-ed25519', bits: 256, fingerprint: 'x' })])).status).toBe('pass');
  });

  it('reads the key from the opt-in probe when it ran instead', () => {
    expect(evaluate('ssh.host-key-strong', device([auth({})]))).toMatchObject({ status: 'pass', evidence: [{ probe: 'ssh.auth-methods' }] });
  });

  it('is unknown, saying why, when the key exchange did not finish', () => {
    const failed = kexFacts(MODERN, 'OpenSSH', '9.2p1', { status: 'unavailable', failure: { kind: 'not-supported', detail: 'no common algorithm' } });
    const v = evaluate('ssh.host-key-strong', device([ok('ssh.kexinit', failed)]));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/not-supported: no common algorithm/);
    // The KEXINIT facts of the same connection still judge the algorithm lists.
    expect(evaluate('ssh.cipher-algorithms-current', device([ok('ssh.kexinit', failed)])).status).toBe('pass');
  });
});

describe('sshIdentity', () => {
  it('claims the SSH software as product, and the distribution its build names as os', () => {
    expect(sshIdentity(device([ok('ssh.kexinit', kexFacts(MODERN))]))).toEqual([
      { field: 'product', value: 'OpenSSH 9.2p1', source: 'ssh.kexinit' },
      { field: 'os', value: 'Debian', source: 'ssh.kexinit' },
    ]);
    expect(sshIdentity(device([ok('ssh.kexinit', kexFacts(MODERN, 'ROSSSH', null))]))).toEqual([{ field: 'product', value: 'ROSSSH', source: 'ssh.kexinit' }]);
    expect(sshIdentity(device([TIMEOUT]))).toEqual([]);
  });
});

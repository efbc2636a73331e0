import { z } from 'zod';
import { SshAuthMethodsFacts, SshKexFacts, type SshListName, type SshNoneAuth } from '../../probes/ssh/facts.ts';
import knowledge from '../data/ssh-algorithms.json' with { type: 'json' };
import type { DeviceView, FactsLookup } from '../device-view.ts';
import type { IdentityExtractor } from '../identity.ts';
import { identityFromText } from '../identity-patterns.ts';
import { defineCheckKind, notProbedVerdict, type RegisteredCheckKind, unavailableVerdict as unavailable, type Verdict } from './types.ts';

const KEX_PROBE = 'ssh.kexinit';
const AUTH_PROBE = 'ssh.auth-methods';
/** Probes whose facts hold the KEXINIT and host key: the opt-in one runs instead of ssh.kexinit. */
const KEX_SOURCES = [KEX_PROBE, AUTH_PROBE] as const;

export const SshRating = z.enum(['fail', 'warn', 'ok']);
export type SshRating = z.infer<typeof SshRating>;
const RANK: Readonly<Record<SshRating | 'unknown', number>> = { unknown: -1, fail: 0, warn: 1, ok: 2 };

const Rated = z.object({ rating: SshRating, reason: z.string() });
const Category = z.record(z.string(), Rated);

/** Schema of profiles/data/ssh-algorithms.json; the file is validated once when this module loads. */
export const SshAlgorithmKnowledge = z
  .object({
    version: z.number().int(),
    markers: z.array(z.string()),
    reasons: z.record(z.string(), z.string().min(1)),
    kex: Category,
    hostKey: Category,
    cipher: Category,
    mac: Category,
    terrapin: z.object({
      reason: z.string(),
      strictMarker: z.string(),
      ciphers: z.array(z.string()),
      cbcPattern: z.string(),
      etmPattern: z.string(),
    }),
  })
  .superRefine((k, ctx) => {
    for (const category of ['kex', 'hostKey', 'cipher', 'mac'] as const) {
      for (const [name, { reason }] of Object.entries(k[category])) {
        if (!(reason in k.reasons)) ctx.addIssue({ code: 'custom', path: [category, name], message: `reason ${reason} has no text` });
      }
    }
    if (!(k.terrapin.reason in k.reasons)) ctx.addIssue({ code: 'custom', path: ['terrapin'], message: 'reason has no text' });
  });
export type SshAlgorithmKnowledge = z.infer<typeof SshAlgorithmKnowledge>;

export const SSH_KNOWLEDGE: SshAlgorithmKnowledge = SshAlgorithmKnowledge.parse(knowledge);

/** The KEXINIT lists that carry algorithms worth rating, and the knowledge category of each. */
const RATED_LISTS = {
  kex: 'kex',
  hostKey: 'hostKey',
  cipherClientToServer: 'cipher',
  cipherServerToClient: 'cipher',
  macClientToServer: 'mac',
  macServerToClient: 'mac',
} as const satisfies Partial<Record<SshListName, 'kex' | 'hostKey' | 'cipher' | 'mac'>>;
export type SshRatedList = keyof typeof RATED_LISTS;
export const SshRatedList = z.enum(Object.keys(RATED_LISTS) as [SshRatedList, ...SshRatedList[]]);

export interface AlgorithmRating {
  readonly rating: SshRating | 'unknown';
  readonly reason: string;
}

/** Rating of one algorithm name; `marker` for pseudo-algorithms (ext-info, strict kex), `unknown` when the data has no entry. */
export function rateSshAlgorithm(category: 'kex' | 'hostKey' | 'cipher' | 'mac', name: string, k = SSH_KNOWLEDGE): AlgorithmRating | 'marker' {
  if (category === 'kex' && k.markers.includes(name)) return 'marker';
  return k[category][name] ?? { rating: 'unknown', reason: 'not-in-knowledge-base' };
}

/**
 * Names that make a server open to Terrapin (CVE-2023-48795) when strict kex is missing:
 * the listed AEAD ciphers, and CBC ciphers together with an encrypt-then-MAC MAC.
 */
export function terrapinExposure(lists: SshKexFacts['lists'], k = SSH_KNOWLEDGE): { strictKex: boolean; exposing: string[] } {
  const t = k.terrapin;
  const cbc = new RegExp(t.cbcPattern);
  const etm = new RegExp(t.etmPattern);
  const exposing = new Set<string>();
  for (const [ciphers, macs] of [
    [lists.cipherClientToServer, lists.macClientToServer],
    [lists.cipherServerToClient, lists.macServerToClient],
  ] as const) {
    for (const c of ciphers) if (t.ciphers.includes(c)) exposing.add(c);
    const cbcCiphers = ciphers.filter((c) => cbc.test(c));
    const etmMacs = macs.filter((m) => etm.test(m));
    if (cbcCiphers.length > 0 && etmMacs.length > 0) for (const n of [...cbcCiphers, ...etmMacs]) exposing.add(n);
  }
  return { strictKex: lists.kex.includes(t.strictMarker), exposing: [...exposing] };
}

type Found<F> = Extract<FactsLookup<F>, { state: 'ok' }>;

function kexFacts(device: DeviceView): Found<SshKexFacts> | Verdict {
  const { probe, found } = device.factsOfFirst(KEX_SOURCES, SshKexFacts);
  if (found.state === 'ok') return found;
  if (found.state === 'unavailable') return unavailable(probe, found);
  return notProbedVerdict(device, 'ssh', KEX_PROBE, { port: 'SSH', absent: 'no SSH service found' });
}

const NOT_OPTED_IN = `${AUTH_PROBE} did not run: the opt-in ssh.authNone (a logged 'none' login attempt) is not enabled`;

type NoneAnswer = Extract<SshNoneAuth, { status: 'ok' }>;

/** The answers to the opt-in `none` request; unknown when it did not run or got no answer. */
function authFacts(device: DeviceView): Found<NoneAnswer> | Verdict {
  const found = device.facts(AUTH_PROBE, SshAuthMethodsFacts);
  if (found.state === 'unavailable') return unavailable(AUTH_PROBE, found);
  if (found.state === 'absent') {
    const kex = kexFacts(device);
    if ('status' in kex) return kex;
    return { status: 'unknown', evidence: kex.evidence, reason: NOT_OPTED_IN };
  }
  const answered: { port: number; facts: NoneAnswer }[] = [];
  const failures: string[] = [];
  for (const { port, facts } of found.facts) {
    if (facts.auth.status === 'ok') answered.push({ port, facts: facts.auth });
    else failures.push(`${facts.auth.failure.kind}: ${facts.auth.failure.detail}`);
  }
  if (answered.length === 0)
    return { status: 'unknown', evidence: found.evidence, reason: `${AUTH_PROBE}: the none request got no answer (${failures.join('; ')})` };
  return { state: 'ok', facts: answered, evidence: found.evidence };
}

interface Offending {
  readonly name: string;
  readonly list: SshRatedList;
  readonly rating: SshRating | 'unknown';
  readonly reason: string;
  readonly port: number;
}

/** Every algorithm offered in the named lists must be rated at least `minimum`. */
const algorithmsCurrent = defineCheckKind({
  id: 'ssh.algorithms-current',
  params: z.object({ lists: z.array(SshRatedList).min(1), minimum: z.enum(['warn', 'ok']) }),
  evaluate(device, params): Verdict {
    const found = kexFacts(device);
    if ('status' in found) return found;
    const below: Offending[] = [];
    const unknown: Offending[] = [];
    for (const { port, facts } of found.facts) {
      for (const list of params.lists) {
        for (const name of facts.lists[list]) {
          const rated = rateSshAlgorithm(RATED_LISTS[list], name);
          if (rated === 'marker') continue;
          const entry = { name, list, rating: rated.rating, reason: rated.reason, port };
          if (rated.rating === 'unknown') unknown.push(entry);
          else if (RANK[rated.rating] < RANK[params.minimum]) below.push(entry);
        }
      }
    }
    const expected = { minimum: params.minimum, lists: params.lists };
    const evidence = found.evidence;
    if (below.length > 0) return { status: 'fail', observed: { offending: below, unrated: unknown.map((u) => u.name) }, expected, evidence };
    if (unknown.length > 0) {
      return {
        status: 'unknown',
        observed: { offending: [], unrated: unknown.map((u) => u.name) },
        expected,
        evidence,
        reason: 'offered algorithms not in the ssh-algorithms knowledge base',
      };
    }
    return { status: 'pass', observed: { offending: [] }, expected, evidence };
  },
});

/** Terrapin: modes that need strict kex must not be offered without it. */
const strictKex = defineCheckKind({
  id: 'ssh.strict-kex',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = kexFacts(device);
    if ('status' in found) return found;
    const ports = found.facts.map(({ port, facts }) => ({ port, ...terrapinExposure(facts.lists) }));
    const exposed = ports.filter((p) => !p.strictKex && p.exposing.length > 0);
    const expected = { strictKexWhenOffering: SSH_KNOWLEDGE.terrapin.ciphers.concat('cbc+etm') };
    if (exposed.length > 0) return { status: 'fail', observed: { ports: exposed, reason: SSH_KNOWLEDGE.terrapin.reason }, expected, evidence: found.evidence };
    return { status: 'pass', observed: { ports }, expected, evidence: found.evidence };
  },
});

/** A server that answers `none` with success needs no authentication at all. */
const noneAuthRejected = defineCheckKind({
  id: 'ssh.none-auth-rejected',
  params: z.object({}),
  evaluate(device): Verdict {
    const found = authFacts(device);
    if ('status' in found) return found;
    const accepted = found.facts.filter((f) => f.facts.noneAccepted).map((f) => f.port);
    const expected = { noneAccepted: false };
    if (accepted.length > 0) return { status: 'fail', observed: { noneAccepted: true, ports: accepted }, expected, evidence: found.evidence };
    return { status: 'pass', observed: { noneAccepted: false, methodsLeft: methodsOf(found) }, expected, evidence: found.evidence };
  },
});

/** None of the given methods (default: password) may be offered for login. */
const passwordAuthDisabled = defineCheckKind({
  id: 'ssh.password-auth-disabled',
  params: z.object({ methods: z.array(z.string()).min(1).default(['password']) }),
  evaluate(device, params): Verdict {
    const found = authFacts(device);
    if ('status' in found) return found;
    const expected = { offered: [] as string[], methods: params.methods };
    if (found.facts.some((f) => f.facts.noneAccepted)) {
      return {
        status: 'unknown',
        observed: { noneAccepted: true },
        expected,
        evidence: found.evidence,
        reason: "the server accepted 'none', so it listed no methods",
      };
    }
    const methodsLeft = methodsOf(found);
    const offered = params.methods.filter((m) => methodsLeft.includes(m));
    return { status: offered.length > 0 ? 'fail' : 'pass', observed: { offered, methodsLeft }, expected, evidence: found.evidence };
  },
});

/** A pre-login banner (system use notification, CR 1.12) is shown before authentication. */
const loginBannerPresent = defineCheckKind({
  id: 'ssh.login-banner-present',
  params: z.object({ minLength: z.number().int().min(1).default(1) }),
  evaluate(device, params): Verdict {
    const found = authFacts(device);
    if ('status' in found) return found;
    const banners = found.facts.map((f) => ({ port: f.port, banner: f.facts.banner?.trim() ?? '' }));
    const missing = banners.filter((b) => b.banner.length < params.minLength).map((b) => b.port);
    const observed = { banners: banners.map((b) => ({ port: b.port, length: b.banner.length, text: b.banner.slice(0, 200) })) };
    return { status: missing.length > 0 ? 'fail' : 'pass', observed, expected: { minLength: params.minLength }, evidence: found.evidence };
  },
});

/** The host key the server signs with is of a type and size that resists forgery. */
const hostKeyStrong = defineCheckKind({
  id: 'ssh.host-key-strong',
  params: z.object({ minRsaBits: z.number().int().min(1024), allowDsa: z.boolean().default(false) }),
  evaluate(device, params): Verdict {
    const found = kexFacts(device);
    if ('status' in found) return found;
    const keys: { port: number; type: string; bits: number | null }[] = [];
    const failures: string[] = [];
    for (const { port, facts } of found.facts) {
      const k = facts.keyExchange;
      if (k.status === 'ok') keys.push({ port, type: k.hostKey.type, bits: k.hostKey.bits ?? null });
      else failures.push(`${k.failure.kind}: ${k.failure.detail}`);
    }
    if (keys.length === 0)
      return { status: 'unknown', evidence: found.evidence, reason: `the key exchange did not finish, so no host key was read (${failures.join('; ')})` };
    const weak = keys.filter((k) => (k.type === 'ssh-rsa' && (k.bits ?? 0) < params.minRsaBits) || (k.type === 'ssh-dss' && !params.allowDsa));
    const expected = { minRsaBits: params.minRsaBits, dsa: params.allowDsa };
    if (weak.length > 0) return { status: 'fail', observed: { keys: weak }, expected, evidence: found.evidence };
    if (keys.some((k) => k.bits === null))
      return { status: 'unknown', observed: { keys }, expected, evidence: found.evidence, reason: 'host key size could not be read' };
    return { status: 'pass', observed: { keys }, expected, evidence: found.evidence };
  },
});

function methodsOf(found: Found<NoneAnswer>): string[] {
  return [...new Set(found.facts.flatMap((f) => f.facts.methodsLeft))];
}

export const sshCheckKinds: readonly RegisteredCheckKind[] = [
  algorithmsCurrent,
  strictKex,
  noneAuthRejected,
  passwordAuthDisabled,
  loginBannerPresent,
  hostKeyStrong,
];

/**
 * `OpenSSH_9.2p1 Debian-2+deb12u3` -> product `OpenSSH 9.2p1` (the SSH software, not the device
 * firmware) and, where a distribution's build format is known (data/identity-patterns.json), os `Debian 12`.
 */
export const sshIdentity: IdentityExtractor = (device) => {
  const { probe, found } = device.factsOfFirst(KEX_SOURCES, SshKexFacts);
  if (found.state !== 'ok') return [];
  const claims = found.facts.flatMap(({ facts: { identification: id } }) => [
    { field: 'product' as const, value: id.version ? `${id.software} ${id.version}` : id.software, source: probe },
    ...identityFromText(id.comments ? `${id.softwareVersion} ${id.comments}` : id.softwareVersion, 'sshSoftware', probe),
  ]);
  return claims.filter((c, i) => claims.findIndex((o) => o.field === c.field && o.value === c.value) === i);
};

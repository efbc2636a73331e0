import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost for interactive logins (N=2^17, r=8, p=1, as current guidance asks): 128 MiB and
 * a few hundred milliseconds per hash, off the event loop (libuv pool).
 */
const COST = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 1024;
/** Hashes computed at once: each holds 128 MiB, so a login flood cannot take the console's memory. */
const MAX_PARALLEL_HASHES = 2;

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `work` once fewer than MAX_PARALLEL_HASHES hashes are running; the others wait in order. */
async function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_PARALLEL_HASHES) await new Promise<void>((go) => waiting.push(go));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return oneOfFew(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...opts, maxmem: 256 * 1024 * 1024 }, (e, key) => (e ? reject(e) : resolve(key))),
      ),
  );
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/** `scrypt$N$r$p$salt$key` (salt and key base64url): the parameters travel with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parseHash(stored: string) {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return undefined;
  return { N: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const h = parseHash(stored);
  if (!h) return false;
  const actual = await derive(password, h.salt, { N: h.N, r: h.r, p: h.p });
  return actual.length === h.key.length && timingSafeEqual(actual, h.key);
}

/** A stored hash made with a lower cost than today's: re-hashed at the user's next successful login. */
export function needsRehash(stored: string): boolean {
  const h = parseHash(stored);
  return !h || h.N < COST.N || h.r < COST.r || h.p < COST.p;
}

/** Verified against when a user name is unknown, so the reply takes as long as for a known one. */
export const DECOY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

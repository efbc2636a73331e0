import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { z } from 'zod';
import { UserError } from '../profiles/user-error.ts';

/** A key file that cannot serve for signing or verifying: named, with what is wrong. */
export class KeyError extends UserError {
  override name = 'KeyError';
}

export interface SigningKeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
}

/** A fresh Ed25519 pair as PEM text (PKCS#8 private, SPKI public). */
export function newSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Key id: the RFC 7638 thumbprint (SHA-256, base64url) of the public key's JWK. */
export function keyId(key: KeyObject): Promise<string> {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return calculateJwkThumbprint(pub.export({ format: 'jwk' }) as JWK, 'sha256');
}

function requireEd25519(key: KeyObject, source: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${source}: an Ed25519 key is needed, this is ${key.asymmetricKeyType ?? key.type}`);
  return key;
}

/** Private signing key from PEM (PKCS#8) text. */
export function parsePrivateKey(text: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    throw new KeyError(`${source}: not a private key in PEM: ${(err as Error).message}`);
  }
  return requireEd25519(key, source);
}

const PublicJwk = z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string().min(1) });
const Jwks = z.object({ keys: z.array(z.unknown()).min(1, 'the key set is empty') });

function jwkToKey(jwk: unknown, source: string): KeyObject {
  const parsed = PublicJwk.safeParse(jwk);
  if (!parsed.success) throw new KeyError(`${source}: not an Ed25519 public JWK (kty "OKP", crv "Ed25519", x)`);
  if ('d' in parsed.data) throw new KeyError(`${source}: holds a private key; give the public key only`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: parsed.data.x }, format: 'jwk' });
  } catch (err) {
    throw new KeyError(`${source}: not a usable public key: ${(err as Error).message}`);
  }
}

/** One public key from PEM (SPKI) or JWK text. */
export function parsePublicKey(text: string, source: string): KeyObject {
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new KeyError(`${source}: not valid JSON: ${(err as Error).message}`);
    }
    return jwkToKey(json, source);
  }
  if (text.includes('PRIVATE KEY')) throw new KeyError(`${source}: holds a private key; give the public key only`);
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch (err) {
    throw new KeyError(`${source}: not a public key in PEM or JWK: ${(err as Error).message}`);
  }
  return requireEd25519(key, source);
}

/** Public keys of a JWKS document (`{"keys": [...]}`), each an Ed25519 JWK. */
export function parseJwks(text: string, source: string): KeyObject[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new KeyError(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  const set = Jwks.safeParse(json);
  if (!set.success) throw new KeyError(`${source}: not a JWK set: ${set.error.issues[0]?.message}`);
  return set.data.keys.map((k, i) => jwkToKey(k, `${source}: keys[${i}]`));
}

/** Trusted public keys by key id, as the verifier looks them up. */
export async function trustedKeys(keys: readonly KeyObject[]): Promise<Map<string, KeyObject>> {
  return new Map(await Promise.all(keys.map(async (k) => [await keyId(k), k] as const)));
}

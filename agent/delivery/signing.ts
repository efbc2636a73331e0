import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KeyError, keyId, newSigningKeyPair, parseJwks, parsePrivateKey, parsePublicKey, trustedKeys } from '../../report/keys.ts';
import { SignedResult, signResult } from '../../report/sign.ts';
import { removeAbandonedTemps, writeFileAtomic } from '../run-dir/atomic-file.ts';
import { RUN_FILES, readResult, RunDirError } from '../run-dir/rundir.ts';
import { readUserFile } from '../config/user-file.ts';

export const KEY_FILES = { private: 'signing.key', public: 'signing.pub' } as const;

function readKeyFile(file: string): string {
  return readUserFile(file, { what: 'the key', error: KeyError }).toString('utf8');
}

/** Makes an Ed25519 pair in `dir` (private key mode 0600); refuses to replace either file. */
export async function writeKeyPair(dir: string): Promise<{ privateFile: string; publicFile: string; kid: string }> {
  const privateFile = join(dir, KEY_FILES.private);
  const publicFile = join(dir, KEY_FILES.public);
  for (const f of [privateFile, publicFile]) if (existsSync(f)) throw new KeyError(`${f} already exists; refusing to overwrite a key (choose another --out)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = newSigningKeyPair();
  try {
    writeFileAtomic(privateFile, pair.privatePem, { mode: 0o600, durable: true, exclusive: true });
    writeFileAtomic(publicFile, pair.publicPem, { mode: 0o644, durable: true, exclusive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyError(`${dir}: a key file appeared while writing; refusing to overwrite`);
    throw err;
  }
  return { privateFile, publicFile, kid: await keyId(parsePublicKey(pair.publicPem, publicFile)) };
}

export function loadSigningKey(file: string): KeyObject {
  return parsePrivateKey(readKeyFile(file), file);
}

/** Trusted keys by key id, from one public key file (PEM or JWK) or a JWKS file. */
export function loadTrustedKeys(source: { key: string } | { jwks: string }): Promise<Map<string, KeyObject>> {
  if ('key' in source) return trustedKeys([parsePublicKey(readKeyFile(source.key), source.key)]);
  return trustedKeys(parseJwks(readKeyFile(source.jwks), source.jwks));
}

/**
 * Signs the run directory's result into result.signed.json and returns the envelope's text.
 * A run already signed keeps its file, so a delivery retried after a crash sends the same bytes.
 */
export async function signRunDir(runDir: string, key: KeyObject): Promise<{ file: string; text: string }> {
  const file = join(runDir, RUN_FILES.signed);
  removeAbandonedTemps(runDir);
  if (existsSync(file)) return { file, text: readSignedFile(file) };
  const text = `${JSON.stringify(await signResult(readResult(runDir), key))}\n`;
  writeFileAtomic(file, text, { durable: true });
  return { file, text };
}

/** The text of a signed result file, checked to be a flattened JWS (not verified: that needs keys). */
export function readSignedFile(file: string): string {
  const text = readUserFile(file, { error: RunDirError }).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunDirError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!SignedResult.safeParse(json).success)
    throw new RunDirError(`${file}: not a signed result (a flattened JWS with "protected", "payload" and "signature")`);
  return text;
}

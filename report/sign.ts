import type { KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { base64url, decodeProtectedHeader, FlattenedSign, flattenedVerify } from 'jose';
import { z } from 'zod';
import { jsonBoundsProblem } from './json-bounds.ts';
import { keyId } from './keys.ts';
import { Result } from './result.ts';

/** The only algorithm signed and accepted: Ed25519 (RFC 8037). */
export const SIGNING_ALG = 'EdDSA';
export const SIGNED_RESULT_TYPE = 'cellcheck-result+jws';

/** A signed result: a JWS in flattened JSON serialization (RFC 7515 7.2.2); the payload is the RFC 8785 form of the result. */
export const SignedResult = z.strictObject({ protected: z.string().min(1), payload: z.string().min(1), signature: z.string().min(1) });
export type SignedResult = z.infer<typeof SignedResult>;

/** Protected header: who signed which run, so a reader needs no payload parsing to route it. */
export const SignedResultHeader = z.strictObject({
  alg: z.literal(SIGNING_ALG),
  typ: z.literal(SIGNED_RESULT_TYPE),
  kid: z.string().min(1),
  agentId: z.string(),
  runId: z.string(),
  collectedAt: z.string(),
});
export type SignedResultHeader = z.infer<typeof SignedResultHeader>;

/** RFC 8785 JSON canonicalization. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export async function signResult(result: Result, privateKey: KeyObject): Promise<SignedResult> {
  const header: SignedResultHeader = {
    alg: SIGNING_ALG,
    typ: SIGNED_RESULT_TYPE,
    kid: await keyId(privateKey),
    agentId: result.agent.id,
    runId: result.runId,
    collectedAt: result.collectedAt,
  };
  const jws = await new FlattenedSign(new TextEncoder().encode(canonicalJson(result))).setProtectedHeader(header).sign(privateKey);
  return { protected: jws.protected ?? '', payload: jws.payload, signature: jws.signature };
}

/** The signed bytes (the canonical result) as text; throws when they are not UTF-8. Decodes only: verifying is `verifySignedResult`'s job. */
export function signedPayload(signed: SignedResult): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(signed.payload));
}

/** Why a signed result was refused; the console maps each to an HTTP status. */
export type VerifyFailure = 'malformed' | 'algorithm' | 'unknown-key' | 'bad-signature' | 'malformed-document' | 'header-mismatch';

export type Verification =
  | { readonly ok: true; readonly header: SignedResultHeader; readonly result: Result; readonly payload: string }
  | { readonly ok: false; readonly failure: VerifyFailure; readonly reason: string };

function fail(failure: VerifyFailure, reason: string): Verification {
  return { ok: false, failure, reason };
}

/**
 * Checks a signed result against trusted keys (by key id). Intact means: an EdDSA signature by a
 * trusted key over a canonical, schema-valid result whose run, agent and time match the header.
 */
export async function verifySignedResult(input: unknown, keys: ReadonlyMap<string, KeyObject>): Promise<Verification> {
  const envelope = SignedResult.safeParse(input);
  if (!envelope.success) return fail('malformed', 'not a flattened JWS (an object with exactly "protected", "payload" and "signature")');
  let raw: Record<string, unknown>;
  try {
    raw = decodeProtectedHeader(envelope.data);
  } catch (err) {
    return fail('malformed', `protected header: ${(err as Error).message}`);
  }
  if (raw.alg !== SIGNING_ALG) return fail('algorithm', `algorithm ${JSON.stringify(raw.alg)} is not accepted: only ${SIGNING_ALG} (Ed25519)`);
  const header = SignedResultHeader.safeParse(raw);
  if (!header.success) {
    const issue = header.error.issues[0];
    const what =
      issue?.code === 'unrecognized_keys'
        ? `unexpected parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : `${issue?.path.join('.')}: ${issue?.message}`;
    return fail('malformed', `protected header: ${what}`);
  }
  const key = keys.get(header.data.kid);
  if (!key) return fail('unknown-key', `signed by an unknown key (kid ${header.data.kid})`);
  try {
    await flattenedVerify(envelope.data, key, { algorithms: [SIGNING_ALG] });
  } catch {
    return fail('bad-signature', `the signature does not match the content (kid ${header.data.kid}): the result or its header was changed`);
  }
  let payload: string;
  let json: unknown;
  try {
    payload = signedPayload(envelope.data);
    json = JSON.parse(payload);
  } catch {
    return fail('malformed-document', 'the signed payload is not UTF-8 JSON');
  }
  const outOfBounds = jsonBoundsProblem(json);
  if (outOfBounds) return fail('malformed-document', `the signed payload is out of bounds: ${outOfBounds}`);
  if (canonicalJson(json) !== payload) return fail('malformed-document', 'the signed payload is not in canonical form (RFC 8785)');
  const result = Result.safeParse(json);
  if (!result.success)
    return fail(
      'malformed-document',
      `the signed payload is not a result document: ${result.error.issues[0]?.path.join('.')}: ${result.error.issues[0]?.message}`,
    );
  const h = header.data;
  const r = result.data;
  if (h.runId !== r.runId || h.agentId !== r.agent.id || h.collectedAt !== r.collectedAt)
    return fail('header-mismatch', 'the header names another run, agent or collection time than the result');
  return { ok: true, header: h, result: r, payload };
}

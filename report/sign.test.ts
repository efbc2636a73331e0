import { createPrivateKey, generateKeyPairSync, sign as rawSign } from 'node:crypto';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { sampleResult } from '../test/sample-result.ts';
import { KeyError, keyId, newSigningKeyPair, parseJwks, parsePrivateKey, parsePublicKey, trustedKeys } from './keys.ts';
import { canonicalJson, type SignedResult, signResult, verifySignedResult } from './sign.ts';

const pair = newSigningKeyPair();
const priv = parsePrivateKey(pair.privatePem, 'test.key');
const pub = parsePublicKey(pair.publicPem, 'test.pub');
const other = newSigningKeyPair();
const result = sampleResult({ runId: 'run-1' });

const b64 = (o: unknown) => base64url.encode(JSON.stringify(o));
const header = (s: SignedResult) => JSON.parse(new TextDecoder().decode(base64url.decode(s.protected))) as Record<string, unknown>;

describe('canonical JSON (RFC 8785)', () => {
  it.each([
    ['sorts keys by UTF-16 code units, recursively', { b: 1, a: { d: [], c: null } }, '{"a":{"c":null,"d":[]},"b":1}'],
    // U+FB33 sorts after the surrogate pair of U+1F600 in UTF-16 order, though before it by code point.
    ['orders non-BMP keys by their surrogates', { '\ufb33': 1, '\u{1f600}': 2, '\u20ac': 3 }, '{"\u20ac":3,"\u{1f600}":2,"\ufb33":1}'],
    ['writes numbers the ECMAScript way', [1.0, -0, 1e21, 1e-7, 0.000001, 123456789012345680000, 4.5], '[1,0,1e+21,1e-7,0.000001,123456789012345680000,4.5]'],
    ['escapes only what JSON must, with lower-case hex', ['\u000f\n"\\/', 'é€'], '["\\u000f\\n\\"\\\\/","é€"]'],
    ['drops insignificant whitespace and keeps literals', JSON.parse(' { "t" : true , "f" : false , "n" : null } '), '{"f":false,"n":null,"t":true}'],
  ])('%s', (_name, input, expected) => {
    expect(canonicalJson(input)).toBe(expected);
  });

  it('refuses a value without a JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(/no JSON form/);
  });
});

describe('keys', () => {
  it('names a key by its RFC 7638 thumbprint, the same from private, PEM and JWK forms', async () => {
    const kid = await keyId(pub);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await keyId(priv)).toBe(kid);
    const jwk = JSON.stringify(pub.export({ format: 'jwk' }));
    expect(await keyId(parsePublicKey(jwk, 'k.jwk'))).toBe(kid);
    expect([...(await trustedKeys(parseJwks(JSON.stringify({ keys: [JSON.parse(jwk)] }), 'set.json'))).keys()]).toEqual([kid]);
  });

  it('refuses keys that are not Ed25519, private keys given as public, and broken files', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => parsePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'rsa.key')).toThrow(
      'rsa.key: an Ed25519 key is needed, this is rsa',
    );
    expect(() => parsePublicKey(pair.privatePem, 'mixed.pub')).toThrow('mixed.pub: holds a private key');
    expect(() => parsePublicKey('hello', 'junk.pub')).toThrow(KeyError);
    expect(() => parseJwks('{"keys":[]}', 'set.json')).toThrow('set.json: not a JWK set: the key set is empty');
    expect(() => parseJwks('{"keys":[{"kty":"RSA"}]}', 'set.json')).toThrow('set.json: keys[0]: not an Ed25519 public JWK');
  });
});

describe('sign and verify', async () => {
  const keys = await trustedKeys([pub]);
  const signed = await signResult(result, priv);

  it('round-trips: the header names key, agent, run and collection time; the payload is the canonical result', async () => {
    expect(header(signed)).toEqual({
      alg: 'EdDSA',
      typ: 'cellcheck-result+jws',
      kid: await keyId(pub),
      agentId: 'agent-a',
      runId: 'run-1',
      collectedAt: result.collectedAt,
    });
    const v = await verifySignedResult(JSON.parse(JSON.stringify(signed)), keys);
    expect(v.ok).toBe(true);
    if (v.ok) {
      expect(v.result).toEqual(result);
      expect(v.payload).toBe(canonicalJson(result));
    }
  });

  it('signs deterministically (Ed25519): the same result gives the same bytes', async () => {
    expect(await signResult(result, priv)).toEqual(signed);
  });

  const tampered: [string, () => Promise<unknown> | unknown, string, RegExp][] = [
    [
      'one payload byte',
      () => {
        const bytes = base64url.decode(signed.payload);
        const i = new TextDecoder().decode(bytes).indexOf('Line 1');
        bytes[i] = 'K'.charCodeAt(0);
        return { ...signed, payload: base64url.encode(bytes) };
      },
      'bad-signature',
      /signature does not match/,
    ],
    ['a header field', () => ({ ...signed, protected: b64({ ...header(signed), runId: 'run-2' }) }), 'bad-signature', /signature does not match/],
    [
      'one signature byte',
      () => {
        const sig = base64url.decode(signed.signature);
        sig[0] = (sig[0] ?? 0) ^ 1;
        return { ...signed, signature: base64url.encode(sig) };
      },
      'bad-signature',
      /signature does not match/,
    ],
    ['the key id', () => ({ ...signed, protected: b64({ ...header(signed), kid: 'AAAA' }) }), 'unknown-key', /unknown key \(kid AAAA\)/],
    ['algorithm none', () => ({ ...signed, protected: b64({ ...header(signed), alg: 'none' }), signature: '' }), 'malformed', /not a flattened JWS/],
    [
      'algorithm none with a signature',
      () => ({ ...signed, protected: b64({ ...header(signed), alg: 'none' }) }),
      'algorithm',
      /"none" is not accepted: only EdDSA/,
    ],
    ['algorithm HS256', () => ({ ...signed, protected: b64({ ...header(signed), alg: 'HS256' }) }), 'algorithm', /"HS256" is not accepted/],
    [
      'an unencoded-payload header',
      () => ({ ...signed, protected: b64({ ...header(signed), b64: false, crit: ['b64'] }) }),
      'malformed',
      /unexpected parameter "b64", "crit"/,
    ],
    ['an extra envelope member', () => ({ ...signed, header: { kid: 'x' } }), 'malformed', /exactly "protected", "payload" and "signature"/],
    ['not an object', () => 'eyJ.a.b', 'malformed', /not a flattened JWS/],
  ];
  it.each(tampered)('refuses a change of %s', async (_name, make, failure, reason) => {
    const v = await verifySignedResult(await make(), keys);
    expect(v).toMatchObject({ ok: false, failure });
    if (!v.ok) expect(v.reason).toMatch(reason);
  });

  it('refuses a result signed by a key that is not trusted', async () => {
    const v = await verifySignedResult(await signResult(result, parsePrivateKey(other.privatePem, 'other.key')), keys);
    expect(v).toMatchObject({ ok: false, failure: 'unknown-key' });
  });

  /** Signs arbitrary payload bytes with the trusted key, as a buggy or hostile signer could. */
  function signRaw(payload: string, h: Record<string, unknown>): SignedResult {
    const p = b64(h);
    const body = base64url.encode(payload);
    const sig = rawSign(null, Buffer.from(`${p}.${body}`), createPrivateKey(pair.privatePem));
    return { protected: p, payload: body, signature: base64url.encode(sig) };
  }

  it('refuses validly signed payloads that are not canonical, not a result, or disagree with the header', async () => {
    const h = header(signed);
    expect(await verifySignedResult(signRaw(JSON.stringify(result), h), keys)).toMatchObject({
      failure: 'malformed-document',
      reason: expect.stringMatching(/canonical/),
    });
    expect(await verifySignedResult(signRaw(canonicalJson({ runId: 'run-1' }), h), keys)).toMatchObject({
      failure: 'malformed-document',
      reason: expect.stringMatching(/not a result document/),
    });
    expect(await verifySignedResult(signRaw('{', h), keys)).toMatchObject({ failure: 'malformed-document' });
    expect(await verifySignedResult(signRaw(canonicalJson(result), { ...h, agentId: 'agent-b' }), keys)).toMatchObject({ failure: 'header-mismatch' });
  });
});

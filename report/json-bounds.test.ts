import { describe, expect, it } from 'vitest';
import { sampleResult } from '../test/sample-result.ts';
import { signPayloadText } from '../test/setup/console-fleet.ts';
import { JSON_BOUNDS, jsonBoundsProblem } from './json-bounds.ts';
import { newSigningKeyPair, parsePrivateKey, parsePublicKey, keyId } from './keys.ts';
import { canonicalJson, verifySignedResult } from './sign.ts';

/** `{"a":{"a":...}}` nested `depth` levels, built as text so no recursion is needed to make it. */
const nested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`) as unknown;

describe('JSON bounds', () => {
  it('accepts a real result and names the first place out of bounds otherwise', () => {
    expect(jsonBoundsProblem(sampleResult({ runId: 'r' }))).toBeUndefined();
    expect(jsonBoundsProblem(nested(JSON_BOUNDS.maxDepth - 1))).toBeUndefined();
    expect(jsonBoundsProblem(nested(100_000))).toBe(`$${'.a'.repeat(JSON_BOUNDS.maxDepth)}: nested deeper than ${JSON_BOUNDS.maxDepth} levels`);
    expect(jsonBoundsProblem({ list: [0, 'x'.repeat(JSON_BOUNDS.maxStringChars + 1)] })).toMatch(/^\$\.list\[1\]: a string of 1048577 characters/);
    expect(jsonBoundsProblem({ 'odd key': new Array(JSON_BOUNDS.maxArrayItems + 1).fill(0) })).toMatch(/^\$\["odd key"\]: an array of 200001 items/);
    expect(jsonBoundsProblem(Object.fromEntries(Array.from({ length: JSON_BOUNDS.maxObjectKeys + 1 }, (_, i) => [`k${i}`, i])))).toMatch(
      /^\$: an object of 10001 keys/,
    );
  });

  it('makes verification refuse a validly signed payload nested 100,000 levels deep, with the place named', async () => {
    const pair = newSigningKeyPair();
    const priv = parsePrivateKey(pair.privatePem, 'k');
    const pub = parsePublicKey(pair.publicPem, 'p');
    const kid = await keyId(pub);
    const result = sampleResult({ runId: 'deep' });
    // The deep value is spliced into the canonical text, where a schema-valid result allows any observed value.
    const canonical = canonicalJson(result);
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const payload = canonical.replace('"observed":{', `"observed":{"deep":${deep},`);
    expect(payload).not.toBe(canonical);
    const jws = await signPayloadText(payload, result, priv);
    const v = await verifySignedResult(jws, new Map([[kid, pub]]));
    expect(v).toMatchObject({ ok: false, failure: 'malformed-document' });
    expect(v.ok ? '' : v.reason).toMatch(/^the signed payload is out of bounds: \$\.devices\[\d+\]\.\S+\.observed\.deep(\.a)+: nested deeper than 64 levels$/);
  });
});

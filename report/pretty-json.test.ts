import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyJsonPieces } from './pretty-json.ts';

describe('prettyJsonPieces', () => {
  it('joins to exactly what JSON.stringify(value, null, 2) writes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue()), fc.constant(undefined))), (value) => {
        expect([...prettyJsonPieces(value)].join('')).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps each element of a top-level array in a piece of its own', () => {
    const pieces = [...prettyJsonPieces({ id: 'r', devices: [{ a: 1 }, { b: [2, 3] }], empty: [], skip: undefined })];
    expect(pieces).toContain('    {\n      "a": 1\n    },\n');
    expect(pieces.join('')).toBe(JSON.stringify({ id: 'r', devices: [{ a: 1 }, { b: [2, 3] }], empty: [] }, null, 2));
  });
});

import { describe, expect, it } from 'vitest';
import { FUZZ_TARGETS, fuzz } from './fuzz-targets.ts';

// A few hundred generated inputs per parser in every run; bench/fuzz.ts runs >= 10,000 each.
describe('parsers under generated input', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: no untyped exception, no slow case`, () => {
      const run = fuzz(target, 300);
      // A parser that loops or backtracks on hostile bytes shows up as one very slow case.
      expect(run.slowestMs).toBeLessThan(250);
    });
  }
});

/**
 * Fuzzes every device-byte parser with generated input (random bytes and damaged valid frames):
 * 10,000 cases each by default. Prints cases, wall time and the slowest single case per parser;
 * exits non-zero on the first untyped exception, with fast-check's shrunk counterexample.
 *   npm run bench:fuzz                 (10,000 each)
 *   npm run bench:fuzz -- 50000 42     (cases, seed)
 */
import { FUZZ_TARGETS, fuzz } from '../test/fuzz-targets.ts';

const cases = Number(process.argv[2] ?? 10_000);
const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
console.log(`| parser | cases | wall ms | slowest case ms |`);
console.log('|---|---|---|---|');
for (const target of FUZZ_TARGETS) {
  const run = fuzz(target, cases, seed);
  console.log(`| ${run.name} | ${run.cases} | ${run.ms.toFixed(0)} | ${run.slowestMs.toFixed(2)} |`);
}

/** Test helper shared by the parser tests of every protocol. */
import { ProbeUnavailable } from './types.ts';

/** Runs `fn` and returns the ProbeUnavailable it throws; returning, or any other error, fails the test. */
export function thrownUnavailable(fn: () => unknown): ProbeUnavailable {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProbeUnavailable) return err;
    throw err;
  }
  throw new Error('expected a ProbeUnavailable');
}

/** Test helpers shared by the codec tests. */
import { TlsError } from '../../src/errors.js';

/** The TlsError code fn throws, or undefined when it returns; anything else thrown fails the test. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TlsError) return e.code;
    throw e;
  }
  return undefined;
}

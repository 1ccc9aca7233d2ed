import type { RandomSource } from './types.js';
import { platform } from '../platform.js';

/**
 * The platform CSPRNG: the entry's randomFill (Node: randomFillSync), else WebCrypto getRandomValues (present in
 * browsers, workers and Node 20+).
 */
export const defaultRandom: RandomSource = (n: number) => {
  const out = new Uint8Array(n);
  const fill = platform().randomFill;
  if (fill) {
    fill(out);
    return out;
  }
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
};

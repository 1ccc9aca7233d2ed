import type { RandomSource } from './types.js';

/** The platform CSPRNG (WebCrypto getRandomValues, present in browsers, workers and Node 20+). */
export const defaultRandom: RandomSource = (n: number) => {
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
};

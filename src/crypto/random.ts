import type { RandomSource } from './types.js';
import { platform } from '../platform.js';

/** Requests up to this size are served from the pool; larger ones fill their own buffer. */
const POOLED = 64;
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let used = 0;

function fill(out: Uint8Array<ArrayBuffer>): void {
  const f = platform().randomFill;
  if (f) return f(out);
  for (let o = 0; o < out.length; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(out.length, o + 65536)));
}

/**
 * The platform CSPRNG: the entry's randomFill (Node: randomFillSync), else WebCrypto getRandomValues (present in
 * browsers, workers and Node 20+). A handshake asks for a dozen small pieces (randoms, key shares, salts, nonces,
 * ticket fields) and each call to the platform costs ~4 µs on Node whatever its size, so pieces of up to 64 bytes
 * come from a 4 KiB pool filled in one call; each byte is handed out once and wiped from the pool as it goes.
 */
export const defaultRandom: RandomSource = (n: number) => {
  const out = new Uint8Array(n);
  if (n > POOLED) {
    fill(out);
    return out;
  }
  if (used + n > pool.length) {
    pool.fill(0);
    pool = new Uint8Array(POOL_BYTES);
    fill(pool);
    used = 0;
  }
  const piece = pool.subarray(used, used + n);
  out.set(piece);
  piece.fill(0);
  used += n;
  return out;
};

/**
 * SHA-1 (RFC 3174) with a faster compression function than noble's: noble's 80-round loop picks the
 * round function and constant with a branch in every round; here each 20-round stage is its own loop.
 * HMAC-SHA1 is half the work of a TLS CBC record at each end, and this compression is ~1.5x faster.
 * Padding, buffering, cloning and wiping stay noble's (the class extends it), so the result is the
 * same hash object type, with the per-block `process` method the Lucky13 test counts.
 */
import { _SHA1 } from '@noble/hashes/legacy.js';
import { createHasher } from '@noble/hashes/utils.js';

/** noble's chaining variables: private in its typings, read here directly (its get()/set() build an array and copy per block). */
interface Sha1State {
  A: number;
  B: number;
  C: number;
  D: number;
  E: number;
}

/**
 * Built inside a function so the schedule buffer stays a true const: bundlers (esbuild, as the bench
 * and scripts use) turn module-level consts into vars, and V8 then runs the compression ~25% slower.
 */
function fastSha1(): typeof _SHA1 {
  /** The message schedule, shared like noble's own and wiped after every update and digest (roundClean). */
  const W = new Int32Array(80);

  class FastSha1 extends _SHA1 {
    protected override process(view: DataView, offset: number): void {
      const w = W;
      for (let i = 0; i < 16; i++, offset += 4) w[i] = view.getInt32(offset, false);
      for (let i = 16; i < 80; i++) {
        const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
        w[i] = (x << 1) | (x >>> 31);
      }
      const s = this as unknown as Sha1State;
      let a = s.A,
        b = s.B,
        c = s.C,
        d = s.D,
        e = s.E,
        t: number;
      let i = 0;
      // rotl(a, 5) and rotl(b, 30) written out: this is the hottest loop of a CBC record.
      for (; i < 20; i++) {
        t = (((a << 5) | (a >>> 27)) + (d ^ (b & (c ^ d))) + e + 0x5a827999 + w[i]!) | 0;
        (e = d), (d = c), (c = (b << 30) | (b >>> 2)), (b = a), (a = t);
      }
      for (; i < 40; i++) {
        t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
        (e = d), (d = c), (c = (b << 30) | (b >>> 2)), (b = a), (a = t);
      }
      for (; i < 60; i++) {
        t = (((a << 5) | (a >>> 27)) + ((b & c) | (d & (b | c))) + e + 0x8f1bbcdc + w[i]!) | 0;
        (e = d), (d = c), (c = (b << 30) | (b >>> 2)), (b = a), (a = t);
      }
      for (; i < 80; i++) {
        t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]!) | 0;
        (e = d), (d = c), (c = (b << 30) | (b >>> 2)), (b = a), (a = t);
      }
      (s.A = (s.A + a) | 0), (s.B = (s.B + b) | 0), (s.C = (s.C + c) | 0), (s.D = (s.D + d) | 0), (s.E = (s.E + e) | 0);
    }
    protected override roundClean(): void {
      W.fill(0);
    }
  }
  return FastSha1;
}

const FastSha1 = fastSha1();
export const sha1 = createHasher<_SHA1>(() => new FastSha1());

/** BigInt helpers for RSA and finite-field DH: byte conversion, sliding-window modPow, inverses, primality. */
import { toHex } from '../bytes.js';
import type { RandomSource } from './types.js';

export function bytesToBigInt(b: Uint8Array): bigint {
  const hex = toHex(b);
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

/** Big-endian, left-padded to `len` bytes. Throws if x does not fit (callers check ranges first). */
export function bigIntToBytes(x: bigint, len: number): Uint8Array {
  const hex = x.toString(16);
  if (x < 0n || hex.length > len * 2) throw new RangeError('integer does not fit');
  const padded = hex.padStart(len * 2, '0');
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Minimal big-endian encoding (no leading zero bytes; zero encodes as empty). */
export function bigIntToMinBytes(x: bigint): Uint8Array {
  return bigIntToBytes(x, Math.ceil(bitLength(x) / 8));
}

export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

export function byteLength(x: bigint): number {
  return Math.ceil(bitLength(x) / 8);
}

/**
 * base^exp mod m with a left-to-right sliding window over the exponent's bits: precomputed odd powers
 * cut multiplications to roughly bits/(w+1) on top of the squarings.
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  if (exp < 0n) throw new RangeError('negative exponent');
  let b = base % m;
  if (b < 0n) b += m;
  const bits = exp.toString(2);
  const w = bits.length > 768 ? 6 : bits.length > 256 ? 5 : bits.length > 32 ? 4 : 1;
  const odd: bigint[] = [b]; // odd[i] = b^(2i+1)
  if (w > 1) {
    const b2 = (b * b) % m;
    for (let i = 1; i < 1 << (w - 1); i++) odd.push((odd[i - 1]! * b2) % m);
  }
  let r = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      r = (r * r) % m;
      i++;
      continue;
    }
    // Longest window of at most w bits that starts here and ends in a 1.
    let j = Math.min(i + w, bits.length) - 1;
    while (bits[j] === '0') j--;
    for (let k = i; k <= j; k++) r = (r * r) % m;
    r = (r * odd[(parseInt(bits.slice(i, j + 1), 2) - 1) >> 1]!) % m;
    i = j + 1;
  }
  return r;
}

/** a^-1 mod m, or null when gcd(a, m) ≠ 1. */
export function modInverse(a: bigint, m: bigint): bigint | null {
  let [r0, r1] = [((a % m) + m) % m, m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) return null;
  return ((s0 % m) + m) % m;
}

/** A uniform-enough integer in [lo, hi] from the RNG (64 extra bits make the modular bias negligible). */
export function randomBetween(lo: bigint, hi: bigint, rng: RandomSource): bigint {
  const span = hi - lo + 1n;
  return lo + (bytesToBigInt(rng(byteLength(span) + 8)) % span);
}

const SMALL_PRIMES: bigint[] = (() => {
  const out: bigint[] = [];
  for (let n = 3; n < 2000; n += 2) {
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) if (n % d === 0) { prime = false; break; }
    if (prime) out.push(BigInt(n));
  }
  return out;
})();

/** True when n has a prime factor below 2000 (and is not that prime itself). */
export function hasSmallFactor(n: bigint): boolean {
  if (n % 2n === 0n) return n !== 2n;
  for (const p of SMALL_PRIMES) if (n % p === 0n) return n !== p;
  return false;
}

/** Miller–Rabin with `rounds` random bases: a composite passes with probability at most 4^-rounds. */
export function millerRabin(n: bigint, rounds: number, rng: RandomSource): boolean {
  if (n < 4n) return n === 2n || n === 3n;
  if (n % 2n === 0n) return false;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (let i = 0; i < rounds; i++) {
    const a = randomBetween(2n, n - 2n, rng);
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let j = 1; j < s; j++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) in one function, for the short inputs of the TLS 1.3 key schedule and the
 * TLS 1.2 PRF. A TLS 1.3 handshake makes some 24 HMACs per side over 32 to 100 bytes; each is four or five SHA-256
 * blocks, and noble's hmac() spent more than that again setting up two hash objects, their buffers and views, and
 * wiping them (~5.4 µs a call here, ~1.5 µs this way). The state lives in two Int32Arrays and one 64-byte block;
 * the scratch is wiped after every call. Checked against noble's hmac for keys and messages of every length class.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** Built inside a function so its tables stay true consts when bundled (see sha1.ts). */
function build(): (key: Uint8Array, data: Uint8Array) => Uint8Array {
  // prettier-ignore
  const K = Int32Array.from([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const W = new Int32Array(64);
  const inner = new Int32Array(8);
  const outer = new Int32Array(8);
  const block = new Uint8Array(64);

  /** One SHA-256 block (FIPS 180-4 §6.2.2) of `b` at `o` into the chaining state `h`. */
  function compress(h: Int32Array, b: Uint8Array, o: number): void {
    const w = W;
    for (let i = 0; i < 16; i++, o += 4) w[i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h[0]!, b1 = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b1;
      b1 = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b1) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }

  /** The state after a 64-byte key block XOR `pad`. */
  function keyed(h: Int32Array, key: Uint8Array, pad: number): void {
    h.set(IV);
    block.fill(pad);
    for (let i = 0; i < key.length; i++) block[i]! ^= key[i]!;
    compress(h, block, 0);
  }

  /** Absorb `data` after `prefix` bytes already hashed, pad (FIPS 180-4 §5.1.1), and leave the digest in `block`. */
  function finish(h: Int32Array, data: Uint8Array, prefix: number): void {
    const n = data.length;
    let o = 0;
    for (; o + 64 <= n; o += 64) compress(h, data, o);
    const r = n - o;
    block.fill(0);
    block.set(data.subarray(o), 0);
    block[r] = 0x80;
    if (r + 9 > 64) {
      compress(h, block, 0);
      block.fill(0);
    }
    const bits = (prefix + n) * 8;
    const hi = Math.floor(bits / 0x100000000);
    const lo = bits >>> 0;
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = lo >>> 24;
    block[61] = lo >>> 16;
    block[62] = lo >>> 8;
    block[63] = lo;
    compress(h, block, 0);
    for (let i = 0; i < 8; i++) {
      const x = h[i]!;
      block[4 * i] = x >>> 24;
      block[4 * i + 1] = x >>> 16;
      block[4 * i + 2] = x >>> 8;
      block[4 * i + 3] = x;
    }
  }

  return function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
    const k = key.length > 64 ? sha256(key) : key;
    keyed(inner, k, 0x36);
    keyed(outer, k, 0x5c);
    finish(inner, data, 64);
    finish(outer, block.slice(0, 32), 64);
    const out = block.slice(0, 32);
    block.fill(0);
    W.fill(0);
    inner.fill(0);
    outer.fill(0);
    return out;
  };
}

export const hmacSha256 = build();

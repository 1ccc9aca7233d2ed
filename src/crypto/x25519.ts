/**
 * X25519 (RFC 7748 §5) for the pure-JS provider: the Montgomery ladder over GF(2^255 − 19) in 16 limbs of 16 bits
 * held in Float64Arrays (TweetNaCl's representation and ladder), with the field multiplication unrolled
 * (x25519-mul.ts, generated). About 2.5× faster than the BigInt ladder of @noble/curves in V8, and X25519 is a
 * third of a pure-JS ECDHE handshake (two key pairs and two agreements when both ends run here).
 *
 * Constant time in the usual JavaScript sense: no branch and no array index depends on the scalar or the point
 * (the ladder's conditional swap is a mask over int32 views of the limbs, the loop bounds are fixed), and every
 * float operation is on integers below 2^53, whose timing does not depend on their value.
 *
 * Inputs follow RFC 7748: the scalar is clamped here; the u-coordinate's top bit is ignored and a non-canonical
 * value (≥ p) is used as is (it reduces mod p). Low-order points are not refused here: the caller refuses an
 * all-zero result (src/crypto/kex.ts checkX25519Secret, RFC 7748 §6.1), which is what every low-order input gives.
 */
import { fmul, fsqr } from './x25519-mul.js';

type Fe = Float64Array;
const fe = (): Fe => new Float64Array(16);

/** 121665 = (486662 − 2) / 4, the ladder's a24 for curve25519 (RFC 7748 §5). */
const A24 = 121665;

function add(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < 16; i++) o[i] = a[i]! + b[i]!;
}
function sub(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < 16; i++) o[i] = a[i]! - b[i]!;
}

/** Swap p and q when bit is 1, leave them when 0, without a branch (limbs are carried: integers in [0, 2^16]). */
function cswap(p: Fe, q: Fe, bit: number): void {
  const mask = -bit | 0;
  for (let i = 0; i < 16; i++) {
    const t = mask & ((p[i]! | 0) ^ (q[i]! | 0));
    p[i] = (p[i]! | 0) ^ t;
    q[i] = (q[i]! | 0) ^ t;
  }
}

/** o = a · k for a small constant k (|a_i| < 2^17, k < 2^17: every product is exact). */
function fmulSmall(o: Fe, a: Fe, k: number): void {
  for (let i = 0; i < 16; i++) o[i] = a[i]! * k;
  carry(o);
  carry(o);
}

function carry(o: Fe): void {
  let c = 1;
  for (let i = 0; i < 16; i++) {
    const v = o[i]! + c + 65535;
    c = Math.floor(v / 65536);
    o[i] = v - c * 65536;
  }
  o[0]! += c - 1 + 37 * (c - 1);
}

/** The canonical 32-byte little-endian encoding of n mod p (two conditional subtractions of p by mask). */
function pack(out: Uint8Array, n: Fe): void {
  const t = Float64Array.from(n);
  const m = fe();
  carry(t);
  carry(t);
  carry(t);
  for (let j = 0; j < 2; j++) {
    m[0] = t[0]! - 0xffed;
    for (let i = 1; i < 15; i++) {
      m[i] = t[i]! - 0xffff - ((m[i - 1]! >> 16) & 1);
      m[i - 1]! &= 0xffff;
    }
    m[15] = t[15]! - 0x7fff - ((m[14]! >> 16) & 1);
    const borrow = (m[15]! >> 16) & 1;
    m[14]! &= 0xffff;
    cswap(t, m, 1 - borrow); // keep t − p unless it borrowed
  }
  for (let i = 0; i < 16; i++) {
    out[2 * i] = t[i]! & 0xff;
    out[2 * i + 1] = t[i]! >> 8;
  }
}

/** Little-endian bytes to limbs, the top bit masked off (RFC 7748 §5). */
function unpack(o: Fe, bytes: Uint8Array): void {
  for (let i = 0; i < 16; i++) o[i] = bytes[2 * i]! + (bytes[2 * i + 1]! << 8);
  o[15]! &= 0x7fff;
}

/** o = a^(p − 2) = a^-1 (0 for 0): 254 squarings and 11 multiplications in a fixed order. */
function invert(o: Fe, a: Fe): void {
  const c = Float64Array.from(a);
  for (let i = 253; i >= 0; i--) {
    fsqr(c, c);
    if (i !== 2 && i !== 4) fmul(c, c, a);
  }
  o.set(c);
}

/** X25519(k, u): the 32-byte u-coordinate of k·u. Both inputs are 32 bytes (the caller checks lengths). */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  if (scalar.length !== 32 || u.length !== 32) throw new RangeError('X25519 takes a 32-byte scalar and a 32-byte u-coordinate');
  const k = scalar.slice();
  k[0]! &= 248;
  k[31] = (k[31]! & 127) | 64;
  const x = fe();
  unpack(x, u);
  const a = fe(), b = fe(), c = fe(), d = fe(), e = fe(), f = fe();
  // (a : c) = x_2 : z_2 = 1 : 0, (b : d) = x_3 : z_3 = u : 1
  b.set(x);
  a[0] = 1;
  d[0] = 1;
  for (let i = 254; i >= 0; i--) {
    const bit = (k[i >>> 3]! >>> (i & 7)) & 1;
    cswap(a, b, bit);
    cswap(c, d, bit);
    add(e, a, c);
    sub(a, a, c);
    add(c, b, d);
    sub(b, b, d);
    fsqr(d, e);
    fsqr(f, a);
    fmul(a, c, a);
    fmul(c, b, e);
    add(e, a, c);
    sub(a, a, c);
    fsqr(b, a);
    sub(c, d, f);
    fmulSmall(a, c, A24);
    add(a, a, d);
    fmul(c, c, a);
    fmul(a, d, f);
    fmul(d, b, x);
    fsqr(b, e);
    cswap(a, b, bit);
    cswap(c, d, bit);
  }
  invert(c, c);
  fmul(a, a, c);
  const out = new Uint8Array(32);
  pack(out, a);
  k.fill(0);
  return out;
}

const BASE_U = new Uint8Array(32);
BASE_U[0] = 9;

/** The public key for a private scalar: X25519(k, 9). */
export function x25519Base(scalar: Uint8Array): Uint8Array {
  return x25519(scalar, BASE_U);
}

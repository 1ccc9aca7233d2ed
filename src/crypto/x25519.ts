/**
 * X25519 (RFC 7748 §5) for the pure-JS provider, over GF(2^255 − 19) in 16 limbs of 16 bits held in Float64Arrays
 * (TweetNaCl's representation), with the field multiplication unrolled (x25519-mul.ts, generated):
 * - agreement, x25519(k, u): the Montgomery ladder, ~2× the BigInt ladder of @noble/curves in V8;
 * - key generation, x25519Base(k): k·B on edwards25519 from a table of 256 precomputed multiples (ref10's
 *   ge_scalarmult_base), ~1.7× noble's blinded Edwards multiplication.
 * X25519 was a third of a pure-JS ECDHE handshake (two key pairs and two agreements when both ends run here).
 *
 * Constant time in the usual JavaScript sense: no branch and no array index depends on the scalar or the point
 * (the ladder's conditional swap and the table lookup are masks over int32 values of the limbs, every table entry
 * of a row is read, the loop bounds are fixed), and every float operation is on integers below 2^53, whose timing
 * does not depend on their value.
 *
 * Inputs follow RFC 7748: the scalar is clamped here; the u-coordinate's top bit is ignored and a non-canonical
 * value (≥ p) is used as is (it reduces mod p). Low-order points are not refused here: the caller refuses an
 * all-zero result (src/crypto/kex.ts checkX25519Secret, RFC 7748 §6.1), which is what every low-order input gives.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
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

// ---------- fixed-base: k·B on edwards25519 with a precomputed table (ref10's ge_scalarmult_base) ----------

/** A table point in ref10's "precomp" form: (y + x, y − x, 2·d·x·y), affine. */
interface Precomp {
  yplusx: Fe;
  yminusx: Fe;
  xy2d: Fe;
}

const P_BIG = (1n << 255n) - 19n;
const D_BIG = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

let baseTable: Int32Array | undefined;
/**
 * j · 256^i · B for i < 32, 1 ≤ j ≤ 8, as 48 limbs each (y + x, y − x, 2dxy: canonical 16-bit limbs) at
 * ((i · 8) + j − 1) · 48; computed from noble's Edwards arithmetic once per process (~20 ms on first use).
 */
function table(): Int32Array {
  if (baseTable) return baseTable;
  const out = new Int32Array(32 * 8 * 48);
  const put = (at: number, x: bigint) => {
    for (let l = 0; l < 16; l++) out[at + l] = Number((x >> BigInt(16 * l)) & 0xffffn);
  };
  let base = ed25519.Point.BASE;
  for (let i = 0; i < 32; i++) {
    let pt = base;
    for (let j = 1; j <= 8; j++) {
      const { x, y } = pt.toAffine();
      const at = (i * 8 + j - 1) * 48;
      put(at, (y + x) % P_BIG);
      put(at + 16, (y - x + P_BIG) % P_BIG);
      put(at + 32, (2n * D_BIG * x * y) % P_BIG);
      pt = pt.add(base);
    }
    for (let k = 0; k < 8; k++) base = base.double();
  }
  return (baseTable = out);
}

/** Extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z; ref10's p3 (and p1p1 before conversion). */
interface Ext {
  X: Fe;
  Y: Fe;
  Z: Fe;
  T: Fe;
}
const ext = (): Ext => ({ X: fe(), Y: fe(), Z: fe(), T: fe() });

/** r (completed, "p1p1") = p + q for p extended and q a precomputed affine point (ref10 ge_madd). */
function madd(r: Ext, p: Ext, q: Precomp, t0: Fe): void {
  add(r.X, p.Y, p.X);
  sub(r.Y, p.Y, p.X);
  fmul(r.Z, r.X, q.yplusx);
  fmul(r.Y, r.Y, q.yminusx);
  fmul(r.T, q.xy2d, p.T);
  add(t0, p.Z, p.Z);
  sub(r.X, r.Z, r.Y);
  add(r.Y, r.Z, r.Y);
  add(r.Z, t0, r.T);
  sub(r.T, t0, r.T);
}

/** Completed → extended (ref10 ge_p1p1_to_p3); `withT` false leaves T stale (ge_p1p1_to_p2). */
function toExt(o: Ext, r: Ext, withT: boolean, tmp: Ext): void {
  fmul(tmp.X, r.X, r.T);
  fmul(tmp.Y, r.Y, r.Z);
  fmul(tmp.Z, r.Z, r.T);
  if (withT) fmul(tmp.T, r.X, r.Y);
  o.X.set(tmp.X);
  o.Y.set(tmp.Y);
  o.Z.set(tmp.Z);
  if (withT) o.T.set(tmp.T);
}

/** r (completed) = 2p, p given by X, Y, Z (ref10 ge_p2_dbl). */
function dbl(r: Ext, p: Ext, t0: Fe): void {
  fsqr(r.X, p.X);
  fsqr(r.Z, p.Y);
  fsqr(r.T, p.Z);
  add(r.T, r.T, r.T);
  add(r.Y, p.X, p.Y);
  fsqr(t0, r.Y);
  add(r.Y, r.Z, r.X);
  sub(r.Z, r.Z, r.X);
  sub(r.X, t0, r.Y);
  sub(r.T, r.T, r.Z);
}

/** t = b · 16^(2·pos) · B from row pos (b in −8..8): every entry of the row is read whatever b is, by masks. */
function select(t: Precomp, pos: number, b: number): void {
  const tab = table();
  const bneg = (b >> 31) & 1;
  const babs = b - ((-bneg & b) << 1);
  const base = pos * 8 * 48;
  // m[j] = all ones when babs = j + 1 (small non-negative ints: (x − 1) >>> 31 is 1 only for x = 0).
  const m0 = -(((babs ^ 1) - 1) >>> 31) | 0, m1 = -(((babs ^ 2) - 1) >>> 31) | 0;
  const m2 = -(((babs ^ 3) - 1) >>> 31) | 0, m3 = -(((babs ^ 4) - 1) >>> 31) | 0;
  const m4 = -(((babs ^ 5) - 1) >>> 31) | 0, m5 = -(((babs ^ 6) - 1) >>> 31) | 0;
  const m6 = -(((babs ^ 7) - 1) >>> 31) | 0, m7 = -(((babs ^ 8) - 1) >>> 31) | 0;
  const none = ~(m0 | m1 | m2 | m3 | m4 | m5 | m6 | m7);
  const nmask = -bneg | 0;
  for (let l = 0; l < 16; l++) {
    const pick = (off: number) =>
      (m0 & tab[base + off + l]!) | (m1 & tab[base + 48 + off + l]!) | (m2 & tab[base + 96 + off + l]!) |
      (m3 & tab[base + 144 + off + l]!) | (m4 & tab[base + 192 + off + l]!) | (m5 & tab[base + 240 + off + l]!) |
      (m6 & tab[base + 288 + off + l]!) | (m7 & tab[base + 336 + off + l]!);
    // The identity (1, 1, 0) when b = 0.
    const one = l === 0 ? none & 1 : 0;
    const yp = pick(0) | one;
    const ym = pick(16) | one;
    const xy = pick(32);
    // −(x, y) = (−x, y): y + x and y − x trade places, 2dxy changes sign.
    t.yplusx[l] = yp ^ (nmask & (yp ^ ym));
    t.yminusx[l] = ym ^ (nmask & (yp ^ ym));
    t.xy2d[l] = xy ^ (nmask & (xy ^ -xy));
  }
}

/**
 * The X25519 public key for a private scalar, X25519(k, 9), as k·B on edwards25519 (B maps to u = 9) with a table
 * of 256 precomputed multiples: 64 mixed additions and 4 doublings instead of the ladder's 255 steps, then
 * u = (1 + y) / (1 − y) = (Z + Y) / (Z − Y). Signed radix-16 digits, every table row read in full, no branch on
 * the scalar. Same result as the ladder for every scalar (test/crypto/x25519.test.ts).
 */
export function x25519Base(scalar: Uint8Array): Uint8Array {
  if (scalar.length !== 32) throw new RangeError('X25519 takes a 32-byte scalar');
  const a = scalar.slice();
  a[0]! &= 248;
  a[31] = (a[31]! & 127) | 64;
  const e = new Int8Array(64);
  for (let i = 0; i < 32; i++) {
    e[2 * i] = a[i]! & 15;
    e[2 * i + 1] = (a[i]! >> 4) & 15;
  }
  a.fill(0);
  let carry = 0;
  for (let i = 0; i < 63; i++) {
    e[i]! += carry;
    carry = (e[i]! + 8) >> 4;
    e[i]! -= carry << 4;
  }
  e[63]! += carry;

  const h = ext();
  h.Y[0] = 1;
  h.Z[0] = 1;
  const r = ext();
  const tmp = ext();
  const t: Precomp = { yplusx: fe(), yminusx: fe(), xy2d: fe() };
  const t0 = fe();
  for (let i = 1; i < 64; i += 2) {
    select(t, i >> 1, e[i]!);
    madd(r, h, t, t0);
    toExt(h, r, true, tmp);
  }
  // h = 16·h
  dbl(r, h, t0);
  toExt(h, r, false, tmp);
  dbl(r, h, t0);
  toExt(h, r, false, tmp);
  dbl(r, h, t0);
  toExt(h, r, false, tmp);
  dbl(r, h, t0);
  toExt(h, r, true, tmp);
  for (let i = 0; i < 64; i += 2) {
    select(t, i >> 1, e[i]!);
    madd(r, h, t, t0);
    toExt(h, r, true, tmp);
  }
  e.fill(0);
  const num = fe();
  const den = fe();
  add(num, h.Z, h.Y);
  sub(den, h.Z, h.Y);
  invert(den, den);
  fmul(num, num, den);
  const out = new Uint8Array(32);
  pack(out, num);
  return out;
}

/**
 * GHASH (NIST SP 800-38D §6.4) with Shoup's 4-bit tables, as mbedTLS's gcm.c does it: 16 multiples of H, 256
 * bytes per key, built once per key; each 16-byte block is 32 table steps. noble's GHASH builds a windowed table
 * of ~500 small objects (~25 KB) for every message, which is most of the cost of a short record, and too big to
 * keep per key (a TLS connection holds two). The lookups are indexed by data, as in every table-driven GHASH.
 */

/** The reduction of the 4 bits shifted out, for x^128 + x^7 + x^2 + x + 1 in GCM's reflected bit order. */
const LAST4 = [0x0000, 0x1c20, 0x3840, 0x2460, 0x7080, 0x6ca0, 0x48c0, 0x54e0, 0xe100, 0xfd20, 0xd940, 0xc560, 0x9180, 0x8da0, 0xa9c0, 0xb5e0];

const be32 = (b: Uint8Array, o: number) => (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;

export class Ghash {
  /** Entry n (words 4n..4n+3, big-endian word order) is n·H in the 4-bit sense of Shoup's method. */
  private readonly t = new Int32Array(64);
  private y0 = 0;
  private y1 = 0;
  private y2 = 0;
  private y3 = 0;

  constructor(h: Uint8Array) {
    const t = this.t;
    let a = be32(h, 0), b = be32(h, 4), c = be32(h, 8), d = be32(h, 12);
    t[32] = a; t[33] = b; t[34] = c; t[35] = d; // entry 8 = H
    for (let i = 4; i > 0; i >>= 1) {
      // (a:b:c:d) >>= 1 across the 128 bits, folding the bit shifted out back in as 0xe1 << 120.
      const carry = -(d & 1) & 0xe1000000;
      d = (c << 31) | (d >>> 1);
      c = (b << 31) | (c >>> 1);
      b = (a << 31) | (b >>> 1);
      a = (a >>> 1) ^ carry;
      t[4 * i] = a; t[4 * i + 1] = b; t[4 * i + 2] = c; t[4 * i + 3] = d;
    }
    for (let i = 2; i <= 8; i *= 2) {
      for (let j = 1; j < i; j++) for (let w = 0; w < 4; w++) t[4 * (i + j) + w] = t[4 * i + w]! ^ t[4 * j + w]!;
    }
  }

  /** Start a new message under the same key. */
  reset(): this {
    this.y0 = this.y1 = this.y2 = this.y3 = 0;
    return this;
  }

  /** Absorb `data` as whole blocks, the last one zero-padded (each call is its own padded segment, as GCM needs). */
  update(data: Uint8Array): this {
    const n = data.length;
    for (let o = 0; o < n; o += 16) {
      if (o + 16 <= n) {
        this.block(be32(data, o), be32(data, o + 4), be32(data, o + 8), be32(data, o + 12));
      } else {
        const last = new Uint8Array(16);
        last.set(data.subarray(o));
        this.block(be32(last, 0), be32(last, 4), be32(last, 8), be32(last, 12));
      }
    }
    return this;
  }

  /** Y = (Y xor X) · H. */
  private block(x0: number, x1: number, x2: number, x3: number): void {
    const t = this.t;
    x0 ^= this.y0;
    x1 ^= this.y1;
    x2 ^= this.y2;
    x3 ^= this.y3;
    // z = (zh:zl) = (a:b:c:d); bytes are taken from byte 15 down to byte 0, low nibble then high nibble.
    let n = x3 & 0xf;
    let a = t[4 * n]!, b = t[4 * n + 1]!, c = t[4 * n + 2]!, d = t[4 * n + 3]!;
    for (let i = 15; i >= 0; i--) {
      const w = i < 4 ? x0 : i < 8 ? x1 : i < 12 ? x2 : x3;
      const byte = (w >>> (24 - 8 * (i & 3))) & 0xff;
      for (let half = i === 15 ? 1 : 0; half < 2; half++) {
        n = half === 0 ? byte & 0xf : byte >>> 4;
        const rem = d & 0xf;
        d = (c << 28) | (d >>> 4);
        c = (b << 28) | (c >>> 4);
        b = (a << 28) | (b >>> 4);
        a = (a >>> 4) ^ (LAST4[rem]! << 16);
        a ^= t[4 * n]!;
        b ^= t[4 * n + 1]!;
        c ^= t[4 * n + 2]!;
        d ^= t[4 * n + 3]!;
      }
    }
    this.y0 = a;
    this.y1 = b;
    this.y2 = c;
    this.y3 = d;
  }

  /** The 16-byte result of the message so far. */
  digestInto(out: Uint8Array): void {
    const v = new DataView(out.buffer, out.byteOffset, 16);
    v.setInt32(0, this.y0);
    v.setInt32(4, this.y1);
    v.setInt32(8, this.y2);
    v.setInt32(12, this.y3);
  }
}

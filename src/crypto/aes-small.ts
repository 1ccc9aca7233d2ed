/**
 * AES (FIPS 197) encryption with the classic four 1 KiB T-tables, for the short messages of a handshake: key
 * expansion, single blocks (GCM's H and tag mask) and counter mode over a few hundred bytes.
 *
 * noble's AES merges the tables pairwise into two 256 KiB tables plus a 128 KiB S-box table: half the lookups per
 * round, and the fastest once they sit in cache (bulk data). A handshake encrypts a few KiB between RSA and X25519
 * work that evicts them, so each short record paid for cache misses on 640 KiB of tables (a 1.4 KiB record took
 * ~4x as long in a handshake as in a loop). These tables are 4.25 KiB in all. AesGcm (provider-noble.ts) uses
 * this below a size threshold and noble's ctr32 above it.
 *
 * Words are little-endian, as noble's expandKeyLE lays them out: column j of the state is word j, row 0 in its low
 * byte. The lookups are indexed by secret data, as in every table-driven AES (noble's included).
 */

function build() {
  // The S-box from its definition (FIPS 197 §5.1.1): the inverse in GF(2^8) followed by the affine map.
  const sbox = new Uint8Array(256);
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0); // x * 3
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]!) % 255]!;
    let s = inv;
    for (let r = 1; r < 5; r++) s ^= ((inv << r) | (inv >>> (8 - r))) & 0xff;
    sbox[i] = s ^ 0x63;
  }
  const T0 = new Int32Array(256);
  const T1 = new Int32Array(256);
  const T2 = new Int32Array(256);
  const T3 = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const s = sbox[i]!;
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x11b : 0)) & 0xff;
    const s3 = s2 ^ s;
    // MixColumns of a byte in row 0: (2s, s, s, 3s) down the column, row 0 in the low byte.
    const t = s2 | (s << 8) | (s << 16) | (s3 << 24);
    T0[i] = t;
    T1[i] = (t << 8) | (t >>> 24);
    T2[i] = (t << 16) | (t >>> 16);
    T3[i] = (t << 24) | (t >>> 8);
  }

  const sub = (w: number) => sbox[w & 0xff]! | (sbox[(w >>> 8) & 0xff]! << 8) | (sbox[(w >>> 16) & 0xff]! << 16) | (sbox[w >>> 24]! << 24);

  /** The encryption key schedule (FIPS 197 §5.2) as little-endian words: 44, 52 or 60 of them. */
  function expandKey(key: Uint8Array): Int32Array {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new Error(`AES: a key is 16, 24 or 32 bytes, not ${key.length}`);
    const xk = new Int32Array(key.length + 28);
    for (let i = 0; i < nk; i++) xk[i] = key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24);
    for (let i = nk, rcon = 1; i < xk.length; i++) {
      let t = xk[i - 1]!;
      if (i % nk === 0) {
        t = sub((t >>> 8) | (t << 24)) ^ rcon; // SubWord(RotWord(t)) xor Rcon, Rcon in row 0 (the low byte)
        rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0)) & 0xff;
      } else if (nk > 6 && i % nk === 4) {
        t = sub(t);
      }
      xk[i] = xk[i - nk]! ^ t;
    }
    return xk;
  }

  /** One block in words (s0..s3) to `out` (4 words). */
  function encryptWords(xk: Int32Array, s0: number, s1: number, s2: number, s3: number, out: Int32Array): void {
    s0 ^= xk[0]!;
    s1 ^= xk[1]!;
    s2 ^= xk[2]!;
    s3 ^= xk[3]!;
    const rounds = (xk.length >> 2) - 1;
    let k = 4;
    for (let r = 1; r < rounds; r++, k += 4) {
      const t0 = T0[s0 & 0xff]! ^ T1[(s1 >>> 8) & 0xff]! ^ T2[(s2 >>> 16) & 0xff]! ^ T3[s3 >>> 24]! ^ xk[k]!;
      const t1 = T0[s1 & 0xff]! ^ T1[(s2 >>> 8) & 0xff]! ^ T2[(s3 >>> 16) & 0xff]! ^ T3[s0 >>> 24]! ^ xk[k + 1]!;
      const t2 = T0[s2 & 0xff]! ^ T1[(s3 >>> 8) & 0xff]! ^ T2[(s0 >>> 16) & 0xff]! ^ T3[s1 >>> 24]! ^ xk[k + 2]!;
      const t3 = T0[s3 & 0xff]! ^ T1[(s0 >>> 8) & 0xff]! ^ T2[(s1 >>> 16) & 0xff]! ^ T3[s2 >>> 24]! ^ xk[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    // The last round: SubBytes and ShiftRows, no MixColumns.
    out[0] = (sbox[s0 & 0xff]! | (sbox[(s1 >>> 8) & 0xff]! << 8) | (sbox[(s2 >>> 16) & 0xff]! << 16) | (sbox[s3 >>> 24]! << 24)) ^ xk[k]!;
    out[1] = (sbox[s1 & 0xff]! | (sbox[(s2 >>> 8) & 0xff]! << 8) | (sbox[(s3 >>> 16) & 0xff]! << 16) | (sbox[s0 >>> 24]! << 24)) ^ xk[k + 1]!;
    out[2] = (sbox[s2 & 0xff]! | (sbox[(s3 >>> 8) & 0xff]! << 8) | (sbox[(s0 >>> 16) & 0xff]! << 16) | (sbox[s1 >>> 24]! << 24)) ^ xk[k + 2]!;
    out[3] = (sbox[s3 & 0xff]! | (sbox[(s0 >>> 8) & 0xff]! << 8) | (sbox[(s1 >>> 16) & 0xff]! << 16) | (sbox[s2 >>> 24]! << 24)) ^ xk[k + 3]!;
  }

  const ks = new Int32Array(4);
  const le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

  /** E_K(block) for a 16-byte block, in place. */
  function encryptBlock(xk: Int32Array, block: Uint8Array): Uint8Array {
    encryptWords(xk, le(block, 0), le(block, 4), le(block, 8), le(block, 12), ks);
    for (let i = 0; i < 16; i++) block[i] = ks[i >> 2]! >>> ((i & 3) * 8);
    ks.fill(0);
    return block;
  }

  /**
   * GCTR (SP 800-38D §6.5) from the counter block nonce(12) || counter(32-bit big-endian), any length, any
   * alignment; `dst` may be `src`.
   */
  function ctr32(xk: Int32Array, nonce: Uint8Array, counter: number, src: Uint8Array, dst: Uint8Array): Uint8Array {
    const n0 = le(nonce, 0);
    const n1 = le(nonce, 4);
    const n2 = le(nonce, 8);
    const n = src.length;
    for (let o = 0; o < n; o += 16, counter = (counter + 1) >>> 0) {
      // the counter's big-endian bytes as a little-endian word
      const c = ((counter >>> 24) | ((counter >>> 8) & 0xff00) | ((counter << 8) & 0xff0000) | (counter << 24)) | 0;
      encryptWords(xk, n0, n1, n2, c, ks);
      const end = Math.min(16, n - o);
      for (let i = 0; i < end; i++) dst[o + i] = src[o + i]! ^ (ks[i >> 2]! >>> ((i & 3) * 8));
    }
    ks.fill(0);
    return dst;
  }

  return { expandKey, encryptBlock, ctr32, sbox };
}

export const aesSmall = build();

/**
 * AES (FIPS 197) with the classic four 1 KiB T-tables, for the short messages of a handshake: key
 * expansion, single blocks (GCM's H and tag mask) and counter mode over a few hundred bytes. Also the
 * equivalent inverse cipher (four 1 KiB inverse tables and the inverse S-box) and CBC both ways, for
 * the CBC suites: in a loop over 16 KiB records these run ~1.5x noble's merged-table CBC here, which
 * also built a cipher and key schedule per record.
 *
 * noble's AES merges the tables pairwise into two 256 KiB tables plus a 128 KiB S-box table: half the lookups per
 * round, and the fastest once they sit in cache (bulk data). A handshake encrypts a few KiB between RSA and X25519
 * work that evicts them, so each short record paid for cache misses on 640 KiB of tables (a 1.4 KiB record took
 * ~4x as long in a handshake as in a loop). These tables are 8.5 KiB in all. AesGcm (provider-noble.ts) uses
 * them for GCTR, AesCbc for CBC.
 *
 * Words are little-endian, as noble's expandKeyLE lays them out: column j of the state is word j, row 0 in its low
 * byte. The lookups are indexed by secret data, as in every table-driven AES (noble's included).
 */

function build() {
  /** Multiplication by x in GF(2^8) modulo the AES polynomial x^8 + x^4 + x^3 + x + 1. */
  const xtime = (a: number) => ((a << 1) ^ (a & 0x80 ? 0x11b : 0)) & 0xff;
  /** Multiplication in GF(2^8), for the table constants (2, 3 and 9, 11, 13, 14). */
  const mul = (a: number, b: number) => {
    let r = 0;
    for (; b; b >>>= 1, a = xtime(a)) if (b & 1) r ^= a;
    return r;
  };
  /** A column word and its three byte rotations: the table for each row of the state. */
  const rotations = (column: (i: number) => number): [Int32Array, Int32Array, Int32Array, Int32Array] => {
    const t = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)] as const;
    for (let i = 0; i < 256; i++) {
      const c = column(i);
      t[0][i] = c;
      t[1][i] = (c << 8) | (c >>> 24);
      t[2][i] = (c << 16) | (c >>> 16);
      t[3][i] = (c << 24) | (c >>> 8);
    }
    return [...t];
  };
  const le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

  // The S-box from its definition (FIPS 197 §5.1.1): the inverse in GF(2^8) followed by the affine map.
  const sbox = new Uint8Array(256);
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++, x ^= xtime(x) /* x * 3 */) {
    exp[i] = x;
    log[x] = i;
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]!) % 255]!;
    let s = inv;
    for (let r = 1; r < 5; r++) s ^= ((inv << r) | (inv >>> (8 - r))) & 0xff;
    sbox[i] = s ^ 0x63;
  }
  // MixColumns of a byte in row 0 after SubBytes: (2s, s, s, 3s) down the column, row 0 in the low byte.
  const [T0, T1, T2, T3] = rotations((i) => {
    const s = sbox[i]!;
    return mul(s, 2) | (s << 8) | (s << 16) | (mul(s, 3) << 24);
  });

  const sub = (w: number) => sbox[w & 0xff]! | (sbox[(w >>> 8) & 0xff]! << 8) | (sbox[(w >>> 16) & 0xff]! << 16) | (sbox[w >>> 24]! << 24);

  /** The encryption key schedule (FIPS 197 §5.2) as little-endian words: 44, 52 or 60 of them. */
  function expandKey(key: Uint8Array): Int32Array {
    const nk = key.length / 4;
    if (nk !== 4 && nk !== 6 && nk !== 8) throw new Error(`AES: a key is 16, 24 or 32 bytes, not ${key.length}`);
    const xk = new Int32Array(key.length + 28);
    for (let i = 0; i < nk; i++) xk[i] = le(key, 4 * i);
    for (let i = nk, rcon = 1; i < xk.length; i++) {
      let t = xk[i - 1]!;
      if (i % nk === 0) {
        t = sub((t >>> 8) | (t << 24)) ^ rcon; // SubWord(RotWord(t)) xor Rcon, Rcon in row 0 (the low byte)
        rcon = xtime(rcon);
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
    // Whole blocks a word at a time through little-endian DataViews (any offset); the last partial block by bytes.
    const sv = new DataView(src.buffer, src.byteOffset, n);
    const dv = new DataView(dst.buffer, dst.byteOffset, dst.length);
    let o = 0;
    for (; o < n; o += 16, counter = (counter + 1) >>> 0) {
      // the counter's big-endian bytes as a little-endian word
      const c = ((counter >>> 24) | ((counter >>> 8) & 0xff00) | ((counter << 8) & 0xff0000) | (counter << 24)) | 0;
      encryptWords(xk, n0, n1, n2, c, ks);
      if (o + 16 <= n) {
        dv.setInt32(o, sv.getInt32(o, true) ^ ks[0]!, true);
        dv.setInt32(o + 4, sv.getInt32(o + 4, true) ^ ks[1]!, true);
        dv.setInt32(o + 8, sv.getInt32(o + 8, true) ^ ks[2]!, true);
        dv.setInt32(o + 12, sv.getInt32(o + 12, true) ^ ks[3]!, true);
      } else {
        for (let i = 0; o + i < n; i++) dst[o + i] = src[o + i]! ^ (ks[i >> 2]! >>> ((i & 3) * 8));
      }
    }
    ks.fill(0);
    return dst;
  }

  // ---- The inverse cipher, for CBC decryption ----

  // The inverse S-box, and InvMixColumns of a byte in row 0 after InvSubBytes: (14s, 9s, 13s, 11s) down the column.
  const invSbox = new Uint8Array(256);
  for (let i = 0; i < 256; i++) invSbox[sbox[i]!] = i;
  const [D0, D1, D2, D3] = rotations((i) => {
    const s = invSbox[i]!;
    return mul(s, 14) | (mul(s, 9) << 8) | (mul(s, 13) << 16) | (mul(s, 11) << 24);
  });

  /**
   * The decryption key schedule of the equivalent inverse cipher (FIPS 197 §5.3.5): the round keys in reverse order,
   * InvMixColumns applied to all but the first and last. D[sbox[x]] is InvMixColumns of x alone (InvSubBytes undone).
   */
  function expandDecryptKey(xk: Int32Array): Int32Array {
    const n = xk.length;
    const dk = new Int32Array(n);
    for (let r = 0; r < n; r += 4) {
      for (let j = 0; j < 4; j++) {
        const w = xk[n - 4 - r + j]!;
        dk[r + j] = r === 0 || r === n - 4 ? w : D0[sbox[w & 0xff]!]! ^ D1[sbox[(w >>> 8) & 0xff]!]! ^ D2[sbox[(w >>> 16) & 0xff]!]! ^ D3[sbox[w >>> 24]!]!;
      }
    }
    return dk;
  }

  /** AES^-1 of one block in words (s0..s3) to `out` (4 words), with the schedule of expandDecryptKey. */
  function decryptWords(dk: Int32Array, s0: number, s1: number, s2: number, s3: number, out: Int32Array): void {
    s0 ^= dk[0]!;
    s1 ^= dk[1]!;
    s2 ^= dk[2]!;
    s3 ^= dk[3]!;
    const rounds = (dk.length >> 2) - 1;
    let k = 4;
    // InvShiftRows moves row r of column j to column j + r: the new column j takes row r from column j - r.
    for (let r = 1; r < rounds; r++, k += 4) {
      const t0 = D0[s0 & 0xff]! ^ D1[(s3 >>> 8) & 0xff]! ^ D2[(s2 >>> 16) & 0xff]! ^ D3[s1 >>> 24]! ^ dk[k]!;
      const t1 = D0[s1 & 0xff]! ^ D1[(s0 >>> 8) & 0xff]! ^ D2[(s3 >>> 16) & 0xff]! ^ D3[s2 >>> 24]! ^ dk[k + 1]!;
      const t2 = D0[s2 & 0xff]! ^ D1[(s1 >>> 8) & 0xff]! ^ D2[(s0 >>> 16) & 0xff]! ^ D3[s3 >>> 24]! ^ dk[k + 2]!;
      const t3 = D0[s3 & 0xff]! ^ D1[(s2 >>> 8) & 0xff]! ^ D2[(s1 >>> 16) & 0xff]! ^ D3[s0 >>> 24]! ^ dk[k + 3]!;
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    out[0] = (invSbox[s0 & 0xff]! | (invSbox[(s3 >>> 8) & 0xff]! << 8) | (invSbox[(s2 >>> 16) & 0xff]! << 16) | (invSbox[s1 >>> 24]! << 24)) ^ dk[k]!;
    out[1] = (invSbox[s1 & 0xff]! | (invSbox[(s0 >>> 8) & 0xff]! << 8) | (invSbox[(s3 >>> 16) & 0xff]! << 16) | (invSbox[s2 >>> 24]! << 24)) ^ dk[k + 1]!;
    out[2] = (invSbox[s2 & 0xff]! | (invSbox[(s1 >>> 8) & 0xff]! << 8) | (invSbox[(s0 >>> 16) & 0xff]! << 16) | (invSbox[s3 >>> 24]! << 24)) ^ dk[k + 2]!;
    out[3] = (invSbox[s3 & 0xff]! | (invSbox[(s2 >>> 8) & 0xff]! << 8) | (invSbox[(s1 >>> 16) & 0xff]! << 16) | (invSbox[s0 >>> 24]! << 24)) ^ dk[k + 3]!;
  }

  /** D_K(block) for a 16-byte block, in place (dk from expandDecryptKey). */
  function decryptBlock(dk: Int32Array, block: Uint8Array): Uint8Array {
    decryptWords(dk, le(block, 0), le(block, 4), le(block, 8), le(block, 12), ks);
    for (let i = 0; i < 16; i++) block[i] = ks[i >> 2]! >>> ((i & 3) * 8);
    ks.fill(0);
    return block;
  }

  // ---- CBC (SP 800-38A §6.2), no padding ----

  function checkCbc(iv: Uint8Array, data: Uint8Array): void {
    if (iv.length !== 16 || data.length % 16 !== 0) throw new Error(`AES-CBC: a 16-byte IV and whole blocks, not ${iv.length} and ${data.length} bytes`);
  }

  /**
   * CBC encryption of whole blocks under `iv`: a new array, `data` untouched. Words are read and written through
   * DataViews, little-endian whatever the platform's order, at any offset (V8 compiles each to one load or store).
   */
  function cbcEncrypt(xk: Int32Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkCbc(iv, data);
    const out = new Uint8Array(data.length);
    const src = new DataView(data.buffer, data.byteOffset, data.length);
    const dst = new DataView(out.buffer);
    const o = ks;
    o[0] = le(iv, 0);
    o[1] = le(iv, 4);
    o[2] = le(iv, 8);
    o[3] = le(iv, 12);
    for (let i = 0; i < data.length; i += 16) {
      encryptWords(xk, src.getInt32(i, true) ^ o[0]!, src.getInt32(i + 4, true) ^ o[1]!, src.getInt32(i + 8, true) ^ o[2]!, src.getInt32(i + 12, true) ^ o[3]!, o);
      dst.setInt32(i, o[0]!, true);
      dst.setInt32(i + 4, o[1]!, true);
      dst.setInt32(i + 8, o[2]!, true);
      dst.setInt32(i + 12, o[3]!, true);
    }
    o.fill(0);
    return out;
  }

  /** CBC decryption of whole blocks under `iv`: a new array, `data` untouched. */
  function cbcDecrypt(dk: Int32Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkCbc(iv, data);
    const out = new Uint8Array(data.length);
    const src = new DataView(data.buffer, data.byteOffset, data.length);
    const dst = new DataView(out.buffer);
    const o = ks;
    let p0 = le(iv, 0);
    let p1 = le(iv, 4);
    let p2 = le(iv, 8);
    let p3 = le(iv, 12);
    for (let i = 0; i < data.length; i += 16) {
      const c0 = src.getInt32(i, true);
      const c1 = src.getInt32(i + 4, true);
      const c2 = src.getInt32(i + 8, true);
      const c3 = src.getInt32(i + 12, true);
      decryptWords(dk, c0, c1, c2, c3, o);
      dst.setInt32(i, o[0]! ^ p0, true);
      dst.setInt32(i + 4, o[1]! ^ p1, true);
      dst.setInt32(i + 8, o[2]! ^ p2, true);
      dst.setInt32(i + 12, o[3]! ^ p3, true);
      p0 = c0;
      p1 = c1;
      p2 = c2;
      p3 = c3;
    }
    o.fill(0);
    return out;
  }

  return { expandKey, encryptBlock, ctr32, sbox, expandDecryptKey, decryptBlock, cbcEncrypt, cbcDecrypt, invSbox };
}

export const aesSmall = build();

/** The pure-JS bulk-crypto provider (noble). Works everywhere. */
import { aesSmall } from './aes-small.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, equalBytes } from '../bytes.js';
import { Ghash } from './ghash.js';
import type { AeadCipher, CbcCipher, CryptoProvider } from './types.js';

function aeadFrom(make: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => {
  encrypt(p: Uint8Array): Uint8Array;
  decrypt(c: Uint8Array): Uint8Array;
}, key: Uint8Array): AeadCipher {
  const k = key.slice();
  const sealSync = (nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => make(k, nonce, aad).encrypt(plaintext);
  const openSync = (nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) => {
    try {
      return make(k, nonce, aad).decrypt(ct);
    } catch {
      return null; // authentication failure (or too short): the caller reports bad_record_mac
    }
  };
  // Synchronous underneath: offered as such, so the record layer needs no promise per record.
  return {
    sealSync,
    openSync,
    sealPartsSync: (n, a, parts) => [sealSync(n, a, joined(parts))],
    seal: async (n, a, p) => sealSync(n, a, p),
    open: async (n, a, c) => openSync(n, a, c),
  };
}

/** The parts as one array (a record's content and its TLS 1.3 type byte): the cipher runs over one buffer. */
function joined(parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : concat(...parts);
}

/**
 * AES-GCM (NIST SP 800-38D) with 96-bit nonces, on aes-small.ts's AES (four 1 KiB tables: noble's 640 KiB of merged
 * tables were cache-cold for every short handshake record, and no faster in bulk here), with the per-key work done
 * once per key: the key schedule and Shoup's 4-bit GHASH table (ghash.ts), ~0.5 KB per key in all. noble's
 * one-shot gcm() rebuilds both for every message (~15 µs and ~500 small objects, most of a short record's cost);
 * its GHASH table is too big to keep per key (~25 KB per direction of every connection). seal/open run
 * synchronously, so the one GHASH state of a key is never shared by two messages at once.
 */
class AesGcm implements AeadCipher {
  // A class, not closures: an idle connection keeps four of these (two per end), so each is kept small (~0.5 KB).
  private readonly xk: Int32Array;
  private readonly ghash: Ghash;

  constructor(key: Uint8Array) {
    this.xk = aesSmall.expandKey(key);
    const h = aesSmall.encryptBlock(this.xk, new Uint8Array(16)); // H = E_K(0^128)
    this.ghash = new Ghash(h);
    h.fill(0);
  }

  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.sealSync(nonce, aad, plaintext);
  }

  async open(nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Promise<Uint8Array | null> {
    return this.openSync(nonce, aad, ctTag);
  }

  sealPartsSync(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array[]): Uint8Array[] {
    return [this.sealSync(nonce, aad, joined(plaintext))];
  }

  sealSync(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkNonce(nonce);
    const out = new Uint8Array(plaintext.length + 16);
    const ct = out.subarray(0, plaintext.length);
    this.ctr(nonce, plaintext, ct);
    out.set(this.tagOf(nonce, aad, ct), plaintext.length);
    return out;
  }

  openSync(nonce: Uint8Array, aad: Uint8Array, ctTag: Uint8Array): Uint8Array | null {
    checkNonce(nonce);
    if (ctTag.length < 16) return null;
    const ct = ctTag.subarray(0, ctTag.length - 16);
    // The tag is checked (in constant time) before any plaintext is made.
    if (!equalBytes(this.tagOf(nonce, aad, ct), ctTag.subarray(ctTag.length - 16))) return null;
    return this.ctr(nonce, ct);
  }

  /** E_K(J0) xor GHASH_H(A, C), J0 = nonce || 0^31 || 1. */
  private tagOf(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array {
    const lengths = new Uint8Array(16);
    const v = new DataView(lengths.buffer);
    // [len(A)]64 || [len(C)]64 in bits; TLS records are far below 2^32 bits, the high words stay zero.
    v.setUint32(4, aad.length * 8);
    v.setUint32(12, ct.length * 8);
    const tag = new Uint8Array(16);
    this.ghash.reset().update(aad).update(ct).update(lengths).digestInto(tag);
    const j0 = new Uint8Array(16);
    j0.set(nonce);
    j0[15] = 1;
    aesSmall.encryptBlock(this.xk, j0);
    for (let i = 0; i < 16; i++) tag[i]! ^= j0[i]!;
    return tag;
  }

  /** GCTR from inc32(J0) = nonce || 2. */
  private ctr(nonce: Uint8Array, src: Uint8Array, dst: Uint8Array = new Uint8Array(src.length)): Uint8Array {
    return aesSmall.ctr32(this.xk, nonce, 2, src, dst);
  }
}

/**
 * AES-CBC without padding on aes-small.ts's AES, the key schedule made once per key (noble's one-shot cbc() made a
 * new cipher and schedule for every record, and was asynchronous only). Synchronous, so offered as such: the record
 * layer then seals and opens CBC records without a promise each. The decryption schedule is made on first use: a
 * record protection serves one direction, so a write key never needs it.
 */
class AesCbc implements CbcCipher {
  private readonly xk: Int32Array;
  private dk: Int32Array | null = null;

  constructor(key: Uint8Array) {
    this.xk = aesSmall.expandKey(key);
  }

  encryptSync(iv: Uint8Array, data: Uint8Array): Uint8Array {
    return aesSmall.cbcEncrypt(this.xk, iv, data);
  }

  decryptSync(iv: Uint8Array, data: Uint8Array): Uint8Array {
    this.dk ??= aesSmall.expandDecryptKey(this.xk);
    return aesSmall.cbcDecrypt(this.dk, iv, data);
  }

  async encrypt(iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return this.encryptSync(iv, data);
  }

  async decrypt(iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return this.decryptSync(iv, data);
  }
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== 12) throw new Error(`AES-GCM: the TLS nonce is 12 bytes, got ${nonce.length}`);
}

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  async aead(cipher, key) {
    if (cipher === 'CHACHA20_POLY1305') {
      if (key.length !== 32) throw new Error('ChaCha20-Poly1305 needs a 32-byte key');
      return aeadFrom((k, n, a) => chacha20poly1305(k, n, a), key);
    }
    if (key.length !== (cipher === 'AES_128_GCM' ? 16 : 32)) throw new Error(`${cipher}: bad key length ${key.length}`);
    return new AesGcm(key);
  },
  async cbc(cipher, key) {
    if (key.length !== (cipher === 'AES_128_CBC' ? 16 : 32)) throw new Error(`${cipher}: bad key length ${key.length}`);
    return new AesCbc(key);
  },
};

/**
 * Bulk-crypto provider on WebCrypto (`crypto.subtle`): AES-GCM and AES-CBC run in the platform's
 * native code (hardware AES where present); ChaCha20-Poly1305, which WebCrypto does not offer,
 * comes from noble. Keys are imported once per connection direction, when the record layer asks.
 */
import { TlsError } from '../errors.js';
import { nobleProvider } from './provider-noble.js';
import type { AeadCipher, CbcCipher, CryptoProvider } from './types.js';

const BLOCK = 16;
/** The plaintext of the crafted final block: a full block of PKCS#7 padding. */
const FULL_PAD = new Uint8Array(BLOCK).fill(BLOCK);

type Subtle = SubtleCrypto;

/** The DOM typings want ArrayBuffer-backed views; every buffer in this library is one (never shared memory). */
const src = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

function aesKeyLen(cipher: string): number {
  return cipher === 'AES_128_GCM' || cipher === 'AES_128_CBC' ? 16 : 32;
}

function checkKey(cipher: string, key: Uint8Array): void {
  if (key.length !== aesKeyLen(cipher)) throw new TlsError('internal_error', `${cipher}: bad key length ${key.length}`);
}

function gcmCipher(subtle: Subtle, key: CryptoKey): AeadCipher {
  return {
    async seal(nonce, aad, plaintext) {
      // nonce and aad are the record layer's scratch buffers, reused for the next record: copy them
      // before handing them over, since an implementation may read them after this call returns.
      const params = { name: 'AES-GCM', iv: nonce.slice(), additionalData: aad.slice(), tagLength: 128 };
      return new Uint8Array(await subtle.encrypt(params, key, src(plaintext)));
    },
    async open(nonce, aad, ct) {
      if (ct.length < BLOCK) return null;
      const params = { name: 'AES-GCM', iv: nonce.slice(), additionalData: aad.slice(), tagLength: 128 };
      try {
        return new Uint8Array(await subtle.decrypt(params, key, src(ct)));
      } catch {
        return null; // OperationError: the tag did not verify
      }
    },
  };
}

/**
 * WebCrypto's AES-CBC always applies PKCS#7 padding; TLS does its own, so both directions undo it:
 * - encrypt: data is whole blocks, so WebCrypto appends one full padding block, whose ciphertext is
 *   the last block of its output; CBC blocks depend only on what precedes them, so dropping that
 *   block leaves exactly the unpadded encryption.
 * - decrypt: append one crafted block X = E_k(FULL_PAD xor C_last). Decrypting it gives
 *   D_k(X) xor C_last = FULL_PAD, valid padding that WebCrypto strips, leaving exactly the raw
 *   decryption of the original blocks. E_k of a single block is a one-block CBC encryption with
 *   C_last as the IV.
 */
function cbcCipher(subtle: Subtle, key: CryptoKey): CbcCipher {
  const check = (iv: Uint8Array, data: Uint8Array) => {
    if (iv.length !== BLOCK || data.length % BLOCK !== 0) {
      throw new TlsError('internal_error', `AES-CBC needs a 16-byte IV and whole blocks, got ${iv.length} and ${data.length} bytes`);
    }
  };
  return {
    async encrypt(iv, data) {
      check(iv, data);
      const out = await subtle.encrypt({ name: 'AES-CBC', iv: iv.slice() }, key, src(data));
      return new Uint8Array(out, 0, data.length);
    },
    async decrypt(iv, data) {
      check(iv, data);
      if (data.length === 0) return new Uint8Array(0);
      const last = data.slice(data.length - BLOCK);
      const crafted = await subtle.encrypt({ name: 'AES-CBC', iv: last }, key, FULL_PAD);
      const input = new Uint8Array(data.length + BLOCK);
      input.set(data, 0);
      input.set(new Uint8Array(crafted, 0, BLOCK), data.length);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: iv.slice() }, key, input));
    },
  };
}

/** A provider over the given SubtleCrypto (default: the platform's). */
export function webCryptoProvider(subtle: Subtle = globalThis.crypto.subtle): CryptoProvider {
  return {
    name: 'webcrypto',
    async aead(cipher, key) {
      if (cipher === 'CHACHA20_POLY1305') return nobleProvider.aead(cipher, key);
      checkKey(cipher, key);
      return gcmCipher(subtle, await subtle.importKey('raw', src(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));
    },
    async cbc(cipher, key) {
      checkKey(cipher, key);
      return cbcCipher(subtle, await subtle.importKey('raw', src(key), { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']));
    },
  };
}

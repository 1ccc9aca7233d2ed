/** The pure-JS bulk-crypto provider (noble). Works everywhere. */
import { gcm, cbc } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from './hash.js';
import type { AeadCipher, CbcCipher, CryptoProvider } from './types.js';

function aeadFrom(make: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => {
  encrypt(p: Uint8Array): Uint8Array;
  decrypt(c: Uint8Array): Uint8Array;
}, key: Uint8Array): AeadCipher {
  const k = key.slice();
  return {
    async seal(nonce, aad, plaintext) {
      return make(k, nonce, aad).encrypt(plaintext);
    },
    async open(nonce, aad, ct) {
      try {
        return make(k, nonce, aad).decrypt(ct);
      } catch {
        return null; // authentication failure (or too short): the caller reports bad_record_mac
      }
    },
  };
}

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  async hmac(hash, key, data) {
    return hmac(hash, key, data);
  },
  async aead(cipher, key) {
    if (cipher === 'CHACHA20_POLY1305') {
      if (key.length !== 32) throw new Error('ChaCha20-Poly1305 needs a 32-byte key');
      return aeadFrom((k, n, a) => chacha20poly1305(k, n, a), key);
    }
    if (key.length !== (cipher === 'AES_128_GCM' ? 16 : 32)) throw new Error(`${cipher}: bad key length ${key.length}`);
    // noble's one-shot gcm() per record: it rebuilds the key schedule and GHASH table each time (~15 µs), but a
    // table kept per key costs ~25 KB of small objects per direction, more than the rest of an idle connection.
    return aeadFrom((k, n, a) => gcm(k, n, a), key);
  },
  async cbc(cipher, key) {
    if (key.length !== (cipher === 'AES_128_CBC' ? 16 : 32)) throw new Error(`${cipher}: bad key length ${key.length}`);
    const k = key.slice();
    const c: CbcCipher = {
      async encrypt(iv, data) {
        return cbc(k, iv, { disablePadding: true }).encrypt(data);
      },
      async decrypt(iv, data) {
        return cbc(k, iv, { disablePadding: true }).decrypt(data);
      },
    };
    return c;
  },
};

/**
 * The noble provider's AES-GCM (provider-noble.ts aesGcm: noble's AES with our per-key Shoup GHASH, ghash.ts) used
 * for many messages under one key, as a record layer uses it: every message must equal noble's one-shot gcm(),
 * whatever came before it under that key (including a failed open), for inputs at any alignment; and the GHASH
 * alone must equal noble's for any key and length. Wycheproof's AES-GCM suite covers single messages.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { ghash } from '@noble/ciphers/_polyval.js';
import { Ghash } from '../../src/crypto/ghash.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { toHex } from '../../src/bytes.js';

/** The bytes of b placed at byte offset `shift` of a larger buffer (an unaligned view when shift % 4 ≠ 0). */
const at = (b: Uint8Array, shift: number) => {
  const buf = new Uint8Array(b.length + shift);
  buf.set(b, shift);
  return buf.subarray(shift);
};

describe('noble provider AES-GCM, many messages under one key', () => {
  it('GHASH with 4-bit tables equals noble\'s for any key and length, segment by segment, after a reset', () => {
    const len = fc.integer({ min: 0, max: 80 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), len, len, (h, a, b) => {
        const g = new Ghash(h);
        g.update(b); // state left over from another message
        const out = new Uint8Array(16);
        g.reset().update(a).update(b).digestInto(out);
        // Each update() is its own zero-padded segment, as noble's GHASH update does.
        expect(toHex(out)).toBe(toHex(ghash.create(h).update(a).update(b).digest()));
      }),
      { numRuns: 300 },
    );
  });

  it.each([16, 32])('%i-byte key: a sequence of seals and opens equals one-shot gcm for each message', async (keyLen) => {
    const msg = fc.record({
      nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
      aad: fc.uint8Array({ maxLength: 40 }),
      pt: fc.uint8Array({ maxLength: 300 }),
      shift: fc.integer({ min: 0, max: 7 }),
      tamper: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: keyLen, maxLength: keyLen }), fc.array(msg, { minLength: 1, maxLength: 8 }), async (key, msgs) => {
        const aead = await nobleProvider.aead(keyLen === 16 ? 'AES_128_GCM' : 'AES_256_GCM', key);
        for (const m of msgs) {
          const want = gcm(key, m.nonce, m.aad).encrypt(m.pt);
          const sealed = await aead.seal(m.nonce, at(m.aad, m.shift), at(m.pt, m.shift));
          expect(toHex(sealed)).toBe(toHex(want));
          if (m.tamper) {
            const bad = sealed.slice();
            bad[bad.length - 1 - (m.shift % bad.length)]! ^= 1;
            expect(await aead.open(m.nonce, m.aad, at(bad, m.shift))).toBeNull();
          }
          const opened = await aead.open(m.nonce, m.aad, at(sealed, m.shift));
          expect(opened && toHex(opened)).toBe(toHex(m.pt));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a ciphertext shorter than the tag and a wrong tag', async () => {
    const aead = await nobleProvider.aead('AES_128_GCM', new Uint8Array(16));
    const n = new Uint8Array(12);
    expect(await aead.open(n, new Uint8Array(0), new Uint8Array(15))).toBeNull();
    const sealed = await aead.seal(n, new Uint8Array(0), new Uint8Array(0));
    expect(toHex(sealed)).toBe('58e2fccefa7e3061367f1d57a4e7455a'); // SP 800-38D test case 1
    sealed[0]! ^= 0x80;
    expect(await aead.open(n, new Uint8Array(0), sealed)).toBeNull();
  });
});

/** The faster SHA-1 compression (src/crypto/sha1.ts) against RFC 3174's vectors and noble's SHA-1. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha1 } from '../../src/crypto/sha1.js';
import { hmac } from '../../src/crypto/hash.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => new TextEncoder().encode(s);

describe('sha1', () => {
  it('RFC 3174 test vectors', () => {
    expect(hex(sha1(ascii('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hex(sha1(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('84983e441c3bd26ebaae4aa1f95129e5e54670f1');
    expect(hex(sha1(new Uint8Array(1_000_000).fill(0x61)))).toBe('34aa973cd4c4daa4f61eeb2bdbad27316534016f');
    const rep = ascii('0123456701234567012345670123456701234567012345670123456701234567');
    const h = sha1.create();
    for (let i = 0; i < 10; i++) h.update(rep);
    expect(hex(h.digest())).toBe('dea356a2cddd90c7a7ecedc5ebb563934f460452');
  });

  it('matches noble for any input split into any updates, and in HMAC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(700), { maxLength: 4 }), fc.uint8Array({ maxLength: 100 }), (data, cuts, key) => {
        const h = sha1.create();
        let at = 0;
        for (const c of [...cuts].sort((x, y) => x - y)) {
          const to = Math.min(c, data.length);
          h.update(data.subarray(at, Math.max(at, to)));
          at = Math.max(at, to);
        }
        h.update(data.subarray(at));
        expect(hex(h.digest())).toBe(hex(nobleSha1(data)));
        expect(hex(hmac('sha1', key, data))).toBe(hex(nobleHmac(nobleSha1, key, data)));
      }),
      { numRuns: 300 },
    );
  });

  it('a clone continues independently', () => {
    const h = sha1.create().update(ascii('a'.repeat(100)));
    const c = h.clone();
    h.update(ascii('x'));
    c.update(ascii('y'));
    expect(hex(h.digest())).toBe(hex(nobleSha1(ascii('a'.repeat(100) + 'x'))));
    expect(hex(c.digest())).toBe(hex(nobleSha1(ascii('a'.repeat(100) + 'y'))));
  });
});

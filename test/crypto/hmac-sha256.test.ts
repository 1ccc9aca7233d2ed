/** hmacSha256 against noble's HMAC and RFC 4231's vectors, for keys and messages around every block boundary. */
import { describe, it, expect } from 'vitest';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmacSha256 } from '../../src/crypto/hmac-sha256.js';
import { hmac as ourHmac } from '../../src/crypto/hash.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17 + 7) & 0xff);

describe('hmacSha256', () => {
  it('RFC 4231 test cases 1, 2 and 6 (short key, "Jefe", a key longer than a block)', () => {
    expect(hex(hmacSha256(new Uint8Array(20).fill(0x0b), new TextEncoder().encode('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(hex(hmacSha256(new TextEncoder().encode('Jefe'), new TextEncoder().encode('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(hex(hmacSha256(new Uint8Array(131).fill(0xaa), new TextEncoder().encode('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });
  it('equals noble for keys of 0..130 bytes and messages of 0..200 bytes', () => {
    for (const kl of [0, 1, 31, 32, 48, 63, 64, 65, 100, 128, 130]) {
      for (let ml = 0; ml <= 200; ml++) {
        const k = bytes(kl, ml), m = bytes(ml, kl);
        expect(hex(hmacSha256(k, m)), `key ${kl}, message ${ml}`).toBe(hex(hmac(sha256, k, m)));
      }
    }
  });
  it('a long message, and the hash module routes sha256 HMACs here', () => {
    const k = bytes(32, 1), m = bytes(100_000, 2);
    expect(hex(hmacSha256(k, m))).toBe(hex(hmac(sha256, k, m)));
    expect(hex(ourHmac('sha256', k, m.subarray(3, 77)))).toBe(hex(hmac(sha256, k, m.subarray(3, 77))));
  });
  it('leaves the inputs as they were', () => {
    const k = bytes(40, 3), m = bytes(90, 4);
    const k0 = k.slice(), m0 = m.slice();
    hmacSha256(k, m);
    expect(k).toEqual(k0);
    expect(m).toEqual(m0);
  });
});

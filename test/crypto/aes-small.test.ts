/** aes-small.ts: FIPS 197 Appendix C, and equal to noble's AES for key schedules, blocks and CTR at every length. */
import { describe, it, expect } from 'vitest';
import { unsafe } from '@noble/ciphers/aes.js';
import { aesSmall } from '../../src/crypto/aes-small.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 167 + seed * 31 + 5) & 0xff);

describe('aesSmall', () => {
  it('FIPS 197 Appendix C.1-C.3 (AES-128, -192, -256)', () => {
    const pt = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    expect(hex(aesSmall.encryptBlock(aesSmall.expandKey(seq(16)), pt.slice()))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(hex(aesSmall.encryptBlock(aesSmall.expandKey(seq(24)), pt.slice()))).toBe('dda97ca4864cdfe06eaf70a0ec0d7191');
    expect(hex(aesSmall.encryptBlock(aesSmall.expandKey(seq(32)), pt.slice()))).toBe('8ea2b7ca516745bfeafc49904b496089');
  });
  it('key schedule, block and CTR equal noble for 16/24/32-byte keys, 0..100 bytes and a counter wrap', () => {
    for (const kl of [16, 24, 32]) {
      for (let t = 0; t < 8; t++) {
        const key = bytes(kl, t);
        const ours = aesSmall.expandKey(key);
        const theirs = unsafe.expandKeyLE(key);
        expect(Array.from(ours, (x) => x >>> 0)).toEqual(Array.from(theirs));
        const nonce = bytes(12, t + 100);
        for (let n = 0; n <= 100; n += t + 1) {
          const src = bytes(n + 1, n).subarray(1); // unaligned on purpose
          const c = new Uint8Array(16);
          c.set(nonce);
          c.set([0xff, 0xff, 0xff, 0xfe], 12); // the 32-bit counter wraps inside a 3-block message
          expect(hex(aesSmall.ctr32(ours, nonce, 0xfffffffe, src, new Uint8Array(n))), `key ${kl}, length ${n}`).toBe(hex(unsafe.ctr32(theirs, false, c, src.slice())));
        }
      }
    }
  });
  it('CTR in place, and a wrong key length refused', () => {
    const xk = aesSmall.expandKey(bytes(16, 1));
    const data = bytes(50, 2);
    const out = aesSmall.ctr32(xk, bytes(12, 3), 2, data.slice(), new Uint8Array(50));
    const inPlace = data.slice();
    aesSmall.ctr32(xk, bytes(12, 3), 2, inPlace, inPlace);
    expect(inPlace).toEqual(out);
    expect(() => aesSmall.expandKey(new Uint8Array(20))).toThrow();
  });
});

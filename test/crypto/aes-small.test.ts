/** aes-small.ts: FIPS 197 Appendix C, and equal to noble's AES for key schedules, blocks, CTR and CBC at every length. */
import { describe, it, expect } from 'vitest';
import { cbc, unsafe } from '@noble/ciphers/aes.js';
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
  it('FIPS 197 Appendix C.1-C.3 backwards: the equivalent inverse cipher (AES-128, -192, -256)', () => {
    const pt = '00112233445566778899aabbccddeeff';
    const cases = [
      [16, '69c4e0d86a7b0430d8cdb78070b4c55a'],
      [24, 'dda97ca4864cdfe06eaf70a0ec0d7191'],
      [32, '8ea2b7ca516745bfeafc49904b496089'],
    ] as const;
    for (const [kl, ct] of cases) {
      const dk = aesSmall.expandDecryptKey(aesSmall.expandKey(seq(kl)));
      expect(hex(aesSmall.decryptBlock(dk, Uint8Array.from(Buffer.from(ct, 'hex')))), `key ${kl}`).toBe(pt);
    }
    // The inverse S-box inverts the S-box.
    for (let i = 0; i < 256; i++) expect(aesSmall.invSbox[aesSmall.sbox[i]!]).toBe(i);
  });
  it('SP 800-38A F.2.1 and F.2.5 (CBC-AES128 and CBC-AES256, four blocks)', () => {
    const iv = Uint8Array.from(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
    const pt = Uint8Array.from(
      Buffer.from('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710', 'hex'),
    );
    const vectors = [
      ['2b7e151628aed2a6abf7158809cf4f3c', '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7'],
      [
        '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
        'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b',
      ],
    ] as const;
    for (const [key, ct] of vectors) {
      const xk = aesSmall.expandKey(Uint8Array.from(Buffer.from(key, 'hex')));
      expect(hex(aesSmall.cbcEncrypt(xk, iv, pt))).toBe(ct);
      expect(hex(aesSmall.cbcDecrypt(aesSmall.expandDecryptKey(xk), iv, Uint8Array.from(Buffer.from(ct, 'hex'))))).toBe(hex(pt));
    }
  });
  it('CBC equals noble both ways for 16/24/32-byte keys, 0..40 blocks, unaligned input left untouched', () => {
    for (const kl of [16, 24, 32]) {
      for (let t = 0; t < 4; t++) {
        const key = bytes(kl, t + 7);
        const xk = aesSmall.expandKey(key);
        const dk = aesSmall.expandDecryptKey(xk);
        const iv = bytes(16, t + 50);
        for (let blocks = 0; blocks <= 40; blocks += t + 1) {
          const off = (blocks + t) % 4; // aligned and not
          const src = bytes(16 * blocks + off, blocks + t).subarray(off);
          const before = src.slice();
          const ct = aesSmall.cbcEncrypt(xk, iv, src);
          expect(src).toEqual(before);
          const theirs = cbc(key, iv, { disablePadding: true }).encrypt(src);
          expect(hex(ct), `key ${kl}, ${blocks} blocks`).toBe(hex(theirs));
          const ctUnaligned = new Uint8Array(ct.length + 3);
          ctUnaligned.set(ct, 3);
          const pt = aesSmall.cbcDecrypt(dk, iv, ctUnaligned.subarray(3));
          expect(hex(pt)).toBe(hex(src));
          expect(hex(pt)).toBe(hex(cbc(key, iv, { disablePadding: true }).decrypt(ct)));
        }
      }
    }
  });
  it('CBC refuses a partial block or a short IV', () => {
    const xk = aesSmall.expandKey(bytes(16, 1));
    const dk = aesSmall.expandDecryptKey(xk);
    expect(() => aesSmall.cbcEncrypt(xk, new Uint8Array(16), new Uint8Array(17))).toThrow();
    expect(() => aesSmall.cbcDecrypt(dk, new Uint8Array(16), new Uint8Array(15))).toThrow();
    expect(() => aesSmall.cbcEncrypt(xk, new Uint8Array(12), new Uint8Array(16))).toThrow();
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

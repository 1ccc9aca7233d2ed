import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parsePrivateKey, publicFromPrivate } from '../../src/crypto/keys.js';
import {
  rsaEncryptPkcs1,
  rsaDecryptPkcs1,
  rsaDecryptPremaster,
  rsaSignPkcs1,
  rsaVerifyPkcs1,
  rsaSignPss,
  rsaVerifyPss,
  type RsaPrivateKey,
  type RsaPublicKey,
} from '../../src/crypto/rsa.js';
import { modPow, bytesToBigInt, bigIntToBytes } from '../../src/crypto/bigint.js';
import { TlsError } from '../../src/errors.js';
import { key, seededRandom } from './helpers.js';

const priv = parsePrivateKey(key('rsa2048.pkcs8.pem').toString()) as RsaPrivateKey;
const pub = publicFromPrivate(priv) as RsaPublicKey;
const rng = seededRandom(5);
const data = new TextEncoder().encode('data');

/** Encrypt an arbitrary 256-byte block (raw RSA) so tests can build malformed paddings. */
const rawEncrypt = (em: Uint8Array) => bigIntToBytes(modPow(bytesToBigInt(em), pub.e, pub.n), 256);
function block(opts: { type?: number; psLen?: number; sep?: boolean; msg: Uint8Array }): Uint8Array {
  const em = new Uint8Array(256);
  em[1] = opts.type ?? 2;
  const psLen = opts.psLen ?? 256 - 3 - opts.msg.length;
  em.fill(0x5a, 2, 2 + psLen);
  if (opts.sep === false) em[2 + psLen] = 0x11;
  em.set(opts.msg, 256 - opts.msg.length);
  return em;
}

describe('modPow', () => {
  it('matches square-and-multiply on random values', () => {
    const r = seededRandom(9);
    for (let i = 0; i < 20; i++) {
      const m = bytesToBigInt(r(40)) | 1n;
      const b = bytesToBigInt(r(40));
      const e = bytesToBigInt(r(1 + (i % 40)));
      let want = 1n;
      let base = b % m;
      for (let x = e; x > 0n; x >>= 1n, base = (base * base) % m) if (x & 1n) want = (want * base) % m;
      expect(modPow(b, e, m)).toBe(want % m);
    }
  });
  // Every window width the sliding window picks (1 up to 32-bit exponents, 4, 5, 6 above 768 bits), exponents
  // with long runs of zeros and ones, bases above the modulus, and moduli up to RSA-2048 CRT-half sizes.
  it('matches square-and-multiply for every window width (property)', () => {
    const naive = (b: bigint, e: bigint, m: bigint) => {
      let r = 1n % m;
      let x = b % m;
      for (; e > 0n; e >>= 1n, x = (x * x) % m) if (e & 1n) r = (r * x) % m;
      return r;
    };
    // Lengths drawn uniformly (fast-check's own arrays lean to short ones, which would leave the wide windows out).
    const big = (minBytes: number, maxBytes: number) =>
      fc.integer({ min: minBytes, max: maxBytes }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map(bytesToBigInt);
    const runs = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { minLength: 20, maxLength: 60 })
      .map((rs) => rs.reduce((acc, [bit, len]) => (acc << BigInt(len)) | (bit ? (1n << BigInt(len)) - 1n : 0n), 1n));
    fc.assert(
      fc.property(big(1, 130), fc.oneof(big(1, 4), big(5, 40), big(41, 96), big(97, 128), runs), big(1, 128), (b, e, m0) => {
        const m = m0 | 1n;
        expect(modPow(b, e, m)).toBe(naive(b, e, m));
      }),
      { numRuns: 120 },
    );
  });
});

describe('PKCS#1 v1.5 encryption', () => {
  it('round trip', () => {
    for (const len of [0, 1, 48, 245]) {
      const m = rng(len);
      const ct = rsaEncryptPkcs1(pub, m, rng);
      expect(ct.length).toBe(256);
      expect(rsaDecryptPkcs1(priv, ct, rng)).toEqual(m);
    }
    expect(() => rsaEncryptPkcs1(pub, rng(246), rng)).toThrow(TlsError);
  });
  it('decryption failures return null', () => {
    const m = rng(48);
    expect(rsaDecryptPkcs1(priv, rawEncrypt(block({ msg: m, type: 1 })), rng)).toBeNull();
    expect(rsaDecryptPkcs1(priv, rawEncrypt(block({ msg: m, psLen: 7 })), rng)).toBeNull();
    expect(rsaDecryptPkcs1(priv, rsaEncryptPkcs1(pub, m, rng).subarray(1), rng)).toBeNull();
    expect(rsaDecryptPkcs1(priv, bigIntToBytes(pub.n, 256), rng)).toBeNull();
  });
});

describe('rsaDecryptPremaster (Bleichenbacher counter-measure)', () => {
  const premaster = Uint8Array.from([3, 3, ...rng(46)]);
  const cases: [string, Uint8Array][] = [
    ['bad block type', rawEncrypt(block({ msg: premaster, type: 1 }))],
    ['no separator', rawEncrypt(block({ msg: premaster, psLen: 253, sep: false }))],
    ['short padding', rawEncrypt(block({ msg: premaster.subarray(0, 48), psLen: 5 }))],
    ['wrong length (47)', rsaEncryptPkcs1(pub, premaster.subarray(0, 47), rng)],
    ['wrong length (49)', rsaEncryptPkcs1(pub, Uint8Array.from([...premaster, 0]), rng)],
    ['wrong version', rsaEncryptPkcs1(pub, Uint8Array.from([3, 1, ...premaster.subarray(2)]), rng)],
    ['wrong ciphertext length', rsaEncryptPkcs1(pub, premaster, rng).subarray(2)],
    ['ciphertext ≥ n', bigIntToBytes(pub.n + 1n, 256)],
    ['empty ciphertext', new Uint8Array(0)],
  ];
  it('returns the premaster for a valid ciphertext', () => {
    expect(rsaDecryptPremaster(priv, rsaEncryptPkcs1(pub, premaster, rng), 0x0303, rng)).toEqual(premaster);
  });
  it.each(cases)('%s: 48 random bytes, no throw', (_n, ct) => {
    // The fallback is the first 48 bytes drawn from the RNG: give it a known value to check it is what comes out.
    const fallback = new Uint8Array(48).fill(0xee);
    let first = true;
    const r = (n: number) => {
      if (first && n === 48) {
        first = false;
        return fallback.slice();
      }
      return rng(n);
    };
    const out = rsaDecryptPremaster(priv, ct, 0x0303, r);
    expect(out.length).toBe(48);
    expect(out).toEqual(fallback);
    expect(out).not.toEqual(premaster);
  });
  it('different fallbacks per call', () => {
    const ct = cases[0]![1];
    expect(rsaDecryptPremaster(priv, ct, 0x0303)).not.toEqual(rsaDecryptPremaster(priv, ct, 0x0303));
  });
});

describe('signatures', () => {
  it('PKCS#1 v1.5 round trip for every hash', () => {
    for (const h of ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'md5sha1'] as const) {
      const s = rsaSignPkcs1(priv, h, data, rng);
      expect(rsaVerifyPkcs1(pub, h, data, s)).toBe(true);
      expect(rsaVerifyPkcs1(pub, h === 'sha256' ? 'sha384' : 'sha256', data, s)).toBe(false);
    }
  });
  it('PSS with default and explicit salt lengths', () => {
    for (const h of ['sha256', 'sha384', 'sha512'] as const) {
      const s = rsaSignPss(priv, h, data, rng);
      expect(rsaVerifyPss(pub, h, data, s)).toBe(true);
      expect(rsaVerifyPss(pub, h, data, s, 0)).toBe(false);
      const s0 = rsaSignPss(priv, h, data, rng, 0);
      expect(rsaVerifyPss(pub, h, data, s0, 0)).toBe(true);
      expect(rsaVerifyPss(pub, h, data, s0)).toBe(false);
    }
  });
  it('private operation cost', () => {
    const t = performance.now();
    for (let i = 0; i < 10; i++) rsaSignPkcs1(priv, 'sha256', data, rng);
    console.log(`RSA-2048 sign: ${((performance.now() - t) / 10).toFixed(1)} ms`);
  });
});

describe('blinding reuse (default random source)', () => {
  it('signatures and decryptions stay exact across many uses of one key, past the refresh of the blinding pair', async () => {
    const { defaultRandom } = await import('../../src/crypto/random.js');
    const known = rsaSignPkcs1(priv, 'sha256', data, seededRandom(1)); // deterministic scheme: a fixed answer
    const secret = new Uint8Array(48).fill(3);
    secret[0] = 3;
    secret[1] = 3;
    const ct = rsaEncryptPkcs1(pub, secret, rng);
    for (let i = 0; i < 70; i++) {
      expect(Buffer.from(rsaSignPkcs1(priv, 'sha256', data, defaultRandom)).equals(Buffer.from(known))).toBe(true);
      if (i % 10 === 0) expect(Buffer.from(rsaDecryptPkcs1(priv, ct, defaultRandom)!).equals(Buffer.from(secret))).toBe(true);
    }
  });
});

/** Upper bounds on server-chosen DH parameters: refused before any primality work. */
import { describe, expect, it } from 'vitest';
import { checkDhGroup, FFDHE, MAX_DH_BITS, MAX_UNKNOWN_DH_BITS } from '../../src/crypto/kex.js';
import { TlsError } from '../../src/errors.js';

describe('checkDhGroup upper bound', () => {
  it('ffdhe8192, the largest standard group, is still accepted', () => {
    expect(() => checkDhGroup(FFDHE.ffdhe8192, 2n)).not.toThrow();
  });
  it(`a prime above ${MAX_DH_BITS} bits is refused as too large, quickly`, () => {
    // 2^16383 - 1 + 2^8192: odd, 16384 bits; without the bound its checks would take seconds.
    const p = (1n << 16383n) + (1n << 8192n) - 1n;
    const t = performance.now();
    let err: unknown;
    try {
      checkDhGroup(p, 2n);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('crypto_weak_dh_group');
    expect((err as TlsError).message).toMatch(/too large/);
    expect(performance.now() - t).toBeLessThan(500);
  });
  it(`an unknown group over ${MAX_UNKNOWN_DH_BITS} bits is refused before any primality work`, () => {
    const p = (1n << BigInt(MAX_UNKNOWN_DH_BITS)) + 1n; // odd, 4097 bits
    expect(() => checkDhGroup(p, 2n)).toThrow(/not a well-known group/);
  });
  it(`exactly ${MAX_UNKNOWN_DH_BITS} bits passes the size checks (and fails later as not a safe prime)`, () => {
    const p = (1n << BigInt(MAX_UNKNOWN_DH_BITS - 1)) + 7n; // odd, and divisible by 3 (2^odd ≡ 2 mod 3)
    expect(() => checkDhGroup(p, 2n)).toThrow(/not a safe prime/);
  });
  it('the well-known groups above that size (ffdhe6144, ffdhe8192) are accepted', () => {
    expect(() => checkDhGroup(FFDHE.ffdhe6144, 2n)).not.toThrow();
    expect(() => checkDhGroup(FFDHE.ffdhe8192, 2n)).not.toThrow();
  });
});

describe('RSA public key bounds', async () => {
  const { parseSpki, encodeSpki, MAX_RSA_BITS } = await import('../../src/crypto/keys.js');
  const spki = (n: bigint, e: bigint) => encodeSpki({ kind: 'rsa', n, e, bits: 0 });
  it(`a modulus over ${MAX_RSA_BITS} bits is refused as unsupported`, () => {
    const n = (1n << BigInt(MAX_RSA_BITS)) + 1n;
    expect(() => parseSpki(spki(n, 65537n))).toThrow(expect.objectContaining({ code: 'cert_unsupported_key' }));
  });
  it('a public exponent over 2^33 is refused as unsupported', () => {
    const n = (1n << 2047n) + 1n;
    expect(() => parseSpki(spki(n, (1n << 40n) + 1n))).toThrow(expect.objectContaining({ code: 'cert_unsupported_key' }));
  });
  it('ordinary keys pass', () => {
    const n = (1n << 4095n) + 1n;
    expect(parseSpki(spki(n, 65537n))).toMatchObject({ kind: 'rsa', bits: 4096 });
  });
});

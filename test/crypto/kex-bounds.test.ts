/** Upper bounds on server-chosen DH parameters: refused before any primality work. */
import { describe, expect, it } from 'vitest';
import { checkDhGroup, FFDHE, MAX_DH_BITS } from '../../src/crypto/kex.js';
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
  it(`exactly ${MAX_DH_BITS} bits passes the size check (and fails later as not a safe prime)`, () => {
    const p = (1n << BigInt(MAX_DH_BITS - 1)) + 7n; // odd, and divisible by 3 (2^odd ≡ 2 mod 3)
    expect(() => checkDhGroup(p, 2n)).toThrow(/not a safe prime/);
  });
});

import { describe, it, expect } from 'vitest';
import { ecdheKeyPair, ecdheShared, GROUPS, groupById, FFDHE, checkDhGroup, dhKeyPair, dhShared } from '../../src/crypto/kex.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { TlsError } from '../../src/errors.js';
import { bigIntToBytes, byteLength } from '../../src/crypto/bigint.js';
import { toHex, vec, seededRandom } from './helpers.js';
import type { EcdheGroup } from '../../src/crypto/types.js';

const PRF = JSON.parse(vec('prf.json').toString('utf8'));
const DH = JSON.parse(vec('dh.json').toString('utf8'));
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof TlsError ? e.code : `non-TlsError ${String(e)}`;
  }
  return 'no error';
};

describe('ECDHE', () => {
  const rng = seededRandom(3);
  it.each(['x25519', 'secp256r1', 'secp384r1'] as EcdheGroup[])('%s agreement and share validation', (g) => {
    const a = ecdheKeyPair(g, rng);
    const b = ecdheKeyPair(g, rng);
    expect(a.pub.length).toBe(g === 'x25519' ? 32 : g === 'secp256r1' ? 65 : 97);
    const s = ecdheShared(g, a.priv, b.pub);
    expect(s).toEqual(ecdheShared(g, b.priv, a.pub));
    expect(s.length).toBe(g === 'secp384r1' ? 48 : 32);
    expect(codeOf(() => ecdheShared(g, a.priv, b.pub.subarray(1)))).toBe('crypto_bad_key_share');
    expect(codeOf(() => ecdheShared(g, a.priv, new Uint8Array(b.pub.length)))).toBe('crypto_bad_key_share');
    if (g !== 'x25519') {
      const off = b.pub.slice();
      off[off.length - 1]! ^= 1;
      expect(codeOf(() => ecdheShared(g, a.priv, off))).toBe('crypto_bad_key_share');
      const compressed = Uint8Array.from([2 + (b.pub[b.pub.length - 1]! & 1), ...b.pub.subarray(1, 1 + (b.pub.length - 1) / 2)]);
      expect(codeOf(() => ecdheShared(g, a.priv, compressed))).toBe('crypto_bad_key_share');
    }
  });
  it('x25519 refuses low-order points (all-zero secret)', () => {
    const a = ecdheKeyPair('x25519', rng);
    const one = new Uint8Array(32);
    one[0] = 1;
    expect(codeOf(() => ecdheShared('x25519', a.priv, one))).toBe('crypto_bad_key_share');
  });
  it('group ids', () => {
    expect(GROUPS).toEqual({ X25519MLKEM768: 0x11ec, SecP256r1MLKEM768: 0x11eb, x25519: 29, secp256r1: 23, secp384r1: 24, x448: 30, ffdhe2048: 256, ffdhe3072: 257, ffdhe4096: 258, ffdhe6144: 259, ffdhe8192: 260 });
    expect(groupById(29)).toBe('x25519');
    expect(groupById(25)).toBeUndefined();
  });
});

/** ⌊2^k·e⌋ from the series Σ 1/n! in fixed point (32 guard bits absorb the truncation of each term). */
function floorPow2TimesE(k: number): bigint {
  const guard = 32n;
  let term = 1n << (BigInt(k) + guard);
  let sum = 0n;
  for (let n = 1n; term > 0n; n++) {
    sum += term;
    term /= n;
  }
  return sum >> guard;
}

describe('FFDHE groups (RFC 7919)', () => {
  const X: Record<string, bigint> = { ffdhe2048: 560316n, ffdhe3072: 2625351n, ffdhe4096: 5736041n, ffdhe6144: 15705020n, ffdhe8192: 10965728n };
  for (const row of PRF.ffdhe as { group: keyof typeof FFDHE; bits: number; sha256OfP: string }[]) {
    it(`${row.group} matches OpenSSL's copy and the RFC formula`, () => {
      const p = FFDHE[row.group];
      expect(toHex(sha256(bigIntToBytes(p, row.bits / 8)))).toBe(row.sha256OfP);
      const b = BigInt(row.bits);
      const formula = (1n << b) - (1n << (b - 64n)) + (floorPow2TimesE(row.bits - 130) + X[row.group]!) * (1n << 64n) - 1n;
      expect(p).toBe(formula);
      expect(() => checkDhGroup(p, 2n)).not.toThrow();
    });
  }
});

describe('checkDhGroup', () => {
  const modp2048 = BigInt(`0x${DH.modp2048}`);
  it('accepts a non-RFC 7919 safe prime (RFC 3526 group 14) and reports the cost', () => {
    const t = performance.now();
    checkDhGroup(modp2048, 2n);
    console.log(`safe-prime check of a 2048-bit group: ${(performance.now() - t).toFixed(0)} ms`);
  });
  it.each([
    ['1536-bit group', BigInt(`0x${DH.modp1536}`), 2n],
    ['small prime', 23n, 5n],
    ['even p', modp2048 + 1n, 2n],
    ['g = 1', modp2048, 1n],
    ['g = p-1', modp2048, modp2048 - 1n],
    ['non-safe prime', BigInt(`0x${DH.notSafe2048}`), 2n],
    ['composite p = safe prime + 2', modp2048 + 2n, 2n],
  ])('refuses %s', (_n, p, g) => {
    expect(codeOf(() => checkDhGroup(p, g))).toBe('crypto_weak_dh_group');
  });
  it('minBits is adjustable', () => {
    expect(() => checkDhGroup(BigInt(`0x${DH.modp1536}`), 2n, 1024)).not.toThrow();
  });
});

describe('DHE', () => {
  const rng = seededRandom(11);
  it('agreement, padding and share validation', () => {
    const p = FFDHE.ffdhe2048;
    const a = dhKeyPair(p, 2n, rng);
    const b = dhKeyPair(p, 2n, rng);
    expect(a.pub.length).toBe(byteLength(p));
    const z = dhShared(p, a.priv, b.pub);
    expect(z).toEqual(dhShared(p, b.priv, a.pub));
    expect(z[0]).not.toBe(0);
    for (const y of [0n, 1n, p - 1n, p, p + 5n]) {
      expect(codeOf(() => dhShared(p, a.priv, bigIntToBytes(y, 257)))).toBe('crypto_bad_key_share');
    }
  });
  it('strips leading zeros of Z', () => {
    // With p small enough we can find a peer value whose result starts with a zero byte.
    const p = FFDHE.ffdhe2048;
    const priv = 3n;
    let found = false;
    for (let y = 2n; y < 5000n && !found; y++) {
      const z = dhShared(p, priv, bigIntToBytes(y, 256));
      const full = bigIntToBytes(y ** 3n % p, 256);
      if (full[0] === 0) {
        expect(z.length).toBeLessThan(256);
        expect(z).toEqual(full.subarray(full.findIndex((x) => x !== 0)));
        found = true;
      }
    }
    expect(found).toBe(true);
  });
});

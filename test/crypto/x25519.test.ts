/**
 * The Float64 X25519 ladder (src/crypto/x25519.ts) against RFC 7748's vectors and, for random inputs including
 * non-canonical u-coordinates and set top bits, against @noble/curves' BigInt ladder. Wycheproof's x25519 suite
 * runs through ecdheShared in wycheproof.test.ts.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { x25519 as noble } from '@noble/curves/ed25519.js';
import { x25519, x25519Base } from '../../src/crypto/x25519.js';
import { fmul, fsqr } from '../../src/crypto/x25519-mul.js';
import { fromHex, toHex } from '../../src/bytes.js';

const P = (1n << 255n) - 19n;
const limbsOf = (x: bigint) => Float64Array.from({ length: 16 }, (_, i) => Number((x >> BigInt(16 * i)) & 0xffffn));
const valueOf = (l: Float64Array) => l.reduce((acc, v, i) => acc + BigInt(v) * (1n << BigInt(16 * i)), 0n);

describe('X25519 (Float64 ladder)', () => {
  it('RFC 7748 §5.2 test vectors', () => {
    expect(toHex(x25519(
      fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
      fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
    ))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    expect(toHex(x25519(
      fromHex('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'),
      fromHex('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493'),
    ))).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });

  it('RFC 7748 §5.2 iterated: 1 and 1,000 iterations', () => {
    let k = fromHex('0900000000000000000000000000000000000000000000000000000000000000');
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const r = x25519(k, u);
      u = k;
      k = r;
      if (i === 1) expect(toHex(k)).toBe('422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079');
    }
    expect(toHex(k)).toBe('684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51');
  });

  it('RFC 7748 §6.1 Diffie-Hellman: public keys and the shared secret', () => {
    const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const A = x25519Base(a);
    const B = x25519Base(b);
    expect(toHex(A)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(B)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    expect(toHex(x25519(a, B))).toBe(shared);
    expect(toHex(x25519(b, A))).toBe(shared);
  });

  it('equals the BigInt ladder for random scalars and u-coordinates (top bit set, values ≥ p included)', () => {
    const u = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      // p ≤ u < 2^255 (non-canonical encodings), with or without the ignored top bit
      fc.tuple(fc.integer({ min: 0, max: 18 }), fc.boolean()).map(([d, top]) => {
        const b = fromHex((P + BigInt(d)).toString(16).padStart(64, '0')).reverse();
        if (top) b[31]! |= 0x80;
        return b;
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), u, (k, uu) => {
        let want: string;
        try {
          want = toHex(noble.getSharedSecret(k, uu));
        } catch {
          want = '00'.repeat(32); // noble refuses low-order inputs (u ≡ 0, 1, −1 mod p ...); the ladder gives zero
        }
        expect(toHex(x25519(k, uu))).toBe(want);
      }),
      { numRuns: 200 },
    );
  });

  it('x25519Base (fixed-base Edwards table) equals the BigInt public key and the ladder from 9', () => {
    const nine = new Uint8Array(32);
    nine[0] = 9;
    const scalar = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      // every signed radix-16 digit at its extremes: nibbles all 0, all 8, all 15, alternating
      fc.constantFrom(0x00, 0x88, 0xff, 0x0f, 0xf0, 0x80, 0x08, 0x77).map((b) => new Uint8Array(32).fill(b)),
    );
    fc.assert(
      fc.property(scalar, (k) => {
        const pub = toHex(x25519Base(k));
        expect(pub).toBe(toHex(noble.getPublicKey(k)));
        expect(pub).toBe(toHex(x25519(k, nine)));
      }),
      { numRuns: 80 },
    );
  });

  it('field multiplication and squaring are exact at the limb bounds the ladder feeds them', () => {
    // Inputs are carried limbs or sums/differences of up to four (the Edwards doubling's T): |limb| < 2^18.
    const limb = fc.integer({ min: -(2 ** 18) + 1, max: 2 ** 18 - 1 });
    const fe = fc.array(limb, { minLength: 16, maxLength: 16 }).map((a) => Float64Array.from(a));
    const mod = (x: bigint) => ((x % P) + P) % P;
    fc.assert(
      fc.property(fe, fe, (a, b) => {
        const o = new Float64Array(16);
        fmul(o, a, b);
        expect(mod(valueOf(o))).toBe(mod(valueOf(a) * valueOf(b)));
        fsqr(o, a);
        expect(mod(valueOf(o))).toBe(mod(valueOf(a) * valueOf(a)));
      }),
      { numRuns: 500 },
    );
    // The extremes, all limbs at ±(2^18 − 1).
    for (const s of [1, -1]) {
      const a = new Float64Array(16).fill(s * (2 ** 18 - 1));
      const o = new Float64Array(16);
      fsqr(o, a);
      expect(mod(valueOf(o))).toBe(mod(valueOf(a) * valueOf(a)));
      fmul(o, a, limbsOf(P - 1n));
      expect(mod(valueOf(o))).toBe(mod(valueOf(a) * (P - 1n)));
    }
  });
});

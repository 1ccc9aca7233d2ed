/**
 * Groups as TLS 1.3 key shares (RFC 8446 §4.2.8): X25519, X448 (RFC 7748 §6.2 vector), P-256, P-384 and the
 * RFC 7919 FFDHE groups, with the §4.2.8.1 FFDHE checks and the §7.4.1 padded shared secret.
 */
import { describe, it, expect } from 'vitest';
import { ecdheKeyPair, ecdheShared, FFDHE, GROUPS, groupById, checkKeyShare, dhShared } from '../../src/crypto/kex.js';
import { keyShare13 } from '../../src/crypto/ops.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { bigIntToBytes, byteLength } from '../../src/crypto/bigint.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { hex, toHex, seededRandom } from './helpers.js';
import { codeOf } from '../helpers/codes.js';

describe('X448 (RFC 7748 §6.2)', () => {
  const alicePriv = hex('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b');
  const alicePub = '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0';
  const bobPriv = hex('1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d');
  const bobPub = '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609';
  const shared = '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';

  it('public keys and the shared secret match the RFC', () => {
    expect(toHex(ecdheKeyPair('x448', () => alicePriv).pub)).toBe(alicePub);
    expect(toHex(ecdheKeyPair('x448', () => bobPriv).pub)).toBe(bobPub);
    expect(toHex(ecdheShared('x448', alicePriv, hex(bobPub)))).toBe(shared);
    expect(toHex(ecdheShared('x448', bobPriv, hex(alicePub)))).toBe(shared);
  });

  it('refuses a share of the wrong length and a low-order point (all-zero secret)', () => {
    expect(codeOf(() => ecdheShared('x448', alicePriv, hex(bobPub).subarray(1)))).toBe('crypto_bad_key_share');
    expect(codeOf(() => ecdheShared('x448', alicePriv, new Uint8Array(56)))).toBe('crypto_bad_key_share');
    const one = new Uint8Array(56);
    one[0] = 1;
    expect(codeOf(() => ecdheShared('x448', alicePriv, one))).toBe('crypto_bad_key_share');
  });

  it('has code point 30 in the group table', () => {
    expect(GROUPS.x448).toBe(30);
    expect(groupById(30)).toBe('x448');
  });
});

describe('TLS 1.3 key shares for every group', () => {
  const groups = ['x25519', 'secp256r1', 'secp384r1', 'x448', 'ffdhe2048', 'ffdhe3072'] as const;
  const lengths = { x25519: 32, secp256r1: 65, secp384r1: 97, x448: 56, ffdhe2048: 256, ffdhe3072: 384 } as const;
  for (const g of groups) {
    for (const [pname, p, rng] of [['noble', nobleProvider, seededRandom(7)], ['webcrypto', webCryptoProvider(), defaultRandom]] as const) {
      it(`${g} (${pname}): both sides agree, the share has the wire length, a truncated share is refused`, async () => {
        const a = await keyShare13(p, g, rng);
        const b = await keyShare13(p, g, rng);
        expect(a.pub.length).toBe(lengths[g]);
        const s = await a.agree(b.pub);
        expect(s).toEqual(await b.agree(a.pub));
        if (g.startsWith('ffdhe')) expect(s.length).toBe(lengths[g]);
        await expect(a.agree(b.pub.subarray(1))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
      });
    }
  }

  it('FFDHE: Y of 0, 1 and p-1, p itself, and a value not padded to the length of p are refused (RFC 8446 §4.2.8.1)', async () => {
    const p = FFDHE.ffdhe2048;
    const len = byteLength(p);
    const a = await keyShare13(nobleProvider, 'ffdhe2048', seededRandom(1));
    for (const y of [0n, 1n, p - 1n, p]) {
      await expect(a.agree(bigIntToBytes(y, len))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
      expect(codeOf(() => checkKeyShare('ffdhe2048', bigIntToBytes(y, len)))).toBe('crypto_bad_key_share');
    }
    // 2 is a fine value, but only at the full width: unpadded it is refused.
    expect(codeOf(() => checkKeyShare('ffdhe2048', bigIntToBytes(2n, len)))).toBeUndefined();
    expect(codeOf(() => checkKeyShare('ffdhe2048', Uint8Array.of(2)))).toBe('crypto_bad_key_share');
  });

  it('FFDHE: the 1.3 shared secret keeps its leading zeros (padded to p), the 1.2 one drops them', () => {
    const p = FFDHE.ffdhe2048;
    // Find a small exponent whose result with Y = 2 has a leading zero byte.
    for (let x = 2n; x < 5000n; x++) {
      const z12 = dhShared(p, x, bigIntToBytes(2n, 256));
      if (z12.length < 256) {
        const z13 = dhShared(p, x, bigIntToBytes(2n, 256), true);
        expect(z13.length).toBe(256);
        expect(z13[0]).toBe(0);
        expect(z13.subarray(256 - z12.length)).toEqual(z12);
        return;
      }
    }
    throw new Error('no short secret found');
  });
});

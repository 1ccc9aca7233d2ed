/**
 * ML-KEM-768 (FIPS 203) and the hybrid TLS 1.3 groups of draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 (0x11ec) and
 * SecP256r1MLKEM768 (0x11eb). Known answers: the C2SP CCTV accumulated ML-KEM test (final FIPS 203), the RFC 7748
 * §6.1 X25519 keys inside a hybrid share (so the order of the two halves is pinned), the wire sizes of the draft,
 * and the peer-input checks (lengths, the §7.2 modulus check, an all-zero X25519 result, a point off P-256).
 */
import { describe, it, expect } from 'vitest';
import { shake128 } from '@noble/hashes/sha3.js';
import {
  GROUPS,
  groupById,
  checkKeyShare,
  checkMlkemEncapsulationKey,
  hybridShareLength,
  mlkemDecapsulate,
  mlkemEncapsulate,
  mlkemKeyPair,
  MLKEM768,
} from '../../src/crypto/kex.js';
import { keyShare13, serverKeyShare13 } from '../../src/crypto/ops.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { hex, toHex, seededRandom } from './helpers.js';
import { codeOf } from '../helpers/codes.js';

/** A random source handing out the given byte strings in order (each request must match the next one's length). */
function scripted(...chunks: Uint8Array[]) {
  return (n: number) => {
    const c = chunks.shift();
    if (!c || c.length !== n) throw new Error(`scripted random: asked for ${n} bytes, next is ${c?.length}`);
    return Uint8Array.from(c);
  };
}

describe('ML-KEM-768 (FIPS 203)', () => {
  /**
   * C2SP CCTV "accumulated" vectors: a SHAKE-128 stream (empty input) gives d, z, m and a random ciphertext per
   * test; ek, dk, ct, K and the implicit-rejection K of the random ciphertext go into a second SHAKE-128. With the
   * final FIPS 203 (k appended to d in K-PKE.KeyGen), 10 000 tests hash to f959d18d…c1c1 (the value C2SP-derived
   * suites for fips203/Go publish); set PURETLS_MLKEM_10K=1 to run that (about 40 s). The default 100-test run is
   * pinned to the value the 10 000-test pass of this code gave.
   */
  const full = process.env.PURETLS_MLKEM_10K === '1';
  it(`CCTV accumulated vectors, ${full ? '10 000' : '100'} tests`, () => {
    const rng = shake128.create({});
    const acc = shake128.create({});
    const n = full ? 10_000 : 100;
    for (let i = 0; i < n; i++) {
      const d = rng.xof(32);
      const z = rng.xof(32);
      const m = rng.xof(32);
      const { ek, dk } = mlkemKeyPair(scripted(new Uint8Array([...d, ...z])));
      const { ct, ss } = mlkemEncapsulate(ek, scripted(m));
      const bad = rng.xof(MLKEM768.ct);
      expect(mlkemDecapsulate(ct, dk)).toEqual(ss);
      const rejected = mlkemDecapsulate(bad, dk);
      for (const x of [ek, dk, ct, ss, rejected]) acc.update(x);
    }
    expect(toHex(acc.xof(32))).toBe(full ? 'f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1' : '8d65b902f28edc683cebee2872962fd165a4d197c9e24ec74caa4470270df0b7');
  });

  it('the encapsulation key check (§7.2): exact length, every coefficient below q = 3329', () => {
    const { ek } = mlkemKeyPair(seededRandom(3));
    expect(codeOf(() => checkMlkemEncapsulationKey(ek))).toBeUndefined();
    expect(codeOf(() => checkMlkemEncapsulationKey(ek.subarray(1)))).toBe('crypto_bad_key_share');
    expect(codeOf(() => checkMlkemEncapsulationKey(new Uint8Array([...ek, 0])))).toBe('crypto_bad_key_share');
    // q itself (3329 = 0xd01) in the first coefficient (low 12 bits of bytes 0..1), then 4095 in the second (high 12 bits of bytes 1..2).
    const first = Uint8Array.from(ek);
    first[0] = 0x01;
    first[1] = (first[1]! & 0xf0) | 0x0d;
    expect(codeOf(() => checkMlkemEncapsulationKey(first))).toBe('crypto_bad_key_share');
    expect(codeOf(() => mlkemEncapsulate(first))).toBe('crypto_bad_key_share');
    const last = Uint8Array.from(ek);
    last[1150] = 0xff; // the last coefficient of t̂: bytes 1150..1151 hold its 12 bits (the high nibble of 1150 and all of 1151)
    last[1151] = 0xff;
    expect(codeOf(() => checkMlkemEncapsulationKey(last))).toBe('crypto_bad_key_share');
    // ρ (the last 32 bytes) is a seed, not coefficients: any value passes.
    const rho = Uint8Array.from(ek);
    rho.fill(0xff, 1152);
    expect(codeOf(() => checkMlkemEncapsulationKey(rho))).toBeUndefined();
  });

  it('decapsulation refuses a ciphertext of the wrong size; a wrong one of the right size gives another secret', () => {
    const { ek, dk } = mlkemKeyPair(seededRandom(4));
    const { ct, ss } = mlkemEncapsulate(ek, seededRandom(5));
    expect(codeOf(() => mlkemDecapsulate(ct.subarray(1), dk))).toBe('crypto_bad_key_share');
    const flipped = Uint8Array.from(ct);
    flipped[0]! ^= 1;
    expect(mlkemDecapsulate(flipped, dk)).not.toEqual(ss);
  });
});

describe('hybrid groups (draft-ietf-tls-ecdhe-mlkem)', () => {
  it('code points and names', () => {
    expect(GROUPS.X25519MLKEM768).toBe(0x11ec);
    expect(GROUPS.SecP256r1MLKEM768).toBe(0x11eb);
    expect(groupById(0x11ec)).toBe('X25519MLKEM768');
    expect(groupById(0x11eb)).toBe('SecP256r1MLKEM768');
  });

  // RFC 7748 §6.1: Alice (our client) and Bob (our server).
  const alicePriv = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const alicePub = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
  const bobPriv = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  const bobPub = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
  const x25519Secret = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

  it('X25519MLKEM768: client ek || X25519, server ct || X25519, secret ML-KEM ss || X25519 ss', async () => {
    const seed = seededRandom(9)(64);
    const m = seededRandom(10)(32);
    const client = await keyShare13(nobleProvider, 'X25519MLKEM768', scripted(seed, alicePriv));
    const { ek, dk } = mlkemKeyPair(scripted(seed));
    expect(client.pub.length).toBe(1216);
    expect(toHex(client.pub)).toBe(toHex(ek) + alicePub);
    const server = await serverKeyShare13(nobleProvider, 'X25519MLKEM768', client.pub, scripted(m, bobPriv));
    const { ct, ss } = mlkemEncapsulate(ek, scripted(m));
    expect(server.pub.length).toBe(1120);
    expect(toHex(server.pub)).toBe(toHex(ct) + bobPub);
    expect(toHex(server.shared)).toBe(toHex(ss) + x25519Secret);
    expect(toHex(mlkemDecapsulate(ct, dk))).toBe(toHex(ss));
    expect(toHex(await client.agree(server.pub))).toBe(toHex(ss) + x25519Secret);
  });

  it('SecP256r1MLKEM768: the ECDH part first in the shares and in the secret', async () => {
    const seed = seededRandom(11)(64);
    const client = await keyShare13(nobleProvider, 'SecP256r1MLKEM768', scripted(seed, seededRandom(12)(32)));
    const { ek } = mlkemKeyPair(scripted(seed));
    expect(client.pub.length).toBe(1249);
    expect(client.pub[0]).toBe(4);
    expect(toHex(client.pub.subarray(65))).toBe(toHex(ek));
    const m = seededRandom(13)(32);
    const server = await serverKeyShare13(nobleProvider, 'SecP256r1MLKEM768', client.pub, scripted(m, seededRandom(14)(32)));
    const { ct, ss } = mlkemEncapsulate(ek, scripted(m));
    expect(server.pub.length).toBe(1153);
    expect(toHex(server.pub.subarray(65))).toBe(toHex(ct));
    const shared = await client.agree(server.pub);
    expect(shared).toEqual(server.shared);
    expect(shared.length).toBe(64);
    expect(toHex(shared.subarray(32))).toBe(toHex(ss));
  });

  for (const [pname, p, rng] of [
    ['noble', nobleProvider, seededRandom(7)],
    ['webcrypto', webCryptoProvider(), defaultRandom],
    ['node', nodeProvider, defaultRandom],
  ] as const) {
    for (const g of ['X25519MLKEM768', 'SecP256r1MLKEM768'] as const) {
      it(`${g} (${pname} provider): both sides agree on 64 bytes`, async () => {
        const c = await keyShare13(p, g, rng);
        expect(c.pub.length).toBe(hybridShareLength(g, 'client'));
        const s = await serverKeyShare13(p, g, c.pub, rng);
        expect(s.pub.length).toBe(hybridShareLength(g, 'server'));
        expect(s.shared.length).toBe(64);
        expect(await c.agree(s.pub)).toEqual(s.shared);
      });
    }
  }

  it('hostile shares: wrong lengths both ways, an unreduced ek, an all-zero X25519 result, a point off P-256', async () => {
    const c = await keyShare13(nobleProvider, 'X25519MLKEM768', seededRandom(21));
    const s = await serverKeyShare13(nobleProvider, 'X25519MLKEM768', c.pub, seededRandom(22));
    for (const bad of [c.pub.subarray(1), new Uint8Array([...c.pub, 0]), c.pub.subarray(0, 1184), new Uint8Array(0), s.pub]) {
      await expect(serverKeyShare13(nobleProvider, 'X25519MLKEM768', bad, seededRandom(1))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    }
    const unreduced = Uint8Array.from(c.pub);
    unreduced[0] = 0xff;
    unreduced[1] = 0xff;
    await expect(serverKeyShare13(nobleProvider, 'X25519MLKEM768', unreduced, seededRandom(1))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    expect(codeOf(() => checkKeyShare('X25519MLKEM768', unreduced, 'client'))).toBe('crypto_bad_key_share');
    expect(codeOf(() => checkKeyShare('X25519MLKEM768', c.pub, 'client'))).toBeUndefined();
    expect(codeOf(() => checkKeyShare('X25519MLKEM768', s.pub, 'server'))).toBeUndefined();
    // A low-order X25519 point (here 0) behind a valid ek: the X25519 half would be all zero.
    const zeroX = Uint8Array.from(c.pub);
    zeroX.fill(0, 1184);
    await expect(serverKeyShare13(nobleProvider, 'X25519MLKEM768', zeroX, seededRandom(1))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    await expect(serverKeyShare13(nodeProvider, 'X25519MLKEM768', zeroX, defaultRandom)).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    // The client side: a server share of the wrong length, or with a low-order X25519 part.
    for (const bad of [s.pub.subarray(1), new Uint8Array([...s.pub, 0]), c.pub]) {
      const fresh = await keyShare13(nobleProvider, 'X25519MLKEM768', seededRandom(23));
      await expect(fresh.agree(bad)).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    }
    const zeroServer = Uint8Array.from(s.pub);
    zeroServer.fill(0, 1088);
    await expect((await keyShare13(nobleProvider, 'X25519MLKEM768', seededRandom(24))).agree(zeroServer)).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
    // SecP256r1MLKEM768 with a P-256 point that is not on the curve.
    const p = await keyShare13(nobleProvider, 'SecP256r1MLKEM768', seededRandom(25));
    const offCurve = Uint8Array.from(p.pub);
    offCurve[64]! ^= 1;
    await expect(serverKeyShare13(nobleProvider, 'SecP256r1MLKEM768', offCurve, seededRandom(1))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
  });
});

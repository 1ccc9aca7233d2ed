/** Known answers: our sealed records must equal ones built independently with node:crypto, and vice versa. */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { tls12SuiteByName, TLS10, TLS11, TLS12, type Tls12Suite } from '../../src/crypto/suites.js';
import { createProtection, nullProtection } from '../../src/record/protection.js';
import { aesBlock, bytes, refCbcEtm, refCbcMte, refChacha, refGcm, seq8 } from './ref.js';

const APP = 23;
const HS = 22;
const noRandom = () => {
  throw new Error('no randomness expected');
};
/** A RandomSource that returns R1, R2, ... deterministically and records what it gave. */
function countingRandom(seed: number) {
  const given: Uint8Array[] = [];
  const fn = (n: number) => {
    const r = bytes(n, seed + given.length);
    given.push(r);
    return r;
  };
  return { fn, given };
}

function suite(name: string): Tls12Suite {
  const s = tls12SuiteByName(name);
  if (!s) throw new Error(name);
  return s;
}

const messages = [new Uint8Array(0), bytes(1, 1), bytes(15, 2), bytes(16, 3), bytes(17, 4), bytes(300, 5), bytes(1 << 14, 6)];

describe('AES-GCM known answers', () => {
  for (const name of ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384']) {
    it(name, async () => {
      const s = suite(name);
      const key = bytes(s.keyLen, 10);
      const salt = bytes(4, 11);
      const mk = () => createProtection({ suite: s, version: TLS12, key, macKey: new Uint8Array(0), iv: salt, provider: nobleProvider, random: noRandom });
      const w = await mk();
      const r = await mk();
      let seq = 0n;
      for (const m of messages) {
        const got = await w.seal(APP, TLS12, m);
        expect(Buffer.from(got).toString('hex')).toBe(Buffer.from(refGcm(key, salt, seq8(seq), seq, APP, TLS12, m)).toString('hex'));
        expect(await r.open(APP, TLS12, got)).toEqual(m);
        seq++;
      }
      // A peer may use any explicit nonce (e.g. random); the receiver must take it from the wire.
      const other = refGcm(key, salt, bytes(8, 99), seq, HS, TLS12, bytes(40, 7));
      expect(await r.open(HS, TLS12, other)).toEqual(bytes(40, 7));
    });
  }
});

describe('ChaCha20-Poly1305 known answers (RFC 7905 nonce)', () => {
  it('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', async () => {
    const s = suite('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
    const key = bytes(32, 20);
    const iv = bytes(12, 21);
    const mk = (initialSeq?: bigint) =>
      createProtection({ suite: s, version: TLS12, key, macKey: new Uint8Array(0), iv, provider: nobleProvider, random: noRandom, initialSeq });
    const w = await mk();
    const r = await mk();
    let seq = 0n;
    for (const m of messages) {
      const got = await w.seal(APP, TLS12, m);
      expect(Buffer.from(got).toString('hex')).toBe(Buffer.from(refChacha(key, iv, seq, APP, TLS12, m)).toString('hex'));
      expect(await r.open(APP, TLS12, got)).toEqual(m);
      seq++;
    }
    // A large sequence number exercises the XOR over all 8 bytes.
    const big = 0x0123456789abcdefn;
    const w2 = await mk(big);
    expect(await w2.seal(APP, TLS12, bytes(5, 1))).toEqual(refChacha(key, iv, big, APP, TLS12, bytes(5, 1)));
  });
});

const cbcCases: { name: string; version: number }[] = [
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS10 },
  { name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', version: TLS11 },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS12 },
  { name: 'TLS_RSA_WITH_AES_256_CBC_SHA256', version: TLS12 },
  { name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', version: TLS12 },
];

for (const etm of [false, true]) {
  describe(`CBC ${etm ? 'encrypt-then-MAC' : 'MAC-then-encrypt'} known answers`, () => {
    for (const { name, version } of cbcCases) {
      it(`${name} in 0x${version.toString(16)}`, async () => {
        const s = suite(name);
        const key = bytes(s.keyLen, 30);
        const macKey = bytes(s.macLen, 31);
        const chained = version === TLS10;
        const iv0 = chained ? bytes(16, 32) : new Uint8Array(0);
        const rnd = countingRandom(500);
        const w = await createProtection({ suite: s, version, key, macKey, iv: iv0, provider: nobleProvider, random: rnd.fn, encryptThenMac: etm });
        const r = await createProtection({ suite: s, version, key, macKey, iv: iv0, provider: nobleProvider, random: noRandom, encryptThenMac: etm });
        const ref = etm ? refCbcEtm : refCbcMte;
        let chain = iv0;
        let seq = 0n;
        for (const m of messages) {
          const got = await w.seal(APP, version, m);
          // TLS 1.1+: the wire IV is E_k(R) for the random block R (RFC 4346 option 2b).
          const iv = chained ? chain : aesBlock(key, rnd.given[rnd.given.length - 1]!);
          const want = ref({ hash: s.mac!, macKey, key, iv, explicitIv: !chained, seq, type: APP, version, pt: m });
          expect(Buffer.from(got).toString('hex')).toBe(Buffer.from(want).toString('hex'));
          expect(await r.open(APP, version, got)).toEqual(m);
          const enc = etm ? got.subarray(0, got.length - s.macLen) : got;
          chain = enc.slice(enc.length - 16);
          seq++;
        }
        // Records from a peer with non-minimal padding (up to 255) and its own IVs open too.
        for (const padLen of [0, 31, 255]) {
          const pt = bytes(100, padLen);
          // Trim the plaintext so that pt [+ MAC] + padding + 1 is a multiple of 16.
          const ptLen = pt.length - ((pt.length + (etm ? 0 : s.macLen) + padLen + 1) % 16);
          const m = pt.subarray(0, ptLen);
          const iv = chained ? chain : bytes(16, 77 + padLen);
          const rec = ref({ hash: s.mac!, macKey, key, iv, explicitIv: !chained, seq, type: HS, version, pt: m, padLen });
          expect(await r.open(HS, version, rec)).toEqual(m);
          const enc = etm ? rec.subarray(0, rec.length - s.macLen) : rec;
          chain = enc.slice(enc.length - 16);
          seq++;
        }
      });
    }
  });
}

describe('null protection', () => {
  it('passes fragments through and counts records', async () => {
    const p = nullProtection();
    expect(await p.seal(HS, TLS12, bytes(10, 1))).toEqual(bytes(10, 1));
    expect(await p.open(HS, TLS12, bytes(10, 2))).toEqual(bytes(10, 2));
    expect(p.seq).toBe(2n);
    await expect(p.open(HS, TLS12, new Uint8Array(0))).rejects.toMatchObject({ code: 'decode_bad_length' });
    await expect(p.open(APP, TLS12, new Uint8Array((1 << 14) + 1))).rejects.toMatchObject({ code: 'decode_record_overflow' });
    expect(await p.open(APP, TLS12, new Uint8Array(0))).toEqual(new Uint8Array(0));
  });
});

/**
 * sealParts() (what sealRecords frames) must give exactly the bytes seal() gives, for every kind of
 * protection: two writers with the same keys and the same random source, one through each method.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { TLS10, TLS12 } from '../../src/crypto/suites.js';
import { createProtection, nullProtection } from '../../src/record/protection.js';
import { ContentType } from '../../src/record/constants.js';
import { ivLen, suite } from './pair.js';
import { bytes } from './ref.js';

const cases = [
  { name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', version: TLS12, etm: false },
  { name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', version: TLS12, etm: false },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS12, etm: false },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS12, etm: true },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS10, etm: true },
  { name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', version: TLS12, etm: false },
];

/** A deterministic random source: the same sequence for both writers. */
const counter = () => {
  let n = 0;
  return (len: number) => bytes(len, ++n);
};

describe('sealParts', () => {
  for (const { name, version, etm } of cases) {
    it(`${name} 0x${version.toString(16)}${etm ? ' EtM' : ''}: parts joined equal seal()`, async () => {
      const s = suite(name);
      const mk = (random: (n: number) => Uint8Array) =>
        createProtection({ suite: s, version, key: bytes(s.keyLen, 1), macKey: bytes(s.macLen, 2), iv: bytes(ivLen(s, version), 3), provider: nobleProvider, random, encryptThenMac: etm });
      const [a, b] = [await mk(counter()), await mk(counter())];
      for (const len of [0, 1, 15, 16, 100, 16384]) {
        const pt = bytes(len, len);
        const whole = await a.seal(ContentType.application_data, version, pt);
        const parts = await b.sealParts(ContentType.application_data, version, pt);
        expect(Buffer.concat(parts)).toEqual(Buffer.from(whole));
      }
      expect(a.seq).toBe(6n);
      expect(b.seq).toBe(6n);
    });
  }

  it('the null protection hands the plaintext back as one part', async () => {
    const p = nullProtection();
    const pt = bytes(10, 1);
    expect(await p.sealParts(ContentType.handshake, TLS12, pt)).toEqual([pt]);
    expect(p.seq).toBe(1n);
  });
});

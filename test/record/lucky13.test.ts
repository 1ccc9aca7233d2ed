/**
 * Lucky13: opening a MAC-then-encrypt CBC record must cost the same number of hash compression
 * calls whatever the padding length and whether padding or MAC is bad. We count compressions by
 * wrapping the hash classes' per-block `process` method (the one every HMAC goes through).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashCreate, hmac } from '../../src/crypto/hash.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { TLS10, TLS12 } from '../../src/crypto/suites.js';
import { createProtection } from '../../src/record/protection.js';
import { suite } from './pair.js';
import { bytes, refCbcMte } from './ref.js';

let compressions = 0;
const restore: (() => void)[] = [];

/** Counts every compression-function call of the named hash until the test ends. */
function countCompressions(name: 'sha1' | 'sha256' | 'sha384'): void {
  let proto = Object.getPrototypeOf(hashCreate(name));
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'process')) proto = Object.getPrototypeOf(proto);
  if (!proto) throw new Error(`cannot find the compression function of ${name}`);
  const original = proto.process;
  proto.process = function (this: unknown, ...args: unknown[]) {
    compressions++;
    return original.apply(this, args);
  };
  restore.push(() => (proto.process = original));
}
afterEach(() => {
  while (restore.length) restore.pop()!();
  compressions = 0;
});

const cases = [
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS12 },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA', version: TLS10 },
  { name: 'TLS_RSA_WITH_AES_128_CBC_SHA256', version: TLS12 },
  { name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', version: TLS12 },
];

describe('Lucky13 counter-measure', () => {
  it('the counter sees the difference an unprotected MAC would leak', () => {
    countCompressions('sha1');
    const key = bytes(20, 1);
    hmac('sha1', key, bytes(13 + 400, 1));
    const long = compressions;
    compressions = 0;
    hmac('sha1', key, bytes(13 + 400 - 255, 1));
    expect(long - compressions).toBeGreaterThanOrEqual(3);
  });

  for (const { name, version } of cases) {
    it(`${name} 0x${version.toString(16)}: equal compressions for good, bad-padding and bad-MAC records`, async () => {
      const s = suite(name);
      const key = bytes(s.keyLen, 1);
      const macKey = bytes(s.macLen, 2);
      const iv = bytes(16, 3);
      const N = 512; // every record: 512 bytes of plaintext || MAC || padding
      const reader = () =>
        createProtection({ suite: s, version, key, macKey, iv: version === TLS10 ? iv : new Uint8Array(0), provider: nobleProvider, random: () => new Uint8Array(16) });
      const record = (padLen: number, mutate?: (b: Uint8Array, macAt: number) => void) =>
        refCbcMte({ hash: s.mac!, macKey, key, iv, explicitIv: version !== TLS10, seq: 0n, type: 23, version, pt: bytes(N - s.macLen - 1 - padLen, padLen), padLen, mutate });

      countCompressions(s.mac!);
      const counts = new Map<string, number>();
      for (const padLen of [0, 1, 15, 63, 64, 100, 127, 128, 200, 255]) {
        const variants: [string, Uint8Array, boolean][] = [
          ['good', record(padLen), true],
          ['bad-pad', record(padLen, (b) => (b[b.length - 1 - Math.max(1, padLen >> 1)]! ^= padLen === 0 ? 0 : 1)), padLen === 0],
          ['bad-mac', record(padLen, (b, at) => (b[at]! ^= 0x40)), false],
          ['bad-len', record(padLen, (b) => (b[b.length - 1] = 255 - (padLen & 1))), padLen === 255 - (padLen & 1)],
        ];
        for (const [kind, rec, ok] of variants) {
          const r = await reader();
          compressions = 0;
          const result = await r.open(23, version, rec).then(
            () => 'ok',
            (e: { code: string }) => e.code,
          );
          expect([padLen, kind, result]).toEqual([padLen, kind, ok ? 'ok' : 'crypto_bad_record_mac']);
          counts.set(`${padLen}/${kind}`, compressions);
        }
      }
      const distinct = new Set(counts.values());
      expect(distinct.size, JSON.stringify(Object.fromEntries(counts))).toBe(1);
      expect([...distinct][0]).toBeGreaterThan(0);
    });
  }
});

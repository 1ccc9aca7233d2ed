/**
 * Every bulk-crypto provider passes the same suite: primitives against noble on random data, and
 * records for every AEAD and CBC suite in every version (known answers from node:crypto, round
 * trips, cross-provider interop, tamper).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { composeProvider, defaultProvider, selectProvider, selectProviders } from '../../src/crypto/provider.js';
import { CIPHER_SUITES, TLS10, type CipherSuite } from '../../src/crypto/suites.js';
import type { CryptoProvider } from '../../src/crypto/types.js';
import { createProtection } from '../../src/record/protection.js';
import { aesBlock, bytes, refCbcEtm, refCbcMte, refChacha, refGcm, seq8 } from '../record/ref.js';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const APP = 23;

const providers: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['webcrypto', webCryptoProvider()],
  ['default', defaultProvider()],
];

/** Each distinct (cipher, mac) pair once, in every version it is defined for: covers every record format. */
const formats = new Map<string, CipherSuite>();
for (const s of CIPHER_SUITES) formats.set(`${s.cipher}/${s.mac}`, formats.get(`${s.cipher}/${s.mac}`) ?? s);
const versions = (s: CipherSuite) => [0x0301, 0x0302, 0x0303].filter((v) => v >= s.minVersion && v <= s.maxVersion);

describe.each(providers)('%s provider: primitives match noble', (_name, provider) => {
  for (const cipher of ['AES_128_CBC', 'AES_256_CBC'] as const) {
    it(`${cipher} raw (unpadded) encrypt and decrypt of random data`, async () => {
      const key = rnd(cipher === 'AES_128_CBC' ? 16 : 32);
      const [ours, ref] = [await provider.cbc(cipher, key), await nobleProvider.cbc(cipher, key)];
      for (const n of [0, 16, 32, 48, 160, 1024, 16384 + 48]) {
        const iv = rnd(16);
        const pt = rnd(n);
        const ct = await ours.encrypt(iv, pt);
        expect(hex(ct)).toBe(hex(await ref.encrypt(iv, pt)));
        expect(hex(await ours.decrypt(iv, ct))).toBe(hex(pt));
        // Decryption is raw: random blocks (almost never valid PKCS#7) decrypt like noble's.
        const junk = rnd(n);
        expect(hex(await ours.decrypt(iv, junk))).toBe(hex(await ref.decrypt(iv, junk)));
      }
      await expect(ours.encrypt(rnd(16), rnd(15))).rejects.toThrow();
    });
  }
  for (const cipher of ['AES_128_GCM', 'AES_256_GCM', 'CHACHA20_POLY1305'] as const) {
    it(`${cipher} seal/open of random data, bad tags rejected`, async () => {
      const key = rnd(cipher === 'AES_128_GCM' ? 16 : 32);
      const [ours, ref] = [await provider.aead(cipher, key), await nobleProvider.aead(cipher, key)];
      for (const n of [0, 1, 15, 16, 17, 1000, 16384]) {
        const nonce = rnd(12);
        const aad = rnd(13);
        const pt = rnd(n);
        const ct = await ours.seal(nonce, aad, pt);
        expect(hex(ct)).toBe(hex(await ref.seal(nonce, aad, pt)));
        expect(hex((await ours.open(nonce, aad, ct))!)).toBe(hex(pt));
        const bad = ct.slice();
        bad[Math.floor(Math.random() * bad.length)]! ^= 0x40;
        expect(await ours.open(nonce, aad, bad)).toBeNull();
        const badAad = aad.slice();
        badAad[12]! ^= 1;
        expect(await ours.open(nonce, badAad, ct)).toBeNull();
      }
      expect(await ours.open(rnd(12), rnd(13), rnd(15))).toBeNull();
    });
  }
  it('refuses keys of the wrong length', async () => {
    await expect(provider.aead('AES_128_GCM', rnd(32))).rejects.toThrow();
    await expect(provider.cbc('AES_256_CBC', rnd(16))).rejects.toThrow();
  });
});

const messages = [new Uint8Array(0), bytes(1, 1), bytes(15, 2), bytes(16, 3), bytes(17, 4), bytes(300, 5), bytes(1 << 14, 6)];

describe.each(providers)('%s provider: records for every suite format and version', (_name, provider) => {
  for (const s of formats.values()) {
    for (const version of versions(s)) {
      for (const etm of s.type === 'cbc' ? [false, true] : [false]) {
        it(`${s.name} 0x${version.toString(16)}${etm ? ' EtM' : ''}: known answers, interop with noble, tamper`, async () => {
          const key = bytes(s.keyLen, 40);
          const macKey = bytes(s.macLen, 41);
          const iv = bytes(s.type === 'aead' ? s.fixedIvLen : version === TLS10 ? 16 : 0, 42);
          const given: Uint8Array[] = [];
          const random = (n: number) => {
            const r = bytes(n, 600 + given.length);
            given.push(r);
            return r;
          };
          const mk = (p: CryptoProvider) => createProtection({ suite: s, version, key, macKey, iv, provider: p, random, encryptThenMac: etm });
          const w = await mk(provider);
          const r = await mk(provider);
          const nobleReader = await mk(nobleProvider);
          const nobleWriter = await mk(nobleProvider);
          const r2 = await mk(provider);
          let chain = iv;
          let seq = 0n;
          for (const m of messages) {
            const got = await w.seal(APP, version, m);
            let want: Uint8Array;
            if (s.cipher === 'CHACHA20_POLY1305') want = refChacha(key, iv, seq, APP, version, m);
            else if (s.type === 'aead') want = refGcm(key, iv, seq8(seq), seq, APP, version, m);
            else {
              const chained = version === TLS10;
              const recIv = chained ? chain : aesBlock(key, given[given.length - 1]!);
              want = (etm ? refCbcEtm : refCbcMte)({ hash: s.mac!, macKey, key, iv: recIv, explicitIv: !chained, seq, type: APP, version, pt: m });
              const enc = etm ? got.subarray(0, got.length - s.macLen) : got;
              chain = enc.slice(enc.length - 16);
            }
            expect(hex(got)).toBe(hex(want));
            expect(hex(await r.open(APP, version, got))).toBe(hex(m));
            expect(hex(await nobleReader.open(APP, version, got))).toBe(hex(m));
            expect(hex(await r2.open(APP, version, await nobleWriter.seal(APP, version, m)))).toBe(hex(m));
            seq++;
          }
          // Tamper: one flipped bit anywhere in a record is refused (fresh reader per try: the first failure is fatal).
          const w3 = await mk(provider);
          const rec = await w3.seal(APP, version, bytes(40, 9));
          const positions = [0, 7, 8, 15, 16, rec.length - 17, rec.length - 16, rec.length - 1];
          for (const pos of positions) {
            const bad = rec.slice();
            bad[pos]! ^= 0x01;
            const reader = await mk(provider);
            await expect(reader.open(APP, version, bad)).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
          }
          // The right record under the wrong sequence number (a replay) fails too.
          const late = await mk(provider);
          await late.open(APP, version, await (await mk(provider)).seal(APP, version, bytes(3, 1)));
          await expect(late.open(APP, version, rec)).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
        });
      }
    }
  }
});

describe('automatic choice', () => {
  it('uses WebCrypto for AES where crypto.subtle works, noble for ChaCha20', async () => {
    const sel = await selectProviders();
    expect(sel.gcm.name).toBe('webcrypto');
    expect(sel.cbc.name).toBe('webcrypto');
    expect((await selectProvider()).name).toBe('webcrypto+noble');
  });
  it('falls back to noble without crypto.subtle', async () => {
    expect(await selectProvider(null)).toBe(nobleProvider);
  });
  it('falls back per family when the platform gets one wrong', async () => {
    const real = globalThis.crypto.subtle;
    // A subtle whose AES-GCM corrupts its output but whose AES-CBC is the real one.
    const skewed = new Proxy(real, {
      get(target, prop) {
        if (prop === 'encrypt') {
          return async (alg: { name: string }, key: CryptoKey, data: BufferSource) => {
            const out = new Uint8Array(await target.encrypt(alg, key, data));
            if (alg.name === 'AES-GCM') out[0]! ^= 1;
            return out.buffer;
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const sel = await selectProviders(skewed);
    expect(sel.gcm).toBe(nobleProvider);
    expect(sel.cbc.name).toBe('webcrypto');
    // A subtle that throws for everything leaves everything to noble.
    const broken = { importKey: async () => Promise.reject(new Error('not supported')) } as unknown as SubtleCrypto;
    expect(await selectProvider(broken)).toBe(nobleProvider);
  });
  it('composes per family and routes ChaCha20 to noble', async () => {
    const calls: string[] = [];
    const spy = (name: string): CryptoProvider => ({
      name,
      aead: async (c, k) => (calls.push(`${name}:${c}`), nobleProvider.aead(c, k)),
      cbc: async (c, k) => (calls.push(`${name}:${c}`), nobleProvider.cbc(c, k)),
    });
    const p = composeProvider({ gcm: spy('g'), cbc: spy('c') });
    await p.aead('AES_128_GCM', rnd(16));
    await p.aead('CHACHA20_POLY1305', rnd(32));
    await p.cbc('AES_256_CBC', rnd(32));
    expect(calls).toEqual(['g:AES_128_GCM', 'c:AES_256_CBC']);
    expect(p.name).toBe('g+c+noble');
  });
  it('the default provider is usable at once and forwards to the probed choice', async () => {
    const p = defaultProvider();
    expect(p).toBe(defaultProvider());
    const a = await p.aead('AES_128_GCM', bytes(16, 1));
    const sealed = await a.seal(bytes(12, 2), bytes(13, 3), bytes(20, 4));
    expect(hex(sealed)).toBe(hex(await (await nobleProvider.aead('AES_128_GCM', bytes(16, 1))).seal(bytes(12, 2), bytes(13, 3), bytes(20, 4))));
  });
});

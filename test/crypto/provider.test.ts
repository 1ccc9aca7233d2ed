/**
 * Every bulk-crypto provider passes the same suite: primitives against noble on random data, and
 * records for every AEAD and CBC suite in every version (known answers from node:crypto, round
 * trips, cross-provider interop, tamper).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { composeProvider, defaultProvider, selectProvider, selectProviders } from '../../src/crypto/provider.js';
import { CIPHER_SUITES, TLS10, type Tls12Suite } from '../../src/crypto/suites.js';
import type { CryptoProvider, PrivateKey, PublicKey, SigAlg } from '../../src/crypto/types.js';
import { ecdheShare, signData, verifyData } from '../../src/crypto/ops.js';
import { ecdheKeyPair, ecdheShared } from '../../src/crypto/kex.js';
import { CURVES, parsePrivateKey } from '../../src/crypto/keys.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { sign, verifySignature } from '../../src/crypto/sig.js';
import { TlsError } from '../../src/errors.js';
import { createProtection } from '../../src/record/protection.js';
import { aesBlock, bytes, refCbcEtm, refCbcMte, refChacha, refGcm, seq8 } from '../record/ref.js';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const APP = 23;

const providers: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['webcrypto', webCryptoProvider()],
  ['default', defaultProvider()],
  ['node', nodeProvider],
];

/** Each distinct (cipher, mac) pair once, in every version it is defined for: covers every record format. */
const formats = new Map<string, Tls12Suite>();
for (const s of CIPHER_SUITES) formats.set(`${s.cipher}/${s.mac}`, formats.get(`${s.cipher}/${s.mac}`) ?? s);
const versions = (s: Tls12Suite) => [0x0301, 0x0302, 0x0303].filter((v) => v >= s.minVersion && v <= s.maxVersion);

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

// ---------- public-key operations (src/crypto/ops.ts over each provider) ----------

const pkiKey = (f: string) => parsePrivateKey(readFileSync(path.resolve(__dirname, '../../vectors/pki', f), 'utf8'));
const pubOf = (k: PrivateKey): PublicKey =>
  k.kind === 'rsa' ? { kind: 'rsa', n: k.n, e: k.e, bits: k.bits } : k.kind === 'ec' ? { kind: 'ec', curve: k.curve, point: k.point, bits: k.bits } : { kind: 'ed25519', raw: k.raw, bits: 256 };
const rsaKey = pkiKey('server-rsa.key');
const p256Key = pkiKey('server-ecdsa.key');
const p384Key = pkiKey('ca-ecdsa.key');
const SIGNING: [string, SigAlg, PrivateKey][] = [
  ['rsa_pkcs1_sha1', { kind: 'rsa-pkcs1', hash: 'sha1' }, rsaKey],
  ['rsa_pkcs1_sha256', { kind: 'rsa-pkcs1', hash: 'sha256' }, rsaKey],
  ['rsa_pkcs1_sha512', { kind: 'rsa-pkcs1', hash: 'sha512' }, rsaKey],
  ['rsa TLS 1.0 md5sha1', { kind: 'rsa-pkcs1', hash: 'md5sha1' }, rsaKey],
  ['rsa_pss_sha256', { kind: 'rsa-pss', hash: 'sha256' }, rsaKey],
  ['rsa_pss_sha384', { kind: 'rsa-pss', hash: 'sha384' }, rsaKey],
  ['ecdsa P-256 sha256', { kind: 'ecdsa', hash: 'sha256' }, p256Key],
  ['ecdsa P-256 sha384', { kind: 'ecdsa', hash: 'sha384' }, p256Key],
  ['ecdsa P-256 sha224 (not in WebCrypto)', { kind: 'ecdsa', hash: 'sha224' }, p256Key],
  ['ecdsa P-384 sha384', { kind: 'ecdsa', hash: 'sha384' }, p384Key],
];
const GROUPS_EC = ['x25519', 'secp256r1', 'secp384r1'] as const;
const codeOf = async (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (e instanceof TlsError ? e.code : String(e)));

describe.each(providers)('%s provider: public-key operations agree with noble', (_name, provider) => {
  for (const group of GROUPS_EC) {
    it(`${group}: both directions give noble's shared secret; bad shares are refused`, async () => {
      const ours = await ecdheShare(provider, group, defaultRandom);
      const ref = ecdheKeyPair(group);
      const secret = await ours.agree(ref.pub);
      expect(hex(secret)).toBe(hex(ecdheShared(group, ref.priv, ours.pub)));
      expect(secret.length).toBe(group === 'secp384r1' ? 48 : 32);
      const wrongLength = ref.pub.subarray(0, ref.pub.length - 1);
      expect(await codeOf((await ecdheShare(provider, group, defaultRandom)).agree(wrongLength))).toBe('crypto_bad_key_share');
      // x25519: u = 0 is a low-order point; NIST: a point off the curve.
      const bad = ref.pub.slice();
      if (group === 'x25519') bad.fill(0);
      else bad[bad.length - 1]! ^= 1;
      expect(await codeOf((await ecdheShare(provider, group, defaultRandom)).agree(bad))).toBe('crypto_bad_key_share');
    });
  }

  for (const [label, alg, key] of SIGNING) {
    it(`${label}: signatures verify with noble, noble's verify here, tampering is caught`, async () => {
      const data = rnd(100);
      const pub = pubOf(key);
      const sig = await signData(provider, alg, key, data, defaultRandom);
      expect(verifySignature(alg, pub, data, sig)).toBe(true);
      // PKCS#1 v1.5 is deterministic: a known answer from noble.
      if (alg.kind === 'rsa-pkcs1') expect(hex(sig)).toBe(hex(sign(alg, key, data, defaultRandom)));
      if (alg.kind === 'ecdsa' && key.kind === 'ec') {
        // low S, as noble signs
        expect(CURVES[key.curve].Signature.fromBytes(sig, 'der').hasHighS()).toBe(false);
      }
      const nobleSig = sign(alg, key, data, defaultRandom);
      expect(await verifyData(provider, alg, pub, data, nobleSig)).toBe(true);
      const flipped = nobleSig.slice();
      flipped[flipped.length - 1]! ^= 1;
      expect(await verifyData(provider, alg, pub, data, flipped)).toBe(false);
      const otherData = data.slice();
      otherData[0]! ^= 1;
      expect(await verifyData(provider, alg, pub, otherData, nobleSig)).toBe(false);
      expect(await verifyData(provider, alg, pub, data, nobleSig.subarray(1))).toBe(false);
    });
  }

  it('ECDSA: a high-S signature is accepted, as on the noble path; a key of another kind is refused', async () => {
    const alg = { kind: 'ecdsa', hash: 'sha256' } as const;
    const data = rnd(50);
    const s = CURVES['P-256'].Signature.fromBytes(sign(alg, p256Key, data, defaultRandom), 'der');
    const high = new CURVES['P-256'].Signature(s.r, CURVES['P-256'].Point.CURVE().n - s.s).toBytes('der');
    expect(await verifyData(provider, alg, pubOf(p256Key), data, high)).toBe(true);
    expect(await verifyData(provider, { kind: 'rsa-pkcs1', hash: 'sha256' }, pubOf(p256Key), data, high)).toBe(false);
    expect(await verifyData(provider, alg, pubOf(rsaKey), data, high)).toBe(false);
  });

  it('RSA: a PSS-only key does not verify PKCS#1 v1.5; keys under 1024 bits are a policy error', async () => {
    const data = rnd(50);
    const alg = { kind: 'rsa-pkcs1', hash: 'sha256' } as const;
    const sig = sign(alg, rsaKey, data, defaultRandom);
    expect(await verifyData(provider, alg, { ...(pubOf(rsaKey) as Extract<PublicKey, { kind: 'rsa' }>), pss: true }, data, sig)).toBe(false);
    const small = { kind: 'rsa', n: (1n << 511n) + 1n, e: 65537n, bits: 512 } as const;
    expect(await codeOf(verifyData(provider, alg, small, data, new Uint8Array(64)))).toBe('cert_weak_key');
  });

  it('an injected random source gets the noble path (reproducible shares and signatures)', async () => {
    const fixed = (n: number) => bytes(n, 7);
    const share = await ecdheShare(provider, 'x25519', fixed);
    expect(hex(share.pub)).toBe(hex(ecdheKeyPair('x25519', fixed).pub));
    const alg = { kind: 'rsa-pss', hash: 'sha256' } as const;
    const data = rnd(30);
    expect(hex(await signData(provider, alg, rsaKey, data, fixed))).toBe(hex(sign(alg, rsaKey, data, fixed)));
  });
});

describe('automatic choice: public-key operations', () => {
  it('come from WebCrypto where crypto.subtle passes the probe, and from noble without it', async () => {
    expect((await selectProviders()).pk?.name).toBe('webcrypto');
    const auto = await selectProvider();
    expect(auto.ecdhe && auto.sign && auto.verify).toBeTruthy();
    expect((await selectProviders(null)).pk).toBeUndefined();
    expect(nobleProvider.ecdhe ?? nobleProvider.sign ?? nobleProvider.verify).toBeUndefined();
  });
  it('a platform whose X25519 disagrees with noble is not used for them', async () => {
    const real = globalThis.crypto.subtle;
    const broken = Object.create(real) as SubtleCrypto;
    broken.deriveBits = async (...args: Parameters<SubtleCrypto['deriveBits']>) => {
      const out = new Uint8Array(await real.deriveBits(...args));
      out[0]! ^= 1;
      return out.buffer;
    };
    broken.encrypt = real.encrypt.bind(real);
    broken.decrypt = real.decrypt.bind(real);
    broken.importKey = real.importKey.bind(real);
    broken.generateKey = real.generateKey.bind(real);
    broken.exportKey = real.exportKey.bind(real);
    broken.sign = real.sign.bind(real);
    broken.verify = real.verify.bind(real);
    const sel = await selectProviders(broken);
    expect(sel.gcm.name).toBe('webcrypto');
    expect(sel.pk).toBeUndefined();
  });
});

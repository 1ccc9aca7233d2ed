/**
 * What the node:crypto provider adds beyond the shared provider suites (test/crypto/provider.test.ts and the
 * Wycheproof files): the RSA key exchange through its raw private operation and our constant-time PKCS#1 check,
 * native hashes against noble's in the PRF, X448, the synchronous cipher forms, and how a provider is chosen.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeEcdheShare, nodeHashes, nodeProvider } from '../../src/crypto/provider-node.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultProvider, resolveProvider } from '../../src/crypto/provider.js';
import { setPlatform } from '../../src/platform.js';
import { decryptPremaster } from '../../src/crypto/ops.js';
import { nobleHashes } from '../../src/crypto/hash.js';
import { finishedVerifyData, keyBlock, masterSecret, prf } from '../../src/crypto/prf.js';
import { parsePrivateKey, publicFromPrivate } from '../../src/crypto/keys.js';
import { sign as nobleSign } from '../../src/crypto/sig.js';
import { ecdheKeyPair, ecdheShared } from '../../src/crypto/kex.js';
import type { PrivateKey, SigAlg } from '../../src/crypto/types.js';
import { bigIntToBytes, bytesToBigInt } from '../../src/crypto/bigint.js';
import { premasterFromBlock, rsaDecryptPremaster, rsaEncryptPkcs1, type RsaPrivateKey } from '../../src/crypto/rsa.js';
import { CIPHER_SUITES } from '../../src/crypto/suites.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { TlsError } from '../../src/errors.js';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rsaKey = parsePrivateKey(readFileSync(path.resolve(__dirname, '../../vectors/pki/server-rsa.key'), 'utf8')) as RsaPrivateKey;
const pub = { kind: 'rsa', n: rsaKey.n, e: rsaKey.e, bits: rsaKey.bits } as const;
const K = Math.ceil(rsaKey.bits / 8);

/** A PKCS#1 type-2 block around msg, encrypted raw (so the padding can be made wrong on purpose). */
function rawEncrypt(block: Uint8Array): Uint8Array {
  return bigIntToBytes((() => {
    let r = 1n;
    let b = bytesToBigInt(block) % rsaKey.n;
    let e = rsaKey.e;
    while (e > 0n) {
      if (e & 1n) r = (r * b) % rsaKey.n;
      b = (b * b) % rsaKey.n;
      e >>= 1n;
    }
    return r;
  })(), K);
}
function type2(msg: Uint8Array, { type = 2, sep = 0 } = {}): Uint8Array {
  const em = new Uint8Array(K);
  em[1] = type;
  for (let i = 2; i < K - msg.length - 1; i++) em[i] = 1 + (i % 200);
  em[K - msg.length - 1] = sep;
  em.set(msg, K - msg.length);
  return em;
}

describe('node provider: RSA key exchange (raw private operation, our PKCS#1 check)', () => {
  const pm = Uint8Array.from([3, 3, ...rnd(46)]);
  it('a well-formed premaster comes back', async () => {
    const ct = rsaEncryptPkcs1(pub, pm);
    expect(hex(await decryptPremaster(nodeProvider, rsaKey, ct, 0x0303, defaultRandom))).toBe(hex(pm));
    expect(hex((await nodeProvider.rsaDecryptRaw!(rsaKey, ct))!.subarray(K - 48))).toBe(hex(pm));
  });
  it('bad padding, a wrong version, a short message, a wrong length or c ≥ n give a random premaster instead', async () => {
    const bad = [
      rawEncrypt(type2(pm, { type: 1 })), // not type 2
      rawEncrypt(type2(pm, { sep: 7 })), // no separator where it belongs
      rsaEncryptPkcs1(pub, Uint8Array.from([3, 1, ...pm.subarray(2)])), // client_version mismatch
      rsaEncryptPkcs1(pub, pm.subarray(0, 47)), // 47 bytes
      rsaEncryptPkcs1(pub, pm).subarray(1), // one byte short
      bigIntToBytes(rsaKey.n, K), // c = n
      new Uint8Array(K).fill(0xff), // c > n
    ];
    for (const ct of bad) {
      const a = await decryptPremaster(nodeProvider, rsaKey, ct, 0x0303, defaultRandom);
      const b = await decryptPremaster(nodeProvider, rsaKey, ct, 0x0303, defaultRandom);
      expect(a.length).toBe(48);
      expect(hex(a)).not.toBe(hex(pm));
      expect(hex(a)).not.toBe(hex(b)); // fresh randomness each time, never the decrypted bytes
    }
  });
  it('decides exactly as the BigInt path for the same block and fallback', async () => {
    const fallback = rnd(48);
    const fixed = () => {
      let first = true;
      return (n: number) => (first && n === 48 ? ((first = false), fallback) : rnd(n));
    };
    const cases = [rsaEncryptPkcs1(pub, pm), rawEncrypt(type2(pm, { type: 1 })), rawEncrypt(type2(pm.subarray(1))), rnd(K).map((x, i) => (i === 0 ? 0 : x))];
    for (const ct of cases) {
      const native = premasterFromBlock(rsaKey, await nodeProvider.rsaDecryptRaw!(rsaKey, ct), 0x0303, fallback);
      expect(hex(native)).toBe(hex(rsaDecryptPremaster(rsaKey, ct, 0x0303, fixed())));
    }
  });
  it('keeps the BigInt path for an injected random source (reproducible tests)', async () => {
    let called = 0;
    const spy = { ...nodeProvider, rsaDecryptRaw: async (...a: Parameters<NonNullable<typeof nodeProvider.rsaDecryptRaw>>) => (called++, nodeProvider.rsaDecryptRaw!(...a)) };
    const ct = rsaEncryptPkcs1(pub, pm);
    expect(hex(await decryptPremaster(spy, rsaKey, ct, 0x0303, (n) => rnd(n)))).toBe(hex(pm));
    expect(called).toBe(0);
    expect(hex(await decryptPremaster(spy, rsaKey, ct, 0x0303, defaultRandom))).toBe(hex(pm));
    expect(called).toBe(1);
  });
});

describe('node provider: hashes', () => {
  const names = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
  it('hash, HMAC and their incremental forms give noble bytes', () => {
    for (const h of names) {
      for (const n of [0, 1, 55, 56, 64, 127, 128, 1000]) {
        const data = rnd(n);
        const key = rnd(n % 3 === 0 ? 200 : 32); // keys longer than a block are hashed first
        expect(hex(nodeHashes.hash(h, data))).toBe(hex(nobleHashes.hash(h, data)));
        expect(hex(nodeHashes.hmac(h, key, data))).toBe(hex(nobleHashes.hmac(h, key, data)));
        const inc = nodeHashes.hmacCreate(h, key).update(data.subarray(0, n >> 1)).update(data.subarray(n >> 1)).digest();
        expect(hex(inc)).toBe(hex(nobleHashes.hmac(h, key, data)));
        expect(hex(nodeHashes.hashCreate(h).update(data).update(data).digest())).toBe(hex(nobleHashes.hash(h, new Uint8Array([...data, ...data]))));
      }
    }
  });
  it('the TLS 1.0 and 1.2 PRF, master secret, key block and Finished agree with noble', () => {
    const master = rnd(48);
    const [cr, sr] = [rnd(32), rnd(32)];
    for (const version of [0x0301, 0x0302, 0x0303]) {
      for (const ph of ['sha256', 'sha384'] as const) {
        expect(hex(prf(version, ph, rnd(48).fill(7), 'label', cr, 100, nodeHashes))).toBe(hex(prf(version, ph, rnd(48).fill(7), 'label', cr, 100)));
        expect(hex(masterSecret(version, ph, master, cr, sr, nodeHashes))).toBe(hex(masterSecret(version, ph, master, cr, sr)));
        const t = rnd(3000);
        expect(hex(finishedVerifyData(version, ph, master, 'client', t, nodeHashes))).toBe(hex(finishedVerifyData(version, ph, master, 'client', t)));
      }
      const s = CIPHER_SUITES.find((x) => x.name === 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA')!;
      expect(keyBlock(version, s, master, cr, sr, nodeHashes)).toEqual(keyBlock(version, s, master, cr, sr));
    }
  });
});

describe('node provider: X448 and the synchronous forms', () => {
  it('X448 agrees both ways and matches RFC 7748 §6.2', async () => {
    const a = nodeEcdheShare('x448')!;
    const b = nodeEcdheShare('x448')!;
    expect(a.pub.length).toBe(56);
    expect(hex(await a.agree(b.pub))).toBe(hex(await b.agree(a.pub)));
    const alice = nodeEcdheShare('x448', Buffer.from('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b', 'hex'))!;
    expect(hex(alice.pub)).toBe('9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0');
    const bobPub = Buffer.from('3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609', 'hex');
    expect(hex(await alice.agree(bobPub))).toBe('07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d');
    await expect(alice.agree(new Uint8Array(56))).rejects.toThrow(); // the zero point: low order
    await expect(alice.agree(new Uint8Array(32))).rejects.toMatchObject({ code: 'crypto_bad_key_share' });
  });
  it('sealSync/openSync and encryptSync/decryptSync give what the async forms give', async () => {
    for (const c of ['AES_128_GCM', 'AES_256_GCM', 'CHACHA20_POLY1305'] as const) {
      const key = rnd(c === 'AES_128_GCM' ? 16 : 32);
      const [ours, ref] = [await nodeProvider.aead(c, key), await nobleProvider.aead(c, key)];
      const [nonce, aad, pt] = [rnd(12), rnd(13), rnd(1000)];
      const ct = ours.sealSync!(nonce, aad, pt);
      expect(hex(ct)).toBe(hex(await ref.seal(nonce, aad, pt)));
      expect(hex(ours.openSync!(nonce, aad, ct)!)).toBe(hex(pt));
      // A plain Uint8Array (Buffer's slice() would share memory where callers expect a copy).
      expect(Object.getPrototypeOf(ours.openSync!(nonce, aad, ct))).toBe(Uint8Array.prototype);
      ct[5]! ^= 1;
      expect(ours.openSync!(nonce, aad, ct)).toBeNull();
      expect(ours.openSync!(nonce, aad, ct.subarray(0, 15))).toBeNull();
    }
    const cbcKey = rnd(16);
    const cbc = await nodeProvider.cbc('AES_128_CBC', cbcKey);
    const [iv, data] = [rnd(16), rnd(64)];
    expect(hex(cbc.decryptSync!(iv, cbc.encryptSync!(iv, data)))).toBe(hex(data));
    expect(hex(cbc.encryptSync!(iv, data))).toBe(hex(await (await nobleProvider.cbc('AES_128_CBC', cbcKey)).encrypt(iv, data)));
    expect(() => cbc.encryptSync!(iv, rnd(15))).toThrow(TlsError);
  });
});

describe('choosing a provider', () => {
  afterEach(() => setPlatform({ cryptoProvider: undefined }));
  it("'noble' forces pure JavaScript; 'node' needs the Node entry's registration; unknown names are refused", () => {
    expect(resolveProvider('noble')).toBe(nobleProvider);
    expect(resolveProvider(nodeProvider)).toBe(nodeProvider);
    expect(() => resolveProvider('node')).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => resolveProvider('openssl' as 'node')).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(resolveProvider(undefined).name).toBe('auto');
  });
  it('a registered platform provider becomes the default', () => {
    setPlatform({ cryptoProvider: nodeProvider });
    expect(defaultProvider()).toBe(nodeProvider);
    expect(resolveProvider('auto')).toBe(nodeProvider);
    expect(resolveProvider('node')).toBe(nodeProvider);
    expect(resolveProvider('noble')).toBe(nobleProvider);
    expect(resolveProvider('webcrypto').name).toBe('auto');
  });
});

describe('the Node entry', () => {
  it('installs node:crypto as the default provider and randomFillSync behind defaultRandom', async () => {
    await import('../../src/index.js');
    expect(defaultProvider()).toBe(nodeProvider);
    expect(resolveProvider('node')).toBe(nodeProvider);
    const r = defaultRandom(100_000); // beyond getRandomValues' 65536-byte limit per call
    expect(r.length).toBe(100_000);
    expect(new Set(r.subarray(0, 64)).size).toBeGreaterThan(16);
  });
});

describe('node provider: public keys imported as JWK', () => {
  // The provider imports public keys as JWK (OpenSSL 3's DER decoder costs ~100 µs a key); PSS-only keys stay DER.
  const gen = (type: 'ec' | 'ed25519' | 'rsa-pss', opts: object = {}) =>
    parsePrivateKey(generateKeyPairSync(type as 'ec', { ...opts, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } } as never).privateKey as unknown as string);
  const cases: [string, PrivateKey, SigAlg][] = [
    ['RSA PKCS#1', rsaKey, { kind: 'rsa-pkcs1', hash: 'sha256' }],
    ['RSA PSS', rsaKey, { kind: 'rsa-pss', hash: 'sha256' }],
    ['ECDSA P-256', gen('ec', { namedCurve: 'P-256' }), { kind: 'ecdsa', hash: 'sha256' }],
    ['ECDSA P-384', gen('ec', { namedCurve: 'P-384' }), { kind: 'ecdsa', hash: 'sha384' }],
    ['ECDSA P-521', gen('ec', { namedCurve: 'P-521' }), { kind: 'ecdsa', hash: 'sha512' }],
    ['Ed25519', gen('ed25519'), { kind: 'ed25519' }],
  ];
  it.each(cases)('%s: a noble signature verifies, a changed one does not', async (_name, priv, alg) => {
    const data = rnd(100);
    const sig = nobleSign(alg, priv, data, rnd);
    // A fresh public-key object each time: nothing cached from another case.
    expect(await nodeProvider.verify!(alg, publicFromPrivate(priv), data, sig)).toBe(true);
    const bad = sig.slice();
    bad[bad.length - 1]! ^= 1;
    expect(await nodeProvider.verify!(alg, publicFromPrivate(priv), data, bad)).toBe(false);
    data[0]! ^= 1;
    expect(await nodeProvider.verify!(alg, publicFromPrivate(priv), data, sig)).toBe(false);
  });
  it('an id-RSASSA-PSS key verifies PSS and refuses PKCS#1 v1.5', async () => {
    const priv = gen('rsa-pss', { modulusLength: 2048 });
    expect(priv.kind === 'rsa' && priv.pss).toBe(true);
    const data = rnd(64);
    const pss = { kind: 'rsa-pss', hash: 'sha256' } as const;
    expect(await nodeProvider.verify!(pss, publicFromPrivate(priv), data, nobleSign(pss, priv, data, rnd))).toBe(true);
    const pkcs1 = { kind: 'rsa-pkcs1', hash: 'sha256' } as const;
    const plainRsa = { ...(priv as RsaPrivateKey), pss: false };
    expect(await nodeProvider.verify!(pkcs1, publicFromPrivate(priv), data, nobleSign(pkcs1, plainRsa, data, rnd))).toBe(false);
  });
  it('X25519 shares made and read as JWK agree with noble', async () => {
    const a = nodeEcdheShare('x25519')!;
    const b = nodeEcdheShare('x25519')!;
    expect(a.pub).toHaveLength(32);
    expect(hex(await a.agree(b.pub))).toBe(hex(await b.agree(a.pub)));
    const ref = ecdheKeyPair('x25519', rnd);
    expect(hex(await a.agree(ref.pub))).toBe(hex(ecdheShared('x25519', ref.priv, a.pub)));
  });
});

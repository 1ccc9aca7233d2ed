/**
 * The TLS 1.3 key schedule against RFC 8448's traces byte for byte (section 3: the simple 1-RTT handshake;
 * section 4: the PSK early secret and binder key), the RFC 5869 HKDF vector, and OpenSSL-computed values for
 * what RFC 8448 does not show (KeyUpdate, the exporter, a SHA-384 schedule). Every provider carries it.
 */
import { describe, it, expect } from 'vitest';
import {
  KeySchedule13, hkdfExtract, hkdfExpand, hkdfExpandLabel, hkdfLabel, deriveSecret, emptyHash, trafficKey, finishedKey,
  finishedVerifyData13, checkFinished13, nextTrafficSecret, exportKeyingMaterial13, resumptionPsk,
} from '../../src/crypto/keyschedule.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { defaultProvider } from '../../src/crypto/provider.js';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { ecdheShared } from '../../src/crypto/kex.js';
import { hash, nobleHashes } from '../../src/crypto/hash.js';
import { concat } from '../../src/bytes.js';
import type { CryptoProvider } from '../../src/crypto/types.js';
import { hex, toHex, vec } from './helpers.js';

const V = JSON.parse(vec('tls13-keyschedule.json').toString('utf8'));
const R = V.rfc8448;
const O = V.openssl;

/** A provider with no HMAC of its own: the schedule falls back to noble. */
const bare: CryptoProvider = { name: 'bare', aead: nobleProvider.aead, cbc: nobleProvider.cbc };
/** A provider whose hashes' HMAC always fails: the failure must not reach the handshake, noble takes over. */
const broken: CryptoProvider = { ...bare, name: 'broken', hashes: { ...nobleHashes, hmac: () => { throw new Error('no'); } } };

const PROVIDERS: [string, CryptoProvider][] = [
  ['noble', nobleProvider],
  ['webcrypto', webCryptoProvider()],
  ['auto', defaultProvider()],
  ['node', nodeProvider],
  ['no hmac', bare],
  ['failing hmac', broken],
];

const msgs = (...names: string[]) => concat(...names.map((n) => hex(R[n])));
const finishedMsg = (vd: string) => concat(hex('14000020'), hex(vd));

describe('HKDF (RFC 5869 test case 1)', () => {
  for (const [name, p] of PROVIDERS) {
    it(`${name}: extract and expand`, async () => {
      const c = V.rfc5869_case1;
      const prk = await hkdfExtract(p, 'sha256', hex(c.salt), hex(c.ikm));
      expect(toHex(prk)).toBe(c.prk);
      expect(toHex(await hkdfExpand(p, 'sha256', prk, hex(c.info), c.length))).toBe(c.okm);
    });
  }
  it('refuses an output longer than 255 hash lengths', async () => {
    await expect(hkdfExpand(nobleProvider, 'sha256', new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).rejects.toThrow(RangeError);
    expect((await hkdfExpand(nobleProvider, 'sha256', new Uint8Array(32), new Uint8Array(0), 255 * 32)).length).toBe(8160);
  });
  it('HkdfLabel is length, "tls13 "-prefixed label and context, each length-prefixed (RFC 8446 §7.1)', () => {
    expect(toHex(hkdfLabel('key', new Uint8Array(0), 16))).toBe('001009746c733133206b657900');
    expect(toHex(hkdfLabel('derived', hex('0102'), 32))).toBe('00200d746c73313320646572697665640' + '20102');
    expect(() => hkdfLabel('x'.repeat(250), new Uint8Array(0), 32)).toThrow(RangeError);
  });
});

describe('RFC 8448 §3 simple 1-RTT handshake, byte for byte', () => {
  it('the trace is self-consistent: X25519 of the given keys and the transcript hashes of the given messages', () => {
    expect(toHex(ecdheShared('x25519', hex(R.clientPrivate), hex(R.serverShare)))).toBe(R.sharedSecret);
    expect(toHex(ecdheShared('x25519', hex(R.serverPrivate), hex(R.clientShare)))).toBe(R.sharedSecret);
    expect(toHex(hash('sha256', msgs('clientHello', 'serverHello')))).toBe(R.helloHash);
    const toServerFinished = concat(msgs('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify'), finishedMsg(R.serverFinishedVerifyData));
    expect(toHex(hash('sha256', toServerFinished))).toBe(R.serverFinishedHash);
    expect(toHex(hash('sha256', concat(toServerFinished, finishedMsg(R.clientFinishedVerifyData))))).toBe(R.clientFinishedHash);
  });

  for (const [name, p] of PROVIDERS) {
    it(`${name}: every secret, key, IV and Finished of the trace`, async () => {
      const ks = await KeySchedule13.start(p, 'sha256');
      expect(toHex(ks.current)).toBe(R.earlySecret);
      expect(toHex(await deriveSecret(p, 'sha256', ks.current, 'derived', emptyHash('sha256')))).toBe(R.derivedForHandshake);

      const hs = await ks.handshake(hex(R.sharedSecret), hash('sha256', msgs('clientHello', 'serverHello')));
      expect(toHex(ks.current)).toBe(R.handshakeSecret);
      expect(toHex(hs.client)).toBe(R.clientHandshakeTrafficSecret);
      expect(toHex(hs.server)).toBe(R.serverHandshakeTrafficSecret);
      expect(toHex(await deriveSecret(p, 'sha256', ks.current, 'derived', emptyHash('sha256')))).toBe(R.derivedForMaster);

      const sk = await trafficKey(p, 'sha256', hs.server, 16);
      expect([toHex(sk.key), toHex(sk.iv)]).toEqual([R.serverHandshakeKey, R.serverHandshakeIv]);
      const ck = await trafficKey(p, 'sha256', hs.client, 16);
      expect([toHex(ck.key), toHex(ck.iv)]).toEqual([R.clientHandshakeKey, R.clientHandshakeIv]);

      // Server Finished covers ClientHello..CertificateVerify.
      const toCv = hash('sha256', msgs('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify'));
      expect(toHex(await finishedKey(p, 'sha256', hs.server))).toBe(R.serverFinishedKey);
      expect(toHex(await finishedVerifyData13(p, 'sha256', hs.server, toCv))).toBe(R.serverFinishedVerifyData);
      expect(await checkFinished13(p, 'sha256', hs.server, toCv, hex(R.serverFinishedVerifyData))).toBe(true);

      const sfHash = hex(R.serverFinishedHash);
      const ap = await ks.application(sfHash);
      expect(toHex(ks.current)).toBe(R.masterSecret);
      expect(toHex(ap.client)).toBe(R.clientApplicationTrafficSecret);
      expect(toHex(ap.server)).toBe(R.serverApplicationTrafficSecret);
      expect(toHex(ap.exporter)).toBe(R.exporterMasterSecret);
      const sa = await trafficKey(p, 'sha256', ap.server, 16);
      expect([toHex(sa.key), toHex(sa.iv)]).toEqual([R.serverApplicationKey, R.serverApplicationIv]);
      const ca = await trafficKey(p, 'sha256', ap.client, 16);
      expect([toHex(ca.key), toHex(ca.iv)]).toEqual([R.clientApplicationKey, R.clientApplicationIv]);

      // Client Finished covers ClientHello..server Finished.
      expect(toHex(await finishedKey(p, 'sha256', hs.client))).toBe(R.clientFinishedKey);
      expect(toHex(await finishedVerifyData13(p, 'sha256', hs.client, sfHash))).toBe(R.clientFinishedVerifyData);

      const rms = await ks.resumptionMasterSecret(hex(R.clientFinishedHash));
      expect(toHex(rms)).toBe(R.resumptionMasterSecret);
      expect(toHex(await resumptionPsk(p, 'sha256', rms, hex(R.ticketNonce)))).toBe(R.resumptionPsk);
    });
  }

  it('RFC 8448 §4: the early secret from the resumption PSK and its binder key', async () => {
    const ks = await KeySchedule13.start(nobleProvider, 'sha256', hex(R.resumptionPsk));
    expect(toHex(ks.current)).toBe(R.pskEarlySecret);
    expect(toHex(await ks.binderKey('res'))).toBe(R.resumptionBinderKey);
    expect(toHex(await ks.binderKey('ext'))).not.toBe(R.resumptionBinderKey);
  });

  it('a Finished with any byte changed, cut short or over another transcript is refused', async () => {
    const p = nobleProvider;
    const base = hex(R.serverHandshakeTrafficSecret);
    const th = hash('sha256', msgs('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify'));
    const good = hex(R.serverFinishedVerifyData);
    for (let i = 0; i < good.length; i++) {
      const bad = good.slice();
      bad[i]! ^= 0x80;
      expect(await checkFinished13(p, 'sha256', base, th, bad)).toBe(false);
    }
    expect(await checkFinished13(p, 'sha256', base, th, good.subarray(0, 31))).toBe(false);
    expect(await checkFinished13(p, 'sha256', base, hex(R.helloHash), good)).toBe(false);
    expect(await checkFinished13(p, 'sha256', hex(R.clientHandshakeTrafficSecret), th, good)).toBe(false);
  });

  it('a stage secret cannot be asked for before the stage is reached, nor after it is left', async () => {
    const ks = await KeySchedule13.start(nobleProvider, 'sha256');
    expect(() => ks.resumptionMasterSecret(new Uint8Array(32))).toThrow(/master secret asked for at the early stage/);
    await expect(ks.application(new Uint8Array(32))).rejects.toThrow();
    await ks.handshake(hex(R.sharedSecret), hex(R.helloHash));
    expect(() => ks.binderKey('res')).toThrow();
    await expect(ks.handshake(hex(R.sharedSecret), hex(R.helloHash))).rejects.toThrow();
  });
});

describe('KeyUpdate, exporter and SHA-384 (OpenSSL-computed)', () => {
  for (const [name, p] of PROVIDERS) {
    it(`${name}: application_traffic_secret_N+1 and its keys`, async () => {
      const u = O.keyUpdate;
      const s1 = await nextTrafficSecret(p, 'sha256', hex(u.secret0));
      expect(toHex(s1)).toBe(u.secret1);
      expect(toHex(await nextTrafficSecret(p, 'sha256', s1))).toBe(u.secret2);
      const k = await trafficKey(p, 'sha256', s1, 16);
      expect([toHex(k.key), toHex(k.iv)]).toEqual([u.key1, u.iv1]);
    });
  }

  it('TLS-Exporter with a context and without one (RFC 8446 §7.5)', async () => {
    for (const e of O.exporter) {
      const out = await exportKeyingMaterial13(nobleProvider, 'sha256', hex(e.exporterMasterSecret), e.label, e.context === null ? null : hex(e.context), e.length);
      expect(toHex(out)).toBe(e.output);
    }
    // No context and an empty context are the same in TLS 1.3.
    const a = await exportKeyingMaterial13(nobleProvider, 'sha256', hex(R.exporterMasterSecret), 'x', null, 16);
    expect(a).toEqual(await exportKeyingMaterial13(nobleProvider, 'sha256', hex(R.exporterMasterSecret), 'x', new Uint8Array(0), 16));
  });

  for (const [name, p] of PROVIDERS.slice(0, 2)) {
    it(`${name}: a SHA-384 schedule (TLS_AES_256_GCM_SHA384)`, async () => {
      const s = O.sha384;
      const ks = await KeySchedule13.start(p, 'sha384');
      expect(toHex(ks.current)).toBe(s.earlySecret);
      const helloHash = hash('sha384', hex(s.helloHashOf));
      const hs = await ks.handshake(hex(s.sharedSecret), helloHash);
      expect(toHex(ks.current)).toBe(s.handshakeSecret);
      expect(toHex(hs.client)).toBe(s.clientHandshakeTrafficSecret);
      const k = await trafficKey(p, 'sha384', hs.client, 32);
      expect([toHex(k.key), toHex(k.iv)]).toEqual([s.clientHandshakeKey, s.clientHandshakeIv]);
      expect(toHex(await finishedVerifyData13(p, 'sha384', hs.client, helloHash))).toBe(s.clientFinishedVerifyDataOverHelloHash);
      await ks.application(helloHash);
      expect(toHex(ks.current)).toBe(s.masterSecret);
    });
  }

  it('HKDF-Expand-Label agrees between providers for lengths across block boundaries', async () => {
    const web = webCryptoProvider();
    for (const len of [0, 1, 31, 32, 33, 64, 65, 100]) {
      const a = await hkdfExpandLabel(nobleProvider, 'sha384', hex(R.masterSecret), 'x', hex('0102'), len);
      expect(a.length).toBe(len);
      expect(await hkdfExpandLabel(web, 'sha384', hex(R.masterSecret), 'x', hex('0102'), len)).toEqual(a);
    }
  });
});

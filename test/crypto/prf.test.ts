import { describe, it, expect } from 'vitest';
import { prf, masterSecret, extendedMasterSecret, keyBlock, finishedVerifyData, handshakeHash } from '../../src/crypto/prf.js';
import { tls12SuiteByName, TLS10, TLS11, TLS12 } from '../../src/crypto/suites.js';
import { md5sha1, hash } from '../../src/crypto/hash.js';
import { hex, toHex, vec } from './helpers.js';

const V = JSON.parse(vec('prf.json').toString('utf8'));
const prfHashOf = (d: string) => (d === 'SHA384' ? 'sha384' : 'sha256') as 'sha256' | 'sha384';

describe('PRF (OpenSSL TLS1-PRF known answers)', () => {
  for (const t of V.prf) {
    it(`${t.digest} v${t.version.toString(16)} "${t.label}" secret ${t.secret.length / 2}B -> ${t.output.length / 2}B`, () => {
      expect(toHex(prf(t.version, prfHashOf(t.digest), hex(t.secret), t.label, hex(t.seed), t.output.length / 2))).toBe(t.output);
    });
  }
  it('TLS 1.0 and 1.1 use the same MD5/SHA-1 PRF; 1.2 differs', () => {
    const a = prf(TLS10, 'sha256', hex('0102'), 'x', hex('03'), 20);
    expect(prf(TLS11, 'sha384', hex('0102'), 'x', hex('03'), 20)).toEqual(a);
    expect(prf(TLS12, 'sha256', hex('0102'), 'x', hex('03'), 20)).not.toEqual(a);
  });
});

describe('master secret and key block', () => {
  for (const t of V.keyBlocks) {
    it(`${t.suite} v${t.version.toString(16)}`, () => {
      const suite = tls12SuiteByName(t.suite)!;
      const ms = masterSecret(t.version, suite.prfHash, hex(t.premaster), hex(t.clientRandom), hex(t.serverRandom));
      expect(toHex(ms)).toBe(t.master);
      expect(toHex(extendedMasterSecret(t.version, suite.prfHash, hex(t.premaster), hex(t.sessionHash)))).toBe(t.extendedMaster);
      const kb = keyBlock(t.version, suite, ms, hex(t.clientRandom), hex(t.serverRandom));
      const joined = [kb.clientMacKey, kb.serverMacKey, kb.clientKey, kb.serverKey, kb.clientIv, kb.serverIv].map(toHex).join('');
      expect(joined).toBe(t.keyBlock);
      expect(kb.clientMacKey.length).toBe(suite.macLen);
      expect(kb.clientKey.length).toBe(suite.keyLen);
      const ivLen = suite.type === 'aead' ? suite.fixedIvLen : t.version === TLS10 ? 16 : 0;
      expect(kb.clientIv.length).toBe(ivLen);
      expect(kb.serverIv.length).toBe(ivLen);
    });
  }
});

describe('handshake hash and Finished', () => {
  const transcript = new TextEncoder().encode('handshake messages');
  it('TLS 1.0/1.1 hash is MD5||SHA-1, TLS 1.2 the PRF hash', () => {
    expect(handshakeHash(TLS10, 'sha256', transcript)).toEqual(md5sha1(transcript));
    expect(handshakeHash(TLS12, 'sha384', transcript)).toEqual(hash('sha384', transcript));
    expect(handshakeHash(TLS12, 'sha256', transcript).length).toBe(32);
  });
  it('verify_data is PRF(master, "<sender> finished", hash)[0..11]', () => {
    const master = hex('11'.repeat(48));
    for (const v of [TLS10, TLS12]) {
      const c = finishedVerifyData(v, 'sha256', master, 'client', transcript);
      expect(c.length).toBe(12);
      expect(c).toEqual(prf(v, 'sha256', master, 'client finished', handshakeHash(v, 'sha256', transcript), 12));
      expect(finishedVerifyData(v, 'sha256', master, 'server', transcript)).not.toEqual(c);
    }
  });
});

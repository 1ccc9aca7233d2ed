import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync, unlinkSync } from 'node:fs';
import { parsePrivateKey, parseSpki, encodeSpki, publicFromPrivate, keysMatch, parsePublicKeyPem } from '../../src/crypto/keys.js';
import { verifySignature, sign, SIGNATURE_SCHEMES, schemeById, schemeFitsKey } from '../../src/crypto/sig.js';
import { derBlobs } from '../../src/pem.js';
import { TlsError } from '../../src/errors.js';
import type { SigAlg } from '../../src/crypto/types.js';
import { key, seededRandom } from './helpers.js';

const spki = (name: string) => derBlobs(key(name).toString(), ['PUBLIC KEY'])[0]!.der;
const msg = new Uint8Array(key('message.bin'));
const PASS = 'correct-horse';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof TlsError ? `${e.code}: ${e.message}` : `non-TlsError: ${String(e)}`;
  }
  return 'no error';
}

describe('parseSpki', () => {
  it.each([
    ['rsa2048.spki.pem', 'rsa', 2048],
    ['rsapss2048.spki.pem', 'rsa', 2048],
    ['p256.spki.pem', 'ec', 256],
    ['p384.spki.pem', 'ec', 384],
    ['p521.spki.pem', 'ec', 521],
    ['ed25519.spki.pem', 'ed25519', 256],
  ])('%s', (file, kind, bits) => {
    const der = spki(file);
    const pub = parseSpki(der);
    expect(pub.kind).toBe(kind);
    expect(pub.bits).toBe(bits);
    expect(encodeSpki(pub)).toEqual(der);
  });
  it('marks RSASSA-PSS keys', () => {
    expect((parseSpki(spki('rsapss2048.spki.pem')) as { pss?: boolean }).pss).toBe(true);
  });
  it.each(['ed448.spki.pem', 'secp256k1.spki.pem'])('refuses %s as cert_unsupported_key', (file) => {
    expect(codeOf(() => parseSpki(spki(file)))).toMatch(/^cert_unsupported_key/);
  });
  it('refuses malformed input and off-curve points', () => {
    const der = spki('p256.spki.pem');
    expect(codeOf(() => parseSpki(der.subarray(0, der.length - 1)))).toMatch(/^cert_malformed/);
    expect(codeOf(() => parseSpki(Uint8Array.from([...der, 0])))).toMatch(/^cert_malformed/);
    const bad = der.slice();
    bad[bad.length - 1]! ^= 1;
    expect(codeOf(() => parseSpki(bad))).toMatch(/^cert_malformed: .*invalid P-256 point/);
  });
});

describe('parsePrivateKey', () => {
  const rsaPub = parseSpki(spki('rsa2048.spki.pem'));
  it.each([
    ['rsa2048.pkcs8.pem', undefined],
    ['rsa2048.pkcs1.pem', undefined],
    ['rsa2048.pkcs8.der', undefined],
    ['rsa2048.pkcs1.der', undefined],
    ['rsa2048.enc-aes256-sha256.pem', PASS],
    ['rsa2048.enc-aes128-sha1.pem', PASS],
    ['rsa2048.enc-aes192.pem', PASS],
  ])('RSA %s', (file, pass) => {
    const priv = parsePrivateKey(new Uint8Array(key(file)), pass);
    expect(keysMatch(rsaPub, priv)).toBe(true);
  });
  for (const c of ['p256', 'p384', 'p521']) {
    it.each(['pkcs8.pem', 'sec1.pem', 'sec1.der', 'sec1-nopub.pem'])(`${c} %s`, (fmt) => {
      const priv = parsePrivateKey(new Uint8Array(key(`${c}.${fmt}`)));
      expect(keysMatch(parseSpki(spki(`${c}.spki.pem`)), priv)).toBe(true);
      expect(encodeSpki(publicFromPrivate(priv))).toEqual(spki(`${c}.spki.pem`));
    });
  }
  it('SEC1 after an EC PARAMETERS block, and encrypted EC / Ed25519', () => {
    expect(parsePrivateKey(key('p256.with-params.pem').toString()).kind).toBe('ec');
    expect(keysMatch(parseSpki(spki('p256.spki.pem')), parsePrivateKey(key('p256.enc.pem').toString(), PASS))).toBe(true);
    const ed = parsePrivateKey(key('ed25519.enc.pem').toString(), PASS);
    expect(keysMatch(parseSpki(spki('ed25519.spki.pem')), ed)).toBe(true);
    expect(keysMatch(parseSpki(spki('ed25519.spki.pem')), parsePrivateKey(key('ed25519.pkcs8.pem').toString()))).toBe(true);
  });
  it('file-like input', () => {
    expect(parsePrivateKey({ read: () => key('p384.pkcs8.pem').toString() }).kind).toBe('ec');
  });
  it('errors say what to do', () => {
    expect(codeOf(() => parsePrivateKey(key('rsa2048.enc-aes256-sha256.pem').toString()))).toMatch(/^config_bad_key: .*passphrase required/);
    expect(codeOf(() => parsePrivateKey(key('rsa2048.enc-aes256-sha256.pem').toString(), 'nope'))).toMatch(/^config_bad_key: .*wrong passphrase/);
    expect(codeOf(() => parsePrivateKey(key('ed448.pkcs8.pem').toString()))).toMatch(/^config_bad_key: .*unsupported private key algorithm/);
    expect(codeOf(() => parsePrivateKey(key('secp256k1.sec1.pem').toString()))).toMatch(/^config_bad_key: .*unsupported elliptic curve/);
    expect(codeOf(() => parsePrivateKey(key('rsa2048.spki.pem').toString()))).toMatch(/^config_bad_key: .*not a private key/);
    expect(codeOf(() => parsePrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])))).toMatch(/^config_bad_key: private key: DER is not/);
    expect(codeOf(() => parsePrivateKey('no pem here'))).toMatch(/^config_bad_key: .*no PEM/);
  });
  it('keysMatch is false across keys', () => {
    expect(keysMatch(parseSpki(spki('p256.spki.pem')), parsePrivateKey(key('p384.pkcs8.pem').toString()))).toBe(false);
    expect(keysMatch(parseSpki(spki('rsa2048.spki.pem')), parsePrivateKey(key('rsapss2048.pkcs8.pem').toString()))).toBe(false);
  });
  it('parsePublicKeyPem', () => {
    expect(parsePublicKeyPem(key('p256.spki.pem').toString()).kind).toBe('ec');
  });
});

describe('verifySignature against OpenSSL signatures', () => {
  const cases: [string, string, SigAlg][] = [
    ['rsa2048.spki.pem', 'rsa2048.sha256.sig', { kind: 'rsa-pkcs1', hash: 'sha256' }],
    ['rsa2048.spki.pem', 'rsa2048.pss-sha384.sig', { kind: 'rsa-pss', hash: 'sha384' }],
    ['p256.spki.pem', 'p256.sha256.sig', { kind: 'ecdsa', hash: 'sha256' }],
    ['p384.spki.pem', 'p384.sha512.sig', { kind: 'ecdsa', hash: 'sha512' }],
    ['p521.spki.pem', 'p521.sha512.sig', { kind: 'ecdsa', hash: 'sha512' }],
    ['ed25519.spki.pem', 'ed25519.sig', { kind: 'ed25519' }],
  ];
  it.each(cases)('%s %s', (pubFile, sigFile, alg) => {
    const pub = parseSpki(spki(pubFile));
    const sig = new Uint8Array(key(sigFile));
    expect(verifySignature(alg, pub, msg, sig)).toBe(true);
    const other = msg.slice();
    other[0]! ^= 1;
    expect(verifySignature(alg, pub, other, sig)).toBe(false);
    const badSig = sig.slice();
    badSig[badSig.length - 1]! ^= 0x40;
    expect(verifySignature(alg, pub, msg, badSig)).toBe(false);
    expect(verifySignature(alg, pub, msg, sig.subarray(0, 5))).toBe(false);
    expect(verifySignature(alg, pub, msg, new Uint8Array(0))).toBe(false);
  });
  it('a key of the wrong kind never verifies', () => {
    const ec = parseSpki(spki('p256.spki.pem'));
    expect(verifySignature({ kind: 'rsa-pkcs1', hash: 'sha256' }, ec, msg, new Uint8Array(key('rsa2048.sha256.sig')))).toBe(false);
  });
});

describe('sign then verify (and OpenSSL verifies ours)', () => {
  const rng = seededRandom(7);
  const algs: [string, SigAlg][] = [
    ['rsa2048.pkcs8.pem', { kind: 'rsa-pkcs1', hash: 'sha256' }],
    ['rsa2048.pkcs8.pem', { kind: 'rsa-pkcs1', hash: 'md5sha1' }],
    ['rsa2048.pkcs8.pem', { kind: 'rsa-pkcs1', hash: 'sha1' }],
    ['rsa2048.pkcs8.pem', { kind: 'rsa-pss', hash: 'sha256' }],
    ['rsapss2048.pkcs8.pem', { kind: 'rsa-pss', hash: 'sha512' }],
    ['p256.pkcs8.pem', { kind: 'ecdsa', hash: 'sha256' }],
    ['p256.pkcs8.pem', { kind: 'ecdsa', hash: 'sha1' }],
    ['p384.pkcs8.pem', { kind: 'ecdsa', hash: 'sha256' }],
    ['p521.pkcs8.pem', { kind: 'ecdsa', hash: 'sha512' }],
    ['ed25519.pkcs8.pem', { kind: 'ed25519' }],
  ];
  it.each(algs)('%s %j', (file, alg) => {
    const priv = parsePrivateKey(key(file).toString());
    const sig = sign(alg, priv, msg, rng);
    expect(verifySignature(alg, publicFromPrivate(priv), msg, sig)).toBe(true);
  });
  it('openssl verifies our RSA-PSS, PKCS#1 and ECDSA signatures', () => {
    const check = (keyFile: string, alg: SigAlg, args: string[]) => {
      const priv = parsePrivateKey(key(keyFile).toString());
      const sig = sign(alg, priv, msg, rng);
      const tmp = `/tmp/puretls-sig-${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(tmp, sig);
      const pub = `vectors/crypto/keys/${keyFile.replace(/\.pkcs8\.pem$/, '.spki.pem')}`;
      const out = execFileSync('openssl', ['dgst', ...args, '-verify', pub, '-signature', tmp, 'vectors/crypto/keys/message.bin'], {
        cwd: new URL('../..', import.meta.url).pathname,
      }).toString();
      unlinkSync(tmp);
      expect(out).toMatch(/Verified OK/);
    };
    check('rsa2048.pkcs8.pem', { kind: 'rsa-pkcs1', hash: 'sha384' }, ['-sha384']);
    check('rsa2048.pkcs8.pem', { kind: 'rsa-pss', hash: 'sha256' }, ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
    check('p384.pkcs8.pem', { kind: 'ecdsa', hash: 'sha384' }, ['-sha384']);
  });
  it('refuses a key of the wrong kind and RSA keys under 1024 bits', () => {
    const ec = parsePrivateKey(key('p256.pkcs8.pem').toString());
    expect(codeOf(() => sign({ kind: 'rsa-pkcs1', hash: 'sha256' }, ec, msg, rng))).toMatch(/^config_bad_key/);
    const small = parsePrivateKey(key('rsa512.pkcs8.pem').toString());
    expect(codeOf(() => sign({ kind: 'rsa-pkcs1', hash: 'sha256' }, small, msg, rng))).toMatch(/^config_bad_key: .*512 bits/);
    expect(codeOf(() => verifySignature({ kind: 'rsa-pkcs1', hash: 'sha256' }, publicFromPrivate(small), msg, new Uint8Array(64)))).toMatch(
      /^cert_weak_key/,
    );
  });
});

describe('SIGNATURE_SCHEMES', () => {
  it('ids, lookups and key fit', () => {
    expect(SIGNATURE_SCHEMES.length).toBe(15);
    expect(new Set(SIGNATURE_SCHEMES.map((s) => s.id)).size).toBe(15);
    expect(schemeById(0x0804)?.name).toBe('rsa_pss_rsae_sha256');
    expect(schemeById(0x080b)?.alg).toEqual({ kind: 'rsa-pss', hash: 'sha512' });
    expect(schemeById(0x0603)?.alg).toEqual({ kind: 'ecdsa', hash: 'sha512' });
    expect(schemeById(0x0807)?.keyKind).toBe('ed25519');
    expect(schemeById(0x0202)).toBeUndefined();
    const rsae = parseSpki(spki('rsa2048.spki.pem'));
    const pss = parseSpki(spki('rsapss2048.spki.pem'));
    expect(schemeFitsKey(schemeById(0x0804)!, rsae)).toBe(true);
    expect(schemeFitsKey(schemeById(0x0809)!, rsae)).toBe(false);
    expect(schemeFitsKey(schemeById(0x0809)!, pss)).toBe(true);
    expect(schemeFitsKey(schemeById(0x0401)!, pss)).toBe(false);
  });
});

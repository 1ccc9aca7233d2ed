/**
 * Crypto provider on Node's own `node:crypto` (OpenSSL): every primitive is synchronous and runs on the calling
 * thread with hardware AES where present, so records are sealed and opened without a promise or a thread-pool
 * round trip each (see AeadCipher.sealSync). The protocol stays ours; only the primitives come from the platform.
 *
 * - AES-GCM, ChaCha20-Poly1305 and AES-CBC through createCipheriv/createDecipheriv;
 * - hashes and HMAC (PRF, transcript, CBC record MACs) through createHash/createHmac;
 * - ECDHE (X25519, X448, P-256, P-384) through KeyObjects and diffieHellman / ECDH; src/crypto/ops.ts checks the
 *   peer's share with the noble code first and refuses an all-zero X25519 secret, as on the noble path;
 * - signatures and verification (RSA PKCS#1 v1.5 including TLS 1.0's MD5+SHA-1, RSA-PSS, ECDSA, Ed25519) through
 *   crypto.sign/verify with key objects made once per parsed key. ECDSA signatures are parsed by noble before
 *   OpenSSL sees them, so what counts as well-formed DER is decided by one piece of code whatever the provider;
 * - the RSA key exchange's private operation through privateDecrypt with RSA_NO_PADDING (Node refuses PKCS#1 v1.5
 *   decryption since its Marvin fix); the padding check and the Bleichenbacher counter-measure stay in rsa.ts.
 *
 * This is the only module that imports node:crypto. Nothing in the browser graph imports it: the Node entry
 * registers it as the platform's provider (src/transport/node-platform.ts, through src/platform.ts).
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  privateEncrypt,
  randomFillSync,
  sign as nodeSign,
  verify as nodeVerify,
  type Hash,
  type KeyObject,
} from 'node:crypto';
import { TlsError } from '../errors.js';
import { base64Encode } from '../pem.js';
import { bigIntToMinBytes, byteLength } from './bigint.js';
import { hashLen, md5sha1 } from './hash.js';
import { CURVES, CURVE_BYTES, encodeSpki } from './keys.js';
import type { AeadCipher, CbcCipher, CryptoProvider, EcdheShare, HashName, HashProvider, IncrementalHash, IncrementalMac, PrivateKey, PublicKey, SigAlg } from './types.js';

const TAG = 16;
const BLOCK = 16;

/** A Buffer's bytes as a plain Uint8Array (no copy): Buffer's slice() shares memory, Uint8Array's copies. */
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

// ---------- bulk ciphers ----------

const AEAD_ALGS = { AES_128_GCM: ['aes-128-gcm', 16], AES_256_GCM: ['aes-256-gcm', 32], CHACHA20_POLY1305: ['chacha20-poly1305', 32] } as const;
const CBC_ALGS = { AES_128_CBC: ['aes-128-cbc', 16], AES_256_CBC: ['aes-256-cbc', 32] } as const;

function checkKey(cipher: string, key: Uint8Array, len: number): void {
  if (key.length !== len) throw new TlsError('internal_error', `${cipher}: bad key length ${key.length}`);
}

function aeadCipher(alg: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305', key: KeyObject): AeadCipher {
  const opts = { authTagLength: TAG } as const;
  const sealSync = (nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array => {
    const c = createCipheriv(alg as 'aes-128-gcm', key, nonce, opts); // ChaCha20-Poly1305 has the same AEAD methods
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const out = new Uint8Array(plaintext.length + TAG);
    out.set(c.update(plaintext), 0);
    c.final(); // GCM and ChaCha20-Poly1305 are stream modes: nothing is left over
    out.set(c.getAuthTag(), plaintext.length);
    return out;
  };
  const sealPartsSync = (nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array[]): Uint8Array[] => {
    const c = createCipheriv(alg as 'aes-128-gcm', key, nonce, opts);
    let n = 0;
    for (const p of plaintext) n += p.length;
    c.setAAD(aad, { plaintextLength: n });
    const out: Uint8Array[] = [];
    for (const p of plaintext) if (p.length) out.push(plain(c.update(p)));
    c.final();
    out.push(plain(c.getAuthTag()));
    return out;
  };
  const openSync = (nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null => {
    if (ct.length < TAG) return null;
    const body = ct.subarray(0, ct.length - TAG);
    try {
      const d = createDecipheriv(alg as 'aes-128-gcm', key, nonce, opts);
      d.setAuthTag(ct.subarray(ct.length - TAG));
      d.setAAD(aad, { plaintextLength: body.length });
      const pt = d.update(body);
      d.final(); // throws when the tag does not verify
      return plain(pt);
    } catch {
      return null;
    }
  };
  return {
    sealSync,
    sealPartsSync,
    openSync,
    seal: async (nonce, aad, plaintext) => sealSync(nonce, aad, plaintext),
    open: async (nonce, aad, ct) => openSync(nonce, aad, ct),
  };
}

function cbcCipher(alg: 'aes-128-cbc' | 'aes-256-cbc', key: KeyObject): CbcCipher {
  const run = (decrypt: boolean, iv: Uint8Array, data: Uint8Array): Uint8Array => {
    if (iv.length !== BLOCK || data.length % BLOCK !== 0) {
      throw new TlsError('internal_error', `AES-CBC needs a 16-byte IV and whole blocks, got ${iv.length} and ${data.length} bytes`);
    }
    const c = (decrypt ? createDecipheriv : createCipheriv)(alg, key, iv).setAutoPadding(false);
    const out = c.update(data);
    c.final(); // whole blocks without padding: nothing is left over
    return plain(out);
  };
  const encryptSync = (iv: Uint8Array, data: Uint8Array) => run(false, iv, data);
  const decryptSync = (iv: Uint8Array, data: Uint8Array) => run(true, iv, data);
  return {
    encryptSync,
    decryptSync,
    encrypt: async (iv, data) => encryptSync(iv, data),
    decrypt: async (iv, data) => decryptSync(iv, data),
  };
}

// ---------- hashes ----------

const NODE_HASH: Record<HashName, string> = { md5: 'md5', sha1: 'sha1', sha224: 'sha224', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

function incremental(h: { update(d: Uint8Array): unknown; digest(): Buffer }): IncrementalMac {
  const m: IncrementalMac = {
    update(d) {
      h.update(d);
      return m;
    },
    digest: () => plain(h.digest()),
  };
  return m;
}

function forkable(h: Hash): IncrementalHash {
  const m: IncrementalHash = {
    update(d) {
      h.update(d);
      return m;
    },
    digest: () => plain(h.digest()),
    clone: () => forkable(h.copy()),
  };
  return m;
}

export const nodeHashes: HashProvider = {
  hash: (name, data) => plain(createHash(NODE_HASH[name]).update(data).digest()),
  hmac: (name, key, data) => plain(createHmac(NODE_HASH[name], key).update(data).digest()),
  hashCreate: (name) => forkable(createHash(NODE_HASH[name])),
  hmacCreate: (name, key) => incremental(createHmac(NODE_HASH[name], key)),
};

// ---------- key exchange ----------

/** SubjectPublicKeyInfo and PKCS#8 prefixes of the Montgomery curves (RFC 8410): the raw key follows. */
const MONTGOMERY = {
  x25519: {
    spki: Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]),
    pkcs8: Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]),
    len: 32,
  },
  x448: {
    spki: Uint8Array.from([0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00]),
    pkcs8: Uint8Array.from([0x30, 0x46, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x04, 0x3a, 0x04, 0x38]),
    len: 56,
  },
} as const;
const NIST_ECDH = { secp256r1: 'prime256v1', secp384r1: 'secp384r1' } as const;

const prefixed = (prefix: Uint8Array, raw: Uint8Array) => {
  const der = Buffer.alloc(prefix.length + raw.length);
  der.set(prefix);
  der.set(raw, prefix.length);
  return der;
};

/**
 * An X25519/X448 key (fresh, or the given raw scalar); agree() is X25519/X448 with the peer's raw key.
 * Keys cross into and out of OpenSSL as JWK, not DER: OpenSSL 3's DER encoder and decoder framework costs
 * ~80-130 µs per call here against ~1-7 µs for JWK, which was a tenth of a full handshake's main thread.
 */
function montgomeryShare(group: keyof typeof MONTGOMERY, priv?: Uint8Array): EcdheShare {
  const { pkcs8, len } = MONTGOMERY[group];
  const crv = group === 'x25519' ? 'X25519' : 'X448';
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  if (priv) {
    privateKey = createPrivateKey({ key: prefixed(pkcs8, priv), format: 'der', type: 'pkcs8' });
    publicKey = createPublicKey(privateKey);
  } else {
    ({ privateKey, publicKey } = generateKeyPairSync(group as 'x25519'));
  }
  const pub = plain(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  if (pub.length !== len) throw new TlsError('internal_error', `${group}: OpenSSL gave a ${pub.length}-byte public key`);
  return {
    pub,
    async agree(peerPub) {
      if (peerPub.length !== len) throw new TlsError('crypto_bad_key_share', `${group} key share must be ${len} bytes, got ${peerPub.length}`);
      const peer = createPublicKey({ key: { kty: 'OKP', crv, x: b64url(peerPub) }, format: 'jwk' });
      // OpenSSL fails the derivation when the result is all zero (a low-order peer point).
      return plain(diffieHellman({ privateKey, publicKey: peer }));
    },
  };
}

/** A NIST-curve key (fresh, or the given scalar); agree() gives the x-coordinate of the product. */
function nistShare(group: keyof typeof NIST_ECDH, priv?: Uint8Array): EcdheShare {
  const ecdh = createECDH(NIST_ECDH[group]);
  let pub: Uint8Array;
  if (priv) {
    ecdh.setPrivateKey(priv);
    pub = plain(ecdh.getPublicKey());
  } else {
    pub = plain(ecdh.generateKeys());
  }
  // OpenSSL refuses a point that is not on the curve.
  return { pub, agree: async (peerPub) => plain(ecdh.computeSecret(peerPub)) };
}

/**
 * An ECDHE key on node:crypto for `group` (x25519, x448, secp256r1, secp384r1), or null for another group. `priv`
 * gives the private key instead of a fresh one (known-answer tests). The share is unchecked: callers go through
 * src/crypto/ops.ts, which validates the peer's share and the X25519 result.
 */
export function nodeEcdheShare(group: string, priv?: Uint8Array): EcdheShare | null {
  if (group === 'x25519' || group === 'x448') return montgomeryShare(group, priv);
  if (group === 'secp256r1' || group === 'secp384r1') return nistShare(group, priv);
  return null;
}

// ---------- key objects ----------

const b64url = (b: Uint8Array) => base64Encode(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const intUrl = (x: bigint) => b64url(bigIntToMinBytes(x));

/** A public key as JWK (not for id-RSASSA-PSS keys, which JWK cannot mark as PSS-only). */
function publicJwk(key: PublicKey): Record<string, string> {
  switch (key.kind) {
    case 'rsa':
      return { kty: 'RSA', n: intUrl(key.n), e: intUrl(key.e) };
    case 'ec': {
      const len = CURVE_BYTES[key.curve];
      // parseSpki keeps EC points uncompressed (04 || X || Y); OpenSSL checks the point is on the curve.
      return { kty: 'EC', crv: key.curve, x: b64url(key.point.subarray(1, 1 + len)), y: b64url(key.point.subarray(1 + len)) };
    }
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: b64url(key.raw) };
  }
}

/** KeyObjects per parsed key: a server's identity key is imported once, and a cached certificate's key too. */
const keyObjects = new WeakMap<object, KeyObject>();

function privateKeyObject(key: PrivateKey): KeyObject {
  let k = keyObjects.get(key);
  if (k) return k;
  let jwk: Record<string, string>;
  switch (key.kind) {
    case 'rsa':
      jwk = { kty: 'RSA', n: intUrl(key.n), e: intUrl(key.e), d: intUrl(key.d), p: intUrl(key.p), q: intUrl(key.q), dp: intUrl(key.dp), dq: intUrl(key.dq), qi: intUrl(key.qinv) };
      break;
    case 'ec': {
      const len = CURVE_BYTES[key.curve];
      jwk = { kty: 'EC', crv: key.curve, x: b64url(key.point.subarray(1, 1 + len)), y: b64url(key.point.subarray(1 + len)), d: b64url(key.d) };
      break;
    }
    case 'ed25519':
      jwk = { kty: 'OKP', crv: 'Ed25519', x: b64url(key.raw), d: b64url(key.seed) };
      break;
  }
  k = createPrivateKey({ key: jwk, format: 'jwk' });
  keyObjects.set(key, k);
  return k;
}

function publicKeyObject(key: PublicKey): KeyObject {
  let k = keyObjects.get(key);
  if (k) return k;
  if (key.kind === 'rsa' && key.pss) {
    // An id-RSASSA-PSS key is imported as one (JWK cannot say so): OpenSSL then refuses it for anything but PSS,
    // as RFC 4055 says.
    k = createPublicKey({ key: Buffer.from(encodeSpki(key)), format: 'der', type: 'spki' });
  } else {
    // JWK rather than DER: OpenSSL 3's DER decoder costs ~100 µs a key, JWK a few (see montgomeryShare).
    k = createPublicKey({ key: publicJwk(key), format: 'jwk' });
  }
  keyObjects.set(key, k);
  return k;
}

// ---------- signatures ----------

const { RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_NO_PADDING } = constants;

/** Low S, as noble signs (either verifies; one canonical form whatever the provider). */
function ecdsaDer(curve: keyof typeof CURVES, rs: Uint8Array): Uint8Array {
  const c = CURVES[curve];
  const s = c.Signature.fromBytes(rs, 'compact');
  return (s.hasHighS() ? new c.Signature(s.r, c.Point.CURVE().n - s.s) : s).toBytes('der');
}

function signSync(alg: SigAlg, key: PrivateKey, data: Uint8Array): Uint8Array | null {
  switch (alg.kind) {
    case 'rsa-pkcs1':
      if (key.kind !== 'rsa' || key.pss) return null; // the noble path reports the mismatch
      if (alg.hash === 'md5sha1') {
        // TLS 1.0/1.1: PKCS#1 v1.5 type 1 over the 36-byte digest, no DigestInfo.
        return plain(privateEncrypt({ key: privateKeyObject(key), padding: RSA_PKCS1_PADDING }, md5sha1(data)));
      }
      return plain(nodeSign(NODE_HASH[alg.hash], data, { key: privateKeyObject(key), padding: RSA_PKCS1_PADDING }));
    case 'rsa-pss':
      if (key.kind !== 'rsa') return null;
      return plain(nodeSign(NODE_HASH[alg.hash], data, { key: privateKeyObject(key), padding: RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? hashLen(alg.hash) }));
    case 'ecdsa':
      if (key.kind !== 'ec') return null;
      return ecdsaDer(key.curve, nodeSign(NODE_HASH[alg.hash], data, { key: privateKeyObject(key), dsaEncoding: 'ieee-p1363' }));
    case 'ed25519':
      if (key.kind !== 'ed25519') return null;
      return plain(nodeSign(null, data, privateKeyObject(key)));
  }
}

/** Whether sig verifies; false for a key of the wrong kind and for malformed signatures; null to leave it to noble. */
function verifySync(alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): boolean | null {
  switch (alg.kind) {
    case 'rsa-pkcs1':
      if (key.kind !== 'rsa' || key.pss) return false; // a PSS-restricted key must not verify PKCS#1 v1.5
      if (alg.hash === 'md5sha1') return null; // no DigestInfo: the BigInt path compares the whole block
      if (sig.length !== byteLength(key.n)) return false;
      return nodeVerify(NODE_HASH[alg.hash], data, { key: publicKeyObject(key), padding: RSA_PKCS1_PADDING }, sig);
    case 'rsa-pss':
      if (key.kind !== 'rsa') return false;
      if (sig.length !== byteLength(key.n)) return false;
      return nodeVerify(NODE_HASH[alg.hash], data, { key: publicKeyObject(key), padding: RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength ?? hashLen(alg.hash) }, sig);
    case 'ecdsa': {
      if (key.kind !== 'ec') return false;
      let rs: Uint8Array;
      try {
        rs = CURVES[key.curve].Signature.fromBytes(sig, 'der').toBytes('compact');
      } catch {
        return false; // malformed DER or r/s out of range, as the noble path decides
      }
      return nodeVerify(NODE_HASH[alg.hash], data, { key: publicKeyObject(key), dsaEncoding: 'ieee-p1363' }, rs);
    }
    case 'ed25519':
      if (key.kind !== 'ed25519') return false;
      if (sig.length !== 64) return false;
      return nodeVerify(null, data, publicKeyObject(key), sig);
  }
}

/** c^d mod n (k bytes) through OpenSSL's blinded RSA; null when c is not below n or has the wrong length. */
function rsaDecryptRawSync(key: Extract<PrivateKey, { kind: 'rsa' }>, ct: Uint8Array): Uint8Array | null {
  if (ct.length !== byteLength(key.n)) return null;
  try {
    return plain(privateDecrypt({ key: privateKeyObject(key), padding: RSA_NO_PADDING }, ct));
  } catch {
    return null; // c ≥ n: the caller continues with a zero block, which fails the padding check
  }
}

/** The platform CSPRNG through randomFillSync (the Node entry installs it behind defaultRandom). */
export const nodeRandomFill = (out: Uint8Array): void => {
  randomFillSync(out);
};

/** The node:crypto provider. */
export const nodeProvider: CryptoProvider = {
  name: 'node',
  hashes: nodeHashes,
  // HKDF (the TLS 1.3 key schedule) is HMAC.
  async aead(cipher, key) {
    const [alg, len] = AEAD_ALGS[cipher];
    checkKey(cipher, key, len);
    return aeadCipher(alg, createSecretKey(key));
  },
  async cbc(cipher, key) {
    const [alg, len] = CBC_ALGS[cipher];
    checkKey(cipher, key, len);
    return cbcCipher(alg, createSecretKey(key));
  },
  ecdhe: async (group) => nodeEcdheShare(group),
  sign: async (alg, key, data) => signSync(alg, key, data),
  verify: async (alg, key, data, sig) => verifySync(alg, key, data, sig),
  rsaDecryptRaw: async (key, ct) => rsaDecryptRawSync(key, ct),
};

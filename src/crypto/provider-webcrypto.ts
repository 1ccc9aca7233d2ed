/**
 * Crypto provider on WebCrypto (`crypto.subtle`): AES-GCM and AES-CBC run in the platform's
 * native code (hardware AES where present); ChaCha20-Poly1305, which WebCrypto does not offer,
 * comes from noble. Bulk keys are imported once per connection direction, when the record layer asks.
 * Public-key operations: ECDHE (X25519, P-256, P-384), RSA PKCS#1 v1.5 / PSS and ECDSA signing and
 * verification; HMAC (the TLS 1.3 key schedule); everything else (MD5+SHA-1, SHA-224, Ed25519, P-521 ECDHE) is declined with null.
 */
import { TlsError } from '../errors.js';
import { base64Encode } from '../pem.js';
import { bigIntToMinBytes, byteLength } from './bigint.js';
import { hashLen } from './hash.js';
import { CURVES, CURVE_BYTES } from './keys.js';
import { nobleProvider } from './provider-noble.js';
import type { AeadCipher, CbcCipher, CryptoProvider, EcdheGroup, EcdheShare, HashName, NamedCurve, PrivateKey, PublicKey, SigAlg } from './types.js';

const BLOCK = 16;
/** The plaintext of the crafted final block: a full block of PKCS#7 padding. */
const FULL_PAD = new Uint8Array(BLOCK).fill(BLOCK);

type Subtle = SubtleCrypto;

/** The DOM typings want ArrayBuffer-backed views; every buffer in this library is one (never shared memory). */
const src = (b: Uint8Array) => b as Uint8Array<ArrayBuffer>;

function aesKeyLen(cipher: string): number {
  return cipher === 'AES_128_GCM' || cipher === 'AES_128_CBC' ? 16 : 32;
}

function checkKey(cipher: string, key: Uint8Array): void {
  if (key.length !== aesKeyLen(cipher)) throw new TlsError('internal_error', `${cipher}: bad key length ${key.length}`);
}

function gcmCipher(subtle: Subtle, key: CryptoKey): AeadCipher {
  return {
    // WebCrypto copies its inputs when called, so the caller may reuse them at once. tagLength is left at
    // its default (128 bits, what TLS uses): Node converts each given member, a cost paid on every record.
    async seal(nonce, aad, plaintext) {
      const params = { name: 'AES-GCM', iv: src(nonce), additionalData: src(aad) };
      return new Uint8Array(await subtle.encrypt(params, key, src(plaintext)));
    },
    async open(nonce, aad, ct) {
      if (ct.length < BLOCK) return null;
      const params = { name: 'AES-GCM', iv: src(nonce), additionalData: src(aad) };
      try {
        return new Uint8Array(await subtle.decrypt(params, key, src(ct)));
      } catch {
        return null; // OperationError: the tag did not verify
      }
    },
  };
}

/**
 * WebCrypto's AES-CBC always applies PKCS#7 padding; TLS does its own, so both directions undo it:
 * - encrypt: data is whole blocks, so WebCrypto appends one full padding block, whose ciphertext is
 *   the last block of its output; CBC blocks depend only on what precedes them, so dropping that
 *   block leaves exactly the unpadded encryption.
 * - decrypt: append one crafted block X = E_k(FULL_PAD xor C_last). Decrypting it gives
 *   D_k(X) xor C_last = FULL_PAD, valid padding that WebCrypto strips, leaving exactly the raw
 *   decryption of the original blocks. E_k of a single block is a one-block CBC encryption with
 *   C_last as the IV.
 */
function cbcCipher(subtle: Subtle, key: CryptoKey): CbcCipher {
  const check = (iv: Uint8Array, data: Uint8Array) => {
    if (iv.length !== BLOCK || data.length % BLOCK !== 0) {
      throw new TlsError('internal_error', `AES-CBC needs a 16-byte IV and whole blocks, got ${iv.length} and ${data.length} bytes`);
    }
  };
  return {
    async encrypt(iv, data) {
      check(iv, data);
      const out = await subtle.encrypt({ name: 'AES-CBC', iv: iv.slice() }, key, src(data));
      return new Uint8Array(out, 0, data.length);
    },
    async decrypt(iv, data) {
      check(iv, data);
      if (data.length === 0) return new Uint8Array(0);
      const last = data.slice(data.length - BLOCK);
      const crafted = await subtle.encrypt({ name: 'AES-CBC', iv: last }, key, FULL_PAD);
      const input = new Uint8Array(data.length + BLOCK);
      input.set(data, 0);
      input.set(new Uint8Array(crafted, 0, BLOCK), data.length);
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: iv.slice() }, key, input));
    },
  };
}

// ---------- public-key operations ----------

const ECDH_PARAMS: Partial<Record<EcdheGroup, { params: EcKeyGenParams | Algorithm; bits: number }>> = {
  x25519: { params: { name: 'X25519' }, bits: 256 },
  secp256r1: { params: { name: 'ECDH', namedCurve: 'P-256' } as EcKeyGenParams, bits: 256 },
  secp384r1: { params: { name: 'ECDH', namedCurve: 'P-384' } as EcKeyGenParams, bits: 384 },
  // X448: browsers do not have it; noble does it (declined below).
};

async function ecdheShare(subtle: Subtle, group: EcdheGroup): Promise<EcdheShare | null> {
  const entry = ECDH_PARAMS[group];
  if (!entry) return null;
  const { params, bits } = entry;
  const pair = (await subtle.generateKey(params, false, ['deriveBits'])) as CryptoKeyPair;
  const pub = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  return {
    pub,
    async agree(peerPub) {
      const peer = await subtle.importKey('raw', src(peerPub), params, false, []);
      return new Uint8Array(await subtle.deriveBits({ name: params.name, public: peer } as EcdhKeyDeriveParams, pair.privateKey, bits));
    },
  };
}

const WEB_HASH: Partial<Record<HashName, string>> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' };
const WEB_CURVES: readonly NamedCurve[] = ['P-256', 'P-384', 'P-521'];

/** The WebCrypto algorithm for a signature algorithm and key, or null when WebCrypto cannot do exactly what noble would. */
function webSigAlg(alg: SigAlg, key: PublicKey | PrivateKey): { name: string; hash: string; curve?: NamedCurve; saltLength?: number } | null {
  if (alg.kind === 'ed25519' || alg.hash === 'md5sha1') return null;
  const hash = WEB_HASH[alg.hash];
  if (!hash) return null;
  switch (alg.kind) {
    case 'rsa-pkcs1':
      return key.kind === 'rsa' && !key.pss ? { name: 'RSASSA-PKCS1-v1_5', hash } : null;
    case 'rsa-pss':
      return key.kind === 'rsa' ? { name: 'RSA-PSS', hash, saltLength: alg.saltLength ?? hashLen(alg.hash) } : null;
    case 'ecdsa':
      return key.kind === 'ec' && WEB_CURVES.includes(key.curve) ? { name: 'ECDSA', hash, curve: key.curve } : null;
  }
}

const b64url = (b: Uint8Array) => base64Encode(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const intUrl = (x: bigint) => b64url(bigIntToMinBytes(x));

function jwkOf(key: PublicKey | PrivateKey): JsonWebKey | null {
  if (key.kind === 'rsa') {
    const pub = { kty: 'RSA', n: intUrl(key.n), e: intUrl(key.e) };
    if (!('d' in key)) return pub;
    return { ...pub, d: intUrl(key.d), p: intUrl(key.p), q: intUrl(key.q), dp: intUrl(key.dp), dq: intUrl(key.dq), qi: intUrl(key.qinv) };
  }
  if (key.kind !== 'ec') return null;
  const len = CURVE_BYTES[key.curve];
  const pub = { kty: 'EC', crv: key.curve, x: b64url(key.point.subarray(1, 1 + len)), y: b64url(key.point.subarray(1 + len)) };
  return 'd' in key ? { ...pub, d: b64url(key.d) } : pub;
}

/**
 * Imported keys per parsed key object and algorithm: a server's identity key is imported once, not per
 * handshake, and so is a peer's certificate key while its parsed certificate stays cached.
 */
const imported = new WeakMap<object, Map<string, Promise<CryptoKey>>>();

function importFor(subtle: Subtle, key: PublicKey | PrivateKey, a: { name: string; hash: string; curve?: NamedCurve }, usage: KeyUsage): Promise<CryptoKey> {
  let perKey = imported.get(key);
  if (!perKey) imported.set(key, (perKey = new Map()));
  const id = `${a.name}/${a.hash}`;
  let k = perKey.get(id);
  if (!k) {
    const jwk = jwkOf(key)!;
    k = subtle.importKey('jwk', jwk, a.curve ? { name: a.name, namedCurve: a.curve } : { name: a.name, hash: a.hash }, false, [usage]);
    perKey.set(id, k);
  }
  return k;
}

function signParams(a: { name: string; hash: string; saltLength?: number }): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  if (a.name === 'RSA-PSS') return { name: a.name, saltLength: a.saltLength! };
  if (a.name === 'ECDSA') return { name: a.name, hash: a.hash };
  return { name: a.name };
}

async function webSign(subtle: Subtle, alg: SigAlg, key: PrivateKey, data: Uint8Array): Promise<Uint8Array | null> {
  const a = webSigAlg(alg, key);
  if (!a) return null;
  const sig = new Uint8Array(await subtle.sign(signParams(a), await importFor(subtle, key, a, 'sign'), src(data)));
  if (!a.curve) return sig;
  // WebCrypto gives r || s; TLS and X.509 want DER. Low S, as noble signs.
  const s = CURVES[a.curve].Signature.fromBytes(sig, 'compact');
  return (s.hasHighS() ? new (CURVES[a.curve].Signature)(s.r, CURVES[a.curve].Point.CURVE().n - s.s) : s).toBytes('der');
}

async function webVerify(subtle: Subtle, alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): Promise<boolean | null> {
  const a = webSigAlg(alg, key);
  if (!a) return null;
  let raw = sig;
  if (a.curve) {
    try {
      raw = CURVES[a.curve].Signature.fromBytes(sig, 'der').toBytes('compact');
    } catch {
      return false; // malformed DER or r/s out of range, as the noble path decides
    }
  } else if (key.kind === 'rsa' && sig.length !== byteLength(key.n)) {
    return false;
  }
  return subtle.verify(signParams(a), await importFor(subtle, key, a, 'verify'), src(raw), src(data));
}

/** A provider over the given SubtleCrypto (default: the platform's). */
export function webCryptoProvider(subtle: Subtle = globalThis.crypto.subtle): CryptoProvider {
  return {
    name: 'webcrypto',
    ecdhe: (group) => ecdheShare(subtle, group),
    sign: (alg, key, data) => webSign(subtle, alg, key, data),
    verify: (alg, key, data, sig) => webVerify(subtle, alg, key, data, sig),
    async aead(cipher, key) {
      if (cipher === 'CHACHA20_POLY1305') return nobleProvider.aead(cipher, key);
      checkKey(cipher, key);
      return gcmCipher(subtle, await subtle.importKey('raw', src(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));
    },
    async cbc(cipher, key) {
      checkKey(cipher, key);
      return cbcCipher(subtle, await subtle.importKey('raw', src(key), { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']));
    },
  };
}

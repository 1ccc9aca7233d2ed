/** Signature verification and signing over every algorithm TLS 1.0–1.2 and X.509 use here, plus the TLS SignatureScheme table. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { TlsError } from '../errors.js';
import { hash } from './hash.js';
import { CURVES } from './keys.js';
import { rsaSignPkcs1, rsaSignPss, rsaVerifyPkcs1, rsaVerifyPss } from './rsa.js';
import type { PrivateKey, PublicKey, RandomSource, SigAlg } from './types.js';

/**
 * Verify a signature. Returns false for any bad signature or malformed signature bytes, and when the key kind
 * does not fit the algorithm. Throws only for policy failures about the key itself (RSA under 1024 bits: cert_weak_key).
 * ECDSA: DER signature over hash(data) with alg.hash, any supported curve, high S accepted.
 */
export function verifySignature(alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): boolean {
  switch (alg.kind) {
    case 'rsa-pkcs1':
      // A PSS-restricted key must not verify PKCS#1 v1.5 signatures (RFC 4055 §1.2).
      return key.kind === 'rsa' && !key.pss && rsaVerifyPkcs1(key, alg.hash, data, sig);
    case 'rsa-pss':
      return key.kind === 'rsa' && rsaVerifyPss(key, alg.hash, data, sig, alg.saltLength);
    case 'ecdsa': {
      if (key.kind !== 'ec') return false;
      try {
        return CURVES[key.curve].verify(sig, hash(alg.hash, data), key.point, { prehash: false, lowS: false, format: 'der' });
      } catch {
        return false; // malformed DER or out-of-range r/s
      }
    }
    case 'ed25519': {
      if (key.kind !== 'ed25519') return false;
      try {
        // Strict RFC 8032 rules (not ZIP-215), as certificates and TLS expect.
        return ed25519.verify(sig, data, key.raw, { zip215: false });
      } catch {
        return false;
      }
    }
  }
}

/** Sign data. ECDSA output is DER; its nonce is RFC 6979 with extra entropy from rng. */
export function sign(alg: SigAlg, key: PrivateKey, data: Uint8Array, rng: RandomSource): Uint8Array {
  const mismatch = () => new TlsError('config_bad_key', `a ${key.kind} key cannot make ${alg.kind} signatures`);
  switch (alg.kind) {
    case 'rsa-pkcs1':
      if (key.kind !== 'rsa' || key.pss) throw mismatch();
      return rsaSignPkcs1(key, alg.hash, data, rng);
    case 'rsa-pss':
      if (key.kind !== 'rsa') throw mismatch();
      return rsaSignPss(key, alg.hash, data, rng, alg.saltLength);
    case 'ecdsa':
      if (key.kind !== 'ec') throw mismatch();
      return CURVES[key.curve].sign(hash(alg.hash, data), key.d, {
        prehash: false,
        lowS: true,
        format: 'der',
        extraEntropy: rng(32),
      });
    case 'ed25519':
      if (key.kind !== 'ed25519') throw mismatch();
      return ed25519.sign(data, key.seed);
  }
}

/** Which certificate key a scheme needs: 'rsa-pss' means an id-RSASSA-PSS key, 'rsa' an rsaEncryption key. */
export type SchemeKeyKind = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519';

export interface SignatureScheme {
  readonly id: number;
  readonly name: string;
  readonly alg: SigAlg;
  readonly keyKind: SchemeKeyKind;
}

/**
 * TLS SignatureScheme values (RFC 8446 §4.2.3 names; in TLS 1.2 these are the HashAlgorithm/SignatureAlgorithm
 * pairs of RFC 5246). In TLS 1.2 the ecdsa_* rows mean "ECDSA with that hash" on any curve.
 */
const SCHEME_ROWS = [
  { id: 0x0201, name: 'rsa_pkcs1_sha1', alg: { kind: 'rsa-pkcs1', hash: 'sha1' }, keyKind: 'rsa' },
  { id: 0x0203, name: 'ecdsa_sha1', alg: { kind: 'ecdsa', hash: 'sha1' }, keyKind: 'ec' },
  { id: 0x0401, name: 'rsa_pkcs1_sha256', alg: { kind: 'rsa-pkcs1', hash: 'sha256' }, keyKind: 'rsa' },
  { id: 0x0403, name: 'ecdsa_secp256r1_sha256', alg: { kind: 'ecdsa', hash: 'sha256' }, keyKind: 'ec' },
  { id: 0x0501, name: 'rsa_pkcs1_sha384', alg: { kind: 'rsa-pkcs1', hash: 'sha384' }, keyKind: 'rsa' },
  { id: 0x0503, name: 'ecdsa_secp384r1_sha384', alg: { kind: 'ecdsa', hash: 'sha384' }, keyKind: 'ec' },
  { id: 0x0601, name: 'rsa_pkcs1_sha512', alg: { kind: 'rsa-pkcs1', hash: 'sha512' }, keyKind: 'rsa' },
  { id: 0x0603, name: 'ecdsa_secp521r1_sha512', alg: { kind: 'ecdsa', hash: 'sha512' }, keyKind: 'ec' },
  { id: 0x0804, name: 'rsa_pss_rsae_sha256', alg: { kind: 'rsa-pss', hash: 'sha256' }, keyKind: 'rsa' },
  { id: 0x0805, name: 'rsa_pss_rsae_sha384', alg: { kind: 'rsa-pss', hash: 'sha384' }, keyKind: 'rsa' },
  { id: 0x0806, name: 'rsa_pss_rsae_sha512', alg: { kind: 'rsa-pss', hash: 'sha512' }, keyKind: 'rsa' },
  { id: 0x0807, name: 'ed25519', alg: { kind: 'ed25519' }, keyKind: 'ed25519' },
  { id: 0x0809, name: 'rsa_pss_pss_sha256', alg: { kind: 'rsa-pss', hash: 'sha256' }, keyKind: 'rsa-pss' },
  { id: 0x080a, name: 'rsa_pss_pss_sha384', alg: { kind: 'rsa-pss', hash: 'sha384' }, keyKind: 'rsa-pss' },
  { id: 0x080b, name: 'rsa_pss_pss_sha512', alg: { kind: 'rsa-pss', hash: 'sha512' }, keyKind: 'rsa-pss' },
] as const satisfies readonly SignatureScheme[];
/** The name of every signature scheme puretls knows, e.g. 'rsa_pss_rsae_sha256', 'ecdsa_secp256r1_sha256'. */
export type SignatureSchemeName = (typeof SCHEME_ROWS)[number]['name'];
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = SCHEME_ROWS;

const SCHEME_BY_ID = new Map(SIGNATURE_SCHEMES.map((s) => [s.id, s]));
const SCHEME_BY_NAME = new Map(SIGNATURE_SCHEMES.map((s) => [s.name, s]));

export function schemeById(id: number): SignatureScheme | undefined {
  return SCHEME_BY_ID.get(id);
}
export function schemeByName(name: string): SignatureScheme | undefined {
  return SCHEME_BY_NAME.get(name);
}

/** Whether a key (public or private) can be used with a scheme: kind, PSS restriction. */
export function schemeFitsKey(s: SignatureScheme, key: PublicKey | PrivateKey): boolean {
  if (key.kind === 'rsa') return key.pss ? s.keyKind === 'rsa-pss' : s.keyKind === 'rsa';
  return s.keyKind === key.kind;
}

/**
 * Types shared between src/crypto and the layers that use it. Implementations live beside this file;
 * nothing outside src/crypto imports @noble/* directly.
 */
import type { BulkCipher } from './suites.js';

export type HashName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** Random bytes source, injected so handshakes are reproducible in tests. */
export type RandomSource = (n: number) => Uint8Array;

export type NamedCurve = 'P-256' | 'P-384' | 'P-521';

/** A public key parsed from SubjectPublicKeyInfo. */
export type PublicKey =
  /** pss: the key is an id-RSASSA-PSS key (usable only for PSS signatures, rsa_pss_pss_* schemes). */
  | { kind: 'rsa'; n: bigint; e: bigint; bits: number; pss?: boolean }
  /** point: uncompressed SEC1 encoding (04 || X || Y) */
  | { kind: 'ec'; curve: NamedCurve; point: Uint8Array; bits: number }
  | { kind: 'ed25519'; raw: Uint8Array; bits: 256 };

/** A private key parsed from PKCS#1, SEC1 or PKCS#8. */
export type PrivateKey =
  | { kind: 'rsa'; n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp: bigint; dq: bigint; qinv: bigint; bits: number; pss?: boolean }
  | { kind: 'ec'; curve: NamedCurve; d: Uint8Array; point: Uint8Array; bits: number }
  | { kind: 'ed25519'; seed: Uint8Array; raw: Uint8Array; bits: 256 };

/**
 * A signature algorithm, independent of where it is used (TLS SignatureScheme or X.509 AlgorithmIdentifier).
 * 'md5sha1' is the TLS 1.0/1.1 RSA digitally-signed (36-byte MD5||SHA-1 digest, PKCS#1 v1.5 without DigestInfo).
 * ECDSA signatures are DER-encoded (Ecdsa-Sig-Value), as in TLS and X.509; high-S values are accepted.
 */
export type SigAlg =
  | { kind: 'rsa-pkcs1'; hash: HashName | 'md5sha1' }
  | { kind: 'rsa-pss'; hash: HashName; saltLength?: number /* default: hash length */ }
  | { kind: 'ecdsa'; hash: HashName }
  | { kind: 'ed25519' };

export type EcdheGroup = 'x25519' | 'secp256r1' | 'secp384r1' | 'x448';

/** An AEAD key. open() returns null when authentication fails (never throws for a bad tag). */
export interface AeadCipher {
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Promise<Uint8Array | null>;
  /**
   * The same two operations without a promise, offered by a provider whose primitives are synchronous
   * (node:crypto): the record layer then seals and opens without a microtask per record. Both or neither.
   */
  sealSync?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  openSync?(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /**
   * sealSync() over the concatenation of `plaintext`, returning the ciphertext || tag as parts (in order) rather
   * than joined: the record writer copies each part once into the outgoing buffer, so joining here (and joining
   * the plaintext's pieces first) would copy every byte twice more. Optional, offered with sealSync.
   */
  sealPartsSync?(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array[]): Uint8Array[];
}

/** Raw AES-CBC with no padding: data is a multiple of 16 bytes. */
export interface CbcCipher {
  encrypt(iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  decrypt(iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** Synchronous forms (see AeadCipher.sealSync). Both or neither. */
  encryptSync?(iv: Uint8Array, data: Uint8Array): Uint8Array;
  decryptSync?(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/** An incremental hash or HMAC: update() any number of times, then digest() once. */
export interface IncrementalMac {
  update(data: Uint8Array): IncrementalMac;
  digest(): Uint8Array;
}

/** An incremental hash that can be forked: a digest of the data so far while the original goes on. */
export interface IncrementalHash extends IncrementalMac {
  update(data: Uint8Array): IncrementalHash;
  /** An independent hash in the same state. */
  clone(): IncrementalHash;
}

/** Synchronous hashes and HMAC from a native implementation; every method gives exactly what noble gives. */
export interface HashProvider {
  hash(name: HashName, data: Uint8Array): Uint8Array;
  hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  hashCreate(name: HashName): IncrementalHash;
  hmacCreate(name: HashName, key: Uint8Array): IncrementalMac;
}

/** One side's ephemeral ECDHE key: its wire share, and agreement with the peer's (already checked) share. */
export interface EcdheShare {
  readonly pub: Uint8Array;
  agree(peerPub: Uint8Array): Promise<Uint8Array>;
}

/**
 * Crypto provider. Bulk operations are async so a WebCrypto backend can sit beside noble.
 * The public-key operations are optional: a provider offers them where it has a native implementation and
 * answers null for an algorithm or key it does not handle; src/crypto/ops.ts then uses noble/BigInt. Callers
 * go through ops.ts, which also does the checks that must not depend on the provider (peer shares, key policy).
 */
export interface CryptoProvider {
  readonly name: string;
  aead(cipher: Extract<BulkCipher, 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305'>, key: Uint8Array): Promise<AeadCipher>;
  cbc(cipher: Extract<BulkCipher, 'AES_128_CBC' | 'AES_256_CBC'>, key: Uint8Array): Promise<CbcCipher>;
  /** A fresh ECDHE key for the group. agree() returns the raw shared secret (X25519 output or the x-coordinate). */
  ecdhe?(group: EcdheGroup): Promise<EcdheShare | null>;
  /** A signature as TLS and X.509 encode it (ECDSA: DER). */
  sign?(alg: SigAlg, key: PrivateKey, data: Uint8Array): Promise<Uint8Array | null>;
  /** Whether sig is valid; false for malformed signatures. */
  verify?(alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): Promise<boolean | null>;
  /**
   * The raw RSA private operation for the RSA key exchange: c^d mod n as k bytes (no padding removed), or null
   * when declined or when c is out of range. The PKCS#1 type-2 check stays in src/crypto/rsa.ts (constant time,
   * with the Bleichenbacher counter-measure), whatever computes the block.
   */
  rsaDecryptRaw?(key: Extract<PrivateKey, { kind: 'rsa' }>, ct: Uint8Array): Promise<Uint8Array | null>;
  /** Hashes and HMAC for the PRF, the TLS 1.3 key schedule, the transcript and CBC record MACs; absent: noble. */
  readonly hashes?: HashProvider;
}

/** Hashes and HMAC (noble). Synchronous: they are small and run on every handshake and CBC record. */
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { md5 } from '@noble/hashes/legacy.js';
import { sha1 } from './sha1.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { hmacSha256 } from './hmac-sha256.js';
import type { HashName, HashProvider, IncrementalHash, IncrementalMac } from './types.js';

export type { IncrementalHash, IncrementalMac };

const HASHES = { md5, sha1, sha224, sha256, sha384, sha512 } as const;

export function hashFn(name: HashName) {
  const h = HASHES[name];
  if (!h) throw new Error(`unknown hash ${name}`);
  return h;
}

export function hash(name: HashName, data: Uint8Array): Uint8Array {
  return hashFn(name)(data);
}

/** Output length in bytes. */
export function hashLen(name: HashName): number {
  return hashFn(name).outputLen;
}

/** Internal block length in bytes (64 for MD5/SHA-1/SHA-256, 128 for SHA-384/512). */
export function hashBlockLen(name: HashName): number {
  return hashFn(name).blockLen;
}

export function hmac(name: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (name === 'sha256') return hmacSha256(key, data);
  return nobleHmac(hashFn(name), key, data);
}

export function hmacCreate(name: HashName, key: Uint8Array): IncrementalMac {
  return nobleHmac.create(hashFn(name), key);
}

/** An incremental hash. */
export function hashCreate(name: HashName): IncrementalHash {
  return hashFn(name).create();
}

/** MD5(data) || SHA-1(data): the TLS 1.0/1.1 handshake hash and RSA digitally-signed digest. */
export function md5sha1(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(36);
  out.set(md5(data), 0);
  out.set(sha1(data), 16);
  return out;
}

/** The noble hashes, as a HashProvider (what a provider without its own `hashes` gets). */
export const nobleHashes: HashProvider = { hash, hmac, hashCreate, hmacCreate };

/** The hashes a provider brings, or noble's. */
export function hashesOf(p: { readonly hashes?: HashProvider } | undefined): HashProvider {
  return p?.hashes ?? nobleHashes;
}

/**
 * The TLS 1.0–1.2 pseudo-random function and everything derived from it: master secret (plain and extended),
 * handshake hash, Finished verify_data and the key block.
 */
import { nobleHashes } from './hash.js';
import type { HashName, HashProvider } from './types.js';
import type { Tls12Suite, PrfHash } from './suites.js';
import { TLS10, TLS12 } from './suites.js';
import { concat } from '../bytes.js';

const enc = new TextEncoder();

/**
 * Every function here takes the hashes to use last (a provider's native ones, see CryptoProvider.hashes);
 * noble's by default. They give the same bytes either way.
 */

/** P_hash(secret, seed) of RFC 5246 §5, truncated to `length` bytes. */
export function pHash(h: HashName, secret: Uint8Array, seed: Uint8Array, length: number, hs: HashProvider = nobleHashes): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed; // A(0)
  for (let o = 0; o < length; ) {
    a = hs.hmac(h, secret, a);
    const block = hs.hmac(h, secret, concat(a, seed));
    out.set(block.subarray(0, Math.min(block.length, length - o)), o);
    o += block.length;
  }
  return out;
}

/**
 * PRF(secret, label, seed). TLS 1.2 (0x0303): P_<prfHash>. TLS 1.0/1.1: P_MD5(S1) XOR P_SHA1(S2), where S1 and S2
 * are the first and last ceil(len/2) bytes of the secret (they share the middle byte when the length is odd).
 */
export function prf(
  version: number,
  prfHash: PrfHash,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
  hs: HashProvider = nobleHashes,
): Uint8Array {
  const labelSeed = concat(enc.encode(label), seed);
  if (version >= TLS12) return pHash(prfHash, secret, labelSeed, length, hs);
  const half = Math.ceil(secret.length / 2);
  const md5Part = pHash('md5', secret.subarray(0, half), labelSeed, length, hs);
  const shaPart = pHash('sha1', secret.subarray(secret.length - half), labelSeed, length, hs);
  for (let i = 0; i < length; i++) md5Part[i]! ^= shaPart[i]!;
  return md5Part;
}

/** master_secret = PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]. */
export function masterSecret(
  version: number,
  prfHash: PrfHash,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  hs: HashProvider = nobleHashes,
): Uint8Array {
  return prf(version, prfHash, premaster, 'master secret', concat(clientRandom, serverRandom), 48, hs);
}

/** RFC 7627: the master secret bound to the handshake transcript hash up to ClientKeyExchange. */
export function extendedMasterSecret(version: number, prfHash: PrfHash, premaster: Uint8Array, sessionHash: Uint8Array, hs: HashProvider = nobleHashes): Uint8Array {
  return prf(version, prfHash, premaster, 'extended master secret', sessionHash, 48, hs);
}

/** The transcript hash used by Finished and EMS: the PRF hash in TLS 1.2, MD5||SHA-1 (36 bytes) before. */
export function handshakeHash(version: number, prfHash: PrfHash, transcript: Uint8Array, hs: HashProvider = nobleHashes): Uint8Array {
  if (version >= TLS12) return hs.hash(prfHash, transcript);
  const out = new Uint8Array(36);
  out.set(hs.hash('md5', transcript), 0);
  out.set(hs.hash('sha1', transcript), 16);
  return out;
}

/** Finished.verify_data (12 bytes) for the given sender over the transcript of handshake messages. */
export function finishedVerifyData(
  version: number,
  prfHash: PrfHash,
  master: Uint8Array,
  sender: 'client' | 'server',
  transcript: Uint8Array,
  hs: HashProvider = nobleHashes,
): Uint8Array {
  return prf(version, prfHash, master, `${sender} finished`, handshakeHash(version, prfHash, transcript, hs), 12, hs);
}

export interface KeyBlock {
  clientMacKey: Uint8Array;
  serverMacKey: Uint8Array;
  clientKey: Uint8Array;
  serverKey: Uint8Array;
  clientIv: Uint8Array;
  serverIv: Uint8Array;
}

/** The IV bytes each side takes from the key block: the AEAD salt/nonce, or the CBC IV in TLS 1.0 only. */
export function keyBlockIvLen(version: number, suite: Tls12Suite): number {
  if (suite.type === 'aead') return suite.fixedIvLen;
  // TLS 1.1+ carries an explicit IV in every CBC record; only TLS 1.0 chains from a key-block IV.
  return version === TLS10 ? suite.fixedIvLen : 0;
}

/**
 * key_block = PRF(master, "key expansion", server_random + client_random), split as
 * client MAC, server MAC, client key, server key, client IV, server IV. Note the random order is reversed
 * relative to the master secret.
 */
export function keyBlock(
  version: number,
  suite: Tls12Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  hs: HashProvider = nobleHashes,
): KeyBlock {
  const macLen = suite.macLen;
  const keyLen = suite.keyLen;
  const ivLen = keyBlockIvLen(version, suite);
  const total = 2 * (macLen + keyLen + ivLen);
  const kb = prf(version, suite.prfHash, master, 'key expansion', concat(serverRandom, clientRandom), total, hs);
  let o = 0;
  const take = (n: number) => kb.slice(o, (o += n));
  return {
    clientMacKey: take(macLen),
    serverMacKey: take(macLen),
    clientKey: take(keyLen),
    serverKey: take(keyLen),
    clientIv: take(ivLen),
    serverIv: take(ivLen),
  };
}


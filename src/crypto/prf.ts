/**
 * The TLS 1.0–1.2 pseudo-random function and everything derived from it: master secret (plain and extended),
 * handshake hash, Finished verify_data and the key block.
 */
import { hmac, hash, md5sha1 } from './hash.js';
import type { HashName } from './types.js';
import type { Tls12Suite, PrfHash } from './suites.js';
import { TLS10, TLS12 } from './suites.js';
import { concat } from '../bytes.js';

const enc = new TextEncoder();

/** P_hash(secret, seed) of RFC 5246 §5, truncated to `length` bytes. */
export function pHash(h: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed; // A(0)
  for (let o = 0; o < length; ) {
    a = hmac(h, secret, a);
    const block = hmac(h, secret, concat(a, seed));
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
): Uint8Array {
  const labelSeed = concat(enc.encode(label), seed);
  if (version >= TLS12) return pHash(prfHash, secret, labelSeed, length);
  const half = Math.ceil(secret.length / 2);
  const md5Part = pHash('md5', secret.subarray(0, half), labelSeed, length);
  const shaPart = pHash('sha1', secret.subarray(secret.length - half), labelSeed, length);
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
): Uint8Array {
  return prf(version, prfHash, premaster, 'master secret', concat(clientRandom, serverRandom), 48);
}

/** RFC 7627: the master secret bound to the handshake transcript hash up to ClientKeyExchange. */
export function extendedMasterSecret(version: number, prfHash: PrfHash, premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(version, prfHash, premaster, 'extended master secret', sessionHash, 48);
}

/** The transcript hash used by Finished and EMS: the PRF hash in TLS 1.2, MD5||SHA-1 (36 bytes) before. */
export function handshakeHash(version: number, prfHash: PrfHash, transcript: Uint8Array): Uint8Array {
  return version >= TLS12 ? hash(prfHash, transcript) : md5sha1(transcript);
}

/** Finished.verify_data (12 bytes) for the given sender over the transcript of handshake messages. */
export function finishedVerifyData(
  version: number,
  prfHash: PrfHash,
  master: Uint8Array,
  sender: 'client' | 'server',
  transcript: Uint8Array,
): Uint8Array {
  return prf(version, prfHash, master, `${sender} finished`, handshakeHash(version, prfHash, transcript), 12);
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
): KeyBlock {
  const macLen = suite.macLen;
  const keyLen = suite.keyLen;
  const ivLen = keyBlockIvLen(version, suite);
  const total = 2 * (macLen + keyLen + ivLen);
  const kb = prf(version, suite.prfHash, master, 'key expansion', concat(serverRandom, clientRandom), total);
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


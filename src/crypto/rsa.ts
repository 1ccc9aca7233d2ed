/**
 * RSA with BigInt: PKCS#1 v1.5 encryption (with the TLS premaster Bleichenbacher counter-measure),
 * PKCS#1 v1.5 and PSS signatures. Private operations use CRT and blinding.
 *
 * JavaScript BigInt arithmetic is not constant-time; blinding decorrelates the private exponentiation from the
 * attacker's input, and the padding checks on decrypted data run without data-dependent branches.
 *
 * What each private operation does, and why it costs what it costs (issue 21 measured the alternatives):
 * - Base blinding: x·r^e is exponentiated, the result multiplied by r^-1. The pair (r^e, r^-1) is kept per key
 *   and squared before each use, redrawn every BLINDING_USES uses (with the default random source only).
 * - CRT: two exponentiations mod p and q (1024-bit for RSA-2048) with the key's own dp, dq, qinv, which the
 *   parsed key object carries; servers keep that object on their context, so nothing is recomputed per handshake.
 * - Exponentiation (bigint.ts modPow): a left-to-right sliding window (width 5 for 1024-bit exponents) over
 *   precomputed odd powers; the squarings (one per exponent bit) are ~85% of the work. In V8 a 1024-bit
 *   (a·b) % m costs ~1.2–1.5 µs; Montgomery (BigInt.asUintN) and Barrett reduction need three multiplications and
 *   measured slower (~2.1 µs), limb arithmetic in doubles far slower still, so `%` stays.
 * - The result is checked with the public exponent before it leaves (a faulty CRT half would reveal a factor).
 * The exponent's bit pattern drives the window sequence, as in any sliding-window implementation; blinding does
 * not hide the exponent, it hides the relation between the attacker's input and the values computed.
 */
import { TlsError } from '../errors.js';
import { concat, equalBytes, fromHex } from '../bytes.js';
import { hash, hashLen, md5sha1 } from './hash.js';
import { bytesToBigInt, bigIntToBytes, bitLength, modPow, modInverse, randomBetween } from './bigint.js';
import { defaultRandom } from './random.js';
import type { HashName, PrivateKey, PublicKey, RandomSource } from './types.js';

export type RsaPublicKey = Extract<PublicKey, { kind: 'rsa' }>;
export type RsaPrivateKey = Extract<PrivateKey, { kind: 'rsa' }>;

/** The smallest modulus accepted for any use. */
export const MIN_RSA_BITS = 1024;

/** Key-size policy: public keys come from certificates (cert_weak_key), private keys from our configuration. */
function checkPublicSize(key: { bits: number }): void {
  if (key.bits < MIN_RSA_BITS) throw new TlsError('cert_weak_key', `RSA key of ${key.bits} bits is too small (minimum ${MIN_RSA_BITS})`);
}
function checkPrivateSize(key: { bits: number }): void {
  if (key.bits < MIN_RSA_BITS) throw new TlsError('config_bad_key', `RSA private key of ${key.bits} bits is too small (minimum ${MIN_RSA_BITS})`);
}

const modLen = (key: { n: bigint }) => Math.ceil(bitLength(key.n) / 8);

/** c^e mod n. */
function rsaPublic(key: RsaPublicKey, x: bigint): bigint {
  return modPow(x, key.e, key.n);
}

/**
 * Blinding pairs (r^e, r^-1) per key, reused by squaring both before each use (as OpenSSL does): a fresh pair
 * costs a modular inverse and an exponentiation, about a tenth of a 2048-bit signature. A new random pair is
 * drawn every BLINDING_USES uses. Only with the default random source: an injected one (tests) sees exactly
 * the draws it always did.
 */
const blindings = new WeakMap<RsaPrivateKey, { re: bigint; rInv: bigint; uses: number }>();
const BLINDING_USES = 32;

function blinding(key: RsaPrivateKey, rng: RandomSource): { re: bigint; rInv: bigint } {
  const reuse = rng === defaultRandom;
  const kept = reuse ? blindings.get(key) : undefined;
  if (kept && kept.uses < BLINDING_USES) {
    kept.re = (kept.re * kept.re) % key.n;
    kept.rInv = (kept.rInv * kept.rInv) % key.n;
    kept.uses++;
    return { re: kept.re, rInv: kept.rInv };
  }
  let r: bigint;
  let rInv: bigint | null;
  do {
    r = randomBetween(2n, key.n - 1n, rng);
    rInv = modInverse(r, key.n);
  } while (rInv === null);
  const re = modPow(r, key.e, key.n);
  if (reuse) blindings.set(key, { re, rInv, uses: 0 });
  return { re, rInv };
}

/**
 * x^d mod n via CRT, blinded with a random r: computes (x·r^e)^d · r^-1. The result is checked with the
 * public exponent so a faulty CRT computation never leaks a factor of n.
 */
function rsaPrivate(key: RsaPrivateKey, x: bigint, rng: RandomSource): bigint {
  const { re, rInv } = blinding(key, rng);
  const blinded = (x * re) % key.n;
  const m1 = modPow(blinded % key.p, key.dp, key.p);
  const m2 = modPow(blinded % key.q, key.dq, key.q);
  let h = ((m1 - m2) * key.qinv) % key.p;
  if (h < 0n) h += key.p;
  const mBlinded = m2 + h * key.q;
  if (modPow(mBlinded, key.e, key.n) !== blinded) throw new TlsError('crypto_internal', 'RSA private operation self-check failed');
  return (mBlinded * rInv) % key.n;
}

// ---------- PKCS#1 v1.5 encryption ----------

/** RSAES-PKCS1-v1_5 encryption: 00 02 PS(non-zero random, ≥ 8 bytes) 00 M. */
export function rsaEncryptPkcs1(pub: RsaPublicKey, msg: Uint8Array, rng: RandomSource = defaultRandom): Uint8Array {
  checkPublicSize(pub);
  const k = modLen(pub);
  if (msg.length > k - 11) throw new TlsError('crypto_internal', `message too long for RSA-${pub.bits}`);
  const em = new Uint8Array(k);
  em[1] = 2;
  const psEnd = k - msg.length - 1;
  for (let i = 2; i < psEnd; ) {
    for (const b of rng(psEnd - i)) if (b !== 0 && i < psEnd) em[i++] = b;
  }
  em.set(msg, psEnd + 1);
  return bigIntToBytes(rsaPublic(pub, bytesToBigInt(em)), k);
}

/** The raw decrypted block (k bytes), or null when the ciphertext length or value is out of range. */
function decryptBlock(priv: RsaPrivateKey, ct: Uint8Array, rng: RandomSource): Uint8Array | null {
  const k = modLen(priv);
  if (ct.length !== k) return null;
  const c = bytesToBigInt(ct);
  if (c >= priv.n) return null;
  return bigIntToBytes(rsaPrivate(priv, c, rng), k);
}

/**
 * Scan a decrypted block for PKCS#1 v1.5 type-2 padding without branching on its bytes.
 * Returns good (1/0) and the index where the message starts.
 */
function scanPkcs1Type2(em: Uint8Array): { good: number; msgStart: number } {
  let good = ctEq(em[0]!, 0) & ctEq(em[1]!, 2);
  let sepIndex = 0;
  let looking = 1; // 1 until the first zero after the type byte is seen
  for (let i = 2; i < em.length; i++) {
    const isZero = ctEq(em[i]!, 0);
    sepIndex |= i & -(looking & isZero);
    looking &= isZero ^ 1;
  }
  good &= looking ^ 1; // a separator exists
  good &= ctGe(sepIndex, 10); // at least 8 padding bytes
  return { good, msgStart: sepIndex + 1 };
}

/** 1 if a === b else 0, for byte/small-int values, without a branch. */
function ctEq(a: number, b: number): number {
  const x = (a ^ b) | 0;
  return ((x - 1) >>> 31) & (((~x) >>> 31) & 1);
}
/** 1 if a >= b else 0 for non-negative 31-bit values. */
function ctGe(a: number, b: number): number {
  return (((a - b) >>> 31) & 1) ^ 1;
}

/** RSAES-PKCS1-v1_5 decryption. Returns null for any failure (callers must not reveal which). */
export function rsaDecryptPkcs1(priv: RsaPrivateKey, ct: Uint8Array, rng: RandomSource = defaultRandom): Uint8Array | null {
  checkPrivateSize(priv);
  const em = decryptBlock(priv, ct, rng);
  return em === null ? null : pkcs1Type2Message(em);
}

/** The message inside a decrypted PKCS#1 v1.5 type-2 block (a raw private operation's output), or null. */
export function pkcs1Type2Message(em: Uint8Array): Uint8Array | null {
  const { good, msgStart } = scanPkcs1Type2(em);
  return good ? em.slice(msgStart) : null;
}

/**
 * The TLS RSA key exchange (RFC 5246 §7.4.7.1): decrypt the 48-byte premaster secret, and on any failure
 * (length, padding, version) continue with a random premaster instead, so the handshake fails later at
 * Finished exactly as it would for a wrong key. The random value is drawn before decryption and the choice
 * is made with a mask, so timing and outcome do not say which check failed (Bleichenbacher / ROBOT).
 */
export function rsaDecryptPremaster(
  priv: RsaPrivateKey,
  ct: Uint8Array,
  clientVersion: number,
  rng: RandomSource = defaultRandom,
): Uint8Array {
  checkPrivateSize(priv);
  const fallback = rng(48);
  return premasterFromBlock(priv, decryptBlock(priv, ct, rng), clientVersion, fallback);
}

/**
 * The second half of rsaDecryptPremaster, for a block computed elsewhere (a native RSA private operation with no
 * padding): the constant-time PKCS#1 type-2 and version checks, and the choice between the block's premaster and
 * `fallback` (48 random bytes drawn before the decryption) by a mask. A null block (ciphertext of the wrong
 * length or not below n) goes through the same steps as a zero block, which fails the padding check.
 */
export function premasterFromBlock(priv: RsaPrivateKey, block: Uint8Array | null, clientVersion: number, fallback: Uint8Array): Uint8Array {
  const k = modLen(priv);
  if (fallback.length !== 48) throw new TlsError('internal_error', 'the fallback premaster must be 48 bytes');
  const em = block !== null && block.length === k ? block : new Uint8Array(k);
  const { good: padOk, msgStart } = scanPkcs1Type2(em);
  let good = padOk & ctEq(msgStart, k - 48);
  const pm = em.subarray(k - 48);
  good &= ctEq(pm[0]!, clientVersion >> 8) & ctEq(pm[1]!, clientVersion & 0xff);
  const mask = -good & 0xff;
  const out = new Uint8Array(48);
  for (let i = 0; i < 48; i++) out[i] = (pm[i]! & mask) | (fallback[i]! & ~mask);
  return out;
}

// ---------- signatures ----------

export type RsaPkcs1Hash = HashName | 'md5sha1';

/** DER DigestInfo prefixes (AlgorithmIdentifier with NULL parameters, then the OCTET STRING header). */
const DIGEST_INFO: Record<HashName, Uint8Array> = {
  md5: fromHex('3020300c06082a864886f70d020505000410'),
  sha1: fromHex('3021300906052b0e03021a05000414'),
  sha224: fromHex('302d300d06096086480165030402040500041c'),
  sha256: fromHex('3031300d060960864801650304020105000420'),
  sha384: fromHex('3041300d060960864801650304020205000430'),
  sha512: fromHex('3051300d060960864801650304020305000440'),
};

/** EMSA-PKCS1-v1_5: 00 01 FF.. 00 T, T = DigestInfo || H (or just MD5||SHA-1 for TLS 1.0/1.1). */
function emsaPkcs1(h: RsaPkcs1Hash, data: Uint8Array, k: number): Uint8Array | null {
  const t = h === 'md5sha1' ? md5sha1(data) : concat(DIGEST_INFO[h], hash(h, data));
  if (k < t.length + 11) return null;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  em.set(t, k - t.length);
  return em;
}

export function rsaSignPkcs1(priv: RsaPrivateKey, h: RsaPkcs1Hash, data: Uint8Array, rng: RandomSource = defaultRandom): Uint8Array {
  checkPrivateSize(priv);
  const k = modLen(priv);
  const em = emsaPkcs1(h, data, k);
  if (!em) throw new TlsError('config_bad_key', `RSA key too small for ${h} signatures`);
  return bigIntToBytes(rsaPrivate(priv, bytesToBigInt(em), rng), k);
}

/** Verify by re-encoding and comparing the whole block (no parsing of attacker-controlled DigestInfo). */
export function rsaVerifyPkcs1(pub: RsaPublicKey, h: RsaPkcs1Hash, data: Uint8Array, sig: Uint8Array): boolean {
  checkPublicSize(pub);
  const k = modLen(pub);
  const s = sigToInt(pub, sig, k);
  if (s === null) return false;
  const em = emsaPkcs1(h, data, k);
  return em !== null && equalBytes(bigIntToBytes(rsaPublic(pub, s), k), em);
}

function sigToInt(pub: RsaPublicKey, sig: Uint8Array, k: number): bigint | null {
  if (sig.length !== k) return null;
  const s = bytesToBigInt(sig);
  return s < pub.n ? s : null;
}

/** MGF1 with the given hash (RFC 8017 B.2.1). */
export function mgf1(h: HashName, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  for (let counter = 0, o = 0; o < len; counter++) {
    new DataView(buf.buffer).setUint32(seed.length, counter);
    const d = hash(h, buf);
    out.set(d.subarray(0, Math.min(d.length, len - o)), o);
    o += d.length;
  }
  return out;
}

/** M' = 00*8 || mHash || salt; H = Hash(M'). */
function pssH(h: HashName, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + mHash.length + salt.length);
  m.set(mHash, 8);
  m.set(salt, 8 + mHash.length);
  return hash(h, m);
}

/** RSASSA-PSS signature (RFC 8017 §8.1.1), MGF1 with the same hash, salt length defaulting to the hash length. */
export function rsaSignPss(
  priv: RsaPrivateKey,
  h: HashName,
  data: Uint8Array,
  rng: RandomSource = defaultRandom,
  saltLength = hashLen(h),
): Uint8Array {
  checkPrivateSize(priv);
  const modBits = bitLength(priv.n);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = hashLen(h);
  if (emLen < hLen + saltLength + 2) throw new TlsError('config_bad_key', `RSA key too small for PSS with ${h}`);
  const salt = rng(saltLength);
  const H = pssH(h, hash(h, data), salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - saltLength - 1] = 1;
  db.set(salt, db.length - saltLength);
  const mask = mgf1(h, H, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(H, db.length);
  em[emLen - 1] = 0xbc;
  return bigIntToBytes(rsaPrivate(priv, bytesToBigInt(em), rng), modLen(priv));
}

/** RSASSA-PSS verification (RFC 8017 §8.1.2 / §9.1.2) with an exact salt length. */
export function rsaVerifyPss(pub: RsaPublicKey, h: HashName, data: Uint8Array, sig: Uint8Array, saltLength = hashLen(h)): boolean {
  checkPublicSize(pub);
  const k = modLen(pub);
  const s = sigToInt(pub, sig, k);
  if (s === null) return false;
  const modBits = bitLength(pub.n);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const hLen = hashLen(h);
  const m = rsaPublic(pub, s);
  if (bitLength(m) > emBits) return false;
  const em = bigIntToBytes(m, emLen);
  if (emLen < hLen + saltLength + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = em.slice(0, emLen - hLen - 1);
  const H = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((db[0]! & ~topMask) !== 0) return false;
  const mask = mgf1(h, H, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= topMask;
  const psLen = emLen - hLen - saltLength - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 1) return false;
  return equalBytes(pssH(h, hash(h, data), db.subarray(db.length - saltLength)), H);
}

/**
 * Key exchange: ECDHE (X25519, X448, P-256, P-384), finite-field DHE (RFC 7919 groups or server-chosen safe primes)
 * and ML-KEM-768 (FIPS 203) for the hybrid TLS 1.3 groups of draft-ietf-tls-ecdhe-mlkem.
 * All peer input is validated here; bad shares raise crypto_bad_key_share, weak groups crypto_weak_dh_group.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { TlsError } from '../errors.js';
import { bigIntToBytes, bigIntToMinBytes, bitLength, byteLength, bytesToBigInt, hasSmallFactor, millerRabin, modPow, randomBetween } from './bigint.js';
import { defaultRandom } from './random.js';
import { x25519 as x25519Ladder, x25519Base } from './x25519.js';
import type { EcdheGroup, RandomSource } from './types.js';

/** TLS NamedGroup code points (RFC 8422, RFC 7919, draft-ietf-tls-ecdhe-mlkem), under their IANA names. */
export const GROUPS = {
  X25519MLKEM768: 0x11ec,
  SecP256r1MLKEM768: 0x11eb,
  x25519: 29,
  secp256r1: 23,
  secp384r1: 24,
  x448: 30,
  ffdhe2048: 256,
  ffdhe3072: 257,
  ffdhe4096: 258,
  ffdhe6144: 259,
  ffdhe8192: 260,
} as const;
export type GroupName = keyof typeof GROUPS;

const GROUP_BY_ID = new Map<number, GroupName>(Object.entries(GROUPS).map(([k, v]) => [v, k as GroupName]));
export function groupById(id: number): GroupName | undefined {
  return GROUP_BY_ID.get(id);
}

const badShare = (msg: string) => new TlsError('crypto_bad_key_share', msg);

// ---------- ML-KEM-768 and the hybrid groups (FIPS 203; draft-ietf-tls-ecdhe-mlkem) ----------

/** The hybrid post-quantum groups: TLS 1.3 only, never in a 1.0–1.2 handshake. */
export type HybridGroupName = 'X25519MLKEM768' | 'SecP256r1MLKEM768';
export const isHybridGroup = (g: GroupName): g is HybridGroupName => g === 'X25519MLKEM768' || g === 'SecP256r1MLKEM768';

/** ML-KEM-768 sizes (FIPS 203 Table 3): encapsulation key, ciphertext, shared secret. */
export const MLKEM768 = { ek: 1184, ct: 1088, ss: 32 } as const;

/**
 * How each hybrid group lays out its key_exchange and shared secret (draft-ietf-tls-ecdhe-mlkem §4.1–4.3):
 * X25519MLKEM768 puts ML-KEM first (client: ek || X25519 share, server: ct || X25519 share, secret:
 * ML-KEM ss || X25519 ss); SecP256r1MLKEM768 puts the ECDH part first (client: P-256 point || ek, server: P-256
 * point || ct, secret: ECDH ss || ML-KEM ss).
 */
export const HYBRID = {
  X25519MLKEM768: { ecdh: 'x25519', ecdhLen: 32, kemFirst: true },
  SecP256r1MLKEM768: { ecdh: 'secp256r1', ecdhLen: 65, kemFirst: false },
} as const satisfies Record<HybridGroupName, { ecdh: EcdheGroup; ecdhLen: number; kemFirst: boolean }>;

/** The key_exchange sizes on the wire: the client's share (ek + ECDH) and the server's (ct + ECDH). */
export function hybridShareLength(group: HybridGroupName, role: 'client' | 'server'): number {
  return (role === 'client' ? MLKEM768.ek : MLKEM768.ct) + HYBRID[group].ecdhLen;
}

/** Splits a hybrid key_exchange into its ML-KEM and ECDH parts after checking its exact length (crypto_bad_key_share). */
export function splitHybridShare(group: HybridGroupName, role: 'client' | 'server', keyExchange: Uint8Array): { kem: Uint8Array; ecdh: Uint8Array } {
  const want = hybridShareLength(group, role);
  if (keyExchange.length !== want) throw badShare(`${group} ${role} key share must be ${want} bytes, got ${keyExchange.length}`);
  const { ecdhLen, kemFirst } = HYBRID[group];
  const kemLen = want - ecdhLen;
  return kemFirst
    ? { kem: keyExchange.subarray(0, kemLen), ecdh: keyExchange.subarray(kemLen) }
    : { kem: keyExchange.subarray(ecdhLen), ecdh: keyExchange.subarray(0, ecdhLen) };
}

/** Joins the two parts of a hybrid share or shared secret in the group's order. */
export function joinHybrid(group: HybridGroupName, kem: Uint8Array, ecdh: Uint8Array): Uint8Array {
  const [a, b] = HYBRID[group].kemFirst ? [kem, ecdh] : [ecdh, kem];
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** An ML-KEM-768 key pair from 64 bytes of the random source (FIPS 203 Algorithm 16: d || z). */
export function mlkemKeyPair(rng: RandomSource = defaultRandom): { ek: Uint8Array; dk: Uint8Array } {
  const seed = rng(64);
  try {
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    return { ek: publicKey, dk: secretKey };
  } finally {
    seed.fill(0);
  }
}

/**
 * FIPS 203 §7.2 input checks on a peer's encapsulation key: the type check (exactly 1184 bytes) and the modulus
 * check (every 12-bit coefficient below q = 3329, i.e. ByteEncode12(ByteDecode12(ek)) = ek). Throws
 * crypto_bad_key_share (illegal_parameter, as draft-ietf-tls-ecdhe-mlkem requires).
 */
export function checkMlkemEncapsulationKey(ek: Uint8Array): void {
  if (ek.length !== MLKEM768.ek) throw badShare(`ML-KEM-768 encapsulation key must be ${MLKEM768.ek} bytes, got ${ek.length}`);
  // The 3·256 coefficients of t̂ (the last 32 bytes are ρ): two 12-bit values in each 3 bytes.
  const tEnd = MLKEM768.ek - 32;
  for (let i = 0; i < tEnd; i += 3) {
    const b0 = ek[i]!, b1 = ek[i + 1]!, b2 = ek[i + 2]!;
    if ((b0 | ((b1 & 0x0f) << 8)) >= 3329 || ((b1 >> 4) | (b2 << 4)) >= 3329) {
      throw badShare('ML-KEM-768 encapsulation key fails the modulus check (a coefficient is not reduced mod q)');
    }
  }
}

/** ML-KEM-768 encapsulation to a peer's checked key with 32 bytes of the random source: the ciphertext and shared secret. */
export function mlkemEncapsulate(ek: Uint8Array, rng: RandomSource = defaultRandom): { ct: Uint8Array; ss: Uint8Array } {
  checkMlkemEncapsulationKey(ek);
  const m = rng(32);
  try {
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(ek, m);
    return { ct: cipherText, ss: sharedSecret };
  } catch {
    throw badShare('ML-KEM-768 encapsulation key was refused');
  } finally {
    m.fill(0);
  }
}

/**
 * ML-KEM-768 decapsulation of the peer's ciphertext, which must be exactly 1088 bytes (crypto_bad_key_share); a
 * wrong ciphertext of the right size gives an unrelated secret (implicit rejection), and the handshake then fails at
 * Finished.
 */
export function mlkemDecapsulate(ct: Uint8Array, dk: Uint8Array): Uint8Array {
  if (ct.length !== MLKEM768.ct) throw badShare(`ML-KEM-768 ciphertext must be ${MLKEM768.ct} bytes, got ${ct.length}`);
  return ml_kem768.decapsulate(ct, dk);
}

// ---------- ECDHE ----------

const NIST = { secp256r1: { curve: p256, len: 32 }, secp384r1: { curve: p384, len: 48 } } as const;

export interface EcdheKeyPair {
  priv: Uint8Array;
  /** The wire encoding: 32 bytes for x25519, 04 || X || Y for the NIST curves. */
  pub: Uint8Array;
}

/** The Montgomery curves (RFC 7748): raw u-coordinates of a fixed length, no point validation but a zero check. */
const MONTGOMERY = { x25519: { curve: x25519, len: 32 }, x448: { curve: x448, len: 56 } } as const;
const isMontgomery = (g: EcdheGroup): g is keyof typeof MONTGOMERY => g === 'x25519' || g === 'x448';

export function ecdheKeyPair(group: EcdheGroup, rng: RandomSource = defaultRandom): EcdheKeyPair {
  if (isMontgomery(group)) {
    const { curve, len } = MONTGOMERY[group];
    const priv = rng(len); // clamping happens inside the scalar multiplication (RFC 7748 §5)
    // X25519 through the Float64 fixed-base table (x25519.ts, ~1.7× noble's blinded Edwards multiplication).
    return { priv, pub: group === 'x25519' ? x25519Base(priv) : curve.getPublicKey(priv) };
  }
  const { curve, len } = NIST[group];
  // Rejection sampling: a scalar in [1, n-1] without modular bias.
  for (;;) {
    const priv = rng(len);
    if (curve.utils.isValidSecretKey(priv)) return { priv, pub: curve.getPublicKey(priv, false) };
  }
}

/**
 * Checks a peer's ECDHE share before any agreement: the exact length, uncompressed (RFC 8422 §5.1.1 after
 * point formats negotiation is gone) and on the curve for the NIST groups. Throws crypto_bad_key_share.
 */
export function checkPeerShare(group: EcdheGroup, peerPub: Uint8Array): void {
  if (isMontgomery(group)) {
    const { len } = MONTGOMERY[group];
    if (peerPub.length !== len) throw badShare(`${group} key share must be ${len} bytes, got ${peerPub.length}`);
    return;
  }
  const { curve, len } = NIST[group];
  if (peerPub.length !== 1 + 2 * len || peerPub[0] !== 4) throw badShare(`${group} key share must be an uncompressed point of ${1 + 2 * len} bytes`);
  let point;
  try {
    point = curve.Point.fromBytes(peerPub);
    point.assertValidity();
  } catch {
    throw badShare(`${group} key share is not a point on the curve`);
  }
  if (point.is0()) throw badShare(`${group} key share is the point at infinity`);
}

/** Refuses an all-zero X25519/X448 result: the peer sent a low-order point (RFC 7748 §6.1, §6.2; RFC 8446 §7.4.2). */
export function checkX25519Secret(shared: Uint8Array, group: 'x25519' | 'x448' = 'x25519'): Uint8Array {
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw badShare(`${group} shared secret is all zero (low-order point)`);
  return shared;
}

/**
 * The ECDH shared secret: the 32-byte X25519 output, or the x-coordinate of the NIST product point.
 * The peer's share is checked first (checkPeerShare); an all-zero X25519 result is refused.
 */
export function ecdheShared(group: EcdheGroup, priv: Uint8Array, peerPub: Uint8Array): Uint8Array {
  checkPeerShare(group, peerPub);
  if (isMontgomery(group)) {
    let shared: Uint8Array;
    try {
      // X25519 agreement through the Float64 ladder (x25519.ts, ~2× noble's BigInt one; it returns zero for a
      // low-order point where noble throws).
      shared = group === 'x25519' ? x25519Ladder(priv, peerPub) : MONTGOMERY[group].curve.getSharedSecret(priv, peerPub);
    } catch {
      throw badShare(`${group} key share is a low-order point`);
    }
    return checkX25519Secret(shared, group);
  }
  return NIST[group].curve.getSharedSecret(priv, peerPub, true).slice(1);
}

// ---------- finite-field DHE ----------

const hexInt = (s: string) => BigInt(`0x${s}`);

/**
 * RFC 7919 Appendix A primes (generator 2). Each is 2^b − 2^(b−64) + (⌊2^(b−130)·e⌋ + X)·2^64 − 1 and a safe prime;
 * test/crypto/kex.test.ts checks them against that formula and OpenSSL's built-in copies.
 */
export const FFDHE = {
  ffdhe2048: hexInt(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9' +
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935' +
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB' +
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61' +
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA' +
    '886B423861285C97FFFFFFFFFFFFFFFF'
  ),
  ffdhe3072: hexInt(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9' +
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935' +
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB' +
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61' +
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA' +
    '886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C' +
    'AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D' +
    'ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B66C62E37FFFFFFFFFFFFFFFF'
  ),
  ffdhe4096: hexInt(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9' +
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935' +
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB' +
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61' +
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA' +
    '886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C' +
    'AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D' +
    'ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB' +
    '7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318AED6A1E012D9E6832' +
    'A907600A918130C46DC778F971AD0038092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF' +
    '8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E655F6AFFFFFFFFFFFFFFFF'
  ),
  ffdhe6144: hexInt(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9' +
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935' +
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB' +
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61' +
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA' +
    '886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C' +
    'AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D' +
    'ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB' +
    '7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318AED6A1E012D9E6832' +
    'A907600A918130C46DC778F971AD0038092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF' +
    '8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E0DD9020BFD64B645036C7A4E677D2C38532A3A23BA4442CAF53EA6' +
    '3BB454329B7624C8917BDD64B1C0FD4CB38E8C334C701C3ACDAD0657FCCFEC719B1F5C3E4E46041F388147FB4CFDB477' +
    'A52471F7A9A96910B855322EDB6340D8A00EF092350511E30ABEC1FFF9E3A26E7FB29F8C183023C3587E38DA0077D9B4' +
    '763E4E4B94B2BBC194C6651E77CAF992EEAAC0232A281BF6B3A739C1226116820AE8DB5847A67CBEF9C9091B462D538C' +
    'D72B03746AE77F5E62292C311562A846505DC82DB854338AE49F5235C95B91178CCF2DD5CACEF403EC9D1810C6272B04' +
    '5B3B71F9DC6B80D63FDD4A8E9ADB1E6962A69526D43161C1A41D570D7938DAD4A40E329CD0E40E65FFFFFFFFFFFFFFFF'
  ),
  ffdhe8192: hexInt(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9' +
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935' +
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB' +
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61' +
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA' +
    '886B4238611FCFDCDE355B3B6519035BBC34F4DEF99C023861B46FC9D6E6C9077AD91D2691F7F7EE598CB0FAC186D91C' +
    'AEFE130985139270B4130C93BC437944F4FD4452E2D74DD364F2E21E71F54BFF5CAE82AB9C9DF69EE86D2BC522363A0D' +
    'ABC521979B0DEADA1DBF9A42D5C4484E0ABCD06BFA53DDEF3C1B20EE3FD59D7C25E41D2B669E1EF16E6F52C3164DF4FB' +
    '7930E9E4E58857B6AC7D5F42D69F6D187763CF1D5503400487F55BA57E31CC7A7135C886EFB4318AED6A1E012D9E6832' +
    'A907600A918130C46DC778F971AD0038092999A333CB8B7A1A1DB93D7140003C2A4ECEA9F98D0ACC0A8291CDCEC97DCF' +
    '8EC9B55A7F88A46B4DB5A851F44182E1C68A007E5E0DD9020BFD64B645036C7A4E677D2C38532A3A23BA4442CAF53EA6' +
    '3BB454329B7624C8917BDD64B1C0FD4CB38E8C334C701C3ACDAD0657FCCFEC719B1F5C3E4E46041F388147FB4CFDB477' +
    'A52471F7A9A96910B855322EDB6340D8A00EF092350511E30ABEC1FFF9E3A26E7FB29F8C183023C3587E38DA0077D9B4' +
    '763E4E4B94B2BBC194C6651E77CAF992EEAAC0232A281BF6B3A739C1226116820AE8DB5847A67CBEF9C9091B462D538C' +
    'D72B03746AE77F5E62292C311562A846505DC82DB854338AE49F5235C95B91178CCF2DD5CACEF403EC9D1810C6272B04' +
    '5B3B71F9DC6B80D63FDD4A8E9ADB1E6962A69526D43161C1A41D570D7938DAD4A40E329CCFF46AAA36AD004CF600C838' +
    '1E425A31D951AE64FDB23FCEC9509D43687FEB69EDD1CC5E0B8CC3BDF64B10EF86B63142A3AB8829555B2F747C932665' +
    'CB2C0F1CC01BD70229388839D2AF05E454504AC78B7582822846C0BA35C35F5C59160CC046FD8251541FC68C9C86B022' +
    'BB7099876A460E7451A8A93109703FEE1C217E6C3826E52C51AA691E0E423CFC99E9E31650C1217B624816CDAD9A95F9' +
    'D5B8019488D9C0A0A1FE3075A577E23183F81D4A3F2FA4571EFC8CE0BA8A4FE8B6855DFE72B0A66EDED2FBABFBE58A30' +
    'FAFABE1C5D71A87E2F741EF8C1FE86FEA6BBFDE530677F0D97D11D49F7A8443D0822E506A9F4614E011E2A94838FF88C' +
    'D68C8BB7C5C6424CFFFFFFFFFFFFFFFF'
  ),
} as const satisfies Record<string, bigint>;
export type FfdheGroupName = keyof typeof FFDHE;

/**
 * RFC 3526 MODP groups 14–16 (generator 2): the safe primes OpenSSL's servers pick by default for DHE
 * ("dh_auto"). Known safe primes skip the primality work, like the RFC 7919 ones.
 */
export const MODP = {
  modp2048: hexInt(
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AACAA68FFFFFFFFFFFFFFFF'
  ),
  modp3072: hexInt(
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF'
  ),
  modp4096: hexInt(
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7' +
    '88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8DBBBC2DB04DE8EF92E8EFC141FBECAA6' +
    '287C59474E6BC05D99B2964FA090C3A2233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9' +
    '93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF'
  ),
} as const satisfies Record<string, bigint>;

/** Well-known safe primes accepted without the Miller–Rabin work. */
const KNOWN_SAFE_PRIMES = new Set<bigint>([...Object.values(FFDHE), ...Object.values(MODP)]);
/** Server groups already proven safe in this process (servers reuse one group), bounded. */
const VERIFIED_SAFE_PRIMES = new Set<bigint>();
const MAX_VERIFIED = 32;

/**
 * The largest server-chosen prime looked at (OpenSSL's OPENSSL_DH_MAX_MODULUS_BITS): the checks below and the
 * exponentiations run synchronously in BigInt, and their cost grows with the cube of the size, so a hostile
 * server's huge prime would stall the whole process (16384 bits: about 4 s per exponentiation).
 */
export const MAX_DH_BITS = 10000;

/**
 * Miller–Rabin rounds on q = (p−1)/2: a composite survives with probability ≤ 2^−32 even for chosen inputs.
 * The check guards against an honest server's weak parameters (Logjam-style); the parameters are signed by the
 * server, so a third party cannot choose them, and a server that cheats the check only weakens a secret it
 * already knows. Spending more rounds would let a hostile server stall the client's thread for seconds.
 */
const SAFE_PRIME_ROUNDS = 16;
/** Unknown groups larger than this are refused: proving them safe costs seconds of synchronous work. */
export const MAX_UNKNOWN_DH_BITS = 4096;

/**
 * Check server-chosen DH parameters (RFC 7919 §5.1 / RFC 5246 "the client must validate"). Throws
 * crypto_weak_dh_group unless p is at least minBits and at most MAX_DH_BITS, odd, g ∈ [2, p−2], and p is a safe prime.
 * The RFC 7919 and RFC 3526 groups are accepted without the primality work, and so is a prime proven safe earlier.
 *
 * For p = 2q+1 with q prime, p's primality follows from one Fermat test (Pocklington: 2^(p−1) ≡ 1 mod p and
 * gcd(2²−1, p) = 1), so the random-base Miller–Rabin rounds are spent on q only.
 */
export function checkDhGroup(p: bigint, g: bigint, minBits = 2048, rng: RandomSource = defaultRandom): void {
  const weak = (msg: string) => new TlsError('crypto_weak_dh_group', msg);
  const bits = bitLength(p);
  if (bits < minBits) throw weak(`DH group of ${bits} bits is too small (minimum ${minBits})`);
  if (bits > MAX_DH_BITS) throw weak(`DH group of ${bits} bits is too large (maximum ${MAX_DH_BITS})`);
  if ((p & 1n) === 0n) throw weak('DH prime is even');
  if (g < 2n || g > p - 2n) throw weak('DH generator is outside [2, p-2]');
  if (KNOWN_SAFE_PRIMES.has(p) || VERIFIED_SAFE_PRIMES.has(p)) return;
  if (bits > MAX_UNKNOWN_DH_BITS) {
    throw weak(`DH group of ${bits} bits is not a well-known group, and unknown groups over ${MAX_UNKNOWN_DH_BITS} bits are not checked`);
  }
  const q = (p - 1n) >> 1n;
  if (hasSmallFactor(q) || hasSmallFactor(p)) throw weak('DH prime is not a safe prime');
  if (p % 3n === 0n || modPow(2n, p - 1n, p) !== 1n) throw weak('DH prime is not a safe prime');
  if (!millerRabin(q, SAFE_PRIME_ROUNDS, rng)) throw weak('DH prime is not a safe prime');
  if (VERIFIED_SAFE_PRIMES.size >= MAX_VERIFIED) VERIFIED_SAFE_PRIMES.delete(VERIFIED_SAFE_PRIMES.values().next().value!);
  VERIFIED_SAFE_PRIMES.add(p);
}

export interface DhKeyPair {
  priv: bigint;
  /** g^priv mod p, big-endian, left-padded to the length of p. */
  pub: Uint8Array;
}

/**
 * Exponent size: twice the security level is enough for safe-prime groups (RFC 7919 §5.2), and keeps DHE
 * affordable; 512 bits covers every group up to ffdhe8192's ~192-bit strength.
 */
const DH_EXPONENT_BITS = 512;

export function dhKeyPair(p: bigint, g: bigint, rng: RandomSource = defaultRandom): DhKeyPair {
  const max = bitLength(p) - 2 > DH_EXPONENT_BITS ? (1n << BigInt(DH_EXPONENT_BITS)) - 1n : p - 2n;
  const priv = randomBetween(2n, max, rng);
  return { priv, pub: bigIntToBytes(modPow(g, priv, p), byteLength(p)) };
}

/**
 * The DH shared secret Z = Y^priv mod p: with leading zero bytes stripped (TLS 1.2, RFC 5246 §8.1.2), or
 * left-padded to the length of p (`padded`: TLS 1.3, RFC 8446 §7.4.1).
 * Y must be in [2, p−2]: 0, 1 and p−1 would force Z into a tiny subgroup.
 */
export function dhShared(p: bigint, priv: bigint, peerPub: Uint8Array, padded = false): Uint8Array {
  const y = bytesToBigInt(peerPub);
  if (y <= 1n || y >= p - 1n) throw badShare('DH public value is outside [2, p-2]');
  const z = modPow(y, priv, p);
  if (z === 1n) throw badShare('DH shared secret is 1 (public value in a small subgroup)');
  return padded ? bigIntToBytes(z, byteLength(p)) : bigIntToMinBytes(z);
}

// ---------- TLS 1.3 key shares (RFC 8446 §4.2.8) ----------

export const isFfdheGroup = (g: GroupName): g is FfdheGroupName => g.startsWith('ffdhe');
/** The plain ECDHE groups: the only named groups besides FFDHE that TLS 1.0–1.2 may use (no hybrid ones). */
export const isEcdheGroup = (g: GroupName | undefined): g is EcdheGroup => g === 'x25519' || g === 'x448' || g === 'secp256r1' || g === 'secp384r1';

/**
 * Checks a TLS 1.3 FFDHE key_exchange (§4.2.8.1): exactly the length of p (the value left-padded with zeros)
 * and 1 < Y < p−1. Throws crypto_bad_key_share.
 */
export function checkFfdheShare(group: FfdheGroupName, keyExchange: Uint8Array): void {
  const p = FFDHE[group];
  if (keyExchange.length !== byteLength(p)) throw badShare(`${group} key share must be ${byteLength(p)} bytes, got ${keyExchange.length}`);
  const y = bytesToBigInt(keyExchange);
  if (y <= 1n || y >= p - 1n) throw badShare(`${group} key share is outside [2, p-2]`);
}

/**
 * Checks a peer's TLS 1.3 key_exchange for any supported group before agreement (crypto_bad_key_share). The hybrid
 * groups are asymmetric: `from` says whose share it is (a client's carries an encapsulation key, a server's a
 * ciphertext).
 */
export function checkKeyShare(group: GroupName, keyExchange: Uint8Array, from: 'client' | 'server' = 'client'): void {
  if (isFfdheGroup(group)) checkFfdheShare(group, keyExchange);
  else if (isHybridGroup(group)) {
    const { kem, ecdh } = splitHybridShare(group, from, keyExchange);
    if (from === 'client') checkMlkemEncapsulationKey(kem);
    checkPeerShare(HYBRID[group].ecdh, ecdh);
  } else checkPeerShare(group, keyExchange);
}

/**
 * Public-key operations for the handshakes: the provider's native (async) one when it offers the algorithm,
 * noble/BigInt otherwise. The checks that must not depend on the provider stay here: peer shares are validated
 * before agreement, an all-zero X25519 secret is refused, and RSA key-size policy and key/algorithm fit are
 * decided by the noble path, which also gets every case the provider declines or fails on.
 *
 * An injected random source means the caller wants reproducible keys and signatures (tests), so a provider's
 * own randomness is not used then: key generation and signing go to noble with that source.
 */
import { TlsError } from '../errors.js';
import {
  FFDHE,
  HYBRID,
  checkFfdheShare,
  checkPeerShare,
  checkX25519Secret,
  dhKeyPair,
  dhShared,
  ecdheKeyPair,
  ecdheShared,
  isFfdheGroup,
  isHybridGroup,
  joinHybrid,
  mlkemDecapsulate,
  mlkemEncapsulate,
  mlkemKeyPair,
  splitHybridShare,
  type GroupName,
  type HybridGroupName,
} from './kex.js';
import { defaultRandom } from './random.js';
import { MIN_RSA_BITS, premasterFromBlock, rsaDecryptPremaster, type RsaPrivateKey } from './rsa.js';
import { sign, verifySignature } from './sig.js';
import type { CryptoProvider, EcdheGroup, EcdheShare, PrivateKey, PublicKey, RandomSource, SigAlg } from './types.js';

const ownRandom = (rng: RandomSource) => rng === defaultRandom;

/** Wraps a provider's share so the peer's share is checked and a low-order X25519 result refused, as on the noble path. */
export function checkedShare(group: EcdheGroup, share: EcdheShare): EcdheShare {
  return {
    pub: share.pub,
    async agree(peerPub) {
      checkPeerShare(group, peerPub);
      let shared: Uint8Array;
      try {
        shared = await share.agree(peerPub);
      } catch {
        // Native X25519 refuses a low-order point by failing the derivation.
        throw new TlsError('crypto_bad_key_share', `${group} key agreement failed (low-order or invalid share)`);
      }
      return group === 'x25519' || group === 'x448' ? checkX25519Secret(shared, group) : shared;
    },
  };
}

/** An ephemeral ECDHE key for `group`. */
export async function ecdheShare(provider: CryptoProvider, group: EcdheGroup, rng: RandomSource): Promise<EcdheShare> {
  if (provider.ecdhe && ownRandom(rng)) {
    const native = await provider.ecdhe(group).catch(() => null);
    if (native) return checkedShare(group, native);
  }
  const kp = ecdheKeyPair(group, rng);
  return { pub: kp.pub, agree: async (peerPub) => ecdheShared(group, kp.priv, peerPub) };
}

/** One side's TLS 1.3 key share (RFC 8446 §4.2.8) for any supported group. */
export interface GroupShare {
  readonly group: GroupName;
  /** The key_exchange to send: X25519/X448 raw, NIST curves uncompressed, FFDHE g^x padded to the length of p. */
  readonly pub: Uint8Array;
  /** The shared secret with the peer's key_exchange, which is checked first (crypto_bad_key_share). */
  agree(peerKeyExchange: Uint8Array): Promise<Uint8Array>;
}

/**
 * A fresh TLS 1.3 key share as the client sends it: ECDHE through the provider where it has the group (noble
 * otherwise), FFDHE (RFC 7919 groups) in BigInt, its shared secret left-padded to the length of p as §7.4.1
 * requires, and the hybrid groups (an ML-KEM-768 key pair beside an ECDHE share; agree() decapsulates the
 * server's ciphertext). A server answers with serverKeyShare13, since a KEM's reply depends on the client's share.
 */
export async function keyShare13(provider: CryptoProvider, group: GroupName, rng: RandomSource): Promise<GroupShare> {
  if (isHybridGroup(group)) return hybridClientShare(provider, group, rng);
  if (isFfdheGroup(group)) {
    const p = FFDHE[group];
    const kp = dhKeyPair(p, 2n, rng);
    return {
      group,
      pub: kp.pub,
      async agree(peer) {
        checkFfdheShare(group, peer);
        return dhShared(p, kp.priv, peer, true);
      },
    };
  }
  const share = await ecdheShare(provider, group, rng);
  return { group, pub: share.pub, agree: (peer) => share.agree(peer) };
}

async function hybridClientShare(provider: CryptoProvider, group: HybridGroupName, rng: RandomSource): Promise<GroupShare> {
  const { ecdh: curve } = HYBRID[group];
  const kem = mlkemKeyPair(rng);
  const ec = await ecdheShare(provider, curve, rng);
  let used = false;
  return {
    group,
    pub: joinHybrid(group, kem.ek, ec.pub),
    async agree(peer) {
      if (used) throw new TlsError('crypto_internal', 'a hybrid key share is used once');
      const parts = splitHybridShare(group, 'server', peer);
      const ecdhSecret = await ec.agree(parts.ecdh); // checked: on the curve, or a non-zero X25519 result
      used = true;
      const kemSecret = mlkemDecapsulate(parts.kem, kem.dk);
      kem.dk.fill(0);
      const out = joinHybrid(group, kemSecret, ecdhSecret);
      kemSecret.fill(0);
      ecdhSecret.fill(0);
      return out;
    },
  };
}

/**
 * The server's TLS 1.3 key share answering the client's key_exchange for `group`, and the shared secret. The client's
 * share is checked first (crypto_bad_key_share): for the hybrid groups its exact length, the FIPS 203 §7.2 checks
 * on the encapsulation key and the ECDH share; the reply is then the ML-KEM ciphertext beside our ECDHE share.
 */
export async function serverKeyShare13(
  provider: CryptoProvider,
  group: GroupName,
  clientKeyExchange: Uint8Array,
  rng: RandomSource,
): Promise<{ pub: Uint8Array; shared: Uint8Array }> {
  if (!isHybridGroup(group)) {
    const ours = await keyShare13(provider, group, rng);
    return { pub: ours.pub, shared: await ours.agree(clientKeyExchange) };
  }
  const { ecdh: curve } = HYBRID[group];
  const parts = splitHybridShare(group, 'client', clientKeyExchange);
  checkPeerShare(curve, parts.ecdh);
  const { ct, ss } = mlkemEncapsulate(parts.kem, rng); // the §7.2 type and modulus checks come first
  const ec = await ecdheShare(provider, curve, rng);
  const ecdhSecret = await ec.agree(parts.ecdh);
  const shared = joinHybrid(group, ss, ecdhSecret);
  ss.fill(0);
  ecdhSecret.fill(0);
  return { pub: joinHybrid(group, ct, ec.pub), shared };
}

/** Below the policy size the noble path decides (and refuses); a provider must not accept such a key. */
const belowPolicy = (key: PublicKey | PrivateKey) => key.kind === 'rsa' && key.bits < MIN_RSA_BITS;

/** Signs `data`; ECDSA signatures are DER. */
export async function signData(provider: CryptoProvider, alg: SigAlg, key: PrivateKey, data: Uint8Array, rng: RandomSource): Promise<Uint8Array> {
  if (provider.sign && ownRandom(rng) && !belowPolicy(key)) {
    const native = await provider.sign(alg, key, data).catch(() => null);
    if (native) return native;
  }
  return sign(alg, key, data, rng);
}

/** Whether `sig` is a valid signature over `data`; throws only for key policy failures (see verifySignature). */
export async function verifyData(provider: CryptoProvider, alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (provider.verify && !belowPolicy(key)) {
    const native = await provider.verify(alg, key, data, sig).catch(() => null);
    if (native !== null) return native;
  }
  return verifySignature(alg, key, data, sig);
}

/**
 * The RSA key exchange's premaster secret (RFC 5246 §7.4.7.1): the provider's raw private operation when it has
 * one, else BigInt; either way the padding and version checks and the fallback to a random premaster are the
 * constant-time code of rsa.ts, so nothing about the padding reaches the peer (Bleichenbacher / ROBOT).
 */
export async function decryptPremaster(provider: CryptoProvider, key: RsaPrivateKey, ct: Uint8Array, clientVersion: number, rng: RandomSource): Promise<Uint8Array> {
  if (provider.rsaDecryptRaw && ownRandom(rng) && !belowPolicy(key)) {
    const fallback = rng(48);
    // A provider failure (not a bad ciphertext, which gives null) is not padding-dependent: BigInt takes over.
    const block = await provider.rsaDecryptRaw(key, ct).catch(() => undefined);
    if (block !== undefined) return premasterFromBlock(key, block, clientVersion, fallback);
  }
  return rsaDecryptPremaster(key, ct, clientVersion, rng);
}

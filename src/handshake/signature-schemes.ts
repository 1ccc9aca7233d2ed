/**
 * Which signature scheme signs and which checks: our default offer, the peer's scheme checked against what we
 * offered and its key, and our own choice among what the peer accepts.
 */
import { TlsError } from '../errors.js';
import { TLS12 } from '../crypto/suites.js';
import { schemeById, schemeFitsKey } from '../crypto/sig.js';
import type { PublicKey, PrivateKey, SigAlg } from '../crypto/types.js';

/** Signature schemes offered by default: no SHA-1, no MD5. */
export const DEFAULT_SIGNATURE_SCHEMES: readonly number[] = [
  0x0403, // ecdsa_secp256r1_sha256
  0x0503, // ecdsa_secp384r1_sha384
  0x0603, // ecdsa_secp521r1_sha512
  0x0807, // ed25519
  0x0804, // rsa_pss_rsae_sha256
  0x0805, // rsa_pss_rsae_sha384
  0x0806, // rsa_pss_rsae_sha512
  0x0401, // rsa_pkcs1_sha256
  0x0501, // rsa_pkcs1_sha384
  0x0601, // rsa_pkcs1_sha512
];

/** The signature algorithm used before TLS 1.2, where it is fixed by the key type. */
export function legacySigAlg(keyKind: PublicKey['kind']): SigAlg {
  if (keyKind === 'rsa') return { kind: 'rsa-pkcs1', hash: 'md5sha1' };
  if (keyKind === 'ec') return { kind: 'ecdsa', hash: 'sha1' };
  throw new TlsError('protocol_handshake_failure', `a ${keyKind} key cannot sign in TLS 1.0/1.1`);
}

/**
 * The algorithm to check a peer's signature with: in TLS 1.2 the scheme it named, which must be one we offered
 * and must fit its key; before 1.2 the fixed legacy algorithm.
 */
export function peerSigAlg(version: number, sigAlgId: number | null, offered: readonly number[], key: PublicKey): SigAlg {
  if (version < TLS12) {
    if (sigAlgId !== null) throw new TlsError('decode_error', 'signature algorithm field before TLS 1.2');
    return legacySigAlg(key.kind);
  }
  if (sigAlgId === null) throw new TlsError('decode_error', 'missing signature algorithm');
  const s = schemeById(sigAlgId);
  if (!s || !offered.includes(sigAlgId)) {
    throw new TlsError('protocol_illegal_parameter', `the peer signed with signature scheme 0x${sigAlgId.toString(16)}, which was not offered`);
  }
  if (!schemeFitsKey(s, key)) {
    throw new TlsError('protocol_illegal_parameter', `signature scheme ${s.name} does not fit the peer's ${key.kind} key`);
  }
  return s.alg;
}

/** Our signature scheme: the first of our preferences the peer accepts that fits our key. */
export function chooseOwnScheme(
  version: number,
  peerAccepts: readonly number[] | null,
  ours: readonly number[],
  key: PrivateKey,
): { id: number | null; alg: SigAlg } {
  if (version < TLS12) return { id: null, alg: legacySigAlg(key.kind) };
  // RFC 5246 §7.4.1.4.1: a peer that sent no list accepts {sha1, its key type}.
  const accepts = peerAccepts ?? [0x0201, 0x0203];
  for (const id of ours) {
    const s = schemeById(id);
    if (s && accepts.includes(id) && schemeFitsKey(s, key)) return { id, alg: s.alg };
  }
  for (const id of accepts) {
    const s = schemeById(id);
    if (s && schemeFitsKey(s, key) && ours.includes(id)) return { id, alg: s.alg };
  }
  throw new TlsError('protocol_no_shared_sigalg', `no signature scheme both sides accept for a ${key.kind} key`);
}

/**
 * Whether TLS 1.3 allows a scheme for CertificateVerify with this key (RFC 8446 §4.2.3, §4.4.3): RSA signs with
 * PSS only (rsae for rsaEncryption keys, pss for id-RSASSA-PSS keys), ECDSA with the hash bound to the key's curve
 * (secp256r1_sha256 for P-256, ...), EdDSA; PKCS#1 v1.5 and SHA-1 never.
 */
export function schemeAllowed13(id: number, key: PublicKey | PrivateKey): boolean {
  const s = schemeById(id);
  if (!s || !schemeFitsKey(s, key)) return false;
  if (s.alg.kind === 'rsa-pkcs1') return false;
  if (s.alg.kind === 'ecdsa') {
    if (key.kind !== 'ec') return false;
    const bound = { 'P-256': 0x0403, 'P-384': 0x0503, 'P-521': 0x0603 }[key.curve];
    return id === bound;
  }
  return true;
}

/** Our TLS 1.3 CertificateVerify scheme: the first of ours the peer accepts that 1.3 allows for our key. */
export function chooseOwnScheme13(peerAccepts: readonly number[], ours: readonly number[], key: PrivateKey): { id: number; alg: SigAlg } {
  for (const id of ours) {
    if (peerAccepts.includes(id) && schemeAllowed13(id, key)) return { id, alg: schemeById(id)!.alg };
  }
  throw new TlsError('protocol_no_shared_sigalg', `no TLS 1.3 signature scheme both sides accept for a ${key.kind} key`);
}

/** The algorithm for a peer's TLS 1.3 CertificateVerify: a scheme we offered that 1.3 allows for its key. */
export function peerSigAlg13(id: number, offered: readonly number[], key: PublicKey): SigAlg {
  if (!offered.includes(id)) {
    throw new TlsError('protocol_illegal_parameter', `the peer signed with signature scheme 0x${id.toString(16)}, which was not offered`);
  }
  if (!schemeAllowed13(id, key)) {
    throw new TlsError('protocol_illegal_parameter', `signature scheme 0x${id.toString(16)} is not allowed in TLS 1.3 for the peer's ${key.kind} key`);
  }
  return schemeById(id)!.alg;
}

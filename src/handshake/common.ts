/**
 * Pieces the client and server handshakes share: key schedule to record protection, signature choice,
 * the ServerKeyExchange signature input, and the downgrade sentinel.
 */
import { TlsError } from '../errors.js';
import { concat, equalBytes, toHex } from './codec.js';
import type { HandshakeIO } from '../engine.js';
import { HandshakeType } from './framer.js';
import { decodeFinished, encodeFinished } from './messages.js';
import { createProtection, type Protection } from '../record/protection.js';
import { keyBlock, masterSecret, extendedMasterSecret, handshakeHash, finishedVerifyData } from '../crypto/prf.js';
import { TLS12, type CipherSuite, type ProtocolVersion } from '../crypto/suites.js';
import { schemeById, schemeFitsKey } from '../crypto/sig.js';
import type { PublicKey, PrivateKey, SigAlg } from '../crypto/types.js';

/** RFC 8446 §4.1.3: the last 8 bytes of ServerHello.random from a TLS 1.2+ server negotiating 1.1 or below. */
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);
/** Where the sentinel starts in the 32-byte random. */
export const DOWNGRADE_SENTINEL_OFFSET = 32 - DOWNGRADE_TLS11.length;

export const EC_POINT_UNCOMPRESSED = 0;

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

/** The master secret, extended (RFC 7627, bound to the transcript through ClientKeyExchange) or classic. */
export function deriveMaster(
  version: ProtocolVersion,
  suite: CipherSuite,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  ems: boolean,
  transcriptThroughCke: Uint8Array,
): Uint8Array {
  return ems
    ? extendedMasterSecret(version, suite.prfHash, premaster, handshakeHash(version, suite.prfHash, transcriptThroughCke))
    : masterSecret(version, suite.prfHash, premaster, clientRandom, serverRandom);
}

/** Record protection for both directions from the master secret. */
export async function deriveProtections(
  io: HandshakeIO,
  role: 'client' | 'server',
  version: ProtocolVersion,
  suite: CipherSuite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  encryptThenMac: boolean,
): Promise<{ read: Protection; write: Protection }> {
  const kb = keyBlock(version, suite, master, clientRandom, serverRandom);
  const common = { suite, version, provider: io.provider, random: io.random, encryptThenMac };
  const client = await createProtection({ ...common, key: kb.clientKey, macKey: kb.clientMacKey, iv: kb.clientIv });
  const server = await createProtection({ ...common, key: kb.serverKey, macKey: kb.serverMacKey, iv: kb.serverIv });
  return role === 'client' ? { read: server, write: client } : { read: client, write: server };
}

/** Our Finished (RFC 5246 §7.4.9): verify_data over every handshake message so far. */
export async function sendFinished(
  io: HandshakeIO,
  role: 'client' | 'server',
  version: ProtocolVersion,
  suite: CipherSuite,
  master: Uint8Array,
): Promise<void> {
  const verifyData = finishedVerifyData(version, suite.prfHash, master, role, io.transcript.bytes());
  await io.send(HandshakeType.finished, encodeFinished({ verifyData }));
}

/** The peer's Finished, which must match the transcript before it (compared in constant time). */
export async function readFinished(
  io: HandshakeIO,
  peer: 'client' | 'server',
  version: ProtocolVersion,
  suite: CipherSuite,
  master: Uint8Array,
): Promise<void> {
  const expected = finishedVerifyData(version, suite.prfHash, master, peer, io.transcript.bytes());
  const fin = decodeFinished((await io.expect(HandshakeType.finished)).body);
  if (!equalBytes(fin.verifyData, expected)) {
    throw new TlsError('crypto_bad_finished', `the ${peer} Finished does not match the handshake (tampering, or a different key)`);
  }
}

/** What ServerKeyExchange signs: client_random + server_random + params. */
export function serverParamsSignedData(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  return concat(clientRandom, serverRandom, params);
}

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

/** The NSS key log line (SSLKEYLOGFILE format) that lets Wireshark decrypt a TLS 1.0–1.2 connection. */
export function keyLogLine(clientRandom: Uint8Array, master: Uint8Array): string {
  return `CLIENT_RANDOM ${toHex(clientRandom)} ${toHex(master)}`;
}

/**
 * The TLS 1.0–1.2 key derivation (RFC 5246 §8, §6.3, RFC 7627): premaster to master secret, master secret to the
 * record protection of both directions, Finished, and the key log line.
 */
import { TlsError } from '../errors.js';
import { equalBytes, toHex } from './codec.js';
import type { HandshakeIO } from './io.js';
import { HandshakeType } from './framer.js';
import { decodeFinished, encodeFinished } from './messages.js';
import { createProtection, type Protection } from '../record/protection.js';
import { keyBlock, masterSecret, extendedMasterSecret, handshakeHash, finishedVerifyData } from '../crypto/prf.js';
import type { Tls12Suite, ProtocolVersion } from '../crypto/suites.js';
import type { HashProvider } from '../crypto/types.js';

/** The master secret, extended (RFC 7627, bound to the transcript through ClientKeyExchange) or classic. */
export function deriveMaster(
  version: ProtocolVersion,
  suite: Tls12Suite,
  premaster: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  ems: boolean,
  transcriptThroughCke: Uint8Array,
  /** The provider's hashes (native on Node); noble's when absent. */
  hashes?: HashProvider,
): Uint8Array {
  return ems
    ? extendedMasterSecret(version, suite.prfHash, premaster, handshakeHash(version, suite.prfHash, transcriptThroughCke, hashes), hashes)
    : masterSecret(version, suite.prfHash, premaster, clientRandom, serverRandom, hashes);
}

/** Record protection for both directions from the master secret. */
export async function deriveProtections(
  io: HandshakeIO,
  role: 'client' | 'server',
  version: ProtocolVersion,
  suite: Tls12Suite,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  encryptThenMac: boolean,
): Promise<{ read: Protection; write: Protection }> {
  const kb = keyBlock(version, suite, master, clientRandom, serverRandom, io.provider.hashes);
  const common = { suite, version, provider: io.provider, random: io.random, encryptThenMac };
  const client = await createProtection({ ...common, key: kb.clientKey, macKey: kb.clientMacKey, iv: kb.clientIv });
  const server = await createProtection({ ...common, key: kb.serverKey, macKey: kb.serverMacKey, iv: kb.serverIv });
  return role === 'client' ? { read: server, write: client } : { read: client, write: server };
}

/** Our Finished (RFC 5246 §7.4.9): verify_data over every handshake message so far; returns the verify_data. */
export async function sendFinished(
  io: HandshakeIO,
  role: 'client' | 'server',
  version: ProtocolVersion,
  suite: Tls12Suite,
  master: Uint8Array,
): Promise<Uint8Array> {
  const verifyData = finishedVerifyData(version, suite.prfHash, master, role, io.transcript.bytes(), io.provider.hashes);
  await io.send(HandshakeType.finished, encodeFinished({ verifyData }));
  return verifyData;
}

/** The peer's Finished, which must match the transcript before it (compared in constant time). */
export async function readFinished(
  io: HandshakeIO,
  peer: 'client' | 'server',
  version: ProtocolVersion,
  suite: Tls12Suite,
  master: Uint8Array,
): Promise<Uint8Array> {
  const expected = finishedVerifyData(version, suite.prfHash, master, peer, io.transcript.bytes(), io.provider.hashes);
  const fin = decodeFinished((await io.expect(HandshakeType.finished)).body);
  if (!equalBytes(fin.verifyData, expected)) {
    throw new TlsError('crypto_bad_finished', `the ${peer} Finished does not match the handshake (tampering, or a different key)`);
  }
  return expected;
}

/** The NSS key log line (SSLKEYLOGFILE format) that lets Wireshark decrypt a TLS 1.0–1.2 connection. */
export function keyLogLine(clientRandom: Uint8Array, master: Uint8Array): string {
  return `CLIENT_RANDOM ${toHex(clientRandom)} ${toHex(master)}`;
}

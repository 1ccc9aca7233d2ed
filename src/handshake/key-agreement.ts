/**
 * TLS 1.0–1.2 key agreement (RFC 5246 §7.4.3, §7.4.7; RFC 8422; RFC 7919): the premaster secret from the server's
 * ephemeral share (ECDHE, DHE) or from an RSA-encrypted secret, on both sides, and what ServerKeyExchange signs.
 */
import { TlsError } from '../errors.js';
import { concat } from './codec.js';
import type { HandshakeIO } from './io.js';
import * as M from './messages.js';
import { decryptPremaster, ecdheShare } from '../crypto/ops.js';
import { rsaEncryptPkcs1 } from '../crypto/rsa.js';
import { bigIntToMinBytes, bytesToBigInt } from '../crypto/bigint.js';
import { FFDHE, GROUPS, checkDhGroup, dhKeyPair, dhShared, groupById, isEcdheGroup, type FfdheGroupName, type GroupName } from '../crypto/kex.js';
import type { EcdheGroup, PrivateKey, PublicKey } from '../crypto/types.js';

/** ECPointFormat uncompressed: the only one RFC 8422 keeps. */
export const EC_POINT_UNCOMPRESSED = 0;

/** What ServerKeyExchange signs: client_random + server_random + params. */
export function serverParamsSignedData(clientRandom: Uint8Array, serverRandom: Uint8Array, params: Uint8Array): Uint8Array {
  return concat(clientRandom, serverRandom, params);
}

/**
 * Client: our share answering the server's (already verified) ServerKeyExchange, and the premaster. The ECDHE
 * group must be one we offered; a DHE group must pass the size and safety checks.
 */
export async function clientAgreeEphemeral(
  io: HandshakeIO,
  ske: M.ServerKeyExchange,
  offeredGroups: readonly number[],
  minDhBits: number,
): Promise<{ premaster: Uint8Array; cke: M.ClientKeyExchange; group?: GroupName }> {
  if (ske.kind === 'ECDHE') {
    const name = groupById(ske.group);
    // A plain ECDHE curve we offered: never FFDHE here, nor a hybrid ML-KEM group (TLS 1.3 only).
    if (!isEcdheGroup(name) || !offeredGroups.includes(ske.group)) {
      throw new TlsError('protocol_illegal_parameter', `the server chose group ${ske.group}, which was not offered`);
    }
    const share = await ecdheShare(io.provider, name, io.random);
    return { premaster: await share.agree(ske.publicKey), cke: { kind: 'ECDHE', publicKey: share.pub }, group: name };
  }
  const p = bytesToBigInt(ske.p);
  const g = bytesToBigInt(ske.g);
  checkDhGroup(p, g, minDhBits, io.random);
  const kp = dhKeyPair(p, g, io.random);
  // The group's name when the server used an RFC 7919 prime with generator 2 (its own primes have none).
  const named = g === 2n ? (Object.keys(FFDHE) as FfdheGroupName[]).find((n) => FFDHE[n] === p) : undefined;
  return { premaster: dhShared(p, kp.priv, ske.ys), cke: { kind: 'DHE', yc: kp.pub }, ...(named ? { group: named } : {}) };
}

/** Client, RSA key exchange: the premaster carries the version we offered (RFC 5246 §7.4.7.1) against rollback. */
export function clientRsaPremaster(io: HandshakeIO, serverKey: PublicKey, offeredVersion: number): { premaster: Uint8Array; cke: M.ClientKeyExchange } {
  const premaster = concat(new Uint8Array([offeredVersion >> 8, offeredVersion & 0xff]), io.random(46));
  if (serverKey.kind !== 'rsa') throw new TlsError('protocol_handshake_failure', 'RSA key exchange needs an RSA certificate');
  return { premaster, cke: { kind: 'RSA', encryptedPreMasterSecret: rsaEncryptPkcs1(serverKey, premaster, io.random) } };
}

/** Server: our ephemeral share for ServerKeyExchange, and how to turn the client's answer into the premaster. */
export interface ServerEphemeral {
  params: M.EcdheParams | M.DheParams;
  agree(cke: M.ClientKeyExchange): Promise<Uint8Array>;
}

export async function serverEphemeral(
  io: HandshakeIO,
  chosen: { kind: 'ECDHE'; group: EcdheGroup } | { kind: 'DHE'; group: FfdheGroupName },
): Promise<ServerEphemeral> {
  if (chosen.kind === 'ECDHE') {
    const keys = await ecdheShare(io.provider, chosen.group, io.random);
    return {
      params: { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: GROUPS[chosen.group], publicKey: keys.pub },
      agree: (cke) => keys.agree((cke as Extract<M.ClientKeyExchange, { kind: 'ECDHE' }>).publicKey),
    };
  }
  const p = FFDHE[chosen.group];
  const keys = dhKeyPair(p, 2n, io.random);
  return {
    params: { kind: 'DHE', p: bigIntToMinBytes(p), g: Uint8Array.of(2), ys: keys.pub },
    agree: async (cke) => dhShared(p, keys.priv, (cke as Extract<M.ClientKeyExchange, { kind: 'DHE' }>).yc),
  };
}

/**
 * Server, RSA key exchange (RFC 5246 §7.4.7.1): any decryption, padding or version failure silently becomes a
 * random premaster, so the client only ever learns "Finished did not match" (Bleichenbacher / ROBOT).
 */
export function serverRsaPremaster(io: HandshakeIO, key: PrivateKey, cke: M.ClientKeyExchange, clientVersion: number): Promise<Uint8Array> {
  const rsaKey = key as Extract<PrivateKey, { kind: 'rsa' }>;
  // The provider's raw RSA operation where it has one (node:crypto); the padding check is rsa.ts's either way.
  return decryptPremaster(io.provider, rsaKey, (cke as Extract<M.ClientKeyExchange, { kind: 'RSA' }>).encryptedPreMasterSecret, clientVersion, io.random);
}

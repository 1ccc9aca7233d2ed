/**
 * What both TLS 1.3 roles do with application traffic secrets (RFC 8446 §7.2, §7.3, §4.6.3): turn a secret into
 * record protection, and run KeyUpdate in both directions once the handshake is over.
 */
import { TlsError } from '../errors.js';
import type { HandshakeIO } from './io.js';
import type { HandshakeMessage } from './framer.js';
import * as M13 from './messages13.js';
import { HandshakeType13 as HT13 } from './messages13.js';
import type { Protection } from '../record/protection.js';
import { recordProtection13 } from '../record/protection13.js';
import type { Tls13Suite } from '../crypto/suites.js';
import { nextTrafficSecret, trafficKey } from '../crypto/keyschedule.js';
import type { CryptoProvider } from '../crypto/types.js';

/** Record protection for one direction under a traffic secret (§7.3: key and IV from the secret). */
export async function protection13(provider: CryptoProvider, suite: Tls13Suite, secret: Uint8Array): Promise<Protection> {
  const { key, iv } = await trafficKey(provider, suite.hash, secret, suite.keyLen);
  return recordProtection13(provider, suite.cipher, key, iv);
}

/** Runs `fn` after every write of ours queued on the chain before it (KeyUpdates, post-handshake auth flights). */
export type Serial = (fn: () => Promise<void>) => Promise<void>;

/**
 * Post-handshake key updates (§4.6.3), the same for both roles. A KeyUpdate from the peer moves its read keys on
 * and, when it asks, is answered with our own update (not asking back). Our own updates, asked for by the
 * application or due at the record limit, share one chain with those answers, so two never interleave.
 * `other` gets every other post-handshake message (what each role accepts there differs) and throws for those it
 * does not. The chain is returned, so a flight of several messages (post-handshake authentication, §4.6.2) goes
 * out whole, never with a KeyUpdate inside it. `secrets` is kept current: it holds application_traffic_secret_N.
 */
export function installKeyUpdates(
  io: HandshakeIO,
  suite: Tls13Suite,
  secrets: { ours: Uint8Array; peer: Uint8Array },
  other: (m: HandshakeMessage) => void | Promise<void>,
): Serial {
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  const updateWrite = async (requestPeer: boolean) => {
    await io.send(HT13.key_update, M13.encodeKeyUpdate({ requestUpdate: requestPeer }));
    secrets.ours = await nextTrafficSecret(io.provider, suite.hash, secrets.ours);
    await io.setWriteProtection(await protection13(io.provider, suite, secrets.ours));
  };
  io.setKeyUpdater((requestPeer) => serial(() => updateWrite(requestPeer)));
  io.setPostHandshake(async (m: HandshakeMessage) => {
    if (m.type !== HT13.key_update) return other(m);
    const ku = M13.decodeKeyUpdate(m.body);
    secrets.peer = await nextTrafficSecret(io.provider, suite.hash, secrets.peer);
    io.setReadProtection(await protection13(io.provider, suite, secrets.peer));
    if (ku.requestUpdate) await serial(() => updateWrite(false));
  });
  return serial;
}

/** Thrown by a role's `other` handler for a post-handshake message it does not accept. */
export function unexpectedAfterHandshake(m: HandshakeMessage, from: string): TlsError {
  return new TlsError('protocol_unexpected_message', `handshake message ${m.type} from ${from} after the TLS 1.3 handshake`);
}

/** Building blocks for forged flights: re-signed ServerKeyExchange, rewritten hellos, raw records. */
import * as M from '../../src/handshake/messages.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import { serverParamsSignedData } from '../../src/handshake/key-agreement.js';
import { sign, schemeById } from '../../src/crypto/sig.js';
import { loadIdentity } from '../../src/config.js';
import { seededRandom } from '../../fuzz/rng.js';
import { pki, type Api } from './scripted.js';

const rsaKey = loadIdentity(pki.serverRsa.cert, pki.serverRsa.key).key;
const ecKey = loadIdentity(pki.serverEcdsa.cert, pki.serverEcdsa.key).key;

/** The two randoms of this handshake, seen from the server's script. */
export function randoms(api: Api): { client: Uint8Array; server: Uint8Array } {
  const ch = api.received.find((m) => m.type === HT.client_hello)!.body;
  const sh = api.sent.find((m) => m.type === HT.server_hello)!.body;
  return { client: ch.slice(2, 34), server: sh.slice(2, 34) };
}

/** A ServerKeyExchange (TLS 1.2) carrying `params`, validly signed by the server's real key. */
export function signedSke(api: Api, params: M.EcdheParams | M.DheParams, key: 'rsa' | 'ecdsa' = 'rsa', mangle?: (sig: Uint8Array) => Uint8Array): Uint8Array {
  const { client, server } = randoms(api);
  const encoded = M.encodeServerKeyExchangeParams(params);
  const schemeId = key === 'rsa' ? 0x0804 : 0x0403;
  const sig = sign(schemeById(schemeId)!.alg, key === 'rsa' ? rsaKey : ecKey, serverParamsSignedData(client, server, encoded), seededRandom(5));
  return M.encodeServerKeyExchange({ params: encoded, sigAlg: schemeId, signature: mangle ? mangle(sig) : sig });
}

/** Rewrite a hello body through its codec. */
export function editServerHello(body: Uint8Array, edit: (m: M.ServerHello) => void): Uint8Array {
  const m = M.decodeServerHello(body);
  edit(m);
  return M.encodeServerHello(m);
}
export function editClientHello(body: Uint8Array, edit: (m: M.ClientHello) => void): Uint8Array {
  const m = M.decodeClientHello(body);
  edit(m);
  return M.encodeClientHello(m);
}

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
}

/**
 * Keying material exporters and channel bindings of an established connection: RFC 5705 (TLS 1.0–1.2, with the
 * RFC 7627 rule), tls-unique and tls-server-end-point (RFC 5929). Dispatches on what the handshake handed back, so
 * the TLS 1.3 exporter (RFC 8446 §7.5) slots in beside the 1.2 one.
 */
import { TlsError } from './errors.js';
import type { HandshakeResult } from './handshake/io.js';
import { prf } from './crypto/prf.js';
import { exportKeyingMaterial13 } from './crypto/keyschedule.js';
import type { CryptoProvider } from './crypto/types.js';
import { hash } from './crypto/hash.js';
import { concat } from './bytes.js';
import { parseCertificate } from './x509/certificate.js';
import { endPointHash } from './x509/peercert.js';

/** Labels the TLS 1.0–1.2 key schedule itself uses: an exporter with one of them could reproduce its secrets. */
const RESERVED_LABELS = new Set(['client finished', 'server finished', 'master secret', 'extended master secret', 'key expansion']);

const MAX_EXPORT = 16 * 1024;

export type ChannelBindingType = 'tls-unique' | 'tls-server-end-point' | 'tls-exporter';

/**
 * Keying material of a connection: TLS 1.3 by RFC 8446 §7.5 (from the exporter_master_secret), TLS 1.0–1.2 by
 * RFC 5705. Validation is the same for both.
 */
export async function exportKeyingMaterial(
  result: HandshakeResult,
  provider: CryptoProvider,
  length: number,
  label: string,
  context?: Uint8Array,
): Promise<Uint8Array> {
  checkExportArgs(length, label, context);
  if (result.exporterSecret && result.suite.protocol === 'tls13') {
    // HKDF-Expand's limit: 255 blocks of the hash.
    const max = 255 * (result.suite.hash === 'sha384' ? 48 : 32);
    if (length > max) throw new TlsError('config_invalid', `length must be at most ${max} with this TLS 1.3 suite`);
    return exportKeyingMaterial13(provider, result.suite.hash, result.exporterSecret, label, context ?? null, length);
  }
  return exportKeyingMaterial12(result, length, label, context);
}

function checkExportArgs(length: number, label: string, context: Uint8Array | undefined): void {
  if (!Number.isInteger(length) || length < 1 || length > MAX_EXPORT) throw new TlsError('config_invalid', `length must be an integer in 1..${MAX_EXPORT}`);
  if (typeof label !== 'string' || !label) throw new TlsError('config_invalid', 'label must be a non-empty string');
  if (RESERVED_LABELS.has(label)) throw new TlsError('config_invalid', `'${label}' is a label of the TLS key schedule itself, not an exporter label`);
  if (context !== undefined && !(context instanceof Uint8Array)) throw new TlsError('config_invalid', 'context must be a Uint8Array');
  if (context && context.length > 0xffff) throw new TlsError('config_invalid', 'context must be shorter than 65536 bytes');
}

/** RFC 5705: PRF(master_secret, label, client_random + server_random [+ uint16 context length + context]). */
function exportKeyingMaterial12(result: HandshakeResult, length: number, label: string, context?: Uint8Array): Uint8Array {
  const s = result.tls12;
  if (!s) throw new TlsError('config_invalid', 'this connection has no keying material exporter');
  if (!s.extendedMasterSecret) {
    // RFC 7627 §5.2: without extended master secret, a man in the middle can give two connections the same master
    // secret (triple handshake), so exported keys would not bind to this connection: exporting MUST be disabled.
    throw new TlsError('protocol_no_ems', 'the peer did not negotiate extended master secret (RFC 7627), so keying material cannot be exported safely', { alert: null });
  }
  const seed = context
    ? concat(s.clientRandom, s.serverRandom, new Uint8Array([context.length >> 8, context.length & 0xff]), context)
    : concat(s.clientRandom, s.serverRandom);
  if (result.suite.protocol === 'tls13') throw new TlsError('config_invalid', 'this connection has no keying material exporter');
  return prf(result.version, result.suite.prfHash, s.master, label, seed, length);
}

/**
 * The channel binding of the given type (RFC 5929), as SCRAM-PLUS and friends use them:
 * - tls-unique: the first Finished of the latest handshake (the client's in a full one, the server's in a resumed
 *   one). Without extended master secret a resumed session's Finished can be made to repeat across connections
 *   (triple handshake), so it is refused there.
 * - tls-server-end-point: the hash of the server's certificate, with its signature's hash (SHA-256 for MD5/SHA-1).
 * - tls-exporter (RFC 9266, the one defined for TLS 1.3): 32 bytes exported with label "EXPORTER-Channel-Binding"
 *   and no context (TLS 1.2 only with extended master secret, as every 1.2 export).
 */
export async function channelBinding(result: HandshakeResult, provider: CryptoProvider, role: 'client' | 'server', type: ChannelBindingType): Promise<Uint8Array> {
  switch (type) {
    case 'tls-exporter':
      return exportKeyingMaterial(result, provider, 32, 'EXPORTER-Channel-Binding');
    case 'tls-unique': {
      const s = result.tls12;
      if (!s) throw new TlsError('config_invalid', "tls-unique is only defined for TLS 1.0–1.2 (RFC 9266: use 'tls-exporter')");
      if (result.resumed && !s.extendedMasterSecret) {
        throw new TlsError('protocol_no_ems', 'tls-unique of a session resumed without extended master secret is not unique (triple handshake)', { alert: null });
      }
      return (result.resumed ? s.serverFinished : s.clientFinished).slice();
    }
    case 'tls-server-end-point': {
      const der = role === 'client' ? result.peerChain[0] : result.localChain?.[0];
      if (!der) throw new TlsError('config_invalid', 'there is no server certificate to bind to');
      const cert = parseCertificate(der);
      let h;
      try {
        h = endPointHash(cert);
      } catch (e) {
        throw new TlsError('config_invalid', (e as Error).message);
      }
      return hash(h, der);
    }
    default:
      throw new TlsError('config_invalid', `unknown channel binding type '${String(type)}' (tls-unique, tls-server-end-point)`);
  }
}

/** The verify_data of the latest Finished this side sent (mine) or received (peer's), as Node's getFinished(). */
export function finishedOf(result: HandshakeResult, role: 'client' | 'server', whose: 'mine' | 'peer'): Uint8Array | undefined {
  const s = result.tls12;
  if (!s) return undefined;
  const client = (role === 'client') === (whose === 'mine');
  return (client ? s.clientFinished : s.serverFinished).slice();
}

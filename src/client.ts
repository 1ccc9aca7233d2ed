/** connect(): a TLS client over any ByteStream. */
import { TlsError, CertificateError } from './errors.js';
import { Engine, type EngineLimits } from './engine.js';
import { establish, type TlsConnection, type HandshakeResult } from './connection.js';
import { clientHandshake, type ClientHandshakeConfig } from './handshake/client.js';
import type { ByteStream } from './transport/types.js';
import type { PemInput } from './pem.js';
import type { CipherSuiteOption, TlsVersion } from './crypto/suites.js';
import type { SignatureSchemeName } from './crypto/sig.js';
import type { GroupOptionName } from './config.js';
import type { CryptoProvider, RandomSource } from './crypto/types.js';
import { defaultProvider } from './crypto/provider.js';
import { normalizeCheckedName, type SessionPolicy, type TlsSession } from './handshake/session.js';
import type { MaxFragmentLength } from './handshake/extensions.js';
import { cipherSuites, loadIdentity, makePathVerifier, namedGroups, peerNameOf, signatureSchemes, versionRange, type VerifyMode } from './config.js';
import { peerCertificateFromDer } from './peer.js';
import { certificateSetId, derId, loadTrustAnchors } from './config.js';
import type { SessionStore } from './handshake/session-cache.js';
import type { Verification } from './handshake/client.js';
import { checkOcspResponse } from './x509/ocsp.js';
import type { Certificate } from './x509/certificate.js';

export interface ConnectOptions {
  transport: ByteStream;
  /** SNI (DNS names only) and the identity checked: a DNS name or an IP literal. */
  serverName?: string;
  /** Trust anchors: PEM bundle(s) or DER. Default: the system bundle (Node); required in browsers. */
  ca?: PemInput | PemInput[];
  /** Default 'required'. 'optional' completes the handshake and reports the result in `connection.verification`. */
  verify?: VerifyMode;
  /** Check the certificate's names against serverName. Default true; false only checks the chain. */
  checkHostname?: boolean;
  /** Default: TLS 1.2 only. */
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** IANA names (e.g. 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), in preference order. */
  cipherSuites?: CipherSuiteOption[];
  /** Named groups to offer, e.g. ['x25519', 'secp256r1']. */
  groups?: GroupOptionName[];
  /** TLS 1.2 signature schemes to accept, e.g. ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256']. */
  signatureAlgorithms?: SignatureSchemeName[];
  /** Client certificate chain (leaf first) and key, sent when the server asks. */
  cert?: PemInput;
  key?: PemInput;
  /** Passphrase for an encrypted PKCS#8 key. */
  passphrase?: string;
  alpnProtocols?: string[];
  /**
   * Offer to resume this session (from an earlier connection's `session`). It is offered only when what it was
   * verified under satisfies this connection: a verifying connection never resumes a session whose chain was not
   * verified, or was verified against other trust anchors or for another name (a full handshake happens instead).
   */
  session?: TlsSession;
  /**
   * Keep sessions here and offer them again without passing `session` by hand: createSessionStore(), or any
   * Map-like object. Looked up and stored under `sessionKey`. Only sessions whose certificate check passed are
   * stored, and a stored session is offered only under the same rules as `session`.
   */
  sessionStore?: SessionStore;
  /** The server identity sessions are stored under. Default: serverName. Use e.g. 'host:port' when names are shared. */
  sessionKey?: string;
  /** Smallest DHE group accepted, in bits (default 2048). */
  minDhBits?: number;
  /** Smallest RSA server key accepted, in bits (default 2048). */
  minRsaBits?: number;
  /** This connection is a fallback retry with a lowered maxVersion: send TLS_FALLBACK_SCSV (RFC 7507). */
  fallback?: boolean;
  /** Connect even to servers without secure renegotiation (RFC 5746). Default false. */
  allowLegacyServer?: boolean;
  /** Refuse servers without extended master secret (RFC 7627). Default false. */
  requireExtendedMasterSecret?: boolean;
  /**
   * Offer sessions made without extended master secret. Default false: RFC 7627 §5.3 says a client SHOULD NOT,
   * since such a session's master secret is not bound to its handshake (triple handshake); a full handshake instead.
   */
  allowNonEmsResumption?: boolean;
  /** Offer encrypt-then-MAC for CBC suites (RFC 7366). Default true. */
  encryptThenMac?: boolean;
  /** Offer session tickets (RFC 5077). Default true. */
  sessionTickets?: boolean;
  /** Ask for a stapled OCSP response. Default false. */
  requestOcsp?: boolean;
  /** Ask the server for smaller records (RFC 6066). */
  maxFragmentLength?: MaxFragmentLength;
  /** Announce the largest record plaintext we accept, 64..16384 (RFC 8449 record_size_limit). */
  recordSizeLimit?: number;
  /** Receives NSS key log lines (the SSLKEYLOGFILE format) for debugging with Wireshark. */
  keyLog?: (line: string) => void;
  /** Fail the handshake after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Injected randomness, clock and crypto provider (tests, special platforms). */
  random?: RandomSource;
  now?: () => Date;
  provider?: CryptoProvider;
  limits?: EngineLimits;
}

export async function connect(o: ConnectOptions): Promise<TlsConnection> {
  if (!o || !o.transport) throw new TlsError('config_invalid', 'connect() needs a transport');
  const mode = o.verify ?? 'required';
  if (!['required', 'optional', 'none'].includes(mode)) throw new TlsError('config_invalid', `verify must be 'required', 'optional' or 'none'`);
  const checkHostname = o.checkHostname ?? true;
  if (mode !== 'none' && checkHostname && !o.serverName) {
    throw new TlsError('config_invalid', "serverName is needed to check the server's identity (or set checkHostname: false, or verify: 'none')");
  }
  const [minVersion, maxVersion] = versionRange(o.minVersion, o.maxVersion);
  const now = o.now ?? (() => new Date());
  const identity = o.cert !== undefined || o.key !== undefined ? loadClientIdentity(o) : undefined;
  const storeKey = o.sessionStore ? (o.sessionKey ?? o.serverName) : undefined;
  const stored = o.session ? undefined : storeKey !== undefined ? o.sessionStore!.get(storeKey) : undefined;
  const session = o.session ?? stored;
  const minRsaBits = o.minRsaBits ?? 2048;
  const minDhBits = o.minDhBits ?? 2048;
  const checkedName = mode !== 'none' && checkHostname && o.serverName ? normalizeCheckedName(peerNameOf(o.serverName).value) : undefined;
  const clientCert = identity ? derId(identity.chain[0]!) : undefined;
  let policy: Promise<SessionPolicy> | undefined;
  // What this connection checks: stamped on the sessions it makes, required of the sessions it offers.
  const sessionPolicy = () =>
    (policy ??= (async (): Promise<SessionPolicy> => ({
      verifyMode: mode,
      ...(checkedName !== undefined ? { checkedName } : {}),
      ...(mode !== 'none' ? { trustAnchors: certificateSetId(await loadTrustAnchors(o.ca)) } : {}),
      minRsaBits,
      minDhBits,
      ...(clientCert ? { clientCert } : {}),
      allowNonEmsResumption: !!o.allowNonEmsResumption,
    }))());
  const verifyPath = makePathVerifier({
    mode,
    ca: o.ca,
    purpose: 'server',
    ...(checkHostname && o.serverName ? { peerName: peerNameOf(o.serverName) } : {}),
    now,
  });
  const cfg: ClientHandshakeConfig = {
    ...(o.serverName ? { serverName: o.serverName } : {}),
    minVersion,
    maxVersion,
    suites: cipherSuites(o.cipherSuites),
    groups: namedGroups(o.groups),
    signatureSchemes: signatureSchemes(o.signatureAlgorithms),
    ...(o.alpnProtocols ? { alpnProtocols: o.alpnProtocols } : {}),
    minDhBits,
    minRsaBits,
    fallbackScsv: !!o.fallback,
    allowLegacyServer: !!o.allowLegacyServer,
    requireExtendedMasterSecret: !!o.requireExtendedMasterSecret,
    encryptThenMac: o.encryptThenMac ?? true,
    sessionTickets: o.sessionTickets ?? true,
    statusRequest: !!o.requestOcsp,
    ...(session ? { session } : {}),
    sessionPolicy,
    ...(identity ? { identity } : {}),
    verifyPeer: withStapleCheck(verifyPath, mode, now),
    ...(o.keyLog ? { keyLog: o.keyLog } : {}),
    ...(o.maxFragmentLength ? { maxFragmentLength: o.maxFragmentLength } : {}),
    ...(o.recordSizeLimit !== undefined ? { recordSizeLimit: o.recordSizeLimit } : {}),
  };
  const engine = new Engine<HandshakeResult>({
    ...(o.random ? { random: o.random } : {}),
    now,
    // WebCrypto for AES where the platform has it, noble otherwise (both pass the same record tests).
    provider: o.provider ?? defaultProvider(),
    ...(o.limits ? { limits: o.limits } : {}),
  });
  const connecting = establish(o.transport, engine, (io) => clientHandshake(io, cfg), peerCertificateFromDer, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  });
  if (storeKey === undefined) return connecting;
  try {
    const conn = await connecting;
    const made = conn.session;
    // Only a session whose chain was verified is kept: the store is shared, and a session from a connection that
    // checked nothing (verify 'none', or 'optional' that failed) must not stand in for a check later.
    if (made?.verification?.ok) o.sessionStore!.set(storeKey, made);
    else if (!made) o.sessionStore!.delete(storeKey);
    return conn;
  } catch (e) {
    // A stored session that ended in failure is not offered again.
    if (stored) o.sessionStore!.delete(storeKey);
    throw e;
  }
}

/**
 * Chain verification followed by the stapled OCSP response, when there is one: it must be a valid, current answer
 * from the issuer on the validated path, or a responder that issuer certified (protocol_bad_certificate_status
 * otherwise), and 'revoked' fails with cert_revoked. With verify 'optional' the first failure is recorded in the
 * verification result instead; a chain that did not verify has no path, so its staple proves nothing either way.
 */
function withStapleCheck(
  verifyPath: (chain: Uint8Array[]) => Promise<{ verification: Verification; path?: Certificate[] }>,
  mode: VerifyMode,
  now: () => Date,
): (chain: Uint8Array[], ocspResponse?: Uint8Array) => Promise<Verification> {
  return async (chain, ocspResponse) => {
    const { verification, path } = await verifyPath(chain);
    if (!ocspResponse || !path) return verification;
    let failure: TlsError | undefined;
    try {
      const r = checkStaple(ocspResponse, path, now());
      if (r.status === 'revoked') {
        failure = new CertificateError('cert_revoked', `certificate verify failed: the stapled OCSP response says the certificate was revoked${r.revocationTime ? ` on ${r.revocationTime.toISOString()}` : ''}`);
      }
    } catch (e) {
      if (!(e instanceof TlsError)) throw e;
      failure = e;
    }
    if (!failure) return verification;
    if (mode === 'required') throw failure;
    return verification.ok ? { ok: false, code: failure.code, message: failure.message } : verification;
  };
}

/**
 * The staple checked against the leaf's issuer on the validated path (leaf first, anchor last) only. Any other
 * certificate the server sent with the same subject is the server's own say-so: a server whose key was revoked
 * could add a look-alike "intermediate" with a key of its own and staple a "good" answer signed with it.
 */
function checkStaple(response: Uint8Array, path: Certificate[], now: Date) {
  const [leaf, issuer] = path;
  if (!leaf || !issuer) {
    throw new TlsError('protocol_bad_certificate_status', 'OCSP response: the certificate is itself a trust anchor, with no issuer to answer for it');
  }
  return checkOcspResponse({ response, leaf, issuer, now });
}

function loadClientIdentity(o: ConnectOptions) {
  if (o.cert === undefined || o.key === undefined) throw new TlsError('config_invalid', 'cert and key go together');
  const id = loadIdentity(o.cert, o.key, o.passphrase);
  return { chain: id.chain, key: id.key };
}

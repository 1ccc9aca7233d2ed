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
import { resolveProvider, type ProviderName } from './crypto/provider.js';
import { normalizeCheckedName, pathNotAfter, type PeerCheck, type SessionPolicy, type TlsSession } from './handshake/session.js';
import type { MaxFragmentLength } from './handshake/extensions.js';
import { cipherSuites, loadIdentity, makePathVerifier, namedGroups, peerNameOf, signatureSchemes, versionRange, type VerifyMode } from './config.js';
import { peerCertificateWithIssuers } from './peer.js';
import { platform } from './platform.js';
import { clientAliases, type NodeClientAliases } from './node-options.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, discardTransport, TimeoutSignal, timeoutOption } from './timeouts.js';
import type { PeerCertificate } from './x509/peercert.js';
import { certificateSetId, derId, loadTrustAnchors, verifyProfileOf } from './config.js';
import type { SessionStore } from './handshake/session-cache.js';
import type { Verification } from './handshake/client.js';
import { checkOcspResponse } from './x509/ocsp.js';
import type { Certificate } from './x509/certificate.js';
import { certificateCodecs } from './handshake/cert-compression.js';

export interface ConnectOptions extends NodeClientAliases {
  /** The byte stream to run TLS over. Omitted: `host` and `port` are connected to (Node entry: a TCP socket). */
  transport?: ByteStream;
  /** Host to open a TCP connection to when there is no `transport` (Node). Default 'localhost'; also the default serverName. */
  host?: string;
  /** Port to open a TCP connection to when there is no `transport` (Node). Required then. */
  port?: number;
  /**
   * SNI (DNS names only) and the identity checked: a DNS name or an IP literal. Omitted: `host` when given;
   * otherwise the handshake refuses to start unless checkHostname is false or verify is 'none'.
   */
  serverName?: string;
  /** Trust anchors: PEM bundle(s) or DER. Omitted: the platform's store (the system bundle on Node); browsers need it. */
  ca?: PemInput | PemInput[];
  /** Omitted: 'required'. 'optional' completes the handshake and reports the result in `connection.verification`. */
  verify?: VerifyMode;
  /** Check the certificate's names against serverName. Omitted: true; false only checks the chain. */
  checkHostname?: boolean;
  /**
   * Called with serverName and the peer certificate (Node's shape, issuerCertificate linked) once the chain and the
   * name have passed: return an Error to refuse the certificate (pinning), undefined to accept it. A refusal fails
   * the handshake with a cert_rejected CertificateError (bad_certificate alert) carrying the Error's message; with
   * verify 'optional' it is recorded in `connection.verification` instead. It runs in addition to the built-in name
   * check (unlike Node's, which replaces it): to skip that, set checkHostname: false. Omitted: no extra check.
   */
  checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined | void;
  /** Certificate profile: 'webpki' (CA/B rules) or 'rfc5280' (private PKIs). Omitted: 'webpki' with the system
   * bundle, 'rfc5280' with `ca`. */
  profile?: 'webpki' | 'rfc5280';
  /** Omitted: TLS 1.2 (or maxVersion, when only a maxVersion below 1.2 is given). */
  minVersion?: TlsVersion;
  /** Omitted: TLS 1.3 ('TLSv1.2' turns TLS 1.3 off). */
  maxVersion?: TlsVersion;
  /** IANA (or OpenSSL) names, in preference order. Omitted: every supported suite, forward-secret AEAD first. */
  cipherSuites?: CipherSuiteOption[];
  /**
   * Named groups to offer, e.g. ['x25519', 'secp256r1']. Omitted: X25519MLKEM768 (TLS 1.3 only), x25519, P-256, P-384,
   * ffdhe2048/3072/4096; a 1.3 ClientHello carries key shares for X25519MLKEM768 and x25519.
   */
  groups?: GroupOptionName[];
  /** TLS 1.2 signature schemes to accept, e.g. ['ecdsa_secp256r1_sha256']. Omitted: all but SHA-1 and MD5 ones. */
  signatureAlgorithms?: SignatureSchemeName[];
  /** Client certificate chain (leaf first), sent when the server asks. Omitted: none is sent (an empty Certificate). */
  cert?: PemInput;
  /** The private key of `cert` (they go together). */
  key?: PemInput;
  /**
   * TLS 1.3: offer post_handshake_auth (RFC 8446 §4.6.2), so the server may ask for `cert` after the handshake
   * (OpenSSL's SSL_verify_client_post_handshake, our `requestClientCertificate()`). Omitted: offered when `cert` is
   * given; false: never (such a request is then unexpected_message).
   */
  postHandshakeAuth?: boolean;
  /** Passphrase for an encrypted PKCS#8 key. Omitted: the key must not be encrypted. */
  passphrase?: string;
  /** ALPN protocols to offer, e.g. ['h2', 'http/1.1']. Omitted: no ALPN extension. */
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
  /** The server identity sessions are stored under. Omitted: serverName. Use e.g. 'host:port' when names are shared. */
  sessionKey?: string;
  /** Smallest DHE group accepted, in bits. Omitted: 2048. */
  minDhBits?: number;
  /** Smallest RSA server key accepted, in bits. Omitted: 2048. */
  minRsaBits?: number;
  /** This connection is a fallback retry with a lowered maxVersion: send TLS_FALLBACK_SCSV (RFC 7507). Omitted: false. */
  fallback?: boolean;
  /** Connect even to servers without secure renegotiation (RFC 5746). Omitted: false (they are refused). */
  allowLegacyServer?: boolean;
  /** Refuse servers without extended master secret (RFC 7627). Omitted: false. */
  requireExtendedMasterSecret?: boolean;
  /**
   * Offer sessions made without extended master secret. Omitted: false: RFC 7627 §5.3 says a client SHOULD NOT,
   * since such a session's master secret is not bound to its handshake (triple handshake); a full handshake instead.
   */
  allowNonEmsResumption?: boolean;
  /** Offer encrypt-then-MAC for CBC suites (RFC 7366). Omitted: true. */
  encryptThenMac?: boolean;
  /** Offer session tickets (RFC 5077; in TLS 1.3 psk_key_exchange_modes, without which servers send none). Omitted: true. */
  sessionTickets?: boolean;
  /**
   * TLS 1.3 early data (0-RTT): sent in the first flight, before the handshake completes, when the session offered
   * (from `session` or `sessionStore`) is a TLS 1.3 ticket that allows early data of this size (the ticket's
   * max_early_data_size), with its cipher suite and ALPN protocol among those configured. `earlyDataAccepted`
   * then says whether the server took it. Data the server refuses (or that could not be sent early) is sent as
   * ordinary application data right after the handshake, so it is never lost; the server reads it once either way.
   * Early data is NOT protected against replay by this end (an attacker can resend the first flight; RFC 8446 §8
   * leaves the defence to the server): send only requests that are safe to run twice (an HTTP GET without side
   * effects), never a payment or a state change. Omitted: none.
   */
  earlyData?: Uint8Array;
  /**
   * TLS 1.3 PSK key exchange modes to offer with a ticket. Omitted: ['psk_dhe_ke'] (a fresh key exchange on every
   * resumption, keeping forward secrecy); 'psk_ke' resumes without one.
   */
  pskModes?: ('psk_dhe_ke' | 'psk_ke')[];
  /**
   * Ask for a stapled OCSP response (checked when one comes). A session is then offered only when its full handshake
   * checked a good staple whose nextUpdate has not passed (a full handshake otherwise, which gets a fresh staple).
   * Omitted: false.
   */
  requestOcsp?: boolean;
  /** Ask the server for smaller records (RFC 6066). Omitted: not asked. */
  maxFragmentLength?: MaxFragmentLength;
  /** Announce the largest record plaintext we accept, 64..16384 (RFC 8449 record_size_limit). Omitted: not announced. */
  recordSizeLimit?: number;
  /** Receives NSS key log lines (the SSLKEYLOGFILE format) for debugging with Wireshark. Omitted: nothing is logged. */
  keyLog?: (line: string) => void;
  /**
   * TLS 1.3 certificate compression (RFC 8879): true (the default) uses every codec this platform has (Node:
   * brotli, then zlib; elsewhere zlib through CompressionStream), a list picks and orders them, false turns it
   * off. The client offers them and decompresses what the server sends, bounded by
   * limits.maxCertificateMessage.
   */
  certificateCompression?: boolean | ('brotli' | 'zlib')[];

  /**
   * Fail with io_timeout (and close the transport) when the TCP connection and handshake take longer than this
   * many milliseconds. Omitted: 120000 (Node's handshakeTimeout); 0: no limit.
   */
  handshakeTimeout?: number;
  /** The older name of handshakeTimeout (used when handshakeTimeout is not given). */
  timeoutMs?: number;
  /**
   * After the handshake: fail the connection with io_timeout (readable and writable error, the transport is closed)
   * when no byte has been read from or written to the transport for this many milliseconds. Omitted or 0: no limit.
   */
  idleTimeout?: number;
  /** Aborting it fails the handshake with io_timeout and closes the transport. Omitted: only the timeout does. */
  signal?: AbortSignal;
  /** Injected randomness (tests, special platforms). Omitted: the platform's CSPRNG. */
  random?: RandomSource;
  /** Injected clock for certificate validity. Omitted: the system clock. */
  now?: () => Date;
  /**
   * Where the primitives come from: 'auto' (omitted: node:crypto on Node through the Node entry, WebCrypto where
   * the platform has it and noble for the rest elsewhere), 'noble' (pure JavaScript everywhere), 'webcrypto',
   * 'node', or a provider object.
   */
  provider?: CryptoProvider | ProviderName;
  /** Size limits (records, messages, chains, buffers). Omitted: the defaults in EngineLimits. */
  limits?: EngineLimits;
  /**
   * The peer's end without close_notify after the handshake, at a record boundary (a "ragged EOF", as a Node 20
   * TLS 1.3 server's end(data) sends it): true ends `readable` cleanly with `truncated` set, as Node's tls and
   * Python's ssl (suppress_ragged_eofs=True) do; false errors `readable` with io_truncated. An end during the
   * handshake or inside a record is io_truncated either way. Omitted: true.
   */
  suppressRaggedEofs?: boolean;
}

/**
 * Opens a TLS connection; resolves once the handshake is complete and the peer verified, rejects with a TlsError
 * otherwise. Whatever happens, a transport given in the options is closed on failure (configuration errors too).
 */
export async function connect(input: ConnectOptions): Promise<TlsConnection> {
  if (!input || typeof input !== 'object') throw new TlsError('config_invalid', 'connect() needs options');
  let prepared: Prepared;
  try {
    prepared = prepare(input);
  } catch (e) {
    if (input.transport) await discardTransport(input.transport, e);
    throw e;
  }
  const { o, cfg, engine, storeKey, stored, handshakeTimeout, serverName } = prepared;
  const timeouts = new TimeoutSignal(handshakeTimeout, o.signal, 'the TCP connection and handshake');
  let transport: ByteStream;
  try {
    transport = o.transport ?? (await openTransport(o, timeouts.signal));
  } catch (e) {
    timeouts.clear();
    const reason: unknown = timeouts.signal.reason;
    throw timeouts.signal.aborted && reason instanceof TlsError ? reason : e;
  }
  const connecting = establish(transport, engine, (io) => clientHandshake(io, cfg), peerCertificateWithIssuers, {
    signal: timeouts.signal,
    ...(o.idleTimeout ? { idleTimeout: o.idleTimeout } : {}),
    role: 'client',
  })
    .then((conn) => (o.checkServerIdentity && conn.resumed ? checkResumed(conn, o, serverName ?? '') : conn))
    .then((conn) => (cfg.earlyData && !conn.earlyDataAccepted ? sendEarlyDataLate(conn, cfg.earlyData) : conn))
    .finally(() => timeouts.clear());
  if (storeKey === undefined) return connecting;
  const store = o.sessionStore!;
  try {
    const conn = await connecting;
    if (conn.version === 'TLSv1.3') {
      // Tickets come after the handshake: each verified one goes into the store as it arrives (and one read already,
      // should the server have sent it with its last flight, goes in now).
      const keep = (s: TlsSession) => {
        if (s.verification?.ok) store.set(storeKey, s);
      };
      if (conn.session) keep(conn.session);
      conn.onSession(keep);
      return conn;
    }
    const made = conn.session;
    // Only a session whose chain was verified is kept: the store is shared, and a session from a connection that
    // checked nothing (verify 'none', or 'optional' that failed) must not stand in for a check later.
    if (made?.verification?.ok) store.set(storeKey, made);
    else if (!made) store.delete(storeKey);
    return conn;
  } catch (e) {
    // A stored session that ended in failure is not offered again (a TLS 1.3 ticket was taken out already).
    if (stored && stored.version !== 0x0304) store.delete(storeKey);
    throw e;
  }
}

interface Prepared {
  o: ConnectOptions;
  cfg: ClientHandshakeConfig;
  engine: Engine<HandshakeResult>;
  storeKey: string | undefined;
  stored: TlsSession | undefined;
  handshakeTimeout: number;
  serverName: string | undefined;
}

/** Every option checked and turned into handshake configuration; throws config_* errors, touches no I/O. */
function prepare(input: ConnectOptions): Prepared {
  const o = clientAliases(input);
  if (!o.transport) {
    if (o.port === undefined) throw new TlsError('config_invalid', 'connect() needs a transport, or host and port');
    if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new TlsError('config_invalid', `port must be an integer in 1..65535, not ${String(o.port)}`);
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || !o.host)) throw new TlsError('config_invalid', 'host must be a non-empty string');
  const serverName = o.serverName ?? (o.host !== undefined ? o.host.replace(/^\[(.*)\]$/, '$1') : undefined);
  if (o.checkServerIdentity !== undefined && typeof o.checkServerIdentity !== 'function') {
    throw new TlsError('config_invalid', 'checkServerIdentity must be a function (hostname, cert) => Error | undefined');
  }
  const handshakeTimeout = timeoutOption(o.handshakeTimeout ?? o.timeoutMs, DEFAULT_HANDSHAKE_TIMEOUT, o.handshakeTimeout !== undefined ? 'handshakeTimeout' : 'timeoutMs');
  timeoutOption(o.idleTimeout, 0, 'idleTimeout');
  const mode = o.verify ?? 'required';
  if (!['required', 'optional', 'none'].includes(mode)) throw new TlsError('config_invalid', `verify must be 'required', 'optional' or 'none'`);
  const checkHostname = o.checkHostname ?? true;
  if (mode !== 'none' && checkHostname && !serverName) {
    throw new TlsError('config_invalid', "serverName is needed to check the server's identity (or set checkHostname: false, or verify: 'none')");
  }
  const [minVersion, maxVersion] = versionRange(o.minVersion, o.maxVersion);
  const now = o.now ?? (() => new Date());
  const identity = o.cert !== undefined || o.key !== undefined ? loadClientIdentity(o) : undefined;
  const storeKey = o.sessionStore ? (o.sessionKey ?? serverName) : undefined;
  const stored = o.session ? undefined : storeKey !== undefined ? takeSession(o.sessionStore!, storeKey) : undefined;
  const session = o.session ?? stored;
  if (o.earlyData !== undefined && !(o.earlyData instanceof Uint8Array)) throw new TlsError('config_invalid', 'earlyData must be a Uint8Array');
  if (o.pskModes !== undefined && (!Array.isArray(o.pskModes) || !o.pskModes.every((m) => m === 'psk_dhe_ke' || m === 'psk_ke'))) {
    throw new TlsError('config_invalid', "pskModes must list 'psk_dhe_ke' and/or 'psk_ke'");
  }
  const minRsaBits = o.minRsaBits ?? 2048;
  const minDhBits = o.minDhBits ?? 2048;
  const checkedName = mode !== 'none' && checkHostname && serverName ? normalizeCheckedName(peerNameOf(serverName).value) : undefined;
  const clientCert = identity ? derId(identity.chain[0]!) : undefined;
  const sigSchemes = signatureSchemes(o.signatureAlgorithms);
  let policy: Promise<SessionPolicy> | undefined;
  // What this connection checks: stamped on the sessions it makes, required of the sessions it offers.
  const sessionPolicy = () =>
    (policy ??= (async (): Promise<SessionPolicy> => ({
      verifyMode: mode,
      ...(checkedName !== undefined ? { checkedName } : {}),
      ...(mode !== 'none' ? { trustAnchors: certificateSetId(await loadTrustAnchors(o.ca)), profile: verifyProfileOf(o.profile, o.ca) } : {}),
      minRsaBits,
      minDhBits,
      ...(clientCert ? { clientCert } : {}),
      allowNonEmsResumption: !!o.allowNonEmsResumption,
      signatureSchemes: sigSchemes,
      ocsp: !!o.requestOcsp,
    }))());
  const verifyPath = makePathVerifier({
    mode,
    ca: o.ca,
    profile: o.profile,
    purpose: 'server',
    ...(checkHostname && serverName ? { peerName: peerNameOf(serverName) } : {}),
    now,
  });
  const cfg: ClientHandshakeConfig = {
    ...(serverName ? { serverName } : {}),
    minVersion,
    maxVersion,
    suites: cipherSuites(o.cipherSuites),
    groups: namedGroups(o.groups),
    signatureSchemes: sigSchemes,
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
    ...(o.postHandshakeAuth === false ? { postHandshakeAuth: false } : {}),
    certCompression: certificateCodecs(o.certificateCompression),
    verifyPeer: o.checkServerIdentity
      ? withIdentityCheck(withStapleCheck(verifyPath, mode, now), mode, serverName ?? '', o.checkServerIdentity)
      : withStapleCheck(verifyPath, mode, now),
    ...(o.keyLog ? { keyLog: o.keyLog } : {}),
    ...(o.maxFragmentLength ? { maxFragmentLength: o.maxFragmentLength } : {}),
    ...(o.recordSizeLimit !== undefined ? { recordSizeLimit: o.recordSizeLimit } : {}),
    ...(o.earlyData?.length ? { earlyData: o.earlyData.slice() } : {}),
    ...(o.pskModes?.length ? { pskModes: o.pskModes } : {}),
  };
  const engine = new Engine<HandshakeResult>({
    ...(o.random ? { random: o.random } : {}),
    now,
    // WebCrypto for AES where the platform has it, noble otherwise (both pass the same record tests).
    provider: resolveProvider(o.provider),
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.suppressRaggedEofs !== undefined ? { suppressRaggedEofs: o.suppressRaggedEofs } : {}),
  });
  return { o, cfg, engine, storeKey, stored, handshakeTimeout, serverName };
}

/**
 * `earlyData` the server did not accept (or that was not sent early: no ticket allowed it) goes as the first
 * application data after the handshake, so the server reads it once either way.
 */
async function sendEarlyDataLate(conn: TlsConnection, data: Uint8Array): Promise<TlsConnection> {
  const w = conn.writable.getWriter();
  try {
    await w.write(data);
  } catch (e) {
    const err = e instanceof TlsError ? e : new TlsError('io_closed', 'the early data could not be sent after the handshake', { cause: e });
    await conn.destroy(err);
    throw err;
  } finally {
    w.releaseLock();
  }
  return conn;
}

/**
 * The session the store holds for this server. A TLS 1.3 ticket is used once (RFC 8446 Appendix C.4): taken out of
 * a store that can (`take`), else deleted from it once read.
 */
function takeSession(store: SessionStore, key: string): TlsSession | undefined {
  if (store.take) return store.take(key);
  const s = store.get(key);
  if (s?.version === 0x0304) store.delete(key);
  return s;
}

/** The TCP connection for connect({ host, port }): the platform's (the Node entry installs one). */
async function openTransport(o: ConnectOptions, signal: AbortSignal): Promise<ByteStream> {
  const openTcp = platform().openTcp;
  if (!openTcp) {
    throw new TlsError('config_invalid', 'no transport: pass transport, or use the Node entry (import from puretls on Node) for host and port');
  }
  // '[::1]' as in a URL: the brackets are not part of the address.
  return openTcp({ host: (o.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1'), port: o.port!, signal });
}

/**
 * checkServerIdentity after the built-in checks: an Error it returns (or throws) refuses the certificate. It is not
 * asked about a chain that already failed (verify 'optional' records that failure).
 */
function withIdentityCheck(
  verify: (chain: Uint8Array[], ocspResponse?: Uint8Array) => Promise<PeerCheck>,
  mode: VerifyMode,
  hostname: string,
  check: NonNullable<ConnectOptions['checkServerIdentity']>,
): (chain: Uint8Array[], ocspResponse?: Uint8Array) => Promise<PeerCheck> {
  return async (chain, ocspResponse) => {
    const checked = await verify(chain, ocspResponse);
    if (mode === 'optional' && !checked.verification.ok) return checked;
    let refusal: unknown;
    try {
      const cert = peerCertificateWithIssuers(chain);
      refusal = cert ? check(hostname, cert) : new Error('the server sent no certificate');
    } catch (e) {
      refusal = e;
    }
    if (refusal === undefined || refusal === null) return checked;
    const message = refusal instanceof Error ? refusal.message : String(refusal);
    const failure = new CertificateError('cert_rejected', message || 'checkServerIdentity refused the certificate', { cause: refusal });
    // An explicit refusal fails the handshake also with verify 'none' (pinning a certificate no CA signed).
    if (mode !== 'optional') throw failure;
    return { verification: { ok: false, code: failure.code, message: failure.message } };
  };
}

/**
 * A resumed session skips the certificate messages, so checkServerIdentity has not seen this connection: it is asked
 * about the certificate the session was made with (sessions may come from connections with another hook, or none).
 * A refusal tears the connection down with a bad_certificate alert and fails connect() like a full handshake would.
 */
async function checkResumed(conn: TlsConnection, o: ConnectOptions, hostname: string): Promise<TlsConnection> {
  let refusal: unknown;
  try {
    const cert = conn.peerCertificate();
    refusal = cert ? o.checkServerIdentity!(hostname, cert) : new Error('the resumed session holds no server certificate');
  } catch (e) {
    refusal = e;
  }
  if (refusal === undefined || refusal === null) return conn;
  const message = refusal instanceof Error ? refusal.message : String(refusal);
  const failure = new CertificateError('cert_rejected', message || 'checkServerIdentity refused the certificate', { cause: refusal });
  if ((o.verify ?? 'required') === 'optional') {
    conn.recordVerificationFailure(failure);
    return conn;
  }
  await conn.destroy(failure);
  throw failure;
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
): (chain: Uint8Array[], ocspResponse?: Uint8Array) => Promise<PeerCheck> {
  return async (chain, ocspResponse) => {
    const { verification, path } = await verifyPath(chain);
    const notAfter = path ? pathNotAfter(path) : undefined;
    const proved: PeerCheck = { verification, ...(notAfter !== undefined ? { notAfter } : {}) };
    if (!ocspResponse || !path) return proved;
    let failure: TlsError | undefined;
    try {
      const r = checkStaple(ocspResponse, path, now());
      if (r.status === 'revoked') {
        failure = new CertificateError('cert_revoked', `certificate verify failed: the stapled OCSP response says the certificate was revoked${r.revocationTime ? ` on ${r.revocationTime.toISOString()}` : ''}`);
      } else if (r.status === 'good' && r.nextUpdate) {
        // What a session made here may rely on later: this answer, until the responder promises a newer one.
        proved.ocspNextUpdate = r.nextUpdate.getTime();
      }
    } catch (e) {
      if (!(e instanceof TlsError)) throw e;
      failure = e;
    }
    if (!failure) return proved;
    if (mode === 'required') throw failure;
    return { verification: verification.ok ? { ok: false, code: failure.code, message: failure.message } : verification };
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

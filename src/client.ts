/** connect(): a TLS client over any ByteStream. */
import { TlsError } from './errors.js';
import { Engine, type EngineLimits } from './engine.js';
import { establish, type TlsConnection, type HandshakeResult } from './connection.js';
import { clientHandshake, type ClientHandshakeConfig } from './handshake/client.js';
import type { ByteStream } from './transport/types.js';
import type { PemInput } from './pem.js';
import type { TlsVersion } from './crypto/suites.js';
import type { CryptoProvider, RandomSource } from './crypto/types.js';
import type { TlsSession } from './handshake/session.js';
import type { MaxFragmentLength } from './handshake/extensions.js';
import { cipherSuites, loadIdentity, makeVerifier, namedGroups, peerNameOf, signatureSchemes, versionRange, type VerifyMode } from './config.js';
import { peerCertificateFromDer } from './peer.js';

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
  cipherSuites?: string[];
  /** Named groups to offer, e.g. ['x25519', 'secp256r1']. */
  groups?: string[];
  /** TLS 1.2 signature schemes to accept, e.g. ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256']. */
  signatureAlgorithms?: string[];
  /** Client certificate chain (leaf first) and key, sent when the server asks. */
  cert?: PemInput;
  key?: PemInput;
  /** Passphrase for an encrypted PKCS#8 key. */
  passphrase?: string;
  alpnProtocols?: string[];
  /** Offer to resume this session (from an earlier connection's `session`). */
  session?: TlsSession;
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
  /** Offer encrypt-then-MAC for CBC suites (RFC 7366). Default true. */
  encryptThenMac?: boolean;
  /** Offer session tickets (RFC 5077). Default true. */
  sessionTickets?: boolean;
  /** Ask for a stapled OCSP response. Default false. */
  requestOcsp?: boolean;
  /** Ask the server for smaller records (RFC 6066). */
  maxFragmentLength?: MaxFragmentLength;
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
  const cfg: ClientHandshakeConfig = {
    ...(o.serverName ? { serverName: o.serverName } : {}),
    minVersion,
    maxVersion,
    suites: cipherSuites(o.cipherSuites),
    groups: namedGroups(o.groups),
    signatureSchemes: signatureSchemes(o.signatureAlgorithms),
    ...(o.alpnProtocols ? { alpnProtocols: o.alpnProtocols } : {}),
    minDhBits: o.minDhBits ?? 2048,
    minRsaBits: o.minRsaBits ?? 2048,
    fallbackScsv: !!o.fallback,
    allowLegacyServer: !!o.allowLegacyServer,
    requireExtendedMasterSecret: !!o.requireExtendedMasterSecret,
    encryptThenMac: o.encryptThenMac ?? true,
    sessionTickets: o.sessionTickets ?? true,
    statusRequest: !!o.requestOcsp,
    ...(o.session ? { session: o.session } : {}),
    ...(identity ? { identity } : {}),
    verifyPeer: makeVerifier({
      mode,
      ca: o.ca,
      purpose: 'server',
      ...(checkHostname && o.serverName ? { peerName: peerNameOf(o.serverName) } : {}),
      now,
    }),
    ...(o.keyLog ? { keyLog: o.keyLog } : {}),
    ...(o.maxFragmentLength ? { maxFragmentLength: o.maxFragmentLength } : {}),
  };
  const engine = new Engine<HandshakeResult>({
    ...(o.random ? { random: o.random } : {}),
    now,
    ...(o.provider ? { provider: o.provider } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
  });
  return establish(o.transport, engine, (io) => clientHandshake(io, cfg), peerCertificateFromDer, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
  });
}

function loadClientIdentity(o: ConnectOptions) {
  if (o.cert === undefined || o.key === undefined) throw new TlsError('config_invalid', 'cert and key go together');
  const id = loadIdentity(o.cert, o.key, o.passphrase);
  return { chain: id.chain, key: id.key };
}

/** accept() and the ServerContext: a TLS server over any ByteStream. */
import { certificateCodecs } from './handshake/cert-compression.js';
import { TlsError } from './errors.js';
import { Engine, type EngineLimits } from './engine.js';
import { establish, type TlsConnection, type HandshakeResult } from './connection.js';
import { identityFitsSuite, serverHandshake, type ClientAuthMode, type ServerHandshakeConfig } from './handshake/server.js';
import type { ByteStream } from './transport/types.js';
import type { PemInput } from './pem.js';
import type { CipherSuiteOption, TlsVersion } from './crypto/suites.js';
import { TLS13 } from './crypto/suites.js';
import type { SignatureSchemeName } from './crypto/sig.js';
import type { GroupOptionName } from './config.js';
import { FFDHE, type FfdheGroupName } from './crypto/kex.js';
import type { CryptoProvider, RandomSource } from './crypto/types.js';
import { resolveProvider, type ProviderName } from './crypto/provider.js';
import { loadCertificates } from './x509/certificate.js';
import { certificateSetId, cipherSuites, loadIdentity, makeVerifier, namedGroups, signatureSchemes, verifyProfileOf, versionRange, type Identity } from './config.js';
import { peerCertificateWithIssuers } from './peer.js';
import { serverAliases } from './node-options.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, discardTransport, timeoutOption } from './timeouts.js';
import { TicketKeyRing, type TicketKey } from './handshake/tickets.js';
import { StrikeRegister } from './handshake/anti-replay.js';
import { ServerSessionCache } from './handshake/session-cache.js';
import { defaultRandom } from './crypto/random.js';
import { MAX_PLAINTEXT } from './record/constants.js';

/** A DER OCSPResponse to staple, or a function asked on each handshake (so a fresh response can be swapped in). */
export type OcspStaple = Uint8Array | (() => Uint8Array | undefined);

/** A certificate chain (leaf first) with its private key. */
export interface ServerIdentityInput {
  /** Certificate chain, leaf first. */
  cert: PemInput;
  /** Its private key. */
  key: PemInput;
  /** For an encrypted PKCS#8 key. Omitted: the context's passphrase. */
  passphrase?: string;
  /** OCSP response for this certificate, stapled when the client asks (status_request). Omitted: none. */
  ocspResponse?: OcspStaple;
}

/**
 * What a virtual-host callback may answer: another context (used whole: its certificates and its policy, client
 * authentication included, and its own sessions), one identity (under this context's policy), or nothing (keep ours).
 */
export type SniResult = ServerContext | ServerIdentityInput | undefined;

/** Everything about a server except the transport and per-connection controls. */
export interface ServerOptions {
  /**
   * Certificate chain (leaf first); or `identities` for several at once (RSA and ECDSA side by side). One of the two
   * is required (omitting both is a configuration error).
   */
  cert?: PemInput;
  /** The private key of `cert` (they go together). */
  key?: PemInput;
  /** Passphrase for encrypted PKCS#8 keys. Omitted: keys must not be encrypted. */
  passphrase?: string;
  /** Several certificate/key pairs, chosen per client by suite and signature algorithms. Omitted: only `cert`/`key`. */
  identities?: ServerIdentityInput[];
  /**
   * Client authentication (CERT_NONE / CERT_OPTIONAL / CERT_REQUIRED). Omitted: 'none'. Node's booleans work too:
   * true asks and, with rejectUnauthorized true or omitted, requires; false does not ask.
   */
  requestCert?: ClientAuthMode | boolean;
  /** Node's companion of requestCert: true (Node's default) or false. Only with a boolean requestCert. */
  rejectUnauthorized?: boolean;
  /** Node's name for alpnProtocols. Omitted: alpnProtocols. */
  ALPNProtocols?: string[];
  /** An OpenSSL-style list of suite names, colon-separated (Node's name); keywords like HIGH are refused. Omitted: cipherSuites. */
  ciphers?: string;
  /**
   * Trust anchors for client certificates; their names go into CertificateRequest. Required when requestCert is
   * 'optional' or 'required': a server that asks for client certificates says whose it accepts (the system bundle
   * holds public web CAs, which vouch for server names, not for your clients).
   */
  ca?: PemInput | PemInput[];
  /** Client-certificate profile: 'webpki' or 'rfc5280'. Omitted: 'webpki' with the system bundle, 'rfc5280' with `ca`. */
  profile?: 'webpki' | 'rfc5280';
  /** Lowest version accepted. Omitted: TLS 1.2 (or maxVersion, when only a maxVersion below 1.2 is given). */
  minVersion?: TlsVersion;
  /** Highest version accepted. Omitted: TLS 1.3 ('TLSv1.2' turns TLS 1.3 off). */
  maxVersion?: TlsVersion;
  /** IANA (or OpenSSL) names, in our preference order. Omitted: every supported suite, forward-secret AEAD first. */
  cipherSuites?: CipherSuiteOption[];
  /** Pick the suite by our order (true) or the client's (false). Omitted: true. */
  honorCipherOrder?: boolean;
  /** ALPN protocols we speak, in preference order. Omitted: ALPN is not answered (no protocol is selected). */
  alpnProtocols?: string[];
  /**
   * Named groups in preference order (ECDHE curves, RFC 7919 groups, the TLS 1.3 hybrids X25519MLKEM768 and
   * SecP256r1MLKEM768). Omitted: X25519MLKEM768, x25519, P-256, P-384, ffdhe2048/3072/4096.
   */
  groups?: GroupOptionName[];
  /** TLS 1.2 signature schemes we sign with and accept for client CertificateVerify. Omitted: all but SHA-1 and MD5 ones. */
  signatureAlgorithms?: SignatureSchemeName[];
  /** RFC 7919 group for DHE when the client names none. Omitted: 'ffdhe2048'. */
  dhGroup?: FfdheGroupName;
  /**
   * Virtual hosts: called with the client's SNI name on every handshake, before resumption or anything else is
   * decided. A returned context is used whole (its client authentication, CAs, versions, suites, ALPN, sessions).
   * Omitted: every client gets this context's identities.
   */
  sniCallback?: (serverName: string) => SniResult | Promise<SniResult>;
  /**
   * Fail a handshake that takes longer than this many milliseconds with io_timeout and close the transport, so a
   * client that stalls does not tie the server up. Omitted: 120000 (Node's handshakeTimeout); 0: no limit.
   */
  handshakeTimeout?: number;
  /** The older name of handshakeTimeout (used when handshakeTimeout is not given). */
  timeoutMs?: number;
  /**
   * After the handshake: fail the connection with io_timeout and close the transport when no byte has been read or
   * written for this many milliseconds. Omitted or 0: no limit.
   */
  idleTimeout?: number;
  /** Injected randomness (tests, special platforms). Omitted: the platform's CSPRNG. */
  random?: RandomSource;
  /** Injected clock (session lifetimes, client certificate validity). Omitted: the system clock. */
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
  /** Sessions remembered for resumption by session id (least recently used out). Omitted: 1024; 0: none. */
  sessionCacheSize?: number;
  /** How long a session can be resumed, in seconds, by id or by ticket. Omitted: 7200. */
  sessionTimeout?: number;
  /** Issue and accept RFC 5077 session tickets. Omitted: true. */
  sessionTickets?: boolean;
  /** TLS 1.3: NewSessionTickets sent after each handshake (Python's num_tickets), 0..16. Omitted: 2, as OpenSSL. */
  numTickets?: number;
  /**
   * TLS 1.3 0-RTT: the most early data (bytes) a client may send with a ticket of ours, and which we then accept and
   * deliver first on `readable` with `earlyDataAccepted` set. Omitted: 0 (off). See the README on what is safe in 0-RTT.
   */
  maxEarlyData?: number;
  /**
   * TLS 1.3 resumption key exchange modes we take (RFC 8446 §4.2.9). psk_dhe_ke (a fresh key share with every
   * resumption: forward secrecy) is always taken and preferred; list 'psk_ke' to also resume a client that offers
   * only psk_ke, without a key share. Omitted: ['psk_dhe_ke'].
   */
  pskKeyExchangeModes?: ('psk_dhe_ke' | 'psk_ke')[];
  /**
   * Resume sessions made without extended master secret. Omitted: false: RFC 7627 §5.3 says a server SHOULD NOT
   * (their master secret is not bound to the handshake: triple handshake); such clients get a full handshake.
   */
  allowNonEmsResumption?: boolean;
  /**
   * Ticket keys, newest first: `name` 16 bytes, `key` 32 bytes (AES-256-GCM). New tickets use the first; all of them
   * open tickets. Omitted: a random key per context. Share them across servers that should resume each other's sessions.
   */
  ticketKeys?: TicketKey[];
  /** OCSP response for `cert`, stapled when the client asks (status_request). Omitted: none. See also identities[].ocspResponse. */
  ocspResponse?: OcspStaple;
  /** record_size_limit announced to clients that send one (RFC 8449): 64..16384. Omitted: 16384. */
  recordSizeLimit?: number;
  /** Receives NSS key log lines (the SSLKEYLOGFILE format) for debugging with Wireshark. Omitted: nothing is logged. */
  keyLog?: (line: string) => void;
  /**
   * TLS 1.3 certificate compression (RFC 8879): true (the default) uses every codec this platform has (Node:
   * brotli, then zlib; elsewhere zlib through CompressionStream), a list picks and orders them, false turns it
   * off. The server compresses its Certificate with the first of them the client offers.
   */
  certificateCompression?: boolean | ('brotli' | 'zlib')[];
}

export interface AcceptOptions extends ServerOptions {
  /** The byte stream to run TLS over; closed on any failure, configuration errors included. */
  transport: ByteStream;
  /**
   * Shared server state from createServerContext(); the options above are then taken from it (handshakeTimeout,
   * idleTimeout, keyLog and the injections given here still win). Omitted: a context is built from these options.
   */
  context?: ServerContext;
  /** Aborting it fails the handshake with io_timeout and closes the transport. Omitted: only the timeout does. */
  signal?: AbortSignal;
}

/**
 * Server state built once and shared by many accept() calls: parsed identities, client-certificate trust anchors
 * and the negotiation policy. Configuration errors surface here, before any byte is sent. The session cache and
 * ticket keys of the sessions issue belong here too, beside `handshake`.
 */
export class ServerContext {
  /** The handshake policy every connection on this context runs with. */
  readonly handshake: ServerHandshakeConfig;
  readonly options: Readonly<ServerOptions>;

  constructor(options: ServerOptions) {
    const o = serverAliases({ ...options });
    timeoutOption(o.handshakeTimeout ?? o.timeoutMs, 0, 'handshakeTimeout');
    timeoutOption(o.idleTimeout, 0, 'idleTimeout');
    this.options = o;
    this.handshake = buildHandshakeConfig(o);
  }

  /**
   * Start sealing new tickets with `next` (a random key when not given); older keys keep opening their tickets
   * until they fall out of the ring (it keeps the 3 newest). Throws if tickets are disabled.
   */
  rotateTicketKeys(next?: TicketKey): void {
    if (!this.handshake.ticketKeys) throw new TlsError('config_invalid', 'session tickets are disabled on this context');
    this.handshake.ticketKeys.rotate(next);
  }

  /** Forget every cached session id (tickets stay valid until their keys are rotated out). */
  flushSessionCache(): void {
    this.handshake.sessionCache?.clear();
  }
}

const staples = new WeakMap<Identity, OcspStaple>();

/** Remember the OCSP response that goes with an identity. */
function withStaple(id: Identity, staple: OcspStaple | undefined): Identity {
  if (staple !== undefined) {
    if (!(staple instanceof Uint8Array) && typeof staple !== 'function') {
      throw new TlsError('config_invalid', 'ocspResponse must be DER bytes or a function returning them');
    }
    staples.set(id, staple);
  }
  return id;
}

function stapleFor(id: Identity): Uint8Array | undefined {
  const s = staples.get(id);
  return typeof s === 'function' ? s() : s;
}

/** Session cache, ticket keys and lifetime from the options. */
function pskModes(modes: ServerOptions['pskKeyExchangeModes']): ('psk_dhe_ke' | 'psk_ke')[] {
  if (modes === undefined) return ['psk_dhe_ke'];
  if (!Array.isArray(modes) || modes.some((m) => m !== 'psk_dhe_ke' && m !== 'psk_ke')) {
    throw new TlsError('config_invalid', "pskKeyExchangeModes must be a list of 'psk_dhe_ke' and 'psk_ke'");
  }
  return modes;
}

function sessionConfig(o: ServerOptions): Pick<
  ServerHandshakeConfig,
  'sessionCache' | 'ticketKeys' | 'sessionLifetimeMs' | 'numTickets' | 'maxEarlyData' | 'antiReplay' | 'allowPskKe'
> {
  const timeout = o.sessionTimeout ?? 7200;
  if (!(timeout > 0) || !Number.isFinite(timeout)) throw new TlsError('config_invalid', 'sessionTimeout must be a positive number of seconds');
  const sessionLifetimeMs = timeout * 1000;
  const size = o.sessionCacheSize ?? 1024;
  const numTickets = o.numTickets ?? 2;
  if (!Number.isInteger(numTickets) || numTickets < 0 || numTickets > 16) throw new TlsError('config_invalid', 'numTickets must be a whole number from 0 to 16');
  const maxEarlyData = o.maxEarlyData ?? 0;
  if (!Number.isInteger(maxEarlyData) || maxEarlyData < 0 || maxEarlyData > 0xffffffff) {
    throw new TlsError('config_invalid', 'maxEarlyData must be a whole number of bytes from 0 to 2^32-1');
  }
  return {
    sessionLifetimeMs,
    numTickets,
    maxEarlyData,
    ...(pskModes(o.pskKeyExchangeModes).includes('psk_ke') ? { allowPskKe: true } : {}),
    // One strike register per context: 0-RTT is accepted at most once per ticket (anti-replay.ts).
    ...(maxEarlyData > 0 ? { antiReplay: new StrikeRegister() } : {}),
    ...(size !== 0 ? { sessionCache: new ServerSessionCache(size, sessionLifetimeMs) } : {}),
    ...(o.sessionTickets ?? true ? { ticketKeys: new TicketKeyRing(o.ticketKeys, o.random ?? defaultRandom) } : {}),
  };
}

export function createServerContext(o: ServerOptions): ServerContext {
  if (!o || typeof o !== 'object') throw new TlsError('config_invalid', 'createServerContext() needs options');
  return new ServerContext(o);
}

function loadIdentities(o: ServerOptions): Identity[] {
  const list: ServerIdentityInput[] = [...(o.identities ?? [])];
  if (o.cert !== undefined || o.key !== undefined) {
    if (o.cert === undefined || o.key === undefined) throw new TlsError('config_invalid', 'cert and key go together');
    list.unshift({
      cert: o.cert,
      key: o.key,
      ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
      ...(o.ocspResponse !== undefined ? { ocspResponse: o.ocspResponse } : {}),
    });
  }
  if (!list.length) throw new TlsError('config_invalid', 'a server needs cert and key (or identities)');
  return list.map((i) => withStaple(loadIdentity(i.cert, i.key, i.passphrase ?? o.passphrase), i.ocspResponse));
}

function buildHandshakeConfig(o: ServerOptions): ServerHandshakeConfig {
  const identities = loadIdentities(o);
  const [minVersion, maxVersion] = versionRange(o.minVersion, o.maxVersion);
  const suites = cipherSuites(o.cipherSuites);
  // Node's booleans were turned into these by serverAliases() in the constructor.
  const clientAuth = (o.requestCert ?? 'none') as ClientAuthMode;
  if (!['none', 'optional', 'required'].includes(clientAuth)) {
    throw new TlsError('config_invalid', `requestCert must be 'none', 'optional' or 'required'`);
  }
  const dhGroup = o.dhGroup ?? 'ffdhe2048';
  if (!(dhGroup in FFDHE)) throw new TlsError('config_invalid', `dhGroup '${dhGroup}' is not an RFC 7919 group`);
  // A configuration that can never complete a handshake is a mistake to report now, not per client.
  const usable = suites.some((s) =>
    s.protocol === 'tls13'
      ? maxVersion >= TLS13
      : s.minVersion <= maxVersion && s.maxVersion >= minVersion && identities.some((id) => identityFitsSuite(id, s)),
  );
  if (!usable) throw new TlsError('config_invalid', 'no configured cipher suite fits the certificates and the version range');
  const now = o.now ?? (() => new Date());
  if (clientAuth !== 'none' && o.ca === undefined) {
    throw new TlsError(
      'config_invalid',
      `requestCert '${clientAuth}' needs ca: the certificates that may issue client certificates (the system bundle is not used for clients)`,
    );
  }
  // Loaded also with requestCert 'none': TLS 1.3 post-handshake authentication sends their names too.
  const caCerts = o.ca !== undefined ? loadCertificates(o.ca) : [];
  if (clientAuth !== 'none' && !caCerts.length) throw new TlsError('config_no_ca', 'no certificates found in ca');
  const caNames = caCerts.map((c) => c.subject.der);
  const sni = o.sniCallback;
  if (o.recordSizeLimit !== undefined && !(Number.isInteger(o.recordSizeLimit) && o.recordSizeLimit >= 64 && o.recordSizeLimit <= MAX_PLAINTEXT)) {
    throw new TlsError('config_invalid', `recordSizeLimit must be an integer in 64..${MAX_PLAINTEXT}`);
  }
  return {
    identities,
    ...(sni
      ? {
          virtualHost: async (name: string) => {
            const r = await sni(name);
            if (r === undefined) return undefined;
            // A context is a whole virtual host: its client-auth policy, CAs, versions, suites, ALPN and sessions.
            if (r instanceof ServerContext) return { config: r.handshake };
            return { identities: [withStaple(loadIdentity(r.cert, r.key, r.passphrase), r.ocspResponse)] };
          },
        }
      : {}),
    minVersion,
    maxVersion,
    suites,
    honorCipherOrder: o.honorCipherOrder ?? true,
    groups: namedGroups(o.groups),
    dhGroup,
    signatureSchemes: signatureSchemes(o.signatureAlgorithms),
    ...(o.alpnProtocols?.length ? { alpnProtocols: [...o.alpnProtocols] } : {}),
    clientAuth,
    clientCaNames: caNames,
    clientCaConfigured: caCerts.length > 0,
    certCompression: certificateCodecs(o.certificateCompression),
    // Sessions record it: one made under other client-auth rules (or other client CAs) is not resumed here.
    // What a resumed client-authenticated session was checked under: mode, profile and client CAs.
    clientAuthPolicy: clientAuth === 'none' ? 'none' : `${clientAuth}:${verifyProfileOf(o.profile, o.ca)}:${certificateSetId(caCerts)}`,
    ...(o.allowNonEmsResumption ? { allowNonEmsResumption: true } : {}),
    // A certificate the client chose to send is always checked, also when it was optional (Python's CERT_OPTIONAL).
    verifyClient: makeVerifier({ mode: 'required', ca: o.ca, profile: o.profile, purpose: 'client', now }),
    ...sessionConfig(o),
    ocspResponseFor: stapleFor,
    ...(o.recordSizeLimit !== undefined ? { recordSizeLimit: o.recordSizeLimit } : {}),
    ...(o.keyLog ? { keyLog: o.keyLog } : {}),
  };
}

/** Run the server side of one TLS connection; resolves once the handshake is complete. */
export async function accept(input: AcceptOptions): Promise<TlsConnection> {
  if (!input || !input.transport) throw new TlsError('config_invalid', 'accept() needs a transport');
  let o: AcceptOptions;
  let ctx: ServerContext;
  let handshakeTimeout: number;
  let idleTimeout: number;
  try {
    o = serverAliases(input);
    ctx = o.context ?? createServerContext(o);
    const opts = ctx.options;
    const hs = o.handshakeTimeout ?? o.timeoutMs ?? opts.handshakeTimeout ?? opts.timeoutMs;
    handshakeTimeout = timeoutOption(hs, DEFAULT_HANDSHAKE_TIMEOUT, 'handshakeTimeout');
    idleTimeout = timeoutOption(o.idleTimeout ?? opts.idleTimeout, 0, 'idleTimeout');
  } catch (e) {
    // The transport was handed to us: a configuration error closes it too.
    await discardTransport(input.transport, e);
    throw e;
  }
  const opts = ctx.options;
  // Per-connection injections win over the context's.
  const random = o.random ?? opts.random;
  const now = o.now ?? opts.now;
  // WebCrypto for AES where the platform has it, noble otherwise (both pass the same record tests).
  const provider = resolveProvider(o.provider ?? opts.provider);
  const limits = o.limits ?? opts.limits;
  const suppressRaggedEofs = o.suppressRaggedEofs ?? opts.suppressRaggedEofs;
  const engine = new Engine<HandshakeResult>({
    role: 'server',
    ...(random ? { random } : {}),
    ...(now ? { now } : {}),
    ...(provider ? { provider } : {}),
    ...(limits ? { limits } : {}),
    ...(suppressRaggedEofs !== undefined ? { suppressRaggedEofs } : {}),
  });
  // A per-connection key log wins over the context's.
  const hs = o.context && o.keyLog ? { ...ctx.handshake, keyLog: o.keyLog } : ctx.handshake;
  return establish(o.transport, engine, (io) => serverHandshake(io, hs), peerCertificateWithIssuers, {
    ...(o.signal ? { signal: o.signal } : {}),
    timeoutMs: handshakeTimeout,
    role: 'server',
    ...(idleTimeout ? { idleTimeout } : {}),
  });
}

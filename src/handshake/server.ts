/**
 * The server handshake, version-neutral part: read the ClientHello, choose the version, read what the client
 * offered (SNI, groups, signature schemes, ALPN, session), resume a session or choose the suite, certificate and
 * group, then hand over to the flow of that version: server-tls12.ts (RFC 5246 §7.3).
 */
import type { CertificateCodec } from './cert-compression.js';
import { TlsError } from '../errors.js';
import type { HandshakeIO, HandshakeResult, Verification } from './io.js';
import type { Identity } from '../config.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, findExtension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { openTicket, type ServerSessionState, type TicketKeyRing } from './tickets.js';
import type { PeerCheck } from './session.js';
import type { StrikeRegister } from './anti-replay.js';
import { withinLifetime, type ServerSessionCache } from './session-cache.js';
import { EC_POINT_UNCOMPRESSED } from './key-agreement.js';
import { chooseOwnScheme } from './signature-schemes.js';
import { resumeSessionTls12, serverHandshakeTls12 } from './server-tls12.js';
import { schemesForCertificateVerify13, serverHandshakeTls13 } from './server-tls13.js';
import * as X13 from './extensions13.js';
import { ExtensionType13 as ET13 } from './extensions13.js';
import {
  TLS10,
  TLS12,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  suiteAllowedIn,
  tls12SuiteById,
  TLS13,
  type Tls12Suite,
  type Tls13Suite,
  versionName,
  type CipherSuite,
  type ProtocolVersion,
} from '../crypto/suites.js';
import { FFDHE, GROUPS, groupById, isEcdheGroup, type FfdheGroupName } from '../crypto/kex.js';
import type { EcdheGroup } from '../crypto/types.js';
import { matchesPeerName } from '../hostname/index.js';

export type { Verification };

export type ClientAuthMode = 'none' | 'optional' | 'required';

export interface ServerHandshakeConfig {
  /** Certificates with their keys, in preference order (RSA and ECDSA side by side). */
  identities: readonly Identity[];
  /**
   * Virtual hosts, asked with the SNI name the client sent before anything else is decided: another whole
   * configuration (its client-auth policy, versions, suites, ALPN, session cache and ticket keys: everything), other
   * identities under this configuration's policy, or undefined to keep this one.
   */
  virtualHost?: (serverName: string) => Promise<{ config: ServerHandshakeConfig } | { identities: readonly Identity[] } | undefined>;
  minVersion: ProtocolVersion;
  maxVersion: ProtocolVersion;
  /** Suites we accept, in our preference order. */
  suites: readonly CipherSuite[];
  /** Pick by our order (true) or the client's (false). */
  honorCipherOrder: boolean;
  /** Named group ids in preference order: ECDHE curves and RFC 7919 groups. */
  groups: readonly number[];
  /** The RFC 7919 group used for DHE when the client names none. */
  dhGroup: FfdheGroupName;
  /** TLS 1.2 signature schemes we sign with and accept from clients, in preference order. */
  signatureSchemes: readonly number[];
  alpnProtocols?: readonly string[];
  clientAuth: ClientAuthMode;
  /** DER subject names sent in CertificateRequest.certificate_authorities. */
  clientCaNames: readonly Uint8Array[];
  /**
   * Identity of the client-authentication policy (the mode and the client CA set), recorded in every session and
   * ticket: a session is resumed where clientAuth is not 'none' only when it was made under this same policy.
   * Absent: the mode alone.
   */
  clientAuthPolicy?: string;
  /** Resume sessions made without extended master secret (RFC 7627 §5.3: SHOULD NOT). Default false. */
  allowNonEmsResumption?: boolean;
  /**
   * Check the client's chain (purpose clientAuth, no name): the outcome and the earliest notAfter of the verified path
   * (sessions record it). Throws a CertificateError to fail the handshake.
   */
  verifyClient(chain: Uint8Array[]): Promise<PeerCheck>;
  /**
   * A client CA is configured, so `verifyClient` may be used even where clientAuth is 'none': TLS 1.3
   * post-handshake authentication (`requestClientCertificate()`). Absent: only when clientAuth is not 'none'.
   */
  clientCaConfigured?: boolean;
  /**
   * TLS 1.3: certificate compression codecs (RFC 8879), our preference first: the Certificate goes out compressed
   * with the first one the client offers. Absent or empty: never compressed.
   */
  certCompression?: readonly CertificateCodec[];
  /** Sessions by id, for resumption (absent: ServerHello carries an empty session id, so nothing is resumable by id). */
  sessionCache?: ServerSessionCache;
  /** RFC 5077 ticket keys (absent: no tickets are issued or accepted). */
  ticketKeys?: TicketKeyRing;
  /** How long a session may be resumed (cache entries and tickets), in milliseconds. */
  sessionLifetimeMs: number;
  /** TLS 1.3: NewSessionTickets sent after each handshake (with ticketKeys). Default 2, as OpenSSL. */
  numTickets?: number;
  /**
   * TLS 1.3: the most 0-RTT data accepted per connection (max_early_data_size in our tickets). Default 0: tickets
   * allow no early data, and early data a client sends anyway is skipped (RFC 8446 §4.2.10).
   */
  maxEarlyData?: number;
  /** TLS 1.3: resume with psk_ke (no key share, no forward secrecy) when that is all the client offers. Default false. */
  allowPskKe?: boolean;
  /** TLS 1.3 0-RTT anti-replay (anti-replay.ts): without it no early data is accepted. */
  antiReplay?: StrikeRegister;
  /** The DER OCSP response to staple for an identity when the client sends status_request. */
  ocspResponseFor?: (identity: Identity) => Uint8Array | undefined;
  /** The record_size_limit we announce when the client sends one (RFC 8449). Default 2^14. */
  recordSizeLimit?: number;
  /** NSS key log lines (SSLKEYLOGFILE format). */
  keyLog?: (line: string) => void;
}

/** What the client asked for, read from its hello extensions (each one decoded, so malformed ones fail here). */
export interface Offer {
  serverName?: string;
  /** null: no supported_groups extension. */
  groups: number[] | null;
  /** null: no ec_point_formats extension. */
  pointFormats: number[] | null;
  /** null: no signature_algorithms extension (or not TLS 1.2). */
  sigAlgs: number[] | null;
  alpn: string[] | null;
  ems: boolean;
  etm: boolean;
  secureRenegotiation: boolean;
  /** session_ticket: null when absent, empty when the client asks for a ticket, else the ticket to resume. */
  ticket: Uint8Array | null;
  /** status_request for OCSP. */
  statusRequest: boolean;
  maxFragmentLength?: X.MaxFragmentLength;
  recordSizeLimit?: number;
}

function readOffer(ch: M.ClientHello, version: ProtocolVersion): Offer {
  const ext = ch.extensions;
  const get = (t: number) => findExtension(ext, t);
  const sni = get(ET.server_name);
  const groups = get(ET.supported_groups);
  const pf = get(ET.ec_point_formats);
  const sa = get(ET.signature_algorithms);
  const alpn = get(ET.application_layer_protocol_negotiation);
  const ems = get(ET.extended_master_secret);
  const etm = get(ET.encrypt_then_mac);
  const ri = get(ET.renegotiation_info);
  const ticket = get(ET.session_ticket);
  const status = get(ET.status_request);
  const mfl = get(ET.max_fragment_length);
  const rsl = get(ET.record_size_limit);
  // signature_algorithms means nothing before TLS 1.2 (RFC 5246 §7.4.1.4.1), but must still be well formed.
  if (sa) X.decodeSignatureAlgorithms(sa.data);
  if (ems) X.decodeEmptyExtension(ems.data, ET.extended_master_secret);
  if (etm) X.decodeEmptyExtension(etm.data, ET.encrypt_then_mac);
  // RFC 5746 §3.6: an initial ClientHello's renegotiation_info must be empty.
  if (ri && X.decodeRenegotiationInfo(ri.data).length !== 0) {
    throw new TlsError('protocol_insecure_renegotiation', 'renegotiation_info must be empty in an initial ClientHello');
  }
  const serverName = sni ? X.decodeServerName(sni.data) : null;
  if (sni && serverName === null) throw new TlsError('decode_error', 'server_name extension without a name list');
  const groupList = groups ? X.decodeSupportedGroups(groups.data) : null;
  const pointFormats = pf ? X.decodeEcPointFormats(pf.data) : null;
  // RFC 8422 §5.1.2: a client that names elliptic curves must accept uncompressed points, else the server aborts.
  if (pointFormats && !pointFormats.includes(EC_POINT_UNCOMPRESSED) && groupList?.some((g) => !isFfdhe(g))) {
    throw new TlsError('protocol_illegal_parameter', 'ec_point_formats without the uncompressed format (RFC 8422 §5.1.2)');
  }
  return {
    ...(serverName !== null ? { serverName } : {}),
    groups: groupList,
    pointFormats,
    // signature_algorithms means nothing before TLS 1.2 (RFC 5246 §7.4.1.4.1): ignored there.
    sigAlgs: sa && version >= TLS12 ? X.decodeSignatureAlgorithms(sa.data) : null,
    alpn: alpn ? X.decodeAlpn(alpn.data) : null,
    ems: !!ems,
    etm: !!etm,
    secureRenegotiation: !!ri || ch.cipherSuites.includes(TLS_EMPTY_RENEGOTIATION_INFO_SCSV),
    ticket: ticket ? X.decodeSessionTicket(ticket.data) : null,
    // A client's status_request is never empty (that is the server's acknowledgement); other status types are ignored.
    statusRequest: !!status && X.decodeStatusRequest(status.data)?.statusType === X.CertificateStatusType.ocsp,
    ...(mfl ? { maxFragmentLength: X.decodeMaxFragmentLength(mfl.data) } : {}),
    ...(rsl ? { recordSizeLimit: X.decodeRecordSizeLimit(rsl.data) } : {}),
  };
}

/** Highest version in both ranges; the client's range is [TLS 1.0, client_version]. */
export function negotiateVersion(clientVersion: number, min: ProtocolVersion, max: ProtocolVersion): ProtocolVersion {
  if (clientVersion < TLS10) {
    throw new TlsError('protocol_version', `the client offers at most ${versionName(clientVersion)}; TLS 1.0 or later is needed`);
  }
  const v = Math.min(clientVersion, max) as ProtocolVersion;
  if (v < min) {
    throw new TlsError('protocol_version', `the client offers at most ${versionName(clientVersion)}, below the minimum ${versionName(min)}`);
  }
  return v;
}

const isFfdhe = (id: number) => id >= 256 && id < 512;

/** Our most preferred curve the client supports (RFC 8422 §4: without the extension any curve will do; P-256 is the safe one). */
function chooseEcdheGroup(cfg: ServerHandshakeConfig, offer: Offer): EcdheGroup | null {
  if (offer.pointFormats && !offer.pointFormats.includes(EC_POINT_UNCOMPRESSED)) return null;
  // Plain ECDHE curves only: the hybrid ML-KEM groups are TLS 1.3's (draft-ietf-tls-ecdhe-mlkem).
  const ours = cfg.groups.filter((g) => isEcdheGroup(groupById(g)));
  const pick = offer.groups ? ours.find((g) => offer.groups!.includes(g)) : ours.includes(GROUPS.secp256r1) ? GROUPS.secp256r1 : ours[0];
  return pick === undefined ? null : (groupById(pick) as EcdheGroup);
}

/** RFC 7919 §4: a group the client named, ours first; the default when it named none; no DHE when none is shared. */
function chooseDheGroup(cfg: ServerHandshakeConfig, offer: Offer): FfdheGroupName | null {
  const theirs = offer.groups?.filter(isFfdhe) ?? [];
  if (!theirs.length) return cfg.dhGroup;
  const pick = cfg.groups.find((g) => isFfdhe(g) && theirs.includes(g) && (groupById(g) ?? '') in FFDHE);
  return pick === undefined ? null : (groupById(pick) as FfdheGroupName);
}

/** The certificate key a suite needs: RSA key exchange decrypts with a plain rsaEncryption key. */
export function identityFitsSuite(id: Identity, suite: Tls12Suite): boolean {
  const k = id.key;
  if (suite.auth === 'ECDSA') return k.kind === 'ec' || k.kind === 'ed25519';
  return k.kind === 'rsa' && !(suite.kx === 'RSA' && k.pss);
}

/** supported_groups code points of the curves an ECDSA certificate key can be on. */
const CERT_CURVE_GROUP = { 'P-256': 23, 'P-384': 24, 'P-521': 25 } as const;

/**
 * RFC 8422 §5.1 (and RFC 4492 §5.3 before it): when the client named its curves, an ECDSA certificate must be on one
 * of them. OpenSSL and Go clients refuse a certificate on another curve ("wrong curve"), so choosing it would fail
 * the handshake where another identity (or suite) would have done.
 */
function certCurveOffered(id: Identity, offer: Offer): boolean {
  const k = id.key;
  if (k.kind !== 'ec' || !offer.groups) return true;
  return offer.groups.includes(CERT_CURVE_GROUP[k.curve as keyof typeof CERT_CURVE_GROUP]);
}

export interface Choice {
  suite: Tls12Suite;
  identity: Identity;
  /** Signature scheme for ServerKeyExchange (null before TLS 1.2); absent for RSA key exchange. */
  scheme?: { id: number | null; alg: ReturnType<typeof chooseOwnScheme>['alg'] };
  ecGroup?: EcdheGroup;
  dhGroup?: FfdheGroupName;
}

/**
 * The suite and certificate: walk the suites in the preferred order; a suite qualifies when it is defined for the
 * version, its key exchange can run with what the client offered, and one of the identities fits its
 * authentication (including a signature scheme the client accepts).
 */
export function chooseSuite(
  cfg: ServerHandshakeConfig,
  clientSuites: readonly number[],
  offer: Offer,
  version: ProtocolVersion,
  identities: readonly Identity[],
): Choice {
  const order = cfg.honorCipherOrder
    ? cfg.suites.filter((s): s is Tls12Suite => s.protocol === 'tls12' && clientSuites.includes(s.id))
    : clientSuites.map(tls12SuiteById).filter((s): s is Tls12Suite => !!s && cfg.suites.includes(s));
  const ecGroup = chooseEcdheGroup(cfg, offer);
  const dhGroup = chooseDheGroup(cfg, offer);
  for (const suite of order) {
    if (!suiteAllowedIn(suite, version)) continue;
    if (suite.kx === 'ECDHE' && !ecGroup) continue;
    if (suite.kx === 'DHE' && !dhGroup) continue;
    for (const identity of identities) {
      if (!identityFitsSuite(identity, suite)) continue;
      if (!certCurveOffered(identity, offer)) continue;
      if (suite.kx === 'RSA') return { suite, identity };
      let scheme: Choice['scheme'];
      try {
        scheme = chooseOwnScheme(version, offer.sigAlgs, cfg.signatureSchemes, identity.key);
      } catch {
        continue; // this key cannot sign anything the client accepts; another identity may
      }
      return { suite, identity, scheme, ...(suite.kx === 'ECDHE' ? { ecGroup: ecGroup! } : { dhGroup: dhGroup! }) };
    }
  }
  // RFC 7919 §4: the client named FFDHE groups, none of them is ours, and only a DHE suite was left: that is
  // insufficient_security, not a plain handshake failure.
  if (!dhGroup && offer.groups?.some(isFfdhe) && order.some((s) => s.kx === 'DHE' && suiteAllowedIn(s, version))) {
    throw new TlsError('protocol_insufficient_security', "none of the client's FFDHE groups is acceptable, and no other suite fits (RFC 7919 §4)");
  }
  throw new TlsError('protocol_no_shared_cipher', 'no cipher suite fits both the client\'s offer and our configuration and certificates');
}

/** ALPN (RFC 7301 §3.2): our first protocol the client also offers; none in common is fatal. */
function chooseAlpn(cfg: ServerHandshakeConfig, offered: string[] | null): string | undefined {
  if (!offered || !cfg.alpnProtocols?.length) return undefined;
  const p = cfg.alpnProtocols.find((x) => offered.includes(x));
  if (p === undefined) {
    throw new TlsError('protocol_no_application_protocol', `none of the client's ALPN protocols (${offered.join(', ')}) is configured`);
  }
  return p;
}

/**
 * The configuration this connection runs under: the virtual host's for the client's SNI name, when the user's
 * callback picks one. A context the callback returns brings its whole policy (client authentication above all),
 * not just its certificates; the connection's key log, when set, is kept.
 */
async function configForName(cfg: ServerHandshakeConfig, ch: M.ClientHello): Promise<ServerHandshakeConfig> {
  if (!cfg.virtualHost) return cfg;
  const sni = findExtension(ch.extensions, ET.server_name);
  const name = sni ? X.decodeServerName(sni.data) : null;
  if (name === null) return cfg;
  let chosen: Awaited<ReturnType<NonNullable<ServerHandshakeConfig['virtualHost']>>>;
  try {
    chosen = await cfg.virtualHost(name);
  } catch (e) {
    throw new TlsError('internal_error', `sniCallback failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!chosen) return cfg;
  if ('config' in chosen) return cfg.keyLog ? { ...chosen.config, keyLog: cfg.keyLog } : chosen.config;
  return chosen.identities.length ? { ...cfg, identities: chosen.identities } : cfg;
}

/** Identities for the client's SNI: those whose certificate names the host, else all. */
function identitiesForName(cfg: ServerHandshakeConfig, name: string | undefined): readonly Identity[] {
  if (name === undefined) return cfg.identities;
  // A certificate that does not name the host would fail the client's check anyway, so only named ones compete.
  const named = cfg.identities.filter((id) => matchesPeerName(id.leaf, { kind: 'DNS', value: name }));
  return named.length ? named : cfg.identities;
}

export interface Resumable {
  state: ServerSessionState;
  suite: Tls12Suite;
  /** The ticket was sealed with an older key: give the client one under the newest. */
  renewTicket: boolean;
}

/**
 * A session the client offered that we may resume: from its ticket (RFC 5077), else from our cache by session id.
 * It must still fit: same version, a suite both sides still allow, the same server name, the same extended master
 * secret property (RFC 7627 §5.3), encrypt-then-MAC still offered if the session used it (RFC 7366 §3.1), within its
 * lifetime, and carrying a client certificate if one is now required. Otherwise: a full handshake, never an error.
 */
async function findResumable(io: HandshakeIO, cfg: ServerHandshakeConfig, ch: M.ClientHello, offer: Offer, version: ProtocolVersion): Promise<Resumable | null> {
  let state: ServerSessionState | undefined;
  let renewTicket = false;
  if (offer.ticket?.length && cfg.ticketKeys) {
    const opened = await openTicket(io.provider, cfg.ticketKeys, offer.ticket);
    if (opened) {
      state = opened.state;
      // RFC 5077 §3.4: with an empty session id the client can only tell a resumption by the messages after
      // ServerHello, so answer with a renewed ticket (NewSessionTicket, then ChangeCipherSpec) as OpenSSL does.
      renewTicket = opened.oldKey || ch.sessionId.length === 0;
    }
  }
  if (!state && ch.sessionId.length && cfg.sessionCache) state = cfg.sessionCache.get(ch.sessionId, io.now().getTime());
  if (!state) return null;
  const suite = tls12SuiteById(state.cipherSuite);
  const fits =
    !!suite &&
    state.version === version &&
    cfg.suites.some((s) => s.id === suite.id) &&
    ch.cipherSuites.includes(suite.id) &&
    suiteAllowedIn(suite, version) &&
    (state.serverName ?? '') === (offer.serverName ?? '') &&
    state.extendedMasterSecret === offer.ems &&
    (state.extendedMasterSecret || !!cfg.allowNonEmsResumption) &&
    (!state.encryptThenMac || offer.etm) &&
    withinLifetime(state.createdAt, io.now().getTime(), cfg.sessionLifetimeMs) &&
    clientAuthSatisfied(cfg, state, io.now().getTime());
  return fits ? { state, suite: suite!, renewTicket } : null;
}

/** The schemes a client's CertificateVerify may use under this configuration (TLS 1.3: no PKCS#1 v1.5, no SHA-1). */
function clientSchemesAccepted(cfg: ServerHandshakeConfig, version: number): readonly number[] {
  return version === TLS13 ? schemesForCertificateVerify13(cfg.signatureSchemes) : cfg.signatureSchemes;
}

/** The identity of the client-auth policy sessions record (see ServerHandshakeConfig.clientAuthPolicy). */
export function clientAuthPolicyOf(cfg: ServerHandshakeConfig): string {
  return cfg.clientAuthPolicy ?? cfg.clientAuth;
}

/**
 * A session stands in for client authentication only if it was made under the same policy (mode and client CAs),
 * and, where a certificate is required, carries a verified one. A session carrying a verified client certificate (a
 * resumed connection reports it as verified) is resumed only while every certificate of the client's verified path
 * is within its validity at `nowMs` and only when the client's handshake signature scheme is still one we accept;
 * a state without these facts (a ticket of an older format) is not resumed at all.
 */
export function clientAuthSatisfied(cfg: ServerHandshakeConfig, state: ServerSessionState, nowMs: number): boolean {
  if (state.clientVerified) {
    if (typeof state.clientNotAfter !== 'number' || !(nowMs <= state.clientNotAfter)) return false;
    if (state.clientSignatureScheme !== undefined && !clientSchemesAccepted(cfg, state.version).includes(state.clientSignatureScheme)) return false;
  }
  if (cfg.clientAuth === 'none') return true;
  if (state.clientAuthPolicy !== clientAuthPolicyOf(cfg)) return false;
  return cfg.clientAuth !== 'required' || (state.clientVerified && state.peerChain.length > 0);
}

/**
 * The version (RFC 8446 §4.2.1): from supported_versions when the client sent one (legacy_version is then not
 * used, also when we are capped below 1.3: a client offering only 1.3 gets protocol_version, not a 1.2 hello it
 * did not ask for), the highest both sides support; otherwise from legacy_version, which cannot ask for more than 1.2.
 */
export function chooseVersion(ch: M.ClientHello, min: ProtocolVersion, max: ProtocolVersion): ProtocolVersion {
  const sv = findExtension(ch.extensions, ET13.supported_versions);
  if (!sv) return negotiateVersion(Math.min(ch.version, TLS12), min, Math.min(max, TLS12) as ProtocolVersion);
  const offered = X13.decodeSupportedVersionsClient(sv.data);
  for (let v: number = max; v >= min; v--) {
    if (offered.includes(v)) return v as ProtocolVersion;
  }
  throw new TlsError('protocol_version', `the client offers ${offered.map(versionName).join(', ')}; we accept ${versionName(min)} to ${versionName(max)}`);
}

export async function serverHandshake(io: HandshakeIO, base: ServerHandshakeConfig): Promise<HandshakeResult> {
  // ---- ClientHello
  const chMsg = await io.expect(HT.client_hello);
  const ch = M.decodeClientHello(chMsg.body);
  // The virtual host first: its policy decides everything after, resumption included.
  const cfg = await configForName(base, ch);
  // TLS 1.3 needs one of its own suites: configured with 1.2 suites only, the server stops at 1.2.
  const max = cfg.suites.some((s) => s.protocol === 'tls13') ? cfg.maxVersion : (Math.min(cfg.maxVersion, TLS12) as ProtocolVersion);
  const version = chooseVersion(ch, cfg.minVersion, max);
  if (ch.cipherSuites.includes(TLS_FALLBACK_SCSV) && version < max) {
    throw new TlsError(
      'protocol_inappropriate_fallback',
      `the client retried with ${versionName(version)} as a fallback, but ${versionName(max)} is available (RFC 7507)`,
    );
  }
  const offer = readOffer(ch, version);

  if (version === TLS13) {
    const identities = identitiesForName(cfg, offer.serverName);
    const alpnProtocol = chooseAlpn(cfg, offer.alpn);
    const suites = cfg.suites.filter((s): s is Tls13Suite => s.protocol === 'tls13');
    return serverHandshakeTls13(io, cfg, { ch, chRaw: chMsg.raw, offer, suites, identities, ...(alpnProtocol !== undefined ? { alpnProtocol } : {}) });
  }
  io.setVersion(version);

  // ---- Abbreviated handshake, when the client offered a session we can still resume.
  const resumable = await findResumable(io, cfg, ch, offer, version);
  if (resumable) {
    const r = await resumeSessionTls12(io, cfg, ch, offer, version, resumable, chooseAlpn(cfg, offer.alpn));
    // The certificate a resumed connection stands for (tls-server-end-point): the one this name gets for the suite.
    const suite = r.suite;
    const own = suite.protocol === 'tls13' ? undefined : identitiesForName(cfg, offer.serverName).find((i) => identityFitsSuite(i, suite));
    return own ? { ...r, localChain: own.chain } : r;
  }

  const identities = identitiesForName(cfg, offer.serverName);
  const { suite, identity, scheme, ecGroup, dhGroup } = chooseSuite(cfg, ch.cipherSuites, offer, version, identities);
  const alpnProtocol = chooseAlpn(cfg, offer.alpn);
  return serverHandshakeTls12(io, cfg, { ch, offer, version, suite, identity, scheme, ecGroup, dhGroup, alpnProtocol });
}

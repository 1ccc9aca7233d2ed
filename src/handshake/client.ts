/**
 * The client handshake, version-neutral part: build the ClientHello (with the session we may resume, and the
 * TLS 1.3 key shares), read the ServerHello, check the version and suite it chose, then hand over to the flow of
 * that version: client-tls13.ts (RFC 8446 §2) or client-tls12.ts (RFC 5246 §7.3).
 */
import { TlsError } from '../errors.js';
import type { HandshakeIO, HandshakeResult, Verification } from './io.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, type Extension, findExtension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { equalBytes } from './codec.js';
import { DOWNGRADE_SENTINEL_OFFSET, DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from './downgrade.js';
import { ExtensionType13 as ET13, type KeyShareEntry } from './extensions13.js';
import * as X13 from './extensions13.js';
import {
  CertCompressionAlgorithm,
  ExtensionTypeCompressCertificate as ET_COMPRESS_CERTIFICATE,
  encodeCompressCertificate,
  type CertificateCodec,
} from './cert-compression.js';
import { clientHandshakeTls13, type EarlySent } from './client-tls13.js';
import { fillBinders, obfuscateTicketAge, preSharedKeyPlaceholder, ticketAgeMs, type PskCandidate } from './psk13.js';
import { KeySchedule13, type Tls13Hash } from '../crypto/keyschedule.js';
import { hash as digest } from '../crypto/hash.js';
import { toHex } from './codec.js';
import { protection13 } from './traffic13.js';
import { keyShare13, type GroupShare } from '../crypto/ops.js';
import { GROUPS, groupById, isHybridGroup } from '../crypto/kex.js';
import { EC_POINT_UNCOMPRESSED } from './key-agreement.js';
import { clientHandshakeTls12 } from './client-tls12.js';
import { sessionSatisfies, type PeerCheck, type SessionPolicy, type TlsSession } from './session.js';
import { base64Decode } from '../pem.js';
import {
  TLS10,
  TLS11,
  TLS12,
  TLS13,
  type Tls12Suite,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  suiteAllowedIn,
  suiteById,
  tls13SuiteById,
  versionName,
  type CipherSuite,
  type ProtocolVersion,
} from '../crypto/suites.js';
import type { PrivateKey } from '../crypto/types.js';

export type { Verification };

export interface ClientIdentity {
  /** DER certificates, leaf first. */
  chain: Uint8Array[];
  key: PrivateKey;
}

export interface ClientHandshakeConfig {
  /** SNI host name (a DNS name; IP literals are not sent). */
  serverName?: string;
  minVersion: ProtocolVersion;
  maxVersion: ProtocolVersion;
  suites: readonly CipherSuite[];
  /** Named group ids, in preference order (ECDHE curves and RFC 7919 FFDHE groups). */
  groups: readonly number[];
  signatureSchemes: readonly number[];
  alpnProtocols?: readonly string[];
  /** Smallest DHE prime accepted, in bits. */
  minDhBits: number;
  /** Smallest RSA key accepted for the server's key exchange or signature, in bits. */
  minRsaBits: number;
  /** Send TLS_FALLBACK_SCSV: this is a retry with a lower maximum version (RFC 7507). */
  fallbackScsv: boolean;
  /** Connect to servers that do not support secure renegotiation (RFC 5746). Default false. */
  allowLegacyServer: boolean;
  /** Refuse servers without extended_master_secret (RFC 7627). */
  requireExtendedMasterSecret: boolean;
  /** Offer encrypt_then_mac (RFC 7366) for CBC suites. */
  encryptThenMac: boolean;
  /** Offer session tickets (RFC 5077). */
  sessionTickets: boolean;
  /** Ask for a stapled OCSP response. */
  statusRequest: boolean;
  /** Offer to resume this session (only when it satisfies `sessionPolicy`). */
  session?: TlsSession;
  /**
   * What this connection checks, recorded in the sessions it makes and required of a session before it is offered.
   * Absent: no session is offered (nothing says what a resumed connection may skip).
   */
  sessionPolicy?: () => Promise<SessionPolicy>;
  /** Our certificate for client authentication, if the server asks. */
  identity?: ClientIdentity;
  /**
   * Check the server's chain (and stapled OCSP response): the outcome, and what the verified path proved (recorded in
   * the sessions the connection makes). Throws a CertificateError to fail the handshake.
   */
  verifyPeer(chain: Uint8Array[], ocspResponse?: Uint8Array): Promise<PeerCheck>;
  /** NSS key log lines (SSLKEYLOGFILE format). */
  keyLog?: (line: string) => void;
  /** max_fragment_length to ask for (RFC 6066). */
  maxFragmentLength?: X.MaxFragmentLength;
  /** record_size_limit to announce (RFC 8449): the largest record plaintext we want to receive. */
  recordSizeLimit?: number;
  /**
   * TLS 1.3: the groups (ids, each also in `groups`) that get a key share in the first ClientHello. Absent:
   * X25519MLKEM768 and x25519, those of the two in `groups`, else the first of `groups`; the server can ask for
   * another with a HelloRetryRequest.
   */
  keyShareGroups?: readonly number[];
  /**
   * TLS 1.3: offer post_handshake_auth (RFC 8446 §4.2.6), so the server may ask for `identity` after the handshake.
   * Default: offered when there is an identity.
   */
  postHandshakeAuth?: boolean;
  /** TLS 1.3: certificate compression algorithms to offer (RFC 8879), most preferred first. Absent or empty: none. */
  certCompression?: readonly CertificateCodec[];
  /** TLS 1.3 middlebox compatibility mode (RFC 8446 Appendix D.4): a session id and a ChangeCipherSpec. Default true. */
  middleboxCompat?: boolean;
  /**
   * TLS 1.3 PSK key exchange modes offered with a ticket (RFC 8446 §4.2.9). Absent: psk_dhe_ke only (a fresh
   * (EC)DHE exchange with every resumption, so the resumed connection keeps forward secrecy).
   */
  pskModes?: readonly ('psk_dhe_ke' | 'psk_ke')[];
  /**
   * TLS 1.3 early data (0-RTT, RFC 8446 §2.3): sent in the first flight when the offered ticket allows that much.
   * What the server refuses, connect() sends again as ordinary data once the handshake is done.
   */
  earlyData?: Uint8Array;
}

/** Whether this configuration offers TLS 1.3: the range reaches it and a 1.3 suite is configured. */
export function offersTls13(cfg: ClientHandshakeConfig): boolean {
  return cfg.maxVersion >= TLS13 && cfg.suites.some((s) => s.protocol === 'tls13');
}

/** Whether it offers TLS 1.2 or below: the range reaches below 1.3 and a 1.0–1.2 suite fits it. */
function offersTls12(cfg: ClientHandshakeConfig): boolean {
  return cfg.minVersion <= TLS12 && cfg.suites.some((s) => s.protocol === 'tls12' && s.maxVersion >= cfg.minVersion && s.minVersion <= cfg.maxVersion);
}

/**
 * The groups that get a key share in the first ClientHello: X25519MLKEM768 and x25519 when both are configured
 * (the hybrid first, as browsers send them: a server without ML-KEM still finds its x25519 share and no round trip
 * is lost), else whichever of the two is, else the first group.
 */
function firstShareGroups(cfg: ClientHandshakeConfig): number[] {
  if (cfg.keyShareGroups?.length) return cfg.keyShareGroups.filter((g) => cfg.groups.includes(g));
  const preferred = [GROUPS.X25519MLKEM768, GROUPS.x25519].filter((g) => cfg.groups.includes(g));
  if (preferred.length) return preferred;
  return cfg.groups.length ? [cfg.groups[0]!] : [];
}

function isDnsName(name: string): boolean {
  // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name.
  return !/^[\d.]+$/.test(name) && !name.includes(':') && !name.startsWith('[');
}

/** What a TLS 1.3 offer adds to the hello: the key shares (rebuilt after a HelloRetryRequest) and its cookie. */
export interface Tls13Offer {
  shares: KeyShareEntry[];
  cookie?: Uint8Array;
  /** A resumption PSK: the modes, early_data (first ClientHello only) and pre_shared_key, the last extension. */
  psk?: { candidates: PskCandidate[]; modes: number[]; earlyData: boolean };
}

/** The ALPN protocol the server selected (ServerHello in 1.2, EncryptedExtensions in 1.3): one we offered, or none. */
export function selectedAlpn(cfg: ClientHandshakeConfig, extensions: readonly X.Extension[] | null): string | undefined {
  const alpn = findExtension(extensions, ET.application_layer_protocol_negotiation);
  if (!alpn) return undefined;
  const protocol = X.decodeAlpnSelected(alpn.data);
  if (!cfg.alpnProtocols?.includes(protocol)) {
    throw new TlsError('protocol_illegal_parameter', `the server selected ALPN protocol '${protocol}', which was not offered`);
  }
  return protocol;
}

export function buildClientHello(
  cfg: ClientHandshakeConfig,
  random: Uint8Array,
  sessionId: Uint8Array,
  ticket: Uint8Array | null,
  tls13: Tls13Offer | null,
): M.ClientHello {
  const tls12 = offersTls12(cfg);
  const suites: number[] = [];
  if (tls13) suites.push(...cfg.suites.filter((s) => s.protocol === 'tls13').map((s) => s.id));
  if (tls12) suites.push(...cfg.suites.filter((s) => s.protocol === 'tls12' && s.maxVersion >= cfg.minVersion && s.minVersion <= cfg.maxVersion).map((s) => s.id));
  if (!suites.length) throw new TlsError('config_invalid', 'no cipher suite is allowed in the configured version range');
  if (tls12) {
    suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
    if (cfg.fallbackScsv) suites.push(TLS_FALLBACK_SCSV);
  }
  const tls12Suites = cfg.suites.filter((s): s is Tls12Suite => s.protocol === 'tls12');

  const ext: Extension[] = [];
  if (cfg.serverName && isDnsName(cfg.serverName)) {
    ext.push({ type: ET.server_name, data: X.encodeServerName(cfg.serverName.replace(/\.$/, '')) });
  }
  const ecdhe = !!tls13 || (tls12 && tls12Suites.some((s) => s.kx === 'ECDHE'));
  const dhe = !!tls13 || (tls12 && tls12Suites.some((s) => s.kx === 'DHE'));
  // The hybrid ML-KEM groups exist only in TLS 1.3 (draft-ietf-tls-ecdhe-mlkem): a 1.2-only hello leaves them out.
  const groups = cfg.groups.filter((g) => (isHybridGroup(groupById(g) ?? 'x25519') ? !!tls13 : g >= 256 && g < 512 ? dhe : ecdhe));
  if (groups.length) ext.push({ type: ET.supported_groups, data: X.encodeSupportedGroups(groups) });
  if (tls12 && tls12Suites.some((s) => s.kx === 'ECDHE')) ext.push({ type: ET.ec_point_formats, data: X.encodeEcPointFormats([EC_POINT_UNCOMPRESSED]) });
  if (cfg.maxVersion >= TLS12) {
    // RFC 8446 §4.2.3: rsa_pkcs1_* may sign only certificates in 1.3; a 1.3-only hello keeps them to _cert.
    const handshakeSchemes = tls12 ? cfg.signatureSchemes : cfg.signatureSchemes.filter((id) => !isPkcs1OrSha1(id));
    ext.push({ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms(handshakeSchemes) });
    if (tls13) ext.push({ type: ET13.signature_algorithms_cert, data: X13.encodeSignatureAlgorithmsCert(cfg.signatureSchemes) });
  }
  if (cfg.alpnProtocols?.length) ext.push({ type: ET.application_layer_protocol_negotiation, data: X.encodeAlpn(cfg.alpnProtocols) });
  if (cfg.statusRequest) ext.push({ type: ET.status_request, data: X.encodeStatusRequest() });
  if (cfg.maxFragmentLength) ext.push({ type: ET.max_fragment_length, data: X.encodeMaxFragmentLength(cfg.maxFragmentLength) });
  if (cfg.recordSizeLimit !== undefined) ext.push({ type: ET.record_size_limit, data: X.encodeRecordSizeLimit(cfg.recordSizeLimit) });
  if (tls12) {
    if (cfg.encryptThenMac && tls12Suites.some((s) => s.type === 'cbc')) ext.push({ type: ET.encrypt_then_mac, data: new Uint8Array(0) });
    ext.push({ type: ET.extended_master_secret, data: new Uint8Array(0) });
    if (cfg.sessionTickets) ext.push({ type: ET.session_ticket, data: ticket ? X.encodeSessionTicket(ticket) : new Uint8Array(0) });
  }
  if (tls13) {
    const versions = [TLS13, TLS12, TLS11, TLS10].filter((v) => v >= cfg.minVersion && v <= cfg.maxVersion && (v === TLS13 || tls12));
    ext.push({ type: ET13.supported_versions, data: X13.encodeSupportedVersionsClient(versions) });
    if (tls13.cookie) ext.push({ type: ET13.cookie, data: X13.encodeCookie(tls13.cookie) });
    ext.push({ type: ET13.key_share, data: X13.encodeKeyShareClient(tls13.shares) });
    if (cfg.certCompression?.length) {
      ext.push({ type: ET_COMPRESS_CERTIFICATE, data: encodeCompressCertificate(cfg.certCompression.map((c) => CertCompressionAlgorithm[c.name])) });
    }
    if (cfg.identity && cfg.postHandshakeAuth !== false) ext.push({ type: ET13.post_handshake_auth, data: X13.encodePostHandshakeAuth() });
    // The modes go out whenever tickets are welcome: servers issue 1.3 tickets only to clients that send them.
    if (tls13.psk || cfg.sessionTickets) ext.push({ type: ET13.psk_key_exchange_modes, data: X13.encodePskKeyExchangeModes(tls13.psk?.modes ?? pskModes(cfg)) });
    if (tls13.psk?.earlyData) ext.push({ type: ET13.early_data, data: X13.encodeEarlyDataIndication() });
    if (tls13.psk) ext.push(preSharedKeyPlaceholder(tls13.psk.candidates)); // last (RFC 8446 §4.2.11)
  }
  // The SCSV above signals secure renegotiation support; the extension is not sent alongside it (RFC 5746 §3.4).
  // legacy_version: never above 1.2 (RFC 8446 §4.1.2); 1.3 is offered in supported_versions.
  return { version: Math.min(cfg.maxVersion, TLS12), random, sessionId, cipherSuites: suites, compressionMethods: [0], extensions: ext };
}

/** The psk_key_exchange_modes we offer: psk_dhe_ke unless configured otherwise. */
export function pskModes(cfg: ClientHandshakeConfig): number[] {
  const names = cfg.pskModes?.length ? cfg.pskModes : ['psk_dhe_ke' as const];
  return [...new Set(names.map((n) => X13.PskKeyExchangeMode[n]))];
}

/** The encoded ClientHello body, with the PSK binders filled in when it offers one (`prefix`: the transcript before it). */
export async function encodeHelloWithBinders(io: HandshakeIO, hello: M.ClientHello, psk: Tls13Offer['psk'], prefix?: Uint8Array): Promise<Uint8Array> {
  const body = M.encodeClientHello(hello);
  return psk ? fillBinders(io.provider, body, psk.candidates, prefix) : body;
}

/**
 * The TLS 1.3 session we may offer as a PSK: one whose policy satisfies this connection, for the same server name,
 * with a ticket still within its lifetime (a clock that went back counts as expired) and a suite whose hash one of
 * the configured 1.3 suites shares (the binder and the schedule use that hash).
 */
function resumable13(cfg: ClientHandshakeConfig, policy: SessionPolicy | undefined, nowMs: number): { session: TlsSession; hash: Tls13Hash } | undefined {
  const s = cfg.session;
  if (!s || s.version !== TLS13 || !policy || !offersTls13(cfg) || !sessionSatisfies(s, policy, nowMs)) return undefined;
  if ((s.serverName ?? '') !== (cfg.serverName ?? '')) return undefined;
  if (!s.ticket || s.ticketAgeAdd === undefined || !s.masterSecret) return undefined;
  const suite = tls13SuiteById(s.cipherSuite);
  if (!suite || !cfg.suites.some((x) => x.protocol === 'tls13' && x.hash === suite.hash)) return undefined;
  const age = nowMs - s.createdAt;
  if (age < 0 || age > (s.ticketLifetime ?? 0) * 1000) return undefined;
  return { session: s, hash: suite.hash };
}

/** rsa_pkcs1_* and the SHA-1 schemes: allowed in 1.3 only inside certificates (RFC 8446 §4.2.3). */
export function isPkcs1OrSha1(id: number): boolean {
  return (id & 0xff) === 0x01 || (id >> 8) === 0x02;
}

/**
 * The session we may offer: only to the same server name, within the configured versions and suites. A ticket past
 * the lifetime the server gave it (RFC 5077 §3.3) is not offered; the session id may still be.
 */
function resumable(cfg: ClientHandshakeConfig, policy: SessionPolicy | undefined, nowMs: number): TlsSession | undefined {
  const s = cfg.session;
  if (!s || !policy || !sessionSatisfies(s, policy, nowMs)) return undefined;
  if ((s.serverName ?? '') !== (cfg.serverName ?? '')) return undefined;
  if (s.version < cfg.minVersion || s.version > Math.min(cfg.maxVersion, TLS12)) return undefined;
  if (!cfg.suites.some((x) => x.id === s.cipherSuite)) return undefined;
  if (s.ticket && s.ticketLifetime && nowMs - s.createdAt > s.ticketLifetime * 1000) {
    const { ticket: _expired, ticketLifetime: _hint, ...byId } = s;
    return byId.sessionId ? byId : undefined;
  }
  return s;
}

export async function clientHandshake(io: HandshakeIO, cfg: ClientHandshakeConfig): Promise<HandshakeResult> {
  // ---- ClientHello
  const clientRandom = io.random(32);
  const policy = await cfg.sessionPolicy?.();
  const offer = resumable(cfg, policy, io.now().getTime());
  const offeredTicket = offer?.ticket ? base64Decode(offer.ticket) : null;
  const tls13 = offersTls13(cfg);
  const compat = tls13 && cfg.middleboxCompat !== false;
  // With a ticket we send a fresh session id: the server echoes it if it accepts the ticket (RFC 5077 §3.4). In
  // 1.3's middlebox compatibility mode a fresh one goes out anyway (RFC 8446 Appendix D.4).
  const offeredSessionId = offer ? (offeredTicket ? io.random(32) : base64Decode(offer.sessionId)) : compat ? io.random(32) : new Uint8Array(0);
  const shares = new Map<number, GroupShare>();
  if (tls13) {
    for (const g of firstShareGroups(cfg)) shares.set(g, await keyShare13(io.provider, groupById(g)!, io.random));
  }
  const shareEntries = () => [...shares.values()].map((s) => ({ group: GROUPS[s.group], keyExchange: s.pub }));
  // A TLS 1.3 ticket, offered as a PSK; with early data when it allows that much.
  const nowMs = io.now().getTime();
  const offer13 = tls13 ? resumable13(cfg, policy, nowMs) : undefined;
  let psk: Tls13Offer['psk'];
  let earlyData: Uint8Array | undefined;
  if (offer13) {
    const s = offer13.session;
    const candidate: PskCandidate = {
      identity: base64Decode(s.ticket!),
      obfuscatedTicketAge: obfuscateTicketAge(ticketAgeMs(s.createdAt, nowMs), s.ticketAgeAdd!),
      psk: base64Decode(s.masterSecret),
      hash: offer13.hash,
      kind: 'res',
    };
    // RFC 8446 §4.2.10: 0-RTT with the ticket's suite, within its max_early_data_size, and (with ALPN) its protocol.
    const early = cfg.earlyData;
    if (
      early?.length &&
      (s.maxEarlyData ?? 0) >= early.length &&
      cfg.suites.some((x) => x.id === s.cipherSuite) &&
      (!s.alpnProtocol || cfg.alpnProtocols?.includes(s.alpnProtocol))
    ) {
      earlyData = early;
    }
    psk = { candidates: [candidate], modes: pskModes(cfg), earlyData: !!earlyData };
  }
  const hello = buildClientHello(cfg, clientRandom, offeredSessionId, offeredTicket, tls13 ? { shares: shareEntries(), ...(psk ? { psk } : {}) } : null);
  const offeredExt = new Set(hello.extensions!.map((e) => e.type));
  await io.send(HT.client_hello, await encodeHelloWithBinders(io, hello, psk));
  let early: EarlySent | undefined;
  if (earlyData && offer13) {
    // client_early_traffic_secret over Hash(ClientHello); the compatibility ChangeCipherSpec goes first (Appendix D.4).
    const suite = tls13SuiteById(offer13.session.cipherSuite)!;
    const schedule = await KeySchedule13.start(io.provider, suite.hash, psk!.candidates[0]!.psk);
    const secret = await schedule.clientEarlyTrafficSecret(digest(suite.hash, io.transcript.bytes()));
    cfg.keyLog?.(`CLIENT_EARLY_TRAFFIC_SECRET ${toHex(clientRandom)} ${toHex(secret)}`);
    const prot = await protection13(io.provider, suite, secret);
    io.setRecordVersion(TLS12); // legacy_record_version of protected records (RFC 8446 §5.1)
    if (compat) await io.sendChangeCipherSpec();
    await io.setWriteProtection(prot);
    await io.sendApplicationData(earlyData);
    early = { data: earlyData, suite, prot, sentCcs: compat };
  }

  // ---- ServerHello (or HelloRetryRequest)
  const sh = M.decodeServerHello((await io.expect(HT.server_hello)).body);
  const sv = findExtension(sh.extensions, ET13.supported_versions);
  if (sv) {
    // RFC 8446 §4.2.1: supported_versions in a ServerHello means 1.3 (and only if we offered it).
    if (!tls13) throw new TlsError('protocol_unsupported_extension', 'the server sent supported_versions, which was not offered');
    const selected = X13.decodeSupportedVersionsServer(sv.data);
    if (selected !== TLS13) {
      throw new TlsError('protocol_illegal_parameter', `the server selected ${versionName(selected)} in supported_versions; only TLS 1.3 may be selected there`);
    }
    if (sh.version !== TLS12) throw new TlsError('protocol_illegal_parameter', 'a TLS 1.3 ServerHello must carry legacy_version 0x0303');
    return clientHandshakeTls13(io, cfg, {
      hello,
      sh,
      clientRandom,
      shares,
      compat,
      ...(offer13 && psk ? { psk: { offer: psk, session: offer13.session } } : {}),
      ...(early ? { early } : {}),
      ...(policy ? { policy } : {}),
    });
  }
  // RFC 8446 Appendix D.3: a client that sent 0-RTT data fails a connection the server takes to 1.2 or below.
  if (early) throw new TlsError('protocol_version', 'the server chose TLS 1.2 or below after we sent TLS 1.3 early data');
  const version = sh.version as ProtocolVersion;
  const maxBelow13 = Math.min(cfg.maxVersion, TLS12);
  if (sh.version < cfg.minVersion || sh.version > maxBelow13) {
    throw new TlsError(
      'protocol_version',
      `the server chose ${versionName(sh.version)}, outside the allowed ${versionName(cfg.minVersion)}..${versionName(maxBelow13)}`,
    );
  }
  io.setVersion(version);
  // RFC 8446 §4.1.3: a server able to do better marks a lower version in its random; we offered better, so refuse.
  const tail = sh.random.subarray(DOWNGRADE_SENTINEL_OFFSET);
  if (tls13 && version === TLS12 && equalBytes(tail, DOWNGRADE_TLS12)) {
    throw new TlsError('protocol_downgrade', 'the server signalled a downgrade from TLS 1.3 to 1.2 (RFC 8446 sentinel)');
  }
  if (version < TLS12 && cfg.maxVersion >= TLS12 && (equalBytes(tail, DOWNGRADE_TLS11) || (tls13 && equalBytes(tail, DOWNGRADE_TLS12)))) {
    throw new TlsError('protocol_downgrade', 'the server signalled a downgrade to TLS 1.1 or below (RFC 8446 sentinel)');
  }
  const suite = suiteById(sh.cipherSuite);
  if (!suite || !hello.cipherSuites.includes(sh.cipherSuite)) {
    throw new TlsError('protocol_illegal_parameter', `the server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered`);
  }
  if (suite.protocol !== 'tls12' || !suiteAllowedIn(suite, version)) {
    throw new TlsError('protocol_illegal_parameter', `${suite.name} is not defined for ${versionName(version)}`);
  }
  if (sh.compressionMethod !== 0) throw new TlsError('protocol_illegal_parameter', 'the server chose compression');
  for (const e of sh.extensions ?? []) {
    if ((!offeredExt.has(e.type) || ET13_ONLY.has(e.type)) && e.type !== ET.renegotiation_info) {
      throw new TlsError('protocol_unsupported_extension', `the server sent extension ${X.extensionName(e.type)}, which was not offered`);
    }
  }

  return clientHandshakeTls12(io, cfg, { hello, sh, version, suite, clientRandom, offer, offeredSessionId, ...(policy ? { policy } : {}) });
}

/** Extensions a TLS 1.2 ServerHello must not carry even though a 1.3 offer sent them. */
const ET13_ONLY = new Set<number>([ET13.key_share, ET13.cookie, ET13.signature_algorithms_cert, ET13.supported_versions, ET13.post_handshake_auth, ET_COMPRESS_CERTIFICATE]);

/**
 * The server handshake, straight-line in the order of RFC 5246 §7.3:
 *
 *   ClientHello                  -------->
 *                                                 ServerHello
 *                                                Certificate
 *                                          ServerKeyExchange*
 *                                         CertificateRequest*
 *                                <--------    ServerHelloDone
 *   Certificate*
 *   ClientKeyExchange
 *   CertificateVerify*
 *   [ChangeCipherSpec]
 *   Finished                     -------->
 *                                          [ChangeCipherSpec]
 *                                <--------           Finished
 *
 * with CertificateStatus* after Certificate (a stapled OCSP response) and NewSessionTicket* before our
 * [ChangeCipherSpec] (RFC 5077). The abbreviated handshake resumes a session the client offered by ticket or by
 * session id, right after the ClientHello:
 *
 *   ClientHello                  -------->
 *                                                 ServerHello
 *                                           NewSessionTicket*
 *                                          [ChangeCipherSpec]
 *                                <--------           Finished
 *   [ChangeCipherSpec]
 *   Finished                     -------->
 */
import { TlsError, CertificateError } from '../errors.js';
import type { HandshakeIO } from '../engine.js';
import type { HandshakeResult } from '../connection.js';
import type { Identity } from '../config.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, type Extension, findExtension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { openTicket, sealTicket, type ServerSessionState, type TicketKeyRing } from './tickets.js';
import { withinLifetime, type ServerSessionCache } from './session-cache.js';
import { MAX_PLAINTEXT } from '../record/constants.js';
import {
  DOWNGRADE_SENTINEL_OFFSET,
  DOWNGRADE_TLS11,
  EC_POINT_UNCOMPRESSED,
  chooseOwnScheme,
  deriveMaster,
  deriveProtections,
  peerSigAlg,
  readFinished,
  sendFinished,
  serverParamsSignedData,
  keyLogLine,
} from './common.js';
import {
  TLS10,
  TLS12,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
  TLS_FALLBACK_SCSV,
  suiteAllowedIn,
  suiteById,
  versionName,
  type CipherSuite,
  type ProtocolVersion,
} from '../crypto/suites.js';
import { ecdheShare, signData, verifyData } from '../crypto/ops.js';
import { parseSpki } from '../crypto/keys.js';
import { rsaDecryptPremaster } from '../crypto/rsa.js';
import { bigIntToMinBytes } from '../crypto/bigint.js';
import { FFDHE, GROUPS, dhKeyPair, dhShared, groupById, type FfdheGroupName } from '../crypto/kex.js';
import type { EcdheGroup, EcdheShare, PrivateKey, PublicKey } from '../crypto/types.js';
import { parseCertificate } from '../x509/certificate.js';
import { matchesPeerName } from '../hostname/index.js';

export type Verification = HandshakeResult['verification'];
export type ClientAuthMode = 'none' | 'optional' | 'required';

export interface ServerHandshakeConfig {
  /** Certificates with their keys, in preference order (RSA and ECDSA side by side). */
  identities: readonly Identity[];
  /** Virtual hosts: identities for the SNI name the client sent, or undefined to keep `identities`. */
  identitiesFor?: (serverName: string) => Promise<readonly Identity[] | undefined>;
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
  /** Check the client's chain (purpose clientAuth, no name). Throws a CertificateError to fail the handshake. */
  verifyClient(chain: Uint8Array[]): Promise<Verification>;
  /** Sessions by id, for resumption (absent: ServerHello carries an empty session id, so nothing is resumable by id). */
  sessionCache?: ServerSessionCache;
  /** RFC 5077 ticket keys (absent: no tickets are issued or accepted). */
  ticketKeys?: TicketKeyRing;
  /** How long a session may be resumed (cache entries and tickets), in milliseconds. */
  sessionLifetimeMs: number;
  /** The DER OCSP response to staple for an identity when the client sends status_request. */
  ocspResponseFor?: (identity: Identity) => Uint8Array | undefined;
  /** The record_size_limit we announce when the client sends one (RFC 8449). Default 2^14. */
  recordSizeLimit?: number;
  /** NSS key log lines (SSLKEYLOGFILE format). */
  keyLog?: (line: string) => void;
}

/** What the client asked for, read from its hello extensions (each one decoded, so malformed ones fail here). */
interface Offer {
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
  return {
    ...(serverName !== null ? { serverName } : {}),
    groups: groups ? X.decodeSupportedGroups(groups.data) : null,
    pointFormats: pf ? X.decodeEcPointFormats(pf.data) : null,
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
  const ours = cfg.groups.filter((g) => !isFfdhe(g));
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
export function identityFitsSuite(id: Identity, suite: CipherSuite): boolean {
  const k = id.key;
  if (suite.auth === 'ECDSA') return k.kind === 'ec' || k.kind === 'ed25519';
  return k.kind === 'rsa' && !(suite.kx === 'RSA' && k.pss);
}

interface Choice {
  suite: CipherSuite;
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
    ? cfg.suites.filter((s) => clientSuites.includes(s.id))
    : clientSuites.map(suiteById).filter((s): s is CipherSuite => !!s && cfg.suites.includes(s));
  const ecGroup = chooseEcdheGroup(cfg, offer);
  const dhGroup = chooseDheGroup(cfg, offer);
  for (const suite of order) {
    if (!suiteAllowedIn(suite, version)) continue;
    if (suite.kx === 'ECDHE' && !ecGroup) continue;
    if (suite.kx === 'DHE' && !dhGroup) continue;
    for (const identity of identities) {
      if (!identityFitsSuite(identity, suite)) continue;
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

/** Identities for the client's SNI: the user's virtual host choice, else those whose certificate names the host, else all. */
async function identitiesForName(cfg: ServerHandshakeConfig, name: string | undefined): Promise<readonly Identity[]> {
  if (name === undefined) return cfg.identities;
  if (cfg.identitiesFor) {
    let chosen: readonly Identity[] | undefined;
    try {
      chosen = await cfg.identitiesFor(name);
    } catch (e) {
      throw new TlsError('internal_error', `sniCallback failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (chosen?.length) return chosen;
  }
  // A certificate that does not name the host would fail the client's check anyway, so only named ones compete.
  const named = cfg.identities.filter((id) => matchesPeerName(id.leaf, { kind: 'DNS', value: name }));
  return named.length ? named : cfg.identities;
}

function serverHelloExtensions(
  offer: Offer,
  suite: CipherSuite,
  alpnProtocol: string | undefined,
  encryptThenMac: boolean,
  extra: readonly Extension[] = [],
  resumed = false,
): Extension[] {
  const ext: Extension[] = [];
  if (offer.secureRenegotiation) ext.push({ type: ET.renegotiation_info, data: X.encodeRenegotiationInfo(new Uint8Array(0)) });
  // RFC 6066 §3: an empty server_name acknowledges that the name was used; a resuming server does not send it.
  if (offer.serverName !== undefined && !resumed) ext.push({ type: ET.server_name, data: X.encodeEmptyExtension() });
  if (suite.kx === 'ECDHE' && offer.pointFormats) {
    ext.push({ type: ET.ec_point_formats, data: X.encodeEcPointFormats([EC_POINT_UNCOMPRESSED]) });
  }
  if (alpnProtocol !== undefined) ext.push({ type: ET.application_layer_protocol_negotiation, data: X.encodeAlpnSelected(alpnProtocol) });
  if (offer.ems) ext.push({ type: ET.extended_master_secret, data: X.encodeEmptyExtension() });
  if (encryptThenMac) ext.push({ type: ET.encrypt_then_mac, data: X.encodeEmptyExtension() });
  // session_ticket, status_request and the record limits come from the caller; heartbeat and anything else we do not
  // implement are never acknowledged.
  ext.push(...extra);
  return ext;
}

/**
 * RFC 8449 record_size_limit, which supersedes max_fragment_length when both are offered (§5), or RFC 6066
 * max_fragment_length: the extension to answer with and the cap on the plaintext of the records we send.
 * In TLS 1.2 and earlier the limit counts plaintext only, and cannot exceed 2^14.
 */
function recordLimit(cfg: ServerHandshakeConfig, offer: Offer): { ext?: Extension; cap?: number } {
  if (offer.recordSizeLimit !== undefined) {
    const ours = X.encodeRecordSizeLimit(cfg.recordSizeLimit ?? MAX_PLAINTEXT);
    return { ext: { type: ET.record_size_limit, data: ours }, cap: Math.min(offer.recordSizeLimit, MAX_PLAINTEXT) };
  }
  if (offer.maxFragmentLength !== undefined) {
    const n = offer.maxFragmentLength;
    return { ext: { type: ET.max_fragment_length, data: X.encodeMaxFragmentLength(n) }, cap: n };
  }
  return {};
}

interface Resumable {
  state: ServerSessionState;
  suite: CipherSuite;
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
      renewTicket = opened.oldKey;
    }
  }
  if (!state && ch.sessionId.length && cfg.sessionCache) state = cfg.sessionCache.get(ch.sessionId, io.now().getTime());
  if (!state) return null;
  const suite = suiteById(state.cipherSuite);
  const fits =
    !!suite &&
    state.version === version &&
    cfg.suites.some((s) => s.id === suite.id) &&
    ch.cipherSuites.includes(suite.id) &&
    suiteAllowedIn(suite, version) &&
    (state.serverName ?? '') === (offer.serverName ?? '') &&
    state.extendedMasterSecret === offer.ems &&
    (!state.encryptThenMac || offer.etm) &&
    withinLifetime(state.createdAt, io.now().getTime(), cfg.sessionLifetimeMs) &&
    (cfg.clientAuth !== 'required' || state.peerChain.length > 0);
  return fits ? { state, suite: suite!, renewTicket } : null;
}

async function sendNewSessionTicket(io: HandshakeIO, cfg: ServerHandshakeConfig, state: ServerSessionState): Promise<void> {
  const ticket = await sealTicket(io.provider, cfg.ticketKeys!, state, io.random);
  await io.send(HT.new_session_ticket, M.encodeNewSessionTicket({ lifetimeHint: Math.floor(cfg.sessionLifetimeMs / 1000), ticket }));
}

/** The abbreviated handshake: ServerHello echoing the client's session id, [NewSessionTicket], CCS and Finished first. */
async function resumeSession(
  io: HandshakeIO,
  cfg: ServerHandshakeConfig,
  ch: M.ClientHello,
  offer: Offer,
  version: ProtocolVersion,
  r: Resumable,
): Promise<HandshakeResult> {
  const { state, suite } = r;
  const alpnProtocol = chooseAlpn(cfg, offer.alpn);
  const serverRandom = io.random(32);
  if (version < TLS12 && cfg.maxVersion >= TLS12) serverRandom.set(DOWNGRADE_TLS11, DOWNGRADE_SENTINEL_OFFSET);
  const limit = recordLimit(cfg, offer);
  const extra: Extension[] = [...(limit.ext ? [limit.ext] : [])];
  if (r.renewTicket) extra.push({ type: ET.session_ticket, data: X.encodeEmptyExtension() });
  await io.send(
    HT.server_hello,
    M.encodeServerHello({
      version,
      random: serverRandom,
      // RFC 5077 §3.4 and RFC 5246 §7.4.1.3: the client's session id comes back to say "resumed".
      sessionId: ch.sessionId,
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions: serverHelloExtensions(offer, suite, alpnProtocol, state.encryptThenMac, extra, true),
    }),
  );
  if (limit.cap !== undefined) io.setMaxFragment(limit.cap);
  if (version === TLS10 && suite.type === 'cbc') io.setSplitFirstByte(true);
  if (r.renewTicket) await sendNewSessionTicket(io, cfg, state);
  const master = state.masterSecret;
  const prot = await deriveProtections(io, 'server', version, suite, master, ch.random, serverRandom, state.encryptThenMac);
  await io.sendChangeCipherSpec(prot.write);
  await sendFinished(io, 'server', version, suite, master);
  await io.expectChangeCipherSpec(prot.read);
  await readFinished(io, 'client', version, suite, master);
  cfg.keyLog?.(keyLogLine(ch.random, master));
  return {
    version,
    suite,
    ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
    resumed: true,
    peerChain: state.peerChain.map((c) => c.slice()),
    // A chain only gets into a session after it was verified in the full handshake.
    verification: state.peerChain.length ? { ok: true } : { ok: false, code: 'not_verified', message: 'the client sent no certificate' },
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
  };
}

export async function serverHandshake(io: HandshakeIO, cfg: ServerHandshakeConfig): Promise<HandshakeResult> {
  // ---- ClientHello
  const ch = M.decodeClientHello((await io.expect(HT.client_hello)).body);
  const version = negotiateVersion(ch.version, cfg.minVersion, cfg.maxVersion);
  io.setVersion(version);
  if (ch.cipherSuites.includes(TLS_FALLBACK_SCSV) && ch.version < cfg.maxVersion) {
    throw new TlsError(
      'protocol_inappropriate_fallback',
      `the client retried with ${versionName(ch.version)} as a fallback, but ${versionName(cfg.maxVersion)} is available (RFC 7507)`,
    );
  }
  const offer = readOffer(ch, version);

  // ---- Abbreviated handshake, when the client offered a session we can still resume.
  const resumable = await findResumable(io, cfg, ch, offer, version);
  if (resumable) return resumeSession(io, cfg, ch, offer, version, resumable);

  const identities = await identitiesForName(cfg, offer.serverName);
  const { suite, identity, scheme, ecGroup, dhGroup } = chooseSuite(cfg, ch.cipherSuites, offer, version, identities);
  const alpnProtocol = chooseAlpn(cfg, offer.alpn);
  const encryptThenMac = offer.etm && suite.type === 'cbc';

  // ---- ServerHello
  const serverRandom = io.random(32);
  // RFC 8446 §4.1.3: a server that can do TLS 1.2 marks a lower version, so a 1.2 client can see a downgrade.
  if (version < TLS12 && cfg.maxVersion >= TLS12) serverRandom.set(DOWNGRADE_TLS11, DOWNGRADE_SENTINEL_OFFSET);
  // A session id only when the cache can resume it; an empty one tells the client not to try.
  const sessionId = cfg.sessionCache ? io.random(32) : new Uint8Array(0);
  const issueTicket = !!cfg.ticketKeys && offer.ticket !== null;
  const staple = offer.statusRequest ? cfg.ocspResponseFor?.(identity) : undefined;
  const limit = recordLimit(cfg, offer);
  const extra: Extension[] = [];
  if (issueTicket) extra.push({ type: ET.session_ticket, data: X.encodeEmptyExtension() });
  if (staple) extra.push({ type: ET.status_request, data: X.encodeEmptyExtension() });
  if (limit.ext) extra.push(limit.ext);
  await io.send(
    HT.server_hello,
    M.encodeServerHello({
      version,
      random: serverRandom,
      sessionId,
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions: serverHelloExtensions(offer, suite, alpnProtocol, encryptThenMac, extra),
    }),
  );
  // RFC 6066 §4: the negotiated fragment length applies at once, to handshake messages too.
  if (limit.cap !== undefined) io.setMaxFragment(limit.cap);
  if (version === TLS10 && suite.type === 'cbc') io.setSplitFirstByte(true);

  // ---- Certificate, CertificateStatus*
  await io.send(HT.certificate, M.encodeCertificate({ certificates: identity.chain }));
  if (staple) await io.send(HT.certificate_status, M.encodeCertificateStatus({ statusType: 1, ocspResponse: staple }));

  // ---- ServerKeyExchange (ECDHE, DHE): our ephemeral share, signed with the certificate key.
  let ecKeys: EcdheShare | undefined;
  let dhKeys: ReturnType<typeof dhKeyPair> | undefined;
  if (suite.kx !== 'RSA') {
    let params: M.EcdheParams | M.DheParams;
    if (suite.kx === 'ECDHE') {
      ecKeys = await ecdheShare(io.provider, ecGroup!, io.random);
      params = { kind: 'ECDHE', curveType: M.NAMED_CURVE, group: GROUPS[ecGroup!], publicKey: ecKeys.pub };
    } else {
      dhKeys = dhKeyPair(FFDHE[dhGroup!], 2n, io.random);
      params = { kind: 'DHE', p: bigIntToMinBytes(FFDHE[dhGroup!]), g: Uint8Array.of(2), ys: dhKeys.pub };
    }
    const encoded = M.encodeServerKeyExchangeParams(params);
    const signature = await signData(io.provider, scheme!.alg, identity.key, serverParamsSignedData(ch.random, serverRandom, encoded), io.random);
    await io.send(HT.server_key_exchange, M.encodeServerKeyExchange({ params: encoded, sigAlg: scheme!.id, signature }));
  }

  // ---- CertificateRequest, ServerHelloDone
  if (cfg.clientAuth !== 'none') {
    await io.send(
      HT.certificate_request,
      M.encodeCertificateRequest({
        certificateTypes: [M.ClientCertificateType.rsa_sign, M.ClientCertificateType.ecdsa_sign],
        signatureAlgorithms: version >= TLS12 ? [...cfg.signatureSchemes] : null,
        certificateAuthorities: [...cfg.clientCaNames],
      }),
    );
  }
  await io.send(HT.server_hello_done, M.encodeServerHelloDone());

  // ---- Certificate*: the client's chain, checked before we accept anything signed with it.
  let peerChain: Uint8Array[] = [];
  let verification: Verification = { ok: false, code: 'not_verified', message: 'no client certificate was requested' };
  let clientKey: PublicKey | undefined;
  if (cfg.clientAuth !== 'none') {
    peerChain = M.decodeCertificate((await io.expect(HT.certificate)).body).certificates;
    if (!peerChain.length) {
      if (cfg.clientAuth === 'required') {
        throw new CertificateError('cert_no_certificate', 'the client sent no certificate, and one is required');
      }
      verification = { ok: false, code: 'not_verified', message: 'the client sent no certificate' };
    } else {
      verification = await cfg.verifyClient(peerChain);
      clientKey = clientPublicKey(peerChain[0]!);
    }
  }

  // ---- ClientKeyExchange
  const cke = M.decodeClientKeyExchange((await io.expect(HT.client_key_exchange)).body, suite.kx);
  let premaster: Uint8Array;
  if (cke.kind === 'ECDHE') premaster = await ecKeys!.agree(cke.publicKey);
  else if (cke.kind === 'DHE') premaster = dhShared(FFDHE[dhGroup!], dhKeys!.priv, cke.yc);
  else {
    // RSA key exchange (RFC 5246 §7.4.7.1): any decryption, padding or version failure silently becomes a random
    // premaster, so the client only ever learns "Finished did not match" (Bleichenbacher / ROBOT).
    const key = identity.key as Extract<PrivateKey, { kind: 'rsa' }>;
    premaster = rsaDecryptPremaster(key, cke.encryptedPreMasterSecret, ch.version, io.random);
  }
  const throughCke = io.transcript.bytes();
  const master = deriveMaster(version, suite, premaster, ch.random, serverRandom, offer.ems, throughCke);
  premaster.fill(0);

  // ---- CertificateVerify*: required whenever the client sent a certificate, in every version.
  if (clientKey) {
    const cv = M.decodeCertificateVerify((await io.expect(HT.certificate_verify)).body, version);
    const alg = peerSigAlg(version, cv.sigAlg, cfg.signatureSchemes, clientKey);
    if (!(await verifyData(io.provider, alg, clientKey, throughCke, cv.signature))) {
      throw new TlsError('crypto_bad_signature', 'the client CertificateVerify signature does not verify with its certificate key');
    }
  }

  // ---- [ChangeCipherSpec] Finished from the client
  const prot = await deriveProtections(io, 'server', version, suite, master, ch.random, serverRandom, encryptThenMac);
  await io.expectChangeCipherSpec(prot.read);
  await readFinished(io, 'client', version, suite, master);
  cfg.keyLog?.(keyLogLine(ch.random, master));

  // ---- NewSessionTicket* [ChangeCipherSpec] Finished from us
  const state: ServerSessionState = {
    version,
    cipherSuite: suite.id,
    masterSecret: master,
    extendedMasterSecret: offer.ems,
    encryptThenMac,
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
    ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
    peerChain,
    createdAt: io.now().getTime(),
  };
  if (issueTicket) await sendNewSessionTicket(io, cfg, state);
  await io.sendChangeCipherSpec(prot.write);
  await sendFinished(io, 'server', version, suite, master);
  cfg.sessionCache?.set(sessionId, state);

  return {
    version,
    suite,
    ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
    resumed: false,
    peerChain,
    verification,
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
  };
}

/** The client leaf's key, which must be one we asked for (rsa_sign or ecdsa_sign). */
function clientPublicKey(leafDer: Uint8Array): PublicKey {
  let key: PublicKey;
  try {
    key = parseSpki(parseCertificate(leafDer).spkiDer);
  } catch (e) {
    if (e instanceof TlsError) throw new CertificateError('cert_unsupported_key', `the client certificate key is not usable: ${e.message}`);
    throw e;
  }
  if (key.kind !== 'rsa' && key.kind !== 'ec') {
    throw new CertificateError('cert_unsupported_key', `the client certificate has a ${key.kind} key; rsa_sign or ecdsa_sign was requested`);
  }
  return key;
}

/**
 * The TLS 1.3 server handshake (RFC 8446 §2, §4), straight-line in the order of the full handshake:
 *
 *   ClientHello  (+key_share, +signature_algorithms, +supported_versions)  -->
 *                         [HelloRetryRequest (+key_share group, +cookie)   <--   ClientHello2 -->]
 *                                                            ServerHello (+key_share, +supported_versions)
 *                                                               [ChangeCipherSpec: middlebox compatibility]
 *                                                                                  {EncryptedExtensions}
 *                                                                                  {CertificateRequest*}
 *                                                                         {Certificate (+OCSP staple)}
 *                                                                                  {CertificateVerify}
 *                                                                                           {Finished}
 *                                                                   <--   [Application Data*]
 *   {Certificate*} {CertificateVerify*} {Finished}  -->
 *
 * {} is protected with the handshake traffic keys, [] with the application traffic keys. The version-neutral
 * part (server.ts) has read the ClientHello, found TLS 1.3 in its supported_versions and read the offer.
 */
import { CertificateError, TlsError } from '../errors.js';
import type { HandshakeIO, HandshakeResult, Verification } from './io.js';
import type { Offer, ServerHandshakeConfig } from './server.js';
import type { Identity } from '../config.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, findExtension, type Extension } from './extensions.js';
import * as X from './extensions.js';
import * as X13 from './extensions13.js';
import { ExtensionType13 as ET13 } from './extensions13.js';
import * as M from './messages.js';
import * as M13 from './messages13.js';
import { HandshakeType13 as HT13, TLS13 } from './messages13.js';
import { chooseOwnScheme13, peerSigAlg13 } from './signature-schemes.js';
import { groupById, type GroupName } from '../crypto/kex.js';
import { serverKeyShare13, signData, verifyData } from '../crypto/ops.js';
import { hashLen, hashesOf } from '../crypto/hash.js';
import { hmac } from '../crypto/hash.js';
import { KeySchedule13, checkFinished13, finishedVerifyData13 } from '../crypto/keyschedule.js';
import type { HandshakeMessage } from './framer.js';
import { equalBytes, toHex, concat } from '../bytes.js';
import { TLS12, type Tls13Suite } from '../crypto/suites.js';
import { Writer, Reader } from './codec.js';
import { clientCertificateKey } from './client-cert-key.js';
import { installKeyUpdates, protection13, unexpectedAfterHandshake } from './traffic13.js';
import {
  CertCompressionAlgorithm,
  ExtensionTypeCompressCertificate as ET_COMPRESS_CERTIFICATE,
  HandshakeTypeCompressedCertificate as HT_COMPRESSED_CERTIFICATE,
  decodeCompressCertificate,
  encodeCompressCertificate,
  encodeCompressedCertificate,
  receivedCertificateBody,
  type CertificateCodec,
} from './cert-compression.js';
import { serverPostHandshakeAuth, type PhaBase, type ServerPhaConfig } from './pha13.js';
import { openTicket, sealTicket, type ServerSessionState } from './tickets.js';
import { clientAuthPolicyOf, clientAuthSatisfied } from './server.js';
import { resumptionPsk } from '../crypto/keyschedule.js';
import { deobfuscateTicketAge, truncatedClientHello, verifyBinder } from './psk13.js';
import { EARLY_DATA_AGE_WINDOW_MS } from './anti-replay.js';
import { withinLifetime } from './session-cache.js';
import { tls13SuiteById } from '../crypto/suites.js';

/** What the version-neutral part hands over. */
export interface Tls13Plan {
  ch: M.ClientHello;
  /** The ClientHello as received, header included (the PSK binders cover it). */
  chRaw: Uint8Array;
  offer: Offer;
  /** Our 1.3 suites, in preference order. */
  suites: readonly Tls13Suite[];
  identities: readonly Identity[];
  alpnProtocol?: string;
}

/**
 * HelloRetryRequest cookies bind the suite, the group asked for and Hash(ClientHello1) under an HMAC key drawn
 * for the connection from its random source: a server keeping no state between the two ClientHellos could
 * rebuild the transcript from the cookie alone (with a longer-lived key); here it also proves the second
 * ClientHello answers the HelloRetryRequest of this connection, and a seeded source keeps runs reproducible.
 */
const COOKIE_MAC = 32;

function makeCookie(key: Uint8Array, suite: number, group: number, ch1Hash: Uint8Array): Uint8Array {
  const body = new Writer().u16(suite).u16(group).vec(1, ch1Hash).finish();
  return concat(body, hmac('sha256', key, body));
}

/** The Hash(ClientHello1) inside a cookie we made for this suite and group, or an illegal_parameter. */
function openCookie(key: Uint8Array, cookie: Uint8Array, suite: number, group: number): Uint8Array {
  const bad = () => new TlsError('protocol_illegal_parameter', 'the second ClientHello carries a cookie we did not make');
  if (cookie.length <= COOKIE_MAC) throw bad();
  const body = cookie.subarray(0, cookie.length - COOKIE_MAC);
  if (!equalBytes(hmac('sha256', key, body), cookie.subarray(cookie.length - COOKIE_MAC))) throw bad();
  const r = new Reader(body, 0, body.length, 'cookie');
  if (r.u16() !== suite || r.u16() !== group) throw bad();
  const h = r.vec(1);
  r.end();
  return h;
}

const missing = (what: string) => new TlsError('protocol_missing_extension', `the TLS 1.3 ClientHello has no ${what} extension`);

/** What a TLS 1.3 ClientHello must carry beyond the 1.2 offer: shares and groups (RFC 8446 §9.2). */
interface Offer13 {
  shares: X13.KeyShareEntry[];
  groups: number[];
  sigAlgs: number[];
  sigAlgsCert: number[] | null;
  cookie: Uint8Array | null;
  /** post_handshake_auth (§4.2.6): we may ask for a certificate after the handshake. */
  pha: boolean;
  /** compress_certificate (RFC 8879): the algorithms the client can decompress. */
  certCompression: number[];
}

function readOffer13(ch: M.ClientHello, offer: Offer): Offer13 {
  const get = (t: number) => findExtension(ch.extensions, t);
  // §4.1.2: a 1.3 ClientHello offers exactly the null compression method.
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    throw new TlsError('protocol_illegal_parameter', 'a TLS 1.3 ClientHello must offer only the null compression method');
  }
  // §9.2: without a PSK, signature_algorithms, supported_groups and key_share are mandatory.
  const ks = get(ET13.key_share);
  const sa = get(ET.signature_algorithms);
  if (!offer.groups) throw missing('supported_groups');
  // A client offering only psk_ke may send no key_share (a full handshake then asks for one with a HelloRetryRequest).
  if (!ks && !get(ET13.pre_shared_key)) throw missing('key_share');
  if (!sa) throw missing('signature_algorithms');
  const shares = ks ? X13.decodeKeyShareClient(ks.data) : [];
  // §4.2.8: each share must be for a group in supported_groups.
  for (const s of shares) {
    if (!offer.groups.includes(s.group)) throw new TlsError('protocol_illegal_parameter', `key_share for group ${s.group}, which supported_groups does not list`);
  }
  const sac = get(ET13.signature_algorithms_cert);
  const ck = get(ET13.cookie);
  const pha = get(ET13.post_handshake_auth);
  const cc = get(ET_COMPRESS_CERTIFICATE);
  if (pha) X13.decodePostHandshakeAuth(pha.data);
  const modes = get(ET13.psk_key_exchange_modes);
  if (modes) X13.decodePskKeyExchangeModes(modes.data);
  const psk = get(ET13.pre_shared_key);
  if (psk) {
    X13.decodePreSharedKeyClient(psk.data);
    // §4.2.9: a PSK offer without psk_key_exchange_modes is refused (we take no PSK, but the rule stands).
    if (!modes) throw missing('psk_key_exchange_modes');
    // §4.2.11: pre_shared_key must be the last extension.
    if (ch.extensions![ch.extensions!.length - 1]!.type !== ET13.pre_shared_key) {
      throw new TlsError('protocol_illegal_parameter', 'pre_shared_key is not the last ClientHello extension');
    }
  }
  return {
    shares,
    groups: offer.groups,
    sigAlgs: X.decodeSignatureAlgorithms(sa.data),
    sigAlgsCert: sac ? X13.decodeSignatureAlgorithmsCert(sac.data) : null,
    cookie: ck ? X13.decodeCookie(ck.data) : null,
    pha: !!pha,
    certCompression: cc ? decodeCompressCertificate(cc.data) : [],
  };
}

/** Our first suite the client offers (its order when honorCipherOrder is off). */
function chooseSuite13(cfg: ServerHandshakeConfig, suites: readonly Tls13Suite[], offered: readonly number[]): Tls13Suite {
  const s = suiteOrder13(cfg, suites, offered)[0];
  if (!s) throw new TlsError('protocol_no_shared_cipher', 'no TLS 1.3 cipher suite in common with the client');
  return s;
}

function suiteOrder13(cfg: ServerHandshakeConfig, suites: readonly Tls13Suite[], offered: readonly number[]): Tls13Suite[] {
  return cfg.honorCipherOrder
    ? suites.filter((s) => offered.includes(s.id))
    : offered.map((id) => suites.find((s) => s.id === id)).filter((s): s is Tls13Suite => !!s);
}

/** A ticket the client offered that this connection may resume (binder not yet checked). */
interface PskPick {
  index: number;
  state: ServerSessionState;
  identity: X13.PskIdentity;
  binders: Uint8Array[];
  /** The hash of the ticket's suite: the connection's suite must have it (§4.2.11). */
  hash: Tls13Suite['hash'];
  /** psk_dhe_ke (a key share too, forward secret); false: psk_ke, only when configured and the client offers no other. */
  dhe: boolean;
}

/** Tickets tried per ClientHello: each costs an AES-GCM open, and clients offer one or two. */
const MAX_PSK_IDENTITIES_TRIED = 4;

/**
 * The first ticket in the client's pre_shared_key that is ours, TLS 1.3, within its lifetime (the session's, and
 * 7 days from issue), for the same SNI name, and made under a client-auth policy this one accepts (issue 15's
 * rules, as for TLS 1.2). Null when there is none, or no ticket keys, or no key exchange mode in common (psk_dhe_ke;
 * psk_ke, without forward secrecy, only when cfg.allowPskKe says so): a full handshake, never an error.
 */
async function findPsk13(io: HandshakeIO, cfg: ServerHandshakeConfig, ch: M.ClientHello, serverName: string | undefined): Promise<PskPick | null> {
  const ext = findExtension(ch.extensions, ET13.pre_shared_key);
  const modes = findExtension(ch.extensions, ET13.psk_key_exchange_modes);
  if (!ext || !modes || !cfg.ticketKeys) return null;
  const offeredModes = X13.decodePskKeyExchangeModes(modes.data);
  const dhe = offeredModes.includes(X13.PskKeyExchangeMode.psk_dhe_ke);
  if (!dhe && !(cfg.allowPskKe && offeredModes.includes(X13.PskKeyExchangeMode.psk_ke))) return null;
  const offered = X13.decodePreSharedKeyClient(ext.data);
  const now = io.now().getTime();
  for (let i = 0; i < Math.min(offered.identities.length, MAX_PSK_IDENTITIES_TRIED); i++) {
    const identity = offered.identities[i]!;
    const opened = await openTicket(io.provider, cfg.ticketKeys, identity.identity);
    if (!opened) continue;
    const st = opened.state;
    const suite = tls13SuiteById(st.cipherSuite);
    if (st.version !== TLS13 || st.ageAdd === undefined || !suite) continue;
    if (st.masterSecret.length !== hashLen(suite.hash)) continue;
    if (!withinLifetime(st.createdAt, now, cfg.sessionLifetimeMs)) continue;
    if (now - (st.issuedAt ?? st.createdAt) > M13.MAX_TICKET_LIFETIME * 1000) continue;
    if ((st.serverName ?? '') !== (serverName ?? '')) continue;
    if (!clientAuthSatisfied(cfg, st, now)) continue;
    return { index: i, state: st, identity, binders: offered.binders, hash: suite.hash, dhe };
  }
  return null;
}

/**
 * The group: our most preferred group the client sent a share for, so no round trip is spent; else our most
 * preferred group it supports (a HelloRetryRequest asks for a share); else no group in common.
 */
function chooseGroup13(cfg: ServerHandshakeConfig, o: Offer13): { group: number; share?: X13.KeyShareEntry } {
  const usable = cfg.groups.filter((g) => o.groups.includes(g) && groupById(g) !== undefined);
  for (const g of usable) {
    const share = o.shares.find((s) => s.group === g);
    if (share) return { group: g, share };
  }
  if (!usable.length) throw new TlsError('protocol_no_shared_group', 'no key exchange group in common with the client');
  return { group: usable[0]! };
}

/** The identity and its CertificateVerify scheme: the first identity that can sign a scheme the client accepts. */
function chooseIdentity13(cfg: ServerHandshakeConfig, identities: readonly Identity[], o: Offer13) {
  for (const identity of identities) {
    try {
      return { identity, scheme: chooseOwnScheme13(o.sigAlgs, cfg.signatureSchemes, identity.key) };
    } catch {
      continue;
    }
  }
  throw new TlsError('protocol_no_shared_sigalg', 'no certificate of ours can sign a TLS 1.3 signature scheme the client accepts');
}

/** The transcript hash, with the provider's hash (node:crypto on Node). */
const th = (io: HandshakeIO, suite: Tls13Suite) => io.transcript.hash(suite.hash, hashesOf(io.provider));

export async function serverHandshakeTls13(io: HandshakeIO, cfg: ServerHandshakeConfig, plan: Tls13Plan): Promise<HandshakeResult> {
  io.enableTls13();
  io.setRecordVersion(TLS12); // legacy_record_version, RFC 8446 §5.1
  let { ch } = plan;
  const { offer } = plan;
  let o = readOffer13(ch, offer);
  let suite = chooseSuite13(cfg, plan.suites, ch.cipherSuites);
  // ---- Resumption: a ticket of ours the client offers, and a suite of its hash (the binder is checked below).
  let psk = await findPsk13(io, cfg, ch, offer.serverName);
  if (psk) {
    const fit = suiteOrder13(cfg, plan.suites, ch.cipherSuites).find((s) => s.hash === psk!.hash);
    if (fit) suite = fit;
    else psk = null;
  }
  let chRaw = plan.chRaw;
  const { identity, scheme } = chooseIdentity13(cfg, plan.identities, o);
  let { group, share: clientShare } = chooseGroup13(cfg, o);
  // The client's 0-RTT data, which we do not (or cannot) accept: skipped, never an error (RFC 8446 §4.2.10).
  const offeredEarlyData = !!findExtension(ch.extensions, ET13.early_data);
  if (offeredEarlyData) X13.decodeEarlyDataIndication(findExtension(ch.extensions, ET13.early_data)!.data);
  // Middlebox compatibility (Appendix D.4): a client that sent a session id gets one ChangeCipherSpec from us.
  const compat = ch.sessionId.length > 0;
  let sentCcs = false;

  // ---- HelloRetryRequest, when the client sent no share for the group we take (and a share is needed: not psk_ke).
  if (!clientShare && (!psk || psk.dhe)) {
    if (o.cookie) throw new TlsError('protocol_illegal_parameter', 'a first ClientHello carries a cookie');
    const ch1Hash = th(io, suite);
    const cookieKey = io.random(32);
    io.transcript.replaceWithMessageHash(ch1Hash);
    // §4.2.10: after a HelloRetryRequest, the client's early data comes before ClientHello2, unprotected for us.
    if (offeredEarlyData) io.skipEarlyData(earlySkipBudget(cfg), 'plain');
    const hrrExts: Extension[] = [
      { type: ET13.supported_versions, data: X13.encodeSupportedVersionsServer(TLS13) },
      { type: ET13.key_share, data: X13.encodeKeyShareHrr(group) },
      { type: ET13.cookie, data: X13.encodeCookie(makeCookie(cookieKey, suite.id, group, ch1Hash)) },
    ];
    await io.send(HT.server_hello, M.encodeServerHello(M13.helloRetryRequest(ch.sessionId, suite.id, hrrExts)));
    if (compat) {
      await io.sendChangeCipherSpec();
      sentCcs = true;
    }

    // ---- ClientHello2: the same offer with one share, for the group asked for, and our cookie.
    const ch2Msg = await io.expect(HT.client_hello);
    const ch2 = M.decodeClientHello(ch2Msg.body);
    chRaw = ch2Msg.raw;
    const sv = findExtension(ch2.extensions, ET13.supported_versions);
    if (!sv || !X13.decodeSupportedVersionsClient(sv.data).includes(TLS13)) {
      throw new TlsError('protocol_illegal_parameter', 'the second ClientHello no longer offers TLS 1.3');
    }
    // §4.1.2: the same ClientHello but for key_share, cookie, early_data and pre_shared_key.
    if (!equalBytes(ch2.random, ch.random) || !equalBytes(ch2.sessionId, ch.sessionId) || !ch2.cipherSuites.includes(suite.id)) {
      throw new TlsError('protocol_illegal_parameter', 'the second ClientHello changed its random or session id, or dropped the suite');
    }
    if (findExtension(ch2.extensions, ET13.early_data)) throw new TlsError('protocol_illegal_parameter', 'early_data after a HelloRetryRequest');
    o = readOffer13(ch2, { ...offer, groups: ch2Groups(ch2) });
    if (!o.cookie) throw missing('cookie');
    if (!equalBytes(openCookie(cookieKey, o.cookie, suite.id, group), ch1Hash)) {
      throw new TlsError('protocol_illegal_parameter', 'the cookie is from another handshake');
    }
    if (o.shares.length !== 1 || o.shares[0]!.group !== group) {
      throw new TlsError('protocol_illegal_parameter', `the second ClientHello must carry exactly one key share, for group ${group}`);
    }
    clientShare = o.shares[0]!;
    ch = ch2;
    // The PSK offer is read again from ClientHello2 (its ages and binders are new); the suite is fixed now.
    if (psk) {
      psk = await findPsk13(io, cfg, ch2, offer.serverName);
      if (psk && psk.hash !== suite.hash) psk = null;
    }
  }

  // ---- The binder of the PSK we take (§4.2.11.2): over the transcript up to the binders of the last ClientHello.
  if (psk) {
    const all = io.transcript.bytes();
    const prefix = all.subarray(0, all.length - chRaw.length);
    const binder = psk.binders[psk.index]!;
    const ok = await verifyBinder(io.provider, psk.hash, psk.state.masterSecret, 'res', prefix, truncatedClientHello(chRaw, psk.binders), binder);
    if (!ok) throw new TlsError('crypto_decrypt_error', 'the PSK binder does not match the ticket (a forged or altered ClientHello)');
  }
  const resumed = psk?.state;

  // ---- 0-RTT (§4.2.10, §8): only on the first ClientHello, with the first identity, the ticket's suite and ALPN,
  // a ticket age inside the window, and a ticket not used for early data before (anti-replay.ts).
  let acceptEarly = false;
  if (offeredEarlyData && ch === plan.ch && psk && psk.index === 0 && resumed) {
    const now = io.now().getTime();
    const clientAge = deobfuscateTicketAge(psk.identity.obfuscatedTicketAge, resumed.ageAdd ?? 0);
    const ourAge = now - (resumed.issuedAt ?? resumed.createdAt);
    acceptEarly =
      (cfg.maxEarlyData ?? 0) > 0 &&
      (resumed.maxEarlyData ?? 0) > 0 &&
      resumed.cipherSuite === suite.id &&
      (resumed.alpnProtocol ?? '') === (plan.alpnProtocol ?? '') &&
      Math.abs(clientAge - ourAge) <= EARLY_DATA_AGE_WINDOW_MS &&
      !!cfg.antiReplay?.claim(toHex(psk.identity.identity.subarray(-16)), now);
  }

  const ks = await KeySchedule13.start(io.provider, suite.hash, resumed?.masterSecret);
  if (acceptEarly) {
    // The records after ClientHello are the early data, under client_early_traffic_secret (over Hash(ClientHello)).
    const early = await ks.clientEarlyTrafficSecret(th(io, suite));
    io.setReadProtection(await protection13(io.provider, suite, early));
    io.acceptEarlyData(resumed!.maxEarlyData!);
    cfg.keyLog?.(`CLIENT_EARLY_TRAFFIC_SECRET ${toHex(plan.ch.random)} ${toHex(early)}`);
  }

  // ---- ServerHello
  // psk_ke (configured, and all the client offers): no key share; the (EC)DHE input is HashLen zeros (§7.1).
  const pskKe = !!psk && !psk.dhe;
  const groupName = pskKe ? undefined : (groupById(group) as GroupName);
  const ours = pskKe ? null : await serverKeyShare13(io.provider, groupName!, clientShare!.keyExchange, io.random);
  const shared = ours ? ours.shared : new Uint8Array(hashLen(suite.hash));
  await io.send(
    HT.server_hello,
    M.encodeServerHello({
      version: 0x0303,
      random: io.random(32),
      sessionId: ch.sessionId,
      cipherSuite: suite.id,
      compressionMethod: 0,
      extensions: [
        { type: ET13.supported_versions, data: X13.encodeSupportedVersionsServer(TLS13) },
        ...(ours ? [{ type: ET13.key_share, data: X13.encodeKeyShareServer({ group, keyExchange: ours.pub }) }] : []),
        ...(psk ? [{ type: ET13.pre_shared_key, data: X13.encodePreSharedKeyServer(psk.index) }] : []),
      ],
    }),
  );
  const hs = await ks.handshake(shared, th(io, suite));
  shared.fill(0);
  const hsWrite = await protection13(io.provider, suite, hs.server);
  if (compat && !sentCcs) await io.sendChangeCipherSpec();
  await io.setWriteProtection(hsWrite);
  if (!acceptEarly) io.setReadProtection(await protection13(io.provider, suite, hs.client));
  if (offeredEarlyData && ch === plan.ch && !acceptEarly) io.skipEarlyData(earlySkipBudget(cfg), 'trial');
  cfg.keyLog?.(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${toHex(plan.ch.random)} ${toHex(hs.server)}`);
  cfg.keyLog?.(`CLIENT_HANDSHAKE_TRAFFIC_SECRET ${toHex(plan.ch.random)} ${toHex(hs.client)}`);

  // ---- {EncryptedExtensions}
  const ee: Extension[] = [];
  if (offer.serverName !== undefined) ee.push({ type: ET.server_name, data: X.encodeEmptyExtension() });
  if (plan.alpnProtocol !== undefined) ee.push({ type: ET.application_layer_protocol_negotiation, data: X.encodeAlpnSelected(plan.alpnProtocol) });
  ee.push({ type: ET.supported_groups, data: X.encodeSupportedGroups(cfg.groups) });
  if (acceptEarly) ee.push({ type: ET13.early_data, data: X13.encodeEarlyDataIndication() });
  await io.send(HT13.encrypted_extensions, M13.encodeEncryptedExtensions({ extensions: ee }));

  // ---- {CertificateRequest*}: never with a PSK (§4.3.2); the ticket carries what the first handshake verified.
  if (cfg.clientAuth !== 'none' && !resumed) {
    const cr: Extension[] = [{ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms(schemesForCertificateVerify13(cfg.signatureSchemes)) }];
    if (cfg.clientCaNames.length) cr.push({ type: ET13.certificate_authorities, data: X13.encodeCertificateAuthorities(cfg.clientCaNames) });
    // RFC 8879 §3: the client may compress its Certificate with what we list here.
    if (cfg.certCompression?.length) cr.push({ type: ET_COMPRESS_CERTIFICATE, data: encodeCompressCertificate(cfg.certCompression.map((c) => CertCompressionAlgorithm[c.name])) });
    await io.send(HT.certificate_request, M13.encodeCertificateRequest13({ context: new Uint8Array(0), extensions: cr }));
  }

  // RFC 8879: the Certificate compressed with our first codec the client can decompress (the transcript has it as sent).
  let codec: CertificateCodec | undefined;
  if (!resumed) {
    // ---- {Certificate}: the OCSP staple rides in the leaf's entry (§4.4.2.1).
    const staple = offer.statusRequest ? cfg.ocspResponseFor?.(identity) : undefined;
    const entries: M13.CertificateEntry[] = identity.chain.map((certData, i) => ({
      certData,
      extensions: i === 0 && staple ? [{ type: ET.status_request, data: M.encodeCertificateStatus({ statusType: 1, ocspResponse: staple }) }] : [],
    }));
    const certBody = M13.encodeCertificate13({ context: new Uint8Array(0), entries });
    codec = cfg.certCompression?.find((c) => o.certCompression.includes(CertCompressionAlgorithm[c.name]));
    if (codec) {
      const compressed = await compressedCertificate(codec, identity, certBody, !!staple);
      await io.send(HT_COMPRESSED_CERTIFICATE, encodeCompressedCertificate({ algorithm: CertCompressionAlgorithm[codec.name], uncompressedLength: certBody.length, data: compressed }));
    } else {
      await io.send(HT.certificate, certBody);
    }

    // ---- {CertificateVerify}
    const signed = M13.certificateVerifyContent('server', th(io, suite));
    const signature = await signData(io.provider, scheme.alg, identity.key, signed, io.random);
    await io.send(HT.certificate_verify, M13.encodeCertificateVerify13({ scheme: scheme.id, signature }));
  }

  // ---- {Finished}
  await io.send(HT.finished, M13.encodeFinished13({ verifyData: await finishedVerifyData13(io.provider, suite.hash, hs.server, th(io, suite)) }));
  const ap = await ks.application(th(io, suite));
  await io.setWriteProtection(await protection13(io.provider, suite, ap.server));
  cfg.keyLog?.(`SERVER_TRAFFIC_SECRET_0 ${toHex(plan.ch.random)} ${toHex(ap.server)}`);
  cfg.keyLog?.(`CLIENT_TRAFFIC_SECRET_0 ${toHex(plan.ch.random)} ${toHex(ap.client)}`);
  cfg.keyLog?.(`EXPORTER_SECRET ${toHex(plan.ch.random)} ${toHex(ap.exporter)}`);

  // ---- (EndOfEarlyData) under the early keys, after the early data; then the client's handshake keys.
  if (acceptEarly) {
    M13.decodeEndOfEarlyData((await io.expect(HT13.end_of_early_data)).body);
    io.acceptEarlyData(null);
    io.setReadProtection(await protection13(io.provider, suite, hs.client));
  }

  // ---- {Certificate*} {CertificateVerify*} from the client
  // Resumed: what the first handshake verified (a sent chain is always verified, so a ticket never carries a failed one).
  let peerChain: Uint8Array[] = resumed ? resumed.peerChain.map((c) => c.slice()) : [];
  let verification: Verification = resumed
    ? resumed.clientVerified
      ? { ok: true }
      : { ok: false, code: 'not_verified', message: resumed.peerChain.length ? 'the client certificate was not verified' : 'the client sent no certificate' }
    : { ok: false, code: 'not_verified', message: 'no client certificate was requested' };
  /** What the client's certificate check proved (path notAfter) and its CertificateVerify scheme: tickets carry them. */
  let clientNotAfter = resumed?.clientNotAfter;
  let clientSignatureScheme = resumed?.clientSignatureScheme;
  if (cfg.clientAuth !== 'none' && !resumed) {
    const certMsg = await io.expect(HT.certificate, ...(cfg.certCompression?.length ? [HT_COMPRESSED_CERTIFICATE] : []));
    const cert = M13.decodeCertificate13((await receivedCertificateBody(certMsg, cfg.certCompression, io)).body);
    if (io.maxCertificates !== undefined && cert.entries.length > io.maxCertificates) {
      throw new TlsError('limit_chain', `the client sent a certificate chain of more than ${io.maxCertificates} certificates`);
    }
    if (cert.context.length !== 0) throw new TlsError('protocol_illegal_parameter', 'the client Certificate has a context; the CertificateRequest had none');
    for (const e of cert.entries) {
      for (const x of e.extensions) {
        // §4.4.2: only extensions we asked for may appear; we asked for none in CertificateRequest.
        throw new TlsError('protocol_unsupported_extension', `the client certificate entry carries extension ${x.type}, which was not requested`);
      }
    }
    peerChain = cert.entries.map((e) => e.certData);
    if (!peerChain.length) {
      if (cfg.clientAuth === 'required') {
        throw new CertificateError('cert_no_certificate', 'the client sent no certificate, and one is required', { alert: 116 });
      }
      verification = { ok: false, code: 'not_verified', message: 'the client sent no certificate' };
    } else {
      const checked = await cfg.verifyClient(peerChain);
      verification = checked.verification;
      clientNotAfter = checked.notAfter;
      const clientKey = clientCertificateKey(peerChain[0]!);
      const toCert = th(io, suite);
      const cv = M13.decodeCertificateVerify13((await io.expect(HT.certificate_verify)).body);
      const alg = peerSigAlg13(cv.scheme, schemesForCertificateVerify13(cfg.signatureSchemes), clientKey);
      clientSignatureScheme = cv.scheme;
      if (!(await verifyData(io.provider, alg, clientKey, M13.certificateVerifyContent('client', toCert), cv.signature))) {
        throw new TlsError('crypto_bad_signature', 'the client CertificateVerify signature does not verify with its certificate key');
      }
    }
  }

  // ---- {Finished} from the client
  const beforeFinished = th(io, suite);
  const fin = M13.decodeFinished13((await io.expect(HT.finished)).body, hashLen(suite.hash));
  if (!(await checkFinished13(io.provider, suite.hash, hs.client, beforeFinished, fin.verifyData))) {
    throw new TlsError('crypto_bad_finished', 'the client Finished does not match the handshake (tampering, or a different key)');
  }
  io.setReadProtection(await protection13(io.provider, suite, ap.client));
  io.handshakeConfirmed();

  // ---- After the handshake: KeyUpdate both ways; post-handshake client authentication when the client offered it.
  const secrets = { ours: ap.server, peer: ap.client };
  installPostHandshake(io, suite, secrets, {
    offered: o.pha,
    caConfigured: cfg.clientCaConfigured ?? cfg.clientAuth !== 'none',
    clientCaNames: cfg.clientCaNames,
    schemes: schemesForCertificateVerify13(cfg.signatureSchemes),
    verifyClient: async (chain) => (await cfg.verifyClient(chain)).verification,
    ...(cfg.certCompression?.length ? { codecs: cfg.certCompression } : {}),
    // The transcript is kept only where it can be used: the client's Finished is in it.
    base: o.pha ? { suite, transcript: io.transcript.bytes().slice(), secrets } : { suite, transcript: new Uint8Array(0), secrets },
  });

  // ---- [NewSessionTicket*]: on a resumed connection they carry the first handshake's time and client-auth facts.
  await sendTickets13(io, cfg, suite, await ks.resumptionMasterSecret(th(io, suite)), {
    version: TLS13,
    cipherSuite: suite.id,
    extendedMasterSecret: true,
    encryptThenMac: false,
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
    ...(plan.alpnProtocol !== undefined ? { alpnProtocol: plan.alpnProtocol } : {}),
    peerChain,
    createdAt: resumed ? resumed.createdAt : io.now().getTime(),
    clientAuthPolicy: resumed ? resumed.clientAuthPolicy : clientAuthPolicyOf(cfg),
    clientVerified: resumed ? resumed.clientVerified : peerChain.length > 0 && verification.ok,
    ...(clientNotAfter !== undefined ? { clientNotAfter } : {}),
    ...(clientSignatureScheme !== undefined ? { clientSignatureScheme } : {}),
  });

  return {
    version: TLS13,
    suite,
    ...(plan.alpnProtocol !== undefined ? { alpnProtocol: plan.alpnProtocol } : {}),
    resumed: !!resumed,
    ...(offeredEarlyData ? { earlyDataAccepted: acceptEarly } : {}),
    peerChain,
    verification,
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
    ...(groupName ? { group: groupName } : {}),
    ...(codec ? { certificateCompression: codec.name } : {}),
    exporterSecret: ap.exporter,
    localChain: identity.chain, // what tls-server-end-point binds to (RFC 5929 §4.1)
  };
}

/**
 * How much rejected early data is skipped: our max_early_data_size, but at least 16384 bytes (OpenSSL's default),
 * so a client holding a ticket from a server that allowed 0-RTT (another instance, an earlier configuration) gets a
 * full handshake rather than bad_record_mac.
 */
function earlySkipBudget(cfg: ServerHandshakeConfig): number {
  return Math.max(cfg.maxEarlyData ?? 0, 16384);
}

/** The default number of TLS 1.3 tickets after a handshake (OpenSSL's). */
export const DEFAULT_TICKETS = 2;

/**
 * NewSessionTicket (§4.6.1), `numTickets` of them, stateless: each carries the session state sealed under the ticket
 * keys shared with TLS 1.2 (tickets.ts), its PSK derived from the resumption_master_secret with the ticket's own
 * nonce, its own ticket_age_add, and the early-data allowance. The lifetime never runs past the session's (a ticket
 * issued on a resumed connection keeps the first handshake's createdAt). No ticket keys: no tickets, as in TLS 1.2.
 */
async function sendTickets13(
  io: HandshakeIO,
  cfg: ServerHandshakeConfig,
  suite: Tls13Suite,
  resumptionMaster: Uint8Array,
  base: Omit<ServerSessionState, 'masterSecret'>,
): Promise<void> {
  const n = cfg.numTickets ?? DEFAULT_TICKETS;
  if (!cfg.ticketKeys || n <= 0) return;
  const leftMs = base.createdAt + Math.min(cfg.sessionLifetimeMs, M13.MAX_TICKET_LIFETIME * 1000) - io.now().getTime();
  const lifetime = Math.floor(leftMs / 1000);
  if (lifetime <= 0) return;
  const maxEarlyData = cfg.maxEarlyData ?? 0;
  for (let i = 0; i < n; i++) {
    const nonce = Uint8Array.of(i);
    const r = io.random(4);
    const ageAdd = ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0;
    const state: ServerSessionState = {
      ...base,
      masterSecret: await resumptionPsk(io.provider, suite.hash, resumptionMaster, nonce),
      ageAdd,
      maxEarlyData,
      issuedAt: io.now().getTime(),
    };
    const ticket = await sealTicket(io.provider, cfg.ticketKeys, state, io.random);
    const extensions: Extension[] = maxEarlyData > 0 ? [{ type: ET13.early_data, data: X13.encodeEarlyDataTicket(maxEarlyData) }] : [];
    await io.send(HT.new_session_ticket, M13.encodeNewSessionTicket13({ lifetime, ageAdd, nonce, ticket, extensions }));
  }
}

/**
 * Compressed Certificate bodies by identity and codec: the chain is the same for every connection, so it is
 * compressed once (brotli at its best quality costs milliseconds). With an OCSP staple inside, each time.
 */
const compressedChains = new WeakMap<Identity, Map<string, Promise<Uint8Array>>>();

function compressedCertificate(codec: CertificateCodec, identity: Identity, body: Uint8Array, stapled: boolean): Promise<Uint8Array> {
  if (stapled) return codec.compress(body);
  let byCodec = compressedChains.get(identity);
  if (!byCodec) compressedChains.set(identity, (byCodec = new Map()));
  let p = byCodec.get(codec.name);
  if (!p) {
    p = codec.compress(body);
    byCodec.set(codec.name, p);
    p.catch(() => byCodec!.delete(codec.name));
  }
  return p;
}

function ch2Groups(ch: M.ClientHello): number[] | null {
  const g = findExtension(ch.extensions, ET.supported_groups);
  return g ? X.decodeSupportedGroups(g.data) : null;
}

/** The schemes of ours that TLS 1.3 allows in CertificateVerify (no PKCS#1 v1.5, no SHA-1). */
export function schemesForCertificateVerify13(ours: readonly number[]): number[] {
  return ours.filter((id) => (id & 0xff) !== 0x01 && id !== 0x0203 && id !== 0x0201);
}

/**
 * Post-handshake messages (§4.6) a server accepts: KeyUpdate, and the client's answer to a CertificateRequest of
 * ours (pha13.ts). NewSessionTicket and CertificateRequest come only from servers, so from a client they are
 * unexpected_message, as is a Certificate nobody asked for.
 */
function installPostHandshake(
  io: HandshakeIO,
  suite: Tls13Suite,
  secrets: { ours: Uint8Array; peer: Uint8Array },
  pha: ServerPhaConfig & { base: PhaBase },
): void {
  const auth = serverPostHandshakeAuth(io, pha.base, pha, () => serial);
  const serial = installKeyUpdates(io, suite, secrets, (m) => {
    if (m.type === HT.certificate || m.type === HT_COMPRESSED_CERTIFICATE || m.type === HT.certificate_verify || m.type === HT.finished) return auth.onMessage(m);
    throw unexpectedAfterHandshake(m, 'a client');
  });
  io.setCertificateRequester(auth.request);
}

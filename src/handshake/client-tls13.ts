/**
 * The TLS 1.3 client handshake, after the first ServerHello (client.ts sent ClientHello and saw
 * supported_versions select 1.3), straight-line in the order of RFC 8446 §2:
 *
 *   ClientHello
 *   + key_share             -------->
 *                                            HelloRetryRequest*
 *                           <--------              + key_share
 *   [ChangeCipherSpec]*
 *   ClientHello
 *   + key_share             -------->
 *                                                  ServerHello
 *                                                  + key_share
 *                                        {EncryptedExtensions}
 *                                        {CertificateRequest*}
 *                                               {Certificate}
 *                                         {CertificateVerify}
 *                                                  {Finished}
 *                           <--------     [Application Data*]
 *   [ChangeCipherSpec]
 *   {Certificate*}
 *   {CertificateVerify*}
 *   {Finished}              -------->
 *   [Application Data]      <------->      [Application Data]
 *
 * {} are protected with the handshake traffic keys, [] with the application traffic keys. After the handshake,
 * NewSessionTicket and KeyUpdate arrive through the engine's post-handshake hook (at the end of this file): each
 * ticket becomes a session (`watchSessions`).
 *
 * Resumption (§2.2, §2.3): client.ts offers a ticket of an earlier connection as a PSK (pre_shared_key, its binder,
 * and perhaps early data under client_early_traffic_secret). When the ServerHello selects it, the schedule starts
 * from the PSK, Certificate and CertificateVerify are skipped (the session carries what its full handshake verified),
 * and with early data accepted (early_data in EncryptedExtensions) EndOfEarlyData closes the early data before our
 * Finished. Early data the server refused (or after a HelloRetryRequest) is skipped by the server; connect() sends
 * it again after the handshake.
 */
import { TlsError, CertificateError } from '../errors.js';
import type { HandshakeIO, HandshakeResult } from './io.js';
import { buildClientHello, selectedAlpn, type ClientHandshakeConfig, type ClientIdentity } from './client.js';
import { HandshakeType as HT, type HandshakeMessage } from './framer.js';
import { ExtensionType as ET, findExtension } from './extensions.js';
import * as X from './extensions.js';
import { ExtensionType13 as ET13 } from './extensions13.js';
import * as X13 from './extensions13.js';
import * as M from './messages.js';
import * as M13 from './messages13.js';
import { HandshakeType13 as HT13 } from './messages13.js';
import { equalBytes, toHex } from './codec.js';
import { nullProtection } from '../record/protection.js';
import { TLS12, TLS13, tls13SuiteById, type Tls13Suite } from '../crypto/suites.js';
import { KeySchedule13, checkFinished13, finishedVerifyData13 } from '../crypto/keyschedule.js';
import { hash as digest, hashesOf } from '../crypto/hash.js';
import { keyShare13, signData, verifyData, type GroupShare } from '../crypto/ops.js';
import { GROUPS, groupById } from '../crypto/kex.js';
import { chooseOwnScheme13, peerSigAlg13, schemeAllowed13 } from './signature-schemes.js';
import type { PrivateKey, PublicKey } from '../crypto/types.js';
import { certificatePublicKey, parseCertificate } from '../x509/certificate.js';
import { MAX_PLAINTEXT } from '../record/constants.js';
import { installKeyUpdates, protection13, unexpectedAfterHandshake } from './traffic13.js';
import { canSign13, clientPostHandshakeAuth, type PhaBase } from './pha13.js';
import {
  ExtensionTypeCompressCertificate as ET_COMPRESS_CERTIFICATE,
  HandshakeTypeCompressedCertificate as HT_COMPRESSED_CERTIFICATE,
  decompressCertificate,
  maxUncompressed,
  certificateMessage,
  chooseCodec,
  offeredCompression,
  type CertCompressionName,
  type CertificateCodec,
} from './cert-compression.js';
import { encodeHelloWithBinders, type Tls13Offer } from './client.js';
import { carriedVerification, sessionPolicyFields, type PeerCheck, type SessionPolicy, type TlsSession } from './session.js';
import { resumptionPsk } from '../crypto/keyschedule.js';
import { base64Decode, base64Encode } from '../pem.js';
import type { Protection } from '../record/protection.js';
import type { GroupName } from '../crypto/kex.js';

/** What client.ts hands over: its first hello, the server's answer, and the key shares it sent. */
export interface Tls13ClientStart {
  hello: M.ClientHello;
  sh: M.ServerHello;
  clientRandom: Uint8Array;
  /** Our key shares by group id (the secrets stay here). */
  shares: Map<number, GroupShare>;
  /** Middlebox compatibility mode: send a ChangeCipherSpec before our next flight. */
  compat: boolean;
  /** The ticket offered as a PSK, and the session it came from. */
  psk?: { offer: NonNullable<Tls13Offer['psk']>; session: TlsSession };
  /** Early data sent after the first ClientHello. */
  early?: EarlySent;
  /** What this connection checks: recorded in the sessions its tickets make. */
  policy?: SessionPolicy;
}

/** The early data client.ts sent after the first ClientHello, under `prot` (client_early_traffic_secret). */
export interface EarlySent {
  data: Uint8Array;
  /** The ticket's suite: the early data is protected with it, and the server may accept it only with it. */
  suite: Tls13Suite;
  prot: Protection;
  /** The compatibility ChangeCipherSpec went out before it. */
  sentCcs: boolean;
}

/** Extensions a ServerHello may carry in 1.3 (RFC 8446 §4.2 table: "SH"); pre_shared_key is never offered here. */
const SH_ALLOWED = new Set<number>([ET13.supported_versions, ET13.key_share]);
/** And a HelloRetryRequest ("HRR"). */
const HRR_ALLOWED = new Set<number>([ET13.supported_versions, ET13.key_share, ET13.cookie]);
/** Extensions that may come in EncryptedExtensions when offered ("EE"). */
const EE_ALLOWED = new Set<number>([
  ET.server_name,
  ET.max_fragment_length,
  ET.supported_groups,
  ET.application_layer_protocol_negotiation,
  ET.record_size_limit,
]);

export async function clientHandshakeTls13(io: HandshakeIO, cfg: ClientHandshakeConfig, start: Tls13ClientStart): Promise<HandshakeResult> {
  io.enableTls13();
  io.setRecordVersion(TLS12); // legacy_record_version, RFC 8446 §5.1
  const { clientRandom, shares } = start;
  let { hello, sh } = start;
  const early = start.early;
  let sentCcs = !!early?.sentCcs;
  /** The PSK offer of the ClientHello the server answers (none after an HRR for a suite of another hash). */
  let pskOffer = start.psk?.offer;
  /** Early data still waiting for the server's verdict (a HelloRetryRequest refuses it). */
  let earlyPending = !!early;
  const offeredExt = new Set(hello.extensions!.map((e) => e.type));
  const suite = chooseSuite(hello, sh);
  // The provider's hash (node:crypto on Node): the transcript is hashed a handful of times per handshake.
  const th = () => io.transcript.hash(suite.hash, hashesOf(io.provider));

  // ---- HelloRetryRequest
  if (M13.isHelloRetryRequest(sh)) {
    checkEcho(hello, sh);
    for (const e of sh.extensions ?? []) {
      if (!HRR_ALLOWED.has(e.type)) throw new TlsError('protocol_unsupported_extension', `a HelloRetryRequest with extension ${X.extensionName(e.type)}`);
    }
    const ks = findExtension(sh.extensions, ET13.key_share);
    const ck = findExtension(sh.extensions, ET13.cookie);
    let newGroup: number | undefined;
    if (ks) {
      newGroup = X13.decodeKeyShareHrr(ks.data);
      // §4.1.4: a group we did not offer, or one we already sent a share for, is illegal_parameter.
      if (!cfg.groups.includes(newGroup) || shares.has(newGroup) || !groupById(newGroup)) {
        throw new TlsError('protocol_illegal_parameter', `the HelloRetryRequest asks for group ${newGroup}, which was not offered or already has a share`);
      }
    }
    // §4.1.4: a HelloRetryRequest that would not change the ClientHello is illegal_parameter.
    if (newGroup === undefined && !ck) throw new TlsError('protocol_illegal_parameter', 'a HelloRetryRequest that asks for nothing');
    const cookie = ck ? X13.decodeCookie(ck.data) : undefined;
    // §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)) in the transcript, then the HRR.
    const all = io.transcript.bytes();
    const ch1Len = 4 + M.encodeClientHello(hello).length; // we built it: its encoding is the one sent
    const ch1 = all.slice(0, ch1Len);
    const hrrRaw = all.slice(ch1Len);
    io.transcript.replaceWithMessageHash(digest(suite.hash, ch1));
    io.transcript.add(hrrRaw);
    if (newGroup !== undefined) {
      shares.clear();
      shares.set(newGroup, await keyShare13(io.provider, groupById(newGroup)!, io.random));
    }
    const entries = [...shares.values()].map((s) => ({ group: GROUPS[s.group], keyExchange: s.pub }));
    // §4.1.2: the second ClientHello keeps only PSKs of the suite's hash, and never early_data (§4.2.10).
    pskOffer = pskOffer && pskOffer.candidates.some((c) => c.hash === suite.hash)
      ? { ...pskOffer, candidates: pskOffer.candidates.filter((c) => c.hash === suite.hash), earlyData: false }
      : undefined;
    hello = buildClientHello(cfg, clientRandom, hello.sessionId, null, { shares: entries, ...(cookie ? { cookie } : {}), ...(pskOffer ? { psk: pskOffer } : {}) });
    if (earlyPending) {
      // The early data is refused (the server skips it); the second ClientHello goes out unprotected.
      earlyPending = false;
      await io.setWriteProtection(nullProtection());
    }
    if (start.compat && !sentCcs) {
      await io.sendChangeCipherSpec();
      sentCcs = true;
    }
    // The binders cover message_hash(ClientHello1) || HelloRetryRequest too (§4.2.11.2).
    await io.send(HT.client_hello, await encodeHelloWithBinders(io, hello, pskOffer, io.transcript.bytes()));
    sh = M.decodeServerHello((await io.expect(HT.server_hello)).body);
    if (M13.isHelloRetryRequest(sh)) throw new TlsError('protocol_unexpected_message', 'a second HelloRetryRequest (RFC 8446 §4.1.4)');
    const sv = findExtension(sh.extensions, ET13.supported_versions);
    if (!sv || X13.decodeSupportedVersionsServer(sv.data) !== TLS13) {
      throw new TlsError('protocol_illegal_parameter', 'the ServerHello after a HelloRetryRequest does not select TLS 1.3');
    }
    if (chooseSuite(hello, sh) !== suite) throw new TlsError('protocol_illegal_parameter', 'the ServerHello changed the cipher suite the HelloRetryRequest chose');
  }

  // ---- ServerHello
  checkEcho(hello, sh);
  for (const e of sh.extensions ?? []) {
    if (!SH_ALLOWED.has(e.type) && !(e.type === ET13.pre_shared_key && pskOffer)) {
      const offered = offeredExt.has(e.type) || e.type === ET13.pre_shared_key;
      throw new TlsError(offered ? 'protocol_illegal_parameter' : 'protocol_unsupported_extension', `a TLS 1.3 ServerHello with extension ${X.extensionName(e.type)}`);
    }
  }
  // §4.2.11: the PSK the server selected must be one we offered, for the hash of the suite it chose.
  const pskExt = findExtension(sh.extensions, ET13.pre_shared_key);
  let psk: Uint8Array | undefined;
  let selectedIdentity = -1;
  if (pskExt && pskOffer) {
    selectedIdentity = X13.decodePreSharedKeyServer(pskExt.data);
    const chosen = pskOffer.candidates[selectedIdentity];
    if (!chosen) {
      throw new TlsError('protocol_illegal_parameter', `the server selected PSK ${selectedIdentity}, and we offered ${pskOffer.candidates.length}`);
    }
    if (chosen.hash !== suite.hash) throw new TlsError('protocol_illegal_parameter', `the server chose ${suite.name} with a PSK made for ${chosen.hash}`);
    psk = chosen.psk;
  }
  const resumedFrom = psk ? start.psk!.session : undefined;
  const ksExt = findExtension(sh.extensions, ET13.key_share);
  let shared: Uint8Array;
  let serverGroup: GroupName | undefined;
  if (ksExt) {
    const serverShare = X13.decodeKeyShareServer(ksExt.data);
    const ours = shares.get(serverShare.group);
    if (!ours) throw new TlsError('protocol_illegal_parameter', `the server's key_share is for group ${serverShare.group}, for which we sent no share`);
    shared = await ours.agree(serverShare.keyExchange);
    serverGroup = ours.group;
  } else if (psk && pskOffer!.modes.includes(X13.PskKeyExchangeMode.psk_ke)) {
    shared = new Uint8Array(hashLen(suite)); // psk_ke: no (EC)DHE input (§7.1: 0)
  } else {
    throw new TlsError('protocol_missing_extension', psk ? 'the ServerHello has no key_share, and we offered only psk_dhe_ke' : 'the ServerHello has no key_share, and selected no PSK');
  }
  const schedule = await KeySchedule13.start(io.provider, suite.hash, psk);
  const hs = await schedule.handshake(shared, th());
  shared.fill(0);
  cfg.keyLog?.(keyLog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', clientRandom, hs.client));
  cfg.keyLog?.(keyLog('SERVER_HANDSHAKE_TRAFFIC_SECRET', clientRandom, hs.server));
  io.setReadProtection(await protection13(io.provider, suite, hs.server));
  // Our write key changes now too, so an alert we send from here on is protected as the server expects; the
  // compatibility ChangeCipherSpec goes first (RFC 8446 Appendix D.4: before our next protected record). With early
  // data in flight the early key stays until EncryptedExtensions says whether the server takes it.
  const hsWrite = await protection13(io.provider, suite, hs.client);
  if (!earlyPending) {
    if (start.compat && !sentCcs) await io.sendChangeCipherSpec();
    await io.setWriteProtection(hsWrite);
  }

  // ---- {EncryptedExtensions}
  const ee = M13.decodeEncryptedExtensions((await io.expect(HT13.encrypted_extensions)).body);
  for (const e of ee.extensions) {
    if (!offeredExt.has(e.type)) throw new TlsError('protocol_unsupported_extension', `the server sent extension ${X.extensionName(e.type)}, which was not offered`);
    if (!EE_ALLOWED.has(e.type) && e.type !== ET13.early_data) throw new TlsError('protocol_illegal_parameter', `extension ${X.extensionName(e.type)} does not belong in EncryptedExtensions`);
  }
  const alpnProtocol = selectedAlpn(cfg, ee.extensions);
  // §4.2.10: early_data accepts the early data of the first PSK, with the ticket's suite and ALPN protocol.
  const ed = findExtension(ee.extensions, ET13.early_data);
  if (ed) {
    X13.decodeEarlyDataIndication(ed.data);
    if (!earlyPending) throw new TlsError('protocol_illegal_parameter', 'the server accepted early data that was not sent with this ClientHello');
    if (selectedIdentity !== 0) throw new TlsError('protocol_illegal_parameter', 'the server accepted early data without selecting the first PSK');
    if (suite !== early!.suite) throw new TlsError('protocol_illegal_parameter', "the server accepted early data with another cipher suite than the ticket's");
    if (alpnProtocol !== resumedFrom!.alpnProtocol) throw new TlsError('protocol_illegal_parameter', "the server accepted early data with another ALPN protocol than the ticket's");
  }
  const earlyAccepted = !!ed;
  if (earlyPending && !earlyAccepted) {
    // Refused: the server skips those records; what we send now goes under the handshake key.
    earlyPending = false;
    await io.setWriteProtection(hsWrite);
  }
  const sni = findExtension(ee.extensions, ET.server_name);
  if (sni) X.decodeEmptyExtension(sni.data, ET.server_name);
  const sg = findExtension(ee.extensions, ET.supported_groups);
  if (sg) X.decodeSupportedGroups(sg.data); // the server's preferences: informational, but must parse
  const mfl = findExtension(ee.extensions, ET.max_fragment_length);
  const rsl = findExtension(ee.extensions, ET.record_size_limit);
  if (mfl && rsl) throw new TlsError('protocol_illegal_parameter', 'the server sent both max_fragment_length and record_size_limit');
  if (mfl) {
    const n = X.decodeMaxFragmentLength(mfl.data);
    if (n !== cfg.maxFragmentLength) throw new TlsError('protocol_illegal_parameter', 'max_fragment_length differs from the one offered');
    io.setMaxFragment(n);
  }
  // RFC 8449 §4: in 1.3 the limit counts the inner plaintext, content type included.
  if (rsl) io.setMaxFragment(Math.min(X.decodeRecordSizeLimit(rsl.data) - 1, MAX_PLAINTEXT));

  // ---- {CertificateRequest*} {Certificate} {CertificateVerify}: not in a resumed handshake (§2.2, §4.3.2)
  let certRequest: { context: Uint8Array; schemes: number[]; compression: number[] } | undefined;
  let peerChain: Uint8Array[];
  let verification: HandshakeResult['verification'];
  let certificateCompression: CertCompressionName | undefined;
  let ocspResponse: Uint8Array | undefined;
  /** What the full handshake proved (the chain's check and the CertificateVerify scheme): its sessions carry it. */
  let checked: PeerCheck | undefined;
  let signatureScheme: number | undefined;
  if (resumedFrom) {
    peerChain = resumedFrom.peerChain.map(base64Decode);
    verification = carriedVerification(resumedFrom);
  } else {
    // RFC 8879: where we offered compression, CompressedCertificate may stand in for Certificate.
    const compressing = offeredExt.has(ET_COMPRESS_CERTIFICATE) && !!cfg.certCompression?.length;
    const certTypes = compressing ? [HT.certificate, HT_COMPRESSED_CERTIFICATE] : [HT.certificate];
    let next = await io.expect(HT.certificate_request, ...certTypes);
    if (next.type === HT.certificate_request) {
      const cr = M13.decodeCertificateRequest13(next.body);
      // §4.3.2: empty during the handshake; signature_algorithms is required.
      if (cr.context.length) throw new TlsError('protocol_illegal_parameter', 'a CertificateRequest in the handshake with a non-empty context');
      const sa = findExtension(cr.extensions, ET.signature_algorithms);
      if (!sa) throw new TlsError('protocol_missing_extension', 'a CertificateRequest without signature_algorithms');
      certRequest = { context: cr.context, schemes: X.decodeSignatureAlgorithms(sa.data), compression: offeredCompression(cr.extensions) };
      next = await io.expect(...certTypes);
    }

    // ---- {Certificate} (or {CompressedCertificate}: the transcript has it as sent, the chain is inside)
    let certBody = next.body;
    if (next.type === HT_COMPRESSED_CERTIFICATE) {
      const d = await decompressCertificate(next.body, cfg.certCompression!, maxUncompressed(io.maxCertificateMessage));
      certBody = d.body;
      certificateCompression = d.name;
    }
    const cert = M13.decodeCertificate13(certBody);
    if (certificateCompression && io.maxCertificates !== undefined && cert.entries.length > io.maxCertificates) {
      throw new TlsError('limit_chain', `the peer sent a certificate chain of more than ${io.maxCertificates} certificates`);
    }
    if (cert.context.length) throw new TlsError('protocol_illegal_parameter', "the server's Certificate has a non-empty request context");
    if (!cert.entries.length) throw new TlsError('decode_error', 'the server sent an empty Certificate (RFC 8446 §4.4.2.4)');
    cert.entries.forEach((entry, i) => {
      for (const e of entry.extensions) {
        if (e.type === ET.status_request && i === 0 && offeredExt.has(ET.status_request)) {
          ocspResponse = M.decodeCertificateStatus(e.data).ocspResponse;
        } else if (e.type !== ET.signed_certificate_timestamp || !offeredExt.has(e.type)) {
          // §4.4.2: only extensions we offered in ClientHello; status_request only for the end-entity here.
          if (e.type !== ET.status_request) throw new TlsError('protocol_unsupported_extension', `a certificate entry with extension ${X.extensionName(e.type)}, which was not offered`);
          throw new TlsError('protocol_illegal_parameter', 'a status_request in a certificate entry that cannot carry it');
        }
      }
    });
    peerChain = cert.entries.map((e) => e.certData);
    const leafCert = parseCertificate(peerChain[0]!);
    const leafKey: PublicKey = certificatePublicKey(leafCert);
    if (leafKey.kind === 'rsa' && leafKey.bits < cfg.minRsaBits) {
      throw new CertificateError('cert_weak_key', `the server's RSA key has ${leafKey.bits} bits, fewer than the ${cfg.minRsaBits} required`);
    }
    const ku = leafCert.extensions.keyUsage;
    if (ku && !ku.has('digitalSignature')) {
      throw new CertificateError('cert_bad_key_usage', "the server certificate's keyUsage does not allow digitalSignature, which TLS 1.3 needs");
    }
    const throughCertificate = th();

    // ---- {CertificateVerify}
    const cv = M13.decodeCertificateVerify13((await io.expect(HT.certificate_verify)).body);
    const offeredSchemes = X.decodeSignatureAlgorithms(findExtension(hello.extensions, ET.signature_algorithms)!.data);
    const alg = peerSigAlg13(cv.scheme, offeredSchemes, leafKey);
    if (!(await verifyData(io.provider, alg, leafKey, M13.certificateVerifyContent('server', throughCertificate), cv.signature))) {
      throw new TlsError('crypto_bad_signature', 'the server CertificateVerify signature does not verify with its certificate key');
    }
    signatureScheme = cv.scheme;
    checked = await cfg.verifyPeer(peerChain, ocspResponse);
    verification = checked.verification;
  }

  // ---- {Finished} from the server
  const throughCv = th();
  const fin = M13.decodeFinished13((await io.expect(HT.finished)).body, hashLen(suite));
  if (!(await checkFinished13(io.provider, suite.hash, hs.server, throughCv, fin.verifyData))) {
    throw new TlsError('crypto_bad_finished', 'the server Finished does not match the handshake (tampering, or a different key)');
  }
  const app = await schedule.application(th());
  cfg.keyLog?.(keyLog('CLIENT_TRAFFIC_SECRET_0', clientRandom, app.client));
  cfg.keyLog?.(keyLog('SERVER_TRAFFIC_SECRET_0', clientRandom, app.server));
  cfg.keyLog?.(keyLog('EXPORTER_SECRET', clientRandom, app.exporter));
  io.setReadProtection(await protection13(io.provider, suite, app.server));

  // ---- (EndOfEarlyData): the last record under the early key (§4.5), then the handshake key
  if (earlyPending) {
    await io.send(HT13.end_of_early_data, new Uint8Array(0));
    await io.setWriteProtection(hsWrite);
  }

  // ---- {Certificate*} {CertificateVerify*} {Finished} (the ChangeCipherSpec went out after ServerHello)
  let sentChain: readonly Uint8Array[] | undefined;
  if (certRequest) {
    const identity = cfg.identity && canSign13(certRequest.schemes, cfg.signatureSchemes, cfg.identity.key) ? cfg.identity : undefined;
    // RFC 8879 §3: compressed when the server lists a codec we have.
    const body = M13.encodeCertificate13({ context: certRequest.context, entries: (identity?.chain ?? []).map((certData) => ({ certData, extensions: [] })) });
    const cert = await certificateMessage(body, identity ? chooseCodec(cfg.certCompression, certRequest.compression) : undefined);
    await io.send(cert.type, cert.body);
    if (identity) await sendCertificateVerify(io, identity, certRequest.schemes, cfg.signatureSchemes, th());
    sentChain = identity?.chain;
  }
  await io.send(HT.finished, M13.encodeFinished13({ verifyData: await finishedVerifyData13(io.provider, suite.hash, hs.client, th()) }));
  await io.setWriteProtection(await protection13(io.provider, suite, app.client));
  // Derived when the first NewSessionTicket comes (many connections never get or read one), over the transcript
  // through our Finished (hashed now: the transcript is cleared once the handshake is done).
  const throughClientFinished = th();
  let rms: Promise<Uint8Array> | undefined;
  const resumptionMaster = () => (rms ??= schedule.resumptionMasterSecret(throughClientFinished));

  // ---- After the handshake: NewSessionTicket, KeyUpdate, CertificateRequest (when post_handshake_auth was offered)
  const secrets = { ours: app.client, peer: app.server };
  const pha = offeredExt.has(ET13.post_handshake_auth)
    ? { base: { suite, transcript: io.transcript.bytes().slice(), secrets }, identity: cfg.identity, schemes: cfg.signatureSchemes, codecs: cfg.certCompression }
    : undefined;
  // What every session of this connection carries: a resumed connection passes on what its own session carried.
  const carried: Partial<TlsSession> = resumedFrom
    ? pickPolicy(resumedFrom)
    : start.policy
      ? sessionPolicyFields(start.policy, checked ?? { verification }, signatureScheme)
      : {};
  let chainB64: string[] | undefined = resumedFrom?.peerChain;
  const feed = sessionFeed();
  installPostHandshake(io, suite, secrets, pha, async (nst) => {
    // §4.6.1: a lifetime of 0 means the ticket must not be used; extensions we do not know are ignored.
    if (nst.lifetime === 0) return;
    const edt = findExtension(nst.extensions, ET13.early_data);
    const maxEarlyData = edt ? X13.decodeEarlyDataTicket(edt.data) : 0;
    const secret = await resumptionPsk(io.provider, suite.hash, await resumptionMaster(), nst.nonce);
    chainB64 ??= peerChain.map(base64Encode);
    feed.push({
      version: TLS13,
      cipherSuite: suite.id,
      masterSecret: base64Encode(secret),
      sessionId: '',
      ticket: base64Encode(nst.ticket),
      ticketLifetime: nst.lifetime,
      ticketAgeAdd: nst.ageAdd,
      ...(maxEarlyData ? { maxEarlyData } : {}),
      extendedMasterSecret: true,
      ...(cfg.serverName ? { serverName: cfg.serverName } : {}),
      ...(alpnProtocol ? { alpnProtocol } : {}),
      peerChain: chainB64,
      createdAt: io.now().getTime(),
      ...carried,
    });
  });
  return {
    version: TLS13,
    suite,
    alpnProtocol,
    resumed: !!resumedFrom,
    peerChain,
    verification,
    serverName: cfg.serverName,
    ocspResponse,
    ...(serverGroup ? { group: serverGroup } : {}),
    ...(certificateCompression ? { certificateCompression } : {}),
    exporterSecret: app.exporter,
    ...(early ? { earlyDataAccepted: earlyAccepted } : cfg.earlyData ? { earlyDataAccepted: false } : {}),
    watchSessions: feed.watch,
    ...(sentChain ? { localChain: sentChain } : {}),
  };
}

/** The policy fields of a session, passed on to the sessions of a connection that resumed it. */
function pickPolicy(s: TlsSession): Partial<TlsSession> {
  const keys = [
    'verifyMode', 'verification', 'checkedName', 'trustAnchors', 'profile', 'minRsaBits', 'minDhBits', 'clientCert',
    'notAfter', 'signatureScheme', 'ocspNextUpdate',
  ] as const;
  const out: Partial<TlsSession> = {};
  for (const k of keys) if (s[k] !== undefined) (out as Record<string, unknown>)[k] = s[k];
  return out;
}

/** Sessions as tickets arrive: the latest is kept for a listener that registers later. */
function sessionFeed(): { push(s: TlsSession): void; watch(listener: (s: TlsSession) => void): void } {
  let latest: TlsSession | undefined;
  let listener: ((s: TlsSession) => void) | undefined;
  return {
    push(s) {
      latest = s;
      listener?.(s);
    },
    watch(l) {
      listener = l;
      if (latest) l(latest);
    },
  };
}

/** The suite the server chose: one we offered, a 1.3 one. */
function chooseSuite(hello: M.ClientHello, sh: M.ServerHello): Tls13Suite {
  const suite = tls13SuiteById(sh.cipherSuite);
  if (!suite || !hello.cipherSuites.includes(sh.cipherSuite)) {
    throw new TlsError('protocol_illegal_parameter', `the server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered for TLS 1.3`);
  }
  return suite;
}

/** §4.1.3: legacy_session_id_echo must be ours, compression none. */
function checkEcho(hello: M.ClientHello, sh: M.ServerHello): void {
  if (!equalBytes(sh.sessionId, hello.sessionId)) throw new TlsError('protocol_illegal_parameter', 'the ServerHello does not echo our legacy_session_id');
  if (sh.compressionMethod !== 0) throw new TlsError('protocol_illegal_parameter', 'the server chose compression');
}

const hashLen = (suite: Tls13Suite) => (suite.hash === 'sha384' ? 48 : 32);

function keyLog(label: string, clientRandom: Uint8Array, secret: Uint8Array): string {
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}

async function sendCertificateVerify(io: HandshakeIO, identity: ClientIdentity, accepted: readonly number[], ours: readonly number[], transcriptHash: Uint8Array): Promise<void> {
  const s = chooseOwnScheme13(accepted, ours, identity.key);
  const signature = await signData(io.provider, s.alg, identity.key, M13.certificateVerifyContent('client', transcriptHash), io.random);
  await io.send(HT.certificate_verify, M13.encodeCertificateVerify13({ scheme: s.id, signature }));
}

/**
 * Post-handshake messages (§4.6) a client accepts besides KeyUpdate: NewSessionTicket (checked, then handed to
 * `onTicket`), and CertificateRequest when we offered post_handshake_auth (pha13.ts); without that offer it is
 * unexpected_message (§4.6.2).
 */
function installPostHandshake(
  io: HandshakeIO,
  suite: Tls13Suite,
  secrets: { ours: Uint8Array; peer: Uint8Array },
  pha: { base: PhaBase; identity: ClientIdentity | undefined; schemes: readonly number[]; codecs: readonly CertificateCodec[] | undefined } | undefined,
  onTicket: (nst: M13.NewSessionTicket13) => Promise<void>,
): void {
  const answer = pha ? clientPostHandshakeAuth(io, pha.base, pha.identity, pha.schemes, () => serial, pha.codecs) : undefined;
  const serial = installKeyUpdates(io, suite, secrets, (m) => {
    if (m.type === HT.certificate_request && answer) return answer(m);
    if (m.type !== HT.new_session_ticket) throw unexpectedAfterHandshake(m, 'the server');
    return onTicket(M13.decodeNewSessionTicket13(m.body));
  });
}

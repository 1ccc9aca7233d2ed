/**
 * The TLS 1.0–1.2 server handshake, from the ServerHello on (server.ts read the ClientHello and chose the suite,
 * certificate and group, or the session to resume), straight-line in the order of RFC 5246 §7.3:
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
import type { HandshakeIO, HandshakeResult, Verification } from './io.js';
import { clientAuthPolicyOf, type Choice, type Offer, type Resumable, type ServerHandshakeConfig } from './server.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, type Extension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { sealTicket, type ServerSessionState } from './tickets.js';
import { MAX_PLAINTEXT } from '../record/constants.js';
import { DOWNGRADE_SENTINEL_OFFSET, DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from './downgrade.js';
import { deriveMaster, deriveProtections, readFinished, sendFinished, keyLogLine } from './keys-tls12.js';
import { EC_POINT_UNCOMPRESSED, serverEphemeral, serverParamsSignedData, serverRsaPremaster, type ServerEphemeral } from './key-agreement.js';
import { peerSigAlg } from './signature-schemes.js';
import { TLS10, TLS12, TLS13, type Tls12Suite, type ProtocolVersion } from '../crypto/suites.js';
import { signData, verifyData } from '../crypto/ops.js';
import type { PublicKey } from '../crypto/types.js';
import { clientCertificateKey } from './client-cert-key.js';

/** What server.ts settled from the ClientHello for a full handshake. */
export interface ServerHelloPlan extends Choice {
  ch: M.ClientHello;
  offer: Offer;
  version: ProtocolVersion;
  alpnProtocol: string | undefined;
}

function serverHelloExtensions(
  offer: Offer,
  suite: Tls12Suite,
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

async function sendNewSessionTicket(io: HandshakeIO, cfg: ServerHandshakeConfig, state: ServerSessionState): Promise<void> {
  const ticket = await sealTicket(io.provider, cfg.ticketKeys!, state, io.random);
  await io.send(HT.new_session_ticket, M.encodeNewSessionTicket({ lifetimeHint: Math.floor(cfg.sessionLifetimeMs / 1000), ticket }));
}

/** The abbreviated handshake: ServerHello echoing the client's session id, [NewSessionTicket], CCS and Finished first. */
export async function resumeSessionTls12(
  io: HandshakeIO,
  cfg: ServerHandshakeConfig,
  ch: M.ClientHello,
  offer: Offer,
  version: ProtocolVersion,
  r: Resumable,
  alpnProtocol: string | undefined,
): Promise<HandshakeResult> {
  const { state, suite } = r;
  const serverRandom = io.random(32);
  if (version < TLS12 && cfg.maxVersion >= TLS12) serverRandom.set(DOWNGRADE_TLS11, DOWNGRADE_SENTINEL_OFFSET);
  // ... and a 1.3-capable server marks 1.2 with DOWNGRD\x01, so a 1.3 client sees a downgrade to 1.2.
  if (version === TLS12 && cfg.maxVersion >= TLS13) serverRandom.set(DOWNGRADE_TLS12, DOWNGRADE_SENTINEL_OFFSET);
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
  await io.sendChangeCipherSpec();
  await io.setWriteProtection(prot.write);
  const serverFinished = await sendFinished(io, 'server', version, suite, master);
  await io.expectChangeCipherSpec();
  io.setReadProtection(prot.read);
  const clientFinished = await readFinished(io, 'client', version, suite, master);
  cfg.keyLog?.(keyLogLine(ch.random, master));
  return {
    version,
    suite,
    ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
    resumed: true,
    tls12: { master, clientRandom: ch.random, serverRandom, extendedMasterSecret: state.extendedMasterSecret, clientFinished, serverFinished },
    peerChain: state.peerChain.map((c) => c.slice()),
    // What the full handshake found (a sent chain is always verified, so a session never carries a failed one).
    verification: state.clientVerified
      ? { ok: true }
      : { ok: false, code: 'not_verified', message: state.peerChain.length ? 'the client certificate was not verified' : 'the client sent no certificate' },
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
  };
}

export async function serverHandshakeTls12(io: HandshakeIO, cfg: ServerHandshakeConfig, plan: ServerHelloPlan): Promise<HandshakeResult> {
  const { ch, offer, version, suite, identity, scheme, alpnProtocol } = plan;
  const encryptThenMac = offer.etm && suite.type === 'cbc';

  // ---- ServerHello
  const serverRandom = io.random(32);
  // RFC 8446 §4.1.3: a server that can do TLS 1.2 marks a lower version, so a 1.2 client can see a downgrade.
  if (version < TLS12 && cfg.maxVersion >= TLS12) serverRandom.set(DOWNGRADE_TLS11, DOWNGRADE_SENTINEL_OFFSET);
  // ... and a 1.3-capable server marks 1.2 with DOWNGRD\x01, so a 1.3 client sees a downgrade to 1.2.
  if (version === TLS12 && cfg.maxVersion >= TLS13) serverRandom.set(DOWNGRADE_TLS12, DOWNGRADE_SENTINEL_OFFSET);
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
  let ephemeral: ServerEphemeral | undefined;
  if (suite.kx !== 'RSA') {
    ephemeral = await serverEphemeral(io, suite.kx === 'ECDHE' ? { kind: 'ECDHE', group: plan.ecGroup! } : { kind: 'DHE', group: plan.dhGroup! });
    const encoded = M.encodeServerKeyExchangeParams(ephemeral.params);
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
  /** The earliest notAfter of the client's verified path, and its CertificateVerify scheme: sessions record them. */
  let clientNotAfter: number | undefined;
  let clientSignatureScheme: number | undefined;
  if (cfg.clientAuth !== 'none') {
    peerChain = M.decodeCertificate((await io.expect(HT.certificate)).body).certificates;
    if (!peerChain.length) {
      if (cfg.clientAuth === 'required') {
        throw new CertificateError('cert_no_certificate', 'the client sent no certificate, and one is required');
      }
      verification = { ok: false, code: 'not_verified', message: 'the client sent no certificate' };
    } else {
      const checked = await cfg.verifyClient(peerChain);
      verification = checked.verification;
      clientNotAfter = checked.notAfter;
      clientKey = clientPublicKey(peerChain[0]!);
    }
  }

  // ---- ClientKeyExchange
  const cke = M.decodeClientKeyExchange((await io.expect(HT.client_key_exchange)).body, suite.kx);
  const premaster = ephemeral ? await ephemeral.agree(cke) : await serverRsaPremaster(io, identity.key, cke, ch.version);
  const throughCke = io.transcript.bytes();
  const master = deriveMaster(version, suite, premaster, ch.random, serverRandom, offer.ems, throughCke, io.provider.hashes);
  premaster.fill(0);

  // ---- CertificateVerify*: required whenever the client sent a certificate, in every version.
  if (clientKey) {
    const cv = M.decodeCertificateVerify((await io.expect(HT.certificate_verify)).body, version);
    const alg = peerSigAlg(version, cv.sigAlg, cfg.signatureSchemes, clientKey);
    if (cv.sigAlg !== null) clientSignatureScheme = cv.sigAlg;
    if (!(await verifyData(io.provider, alg, clientKey, throughCke, cv.signature))) {
      throw new TlsError('crypto_bad_signature', 'the client CertificateVerify signature does not verify with its certificate key');
    }
  }

  // ---- [ChangeCipherSpec] Finished from the client
  const prot = await deriveProtections(io, 'server', version, suite, master, ch.random, serverRandom, encryptThenMac);
  await io.expectChangeCipherSpec();
  io.setReadProtection(prot.read);
  const clientFinished = await readFinished(io, 'client', version, suite, master);
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
    clientAuthPolicy: clientAuthPolicyOf(cfg),
    clientVerified: peerChain.length > 0 && verification.ok,
    ...(clientNotAfter !== undefined ? { clientNotAfter } : {}),
    ...(clientSignatureScheme !== undefined ? { clientSignatureScheme } : {}),
  };
  if (issueTicket) await sendNewSessionTicket(io, cfg, state);
  await io.sendChangeCipherSpec();
  await io.setWriteProtection(prot.write);
  const serverFinished = await sendFinished(io, 'server', version, suite, master);
  cfg.sessionCache?.set(sessionId, state);

  return {
    version,
    suite,
    ...(alpnProtocol !== undefined ? { alpnProtocol } : {}),
    ...(plan.ecGroup && suite.kx === 'ECDHE' ? { group: plan.ecGroup } : plan.dhGroup && suite.kx === 'DHE' ? { group: plan.dhGroup } : {}),
    resumed: false,
    peerChain,
    verification,
    tls12: { master, clientRandom: ch.random, serverRandom, extendedMasterSecret: offer.ems, clientFinished, serverFinished },
    localChain: identity.chain,
    ...(offer.serverName !== undefined ? { serverName: offer.serverName } : {}),
  };
}

/** The client leaf's key, which must be one we asked for (rsa_sign or ecdsa_sign) and allowed to sign. */
function clientPublicKey(leafDer: Uint8Array): PublicKey {
  const key = clientCertificateKey(leafDer);
  if (key.kind !== 'rsa' && key.kind !== 'ec') {
    throw new CertificateError('cert_unsupported_key', `the client certificate has a ${key.kind} key; rsa_sign or ecdsa_sign was requested`);
  }
  return key;
}

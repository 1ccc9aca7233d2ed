/**
 * The TLS 1.0–1.2 client handshake, after the ServerHello (client.ts sent the hello and read the answer),
 * straight-line in the order of RFC 5246 §7.3:
 *
 *   ClientHello                  -------->
 *                                                 ServerHello
 *                                                Certificate*
 *                                          CertificateStatus*
 *                                          ServerKeyExchange*
 *                                         CertificateRequest*
 *                                <--------    ServerHelloDone
 *   Certificate*
 *   ClientKeyExchange
 *   CertificateVerify*
 *   [ChangeCipherSpec]
 *   Finished                     -------->
 *                                           NewSessionTicket*
 *                                          [ChangeCipherSpec]
 *                                <--------           Finished
 *
 * and the abbreviated handshake when the server resumes the session we offered:
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
import type { HandshakeIO, HandshakeResult } from './io.js';
import { selectedAlpn, type ClientHandshakeConfig, type ClientIdentity } from './client.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, findExtension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { equalBytes } from './codec.js';
import { deriveMaster, deriveProtections, readFinished, sendFinished, keyLogLine } from './keys-tls12.js';
import { clientAgreeEphemeral, clientRsaPremaster, serverParamsSignedData } from './key-agreement.js';
import { chooseOwnScheme, peerSigAlg } from './signature-schemes.js';
import { carriedVerification, sessionPolicyFields, type SessionPolicy, type TlsSession } from './session.js';
import { base64Encode, base64Decode } from '../pem.js';
import { TLS10, type Tls12Suite, type ProtocolVersion } from '../crypto/suites.js';
import { signData, verifyData } from '../crypto/ops.js';
import type { PublicKey } from '../crypto/types.js';
import type { GroupName } from '../crypto/kex.js';
import { certificatePublicKey, parseCertificate } from '../x509/certificate.js';
import { MAX_PLAINTEXT } from '../record/constants.js';

/** What client.ts knows when it hands over: its hello, the server's, and what they settled. */
export interface ClientHelloExchange {
  hello: M.ClientHello;
  sh: M.ServerHello;
  version: ProtocolVersion;
  suite: Tls12Suite;
  clientRandom: Uint8Array;
  /** The session we offered, if any. */
  offer: TlsSession | undefined;
  /** The session id we sent (empty when we offered nothing). */
  offeredSessionId: Uint8Array;
  /** What this connection checks: recorded in the session a full handshake makes. */
  policy?: SessionPolicy;
}

export async function clientHandshakeTls12(io: HandshakeIO, cfg: ClientHandshakeConfig, h: ClientHelloExchange): Promise<HandshakeResult> {
  const { sh, version, suite, clientRandom, offer, offeredSessionId, policy } = h;
  // ---- ServerHello extensions
  const ri = findExtension(sh.extensions, ET.renegotiation_info);
  if (ri) {
    if (X.decodeRenegotiationInfo(ri.data).length !== 0) {
      throw new TlsError('protocol_insecure_renegotiation', 'renegotiation_info must be empty in an initial handshake');
    }
  } else if (!cfg.allowLegacyServer) {
    throw new TlsError('protocol_insecure_renegotiation', 'the server does not support secure renegotiation (RFC 5746); set allowLegacyServer to connect anyway');
  }
  const ems = !!findExtension(sh.extensions, ET.extended_master_secret);
  if (ems) X.decodeEmptyExtension(findExtension(sh.extensions, ET.extended_master_secret)!.data, ET.extended_master_secret);
  if (!ems && cfg.requireExtendedMasterSecret) {
    throw new TlsError('protocol_no_ems', 'the server does not support the extended master secret (RFC 7627)');
  }
  const etmExt = findExtension(sh.extensions, ET.encrypt_then_mac);
  if (etmExt) X.decodeEmptyExtension(etmExt.data, ET.encrypt_then_mac);
  // RFC 7366 §3: an AEAD suite with encrypt_then_mac is an error on the server's side.
  if (etmExt && suite.type !== 'cbc') throw new TlsError('protocol_illegal_parameter', 'encrypt_then_mac with a non-CBC suite');
  const encryptThenMac = !!etmExt;
  const alpnProtocol = selectedAlpn(cfg, sh.extensions);
  const ticketAck = findExtension(sh.extensions, ET.session_ticket);
  if (ticketAck) X.decodeEmptyExtension(ticketAck.data, ET.session_ticket);
  const statusAck = findExtension(sh.extensions, ET.status_request);
  if (statusAck) X.decodeEmptyExtension(statusAck.data, ET.status_request);
  const mfl = findExtension(sh.extensions, ET.max_fragment_length);
  const rsl = findExtension(sh.extensions, ET.record_size_limit);
  // RFC 8449 §5: record_size_limit replaces max_fragment_length; a server answering both is broken.
  if (mfl && rsl) throw new TlsError('protocol_illegal_parameter', 'the server sent both max_fragment_length and record_size_limit');
  if (mfl) {
    const n = X.decodeMaxFragmentLength(mfl.data);
    if (n !== cfg.maxFragmentLength) throw new TlsError('protocol_illegal_parameter', 'max_fragment_length differs from the one offered');
    io.setMaxFragment(n);
  }
  // RFC 8449 §4: in TLS 1.2 and earlier the limit counts record plaintext, and 2^14 is the most there is.
  if (rsl) io.setMaxFragment(Math.min(X.decodeRecordSizeLimit(rsl.data), MAX_PLAINTEXT));
  if (version === TLS10 && suite.type === 'cbc') io.setSplitFirstByte(true);

  // ---- Abbreviated handshake: the server echoed the session id we offered.
  if (offer && offeredSessionId.length && equalBytes(sh.sessionId, offeredSessionId)) {
    if (offer.version !== version || offer.cipherSuite !== suite.id) {
      throw new TlsError('protocol_illegal_parameter', 'the server resumed a session with a different version or cipher suite');
    }
    if (offer.extendedMasterSecret !== ems) {
      // RFC 7627 §5.3: the EMS property must match the session's.
      throw new TlsError('protocol_handshake_failure', 'the resumed session and the server disagree on extended master secret');
    }
    return resumeAbbreviated(io, cfg, { offer, version, suite, clientRandom, serverRandom: sh.random, encryptThenMac, alpnProtocol, ticketAck: !!ticketAck, sessionId: sh.sessionId });
  }

  // ---- Certificate
  const peerChain = M.decodeCertificate((await io.expect(HT.certificate)).body).certificates;
  if (!peerChain.length) throw new TlsError('protocol_handshake_failure', 'the server sent no certificate');
  const leafCert = parseCertificate(peerChain[0]!);
  const leafKey: PublicKey = certificatePublicKey(leafCert);
  checkServerKey(leafKey, suite, cfg);
  checkKeyUsage(leafCert.extensions.keyUsage, suite);

  let ocspResponse: Uint8Array | undefined;
  let next = await io.expect(
    ...(statusAck ? [HT.certificate_status] : []),
    ...(suite.kx !== 'RSA' ? [HT.server_key_exchange] : [HT.certificate_request, HT.server_hello_done]),
  );
  if (next.type === HT.certificate_status) {
    ocspResponse = M.decodeCertificateStatus(next.body).ocspResponse;
    next = await io.expect(...(suite.kx !== 'RSA' ? [HT.server_key_exchange] : [HT.certificate_request, HT.server_hello_done]));
  }

  // ---- ServerKeyExchange (ECDHE, DHE): the server's ephemeral share, signed with its certificate key.
  let premaster: Uint8Array;
  let cke: M.ClientKeyExchange;
  let group: GroupName | undefined;
  /** The scheme the server signed its key exchange with (TLS 1.2 names one): sessions record it. */
  let signatureScheme: number | undefined;
  if (suite.kx === 'ECDHE' || suite.kx === 'DHE') {
    const ske = M.decodeServerKeyExchange(next.body, suite.kx, version);
    if (ske.sigAlg !== null) signatureScheme = ske.sigAlg;
    const alg = peerSigAlg(version, ske.sigAlg, cfg.signatureSchemes, leafKey);
    if (!(await verifyData(io.provider, alg, leafKey, serverParamsSignedData(clientRandom, sh.random, ske.params), ske.signature))) {
      throw new TlsError('crypto_bad_signature', 'the ServerKeyExchange signature does not verify with the server certificate key');
    }
    ({ premaster, cke, group } = await clientAgreeEphemeral(io, ske, cfg.groups, cfg.minDhBits));
    next = await io.expect(HT.certificate_request, HT.server_hello_done);
  } else {
    ({ premaster, cke } = clientRsaPremaster(io, leafKey, h.hello.version));
  }

  // ---- CertificateRequest, ServerHelloDone
  let certRequest: M.CertificateRequest | undefined;
  if (next.type === HT.certificate_request) {
    certRequest = M.decodeCertificateRequest(next.body, version);
    next = await io.expect(HT.server_hello_done);
  }
  M.decodeServerHelloDone(next.body);

  // ---- Verify the server before we say anything more.
  const checked = await cfg.verifyPeer(peerChain, ocspResponse);
  const { verification } = checked;

  // ---- Certificate*, ClientKeyExchange, CertificateVerify*
  let identity: ClientIdentity | undefined;
  if (certRequest) {
    identity = cfg.identity && identityFits(cfg.identity, certRequest) ? cfg.identity : undefined;
    await io.send(HT.certificate, M.encodeCertificate({ certificates: identity?.chain ?? [] }));
  }
  await io.send(HT.client_key_exchange, M.encodeClientKeyExchange(cke));
  const master = deriveMaster(version, suite, premaster, clientRandom, sh.random, ems, io.transcript.bytes(), io.provider.hashes);
  premaster.fill(0);
  if (identity && certRequest) {
    const { id, alg } = chooseOwnScheme(version, certRequest.signatureAlgorithms, cfg.signatureSchemes, identity.key);
    const signature = await signData(io.provider, alg, identity.key, io.transcript.bytes(), io.random);
    await io.send(HT.certificate_verify, M.encodeCertificateVerify({ sigAlg: id, signature }));
  }
  cfg.keyLog?.(keyLogLine(clientRandom, master));

  // ---- [ChangeCipherSpec] Finished
  const prot = await deriveProtections(io, 'client', version, suite, master, clientRandom, sh.random, encryptThenMac);
  await io.sendChangeCipherSpec();
  await io.setWriteProtection(prot.write);
  const clientFinished = await sendFinished(io, 'client', version, suite, master);

  // ---- NewSessionTicket* [ChangeCipherSpec] Finished
  let ticket: M.NewSessionTicket | undefined;
  if (ticketAck) ticket = M.decodeNewSessionTicket((await io.expect(HT.new_session_ticket)).body);
  await io.expectChangeCipherSpec();
  io.setReadProtection(prot.read);
  const serverFinished = await readFinished(io, 'server', version, suite, master);

  const createdAt = io.now().getTime();
  // Built when asked for (most connections never are): its base64 strings would double the chain's memory.
  const session: (() => TlsSession) | undefined =
    sh.sessionId.length || ticket?.ticket.length
      ? () => ({
          version,
          cipherSuite: suite.id,
          masterSecret: base64Encode(master),
          sessionId: base64Encode(sh.sessionId),
          ...(ticket?.ticket.length ? { ticket: base64Encode(ticket.ticket), ticketLifetime: ticket.lifetimeHint } : {}),
          extendedMasterSecret: ems,
          ...(cfg.serverName ? { serverName: cfg.serverName } : {}),
          ...(alpnProtocol ? { alpnProtocol } : {}),
          peerChain: peerChain.map(base64Encode),
          createdAt,
          ...(policy ? sessionPolicyFields(policy, checked, signatureScheme) : {}),
        })
      : undefined;
  return {
    version,
    suite,
    alpnProtocol,
    resumed: false,
    session,
    peerChain,
    verification,
    serverName: cfg.serverName,
    ocspResponse,
    ...(group ? { group } : {}),
    tls12: { master, clientRandom, serverRandom: sh.random, extendedMasterSecret: ems, clientFinished, serverFinished },
    ...(identity ? { localChain: identity.chain } : {}),
  };
}

async function resumeAbbreviated(
  io: HandshakeIO,
  cfg: ClientHandshakeConfig,
  s: {
    offer: TlsSession;
    version: ProtocolVersion;
    suite: Tls12Suite;
    clientRandom: Uint8Array;
    serverRandom: Uint8Array;
    encryptThenMac: boolean;
    alpnProtocol?: string;
    ticketAck: boolean;
    sessionId: Uint8Array;
  },
): Promise<HandshakeResult> {
  const { version, suite } = s;
  const master = base64Decode(s.offer.masterSecret);
  let ticket: M.NewSessionTicket | undefined;
  if (s.ticketAck) ticket = M.decodeNewSessionTicket((await io.expect(HT.new_session_ticket)).body);
  const prot = await deriveProtections(io, 'client', version, suite, master, s.clientRandom, s.serverRandom, s.encryptThenMac);
  await io.expectChangeCipherSpec();
  io.setReadProtection(prot.read);
  const serverFinished = await readFinished(io, 'server', version, suite, master);
  await io.sendChangeCipherSpec();
  await io.setWriteProtection(prot.write);
  const clientFinished = await sendFinished(io, 'client', version, suite, master);
  cfg.keyLog?.(keyLogLine(s.clientRandom, master));
  const peerChain = s.offer.peerChain.map(base64Decode);
  const session = (): TlsSession => ({
    ...s.offer,
    ...(ticket?.ticket.length ? { ticket: base64Encode(ticket.ticket), ticketLifetime: ticket.lifetimeHint } : {}),
  });
  return {
    version,
    suite,
    alpnProtocol: s.alpnProtocol,
    resumed: true,
    tls12: {
      master,
      clientRandom: s.clientRandom,
      serverRandom: s.serverRandom,
      extendedMasterSecret: s.offer.extendedMasterSecret,
      clientFinished,
      serverFinished,
    },
    session,
    peerChain,
    // What the full handshake found; the session was only offered because that satisfies this connection's policy.
    verification: carriedVerification(s.offer),
    serverName: cfg.serverName,
  };
}

/** The server key must fit the suite and be strong enough. */
function checkServerKey(key: PublicKey, suite: Tls12Suite, cfg: ClientHandshakeConfig): void {
  const want = suite.auth === 'ECDSA' ? ['ec', 'ed25519'] : ['rsa'];
  if (!want.includes(key.kind)) {
    throw new TlsError('protocol_handshake_failure', `${suite.name} needs a${suite.auth === 'ECDSA' ? 'n ECDSA' : 'n RSA'} certificate, the server sent a ${key.kind} key`);
  }
  if (key.kind === 'rsa' && key.bits < cfg.minRsaBits) {
    throw new CertificateError('cert_weak_key', `the server's RSA key has ${key.bits} bits, fewer than the ${cfg.minRsaBits} required`);
  }
}

/**
 * A leaf that restricts its key's use (RFC 5280 §4.2.1.3) must allow what the suite does with it: encipherment for
 * the RSA key exchange, signatures for (EC)DHE.
 */
function checkKeyUsage(keyUsage: Set<string> | undefined, suite: Tls12Suite): void {
  if (!keyUsage) return;
  const need = suite.kx === 'RSA' ? 'keyEncipherment' : 'digitalSignature';
  if (!keyUsage.has(need)) {
    throw new CertificateError('cert_bad_key_usage', `the server certificate's keyUsage does not allow ${need}, which ${suite.name} needs`);
  }
}

/** Our certificate must be of a type the server asked for. */
function identityFits(id: ClientIdentity, req: M.CertificateRequest): boolean {
  const t = id.key.kind === 'rsa' ? M.ClientCertificateType.rsa_sign : M.ClientCertificateType.ecdsa_sign;
  return req.certificateTypes.includes(t);
}


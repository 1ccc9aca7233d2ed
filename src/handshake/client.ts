/**
 * The client handshake, straight-line in the order of RFC 5246 §7.3:
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
import type { HandshakeIO } from '../engine.js';
import type { HandshakeResult } from '../connection.js';
import { HandshakeType as HT } from './framer.js';
import { ExtensionType as ET, type Extension, findExtension } from './extensions.js';
import * as X from './extensions.js';
import * as M from './messages.js';
import { concat, equalBytes } from './codec.js';
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
import type { TlsSession } from './session.js';
import { base64Encode, base64Decode } from '../pem.js';
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
import { rsaEncryptPkcs1 } from '../crypto/rsa.js';
import { bytesToBigInt } from '../crypto/bigint.js';
import { dhKeyPair, dhShared, checkDhGroup, groupById } from '../crypto/kex.js';
import type { EcdheGroup } from '../crypto/types.js';
import type { PrivateKey, PublicKey } from '../crypto/types.js';
import { parseCertificate } from '../x509/certificate.js';
import { MAX_PLAINTEXT } from '../record/constants.js';

export type Verification = HandshakeResult['verification'];

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
  /** Offer to resume this session. */
  session?: TlsSession;
  /** Our certificate for client authentication, if the server asks. */
  identity?: ClientIdentity;
  /** Check the server's chain (and stapled OCSP response). Throws a CertificateError to fail the handshake. */
  verifyPeer(chain: Uint8Array[], ocspResponse?: Uint8Array): Promise<Verification>;
  /** NSS key log lines (SSLKEYLOGFILE format). */
  keyLog?: (line: string) => void;
  /** max_fragment_length to ask for (RFC 6066). */
  maxFragmentLength?: X.MaxFragmentLength;
  /** record_size_limit to announce (RFC 8449): the largest record plaintext we want to receive. */
  recordSizeLimit?: number;
}

function isDnsName(name: string): boolean {
  // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name.
  return !/^[\d.]+$/.test(name) && !name.includes(':') && !name.startsWith('[');
}

function buildClientHello(cfg: ClientHandshakeConfig, random: Uint8Array, sessionId: Uint8Array, ticket: Uint8Array | null): M.ClientHello {
  const suites = cfg.suites.filter((s) => s.maxVersion >= cfg.minVersion && s.minVersion <= cfg.maxVersion).map((s) => s.id);
  if (!suites.length) throw new TlsError('config_invalid', 'no cipher suite is allowed in the configured version range');
  suites.push(TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  if (cfg.fallbackScsv) suites.push(TLS_FALLBACK_SCSV);

  const ext: Extension[] = [];
  if (cfg.serverName && isDnsName(cfg.serverName)) {
    ext.push({ type: ET.server_name, data: X.encodeServerName(cfg.serverName.replace(/\.$/, '')) });
  }
  const ecdhe = cfg.suites.some((s) => s.kx === 'ECDHE');
  const dhe = cfg.suites.some((s) => s.kx === 'DHE');
  const groups = cfg.groups.filter((g) => (g >= 256 ? dhe : ecdhe));
  if (groups.length) ext.push({ type: ET.supported_groups, data: X.encodeSupportedGroups(groups) });
  if (ecdhe) ext.push({ type: ET.ec_point_formats, data: X.encodeEcPointFormats([EC_POINT_UNCOMPRESSED]) });
  if (cfg.maxVersion >= TLS12) ext.push({ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms(cfg.signatureSchemes) });
  if (cfg.alpnProtocols?.length) ext.push({ type: ET.application_layer_protocol_negotiation, data: X.encodeAlpn(cfg.alpnProtocols) });
  if (cfg.statusRequest) ext.push({ type: ET.status_request, data: X.encodeStatusRequest() });
  if (cfg.maxFragmentLength) ext.push({ type: ET.max_fragment_length, data: X.encodeMaxFragmentLength(cfg.maxFragmentLength) });
  if (cfg.recordSizeLimit !== undefined) ext.push({ type: ET.record_size_limit, data: X.encodeRecordSizeLimit(cfg.recordSizeLimit) });
  if (cfg.encryptThenMac && cfg.suites.some((s) => s.type === 'cbc')) ext.push({ type: ET.encrypt_then_mac, data: new Uint8Array(0) });
  ext.push({ type: ET.extended_master_secret, data: new Uint8Array(0) });
  if (cfg.sessionTickets) ext.push({ type: ET.session_ticket, data: ticket ? X.encodeSessionTicket(ticket) : new Uint8Array(0) });
  // The SCSV above signals secure renegotiation support; the extension is not sent alongside it (RFC 5746 §3.4).
  return { version: cfg.maxVersion, random, sessionId, cipherSuites: suites, compressionMethods: [0], extensions: ext };
}

/**
 * The session we may offer: only to the same server name, within the configured versions and suites. A ticket past
 * the lifetime the server gave it (RFC 5077 §3.3) is not offered; the session id may still be.
 */
function resumable(cfg: ClientHandshakeConfig, nowMs: number): TlsSession | undefined {
  const s = cfg.session;
  if (!s) return undefined;
  if ((s.serverName ?? '') !== (cfg.serverName ?? '')) return undefined;
  if (s.version < cfg.minVersion || s.version > cfg.maxVersion) return undefined;
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
  const offer = resumable(cfg, io.now().getTime());
  const offeredTicket = offer?.ticket ? base64Decode(offer.ticket) : null;
  // With a ticket we send a fresh session id: the server echoes it if it accepts the ticket (RFC 5077 §3.4).
  const offeredSessionId = offer ? (offeredTicket ? io.random(32) : base64Decode(offer.sessionId)) : new Uint8Array(0);
  const hello = buildClientHello(cfg, clientRandom, offeredSessionId, offeredTicket);
  const offeredExt = new Set(hello.extensions!.map((e) => e.type));
  await io.send(HT.client_hello, M.encodeClientHello(hello));

  // ---- ServerHello
  const sh = M.decodeServerHello((await io.expect(HT.server_hello)).body);
  const version = sh.version as ProtocolVersion;
  if (sh.version < cfg.minVersion || sh.version > cfg.maxVersion) {
    throw new TlsError(
      'protocol_version',
      `the server chose ${versionName(sh.version)}, outside the allowed ${versionName(cfg.minVersion)}..${versionName(cfg.maxVersion)}`,
    );
  }
  io.setVersion(version);
  if (version < TLS12 && cfg.maxVersion >= TLS12 && equalBytes(sh.random.subarray(DOWNGRADE_SENTINEL_OFFSET), DOWNGRADE_TLS11)) {
    throw new TlsError('protocol_downgrade', 'the server signalled a downgrade to TLS 1.1 or below (RFC 8446 sentinel)');
  }
  const suite = suiteById(sh.cipherSuite);
  if (!suite || !hello.cipherSuites.includes(sh.cipherSuite)) {
    throw new TlsError('protocol_illegal_parameter', `the server chose cipher suite 0x${sh.cipherSuite.toString(16)}, which was not offered`);
  }
  if (!suiteAllowedIn(suite, version)) {
    throw new TlsError('protocol_illegal_parameter', `${suite.name} is not defined for ${versionName(version)}`);
  }
  if (sh.compressionMethod !== 0) throw new TlsError('protocol_illegal_parameter', 'the server chose compression');
  for (const e of sh.extensions ?? []) {
    if (!offeredExt.has(e.type) && e.type !== ET.renegotiation_info) {
      throw new TlsError('protocol_unsupported_extension', `the server sent extension ${X.extensionName(e.type)}, which was not offered`);
    }
  }
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
  let alpnProtocol: string | undefined;
  const alpn = findExtension(sh.extensions, ET.application_layer_protocol_negotiation);
  if (alpn) {
    alpnProtocol = X.decodeAlpnSelected(alpn.data);
    if (!cfg.alpnProtocols?.includes(alpnProtocol)) {
      throw new TlsError('protocol_illegal_parameter', `the server selected ALPN protocol '${alpnProtocol}', which was not offered`);
    }
  }
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
  const leafKey: PublicKey = parseSpki(leafCert.spkiDer);
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
  if (suite.kx === 'ECDHE' || suite.kx === 'DHE') {
    const ske = M.decodeServerKeyExchange(next.body, suite.kx, version);
    const alg = peerSigAlg(version, ske.sigAlg, cfg.signatureSchemes, leafKey);
    if (!(await verifyData(io.provider, alg, leafKey, serverParamsSignedData(clientRandom, sh.random, ske.params), ske.signature))) {
      throw new TlsError('crypto_bad_signature', 'the ServerKeyExchange signature does not verify with the server certificate key');
    }
    if (ske.kind === 'ECDHE') {
      const name = groupById(ske.group);
      if (!name || name.startsWith('ffdhe') || !cfg.groups.includes(ske.group)) {
        throw new TlsError('protocol_illegal_parameter', `the server chose group ${ske.group}, which was not offered`);
      }
      const group = name as EcdheGroup;
      const share = await ecdheShare(io.provider, group, io.random);
      premaster = await share.agree(ske.publicKey);
      cke = { kind: 'ECDHE', publicKey: share.pub };
    } else {
      const p = bytesToBigInt(ske.p);
      const g = bytesToBigInt(ske.g);
      checkDhGroup(p, g, cfg.minDhBits, io.random);
      const kp = dhKeyPair(p, g, io.random);
      premaster = dhShared(p, kp.priv, ske.ys);
      cke = { kind: 'DHE', yc: kp.pub };
    }
    next = await io.expect(HT.certificate_request, HT.server_hello_done);
  } else {
    // RSA key exchange: the premaster carries the version we offered (RFC 5246 §7.4.7.1) against rollback.
    premaster = concat(new Uint8Array([cfg.maxVersion >> 8, cfg.maxVersion & 0xff]), io.random(46));
    if (leafKey.kind !== 'rsa') throw new TlsError('protocol_handshake_failure', 'RSA key exchange needs an RSA certificate');
    cke = { kind: 'RSA', encryptedPreMasterSecret: rsaEncryptPkcs1(leafKey, premaster, io.random) };
  }

  // ---- CertificateRequest, ServerHelloDone
  let certRequest: M.CertificateRequest | undefined;
  if (next.type === HT.certificate_request) {
    certRequest = M.decodeCertificateRequest(next.body, version);
    next = await io.expect(HT.server_hello_done);
  }
  M.decodeServerHelloDone(next.body);

  // ---- Verify the server before we say anything more.
  const verification = await cfg.verifyPeer(peerChain, ocspResponse);

  // ---- Certificate*, ClientKeyExchange, CertificateVerify*
  let identity: ClientIdentity | undefined;
  if (certRequest) {
    identity = cfg.identity && identityFits(cfg.identity, certRequest) ? cfg.identity : undefined;
    await io.send(HT.certificate, M.encodeCertificate({ certificates: identity?.chain ?? [] }));
  }
  await io.send(HT.client_key_exchange, M.encodeClientKeyExchange(cke));
  const master = deriveMaster(version, suite, premaster, clientRandom, sh.random, ems, io.transcript.bytes());
  premaster.fill(0);
  if (identity && certRequest) {
    const { id, alg } = chooseOwnScheme(version, certRequest.signatureAlgorithms, cfg.signatureSchemes, identity.key);
    const signature = await signData(io.provider, alg, identity.key, io.transcript.bytes(), io.random);
    await io.send(HT.certificate_verify, M.encodeCertificateVerify({ sigAlg: id, signature }));
  }
  cfg.keyLog?.(keyLogLine(clientRandom, master));

  // ---- [ChangeCipherSpec] Finished
  const prot = await deriveProtections(io, 'client', version, suite, master, clientRandom, sh.random, encryptThenMac);
  await io.sendChangeCipherSpec(prot.write);
  await sendFinished(io, 'client', version, suite, master);

  // ---- NewSessionTicket* [ChangeCipherSpec] Finished
  let ticket: M.NewSessionTicket | undefined;
  if (ticketAck) ticket = M.decodeNewSessionTicket((await io.expect(HT.new_session_ticket)).body);
  await io.expectChangeCipherSpec(prot.read);
  await readFinished(io, 'server', version, suite, master);

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
  };
}

async function resumeAbbreviated(
  io: HandshakeIO,
  cfg: ClientHandshakeConfig,
  s: {
    offer: TlsSession;
    version: ProtocolVersion;
    suite: CipherSuite;
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
  await io.expectChangeCipherSpec(prot.read);
  await readFinished(io, 'server', version, suite, master);
  await io.sendChangeCipherSpec(prot.write);
  await sendFinished(io, 'client', version, suite, master);
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
    session,
    peerChain,
    // The chain was verified when the session was made; a session only comes back from a verified connection.
    verification: { ok: true },
    serverName: cfg.serverName,
  };
}

/** The server key must fit the suite and be strong enough. */
function checkServerKey(key: PublicKey, suite: CipherSuite, cfg: ClientHandshakeConfig): void {
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
function checkKeyUsage(keyUsage: Set<string> | undefined, suite: CipherSuite): void {
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


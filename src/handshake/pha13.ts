/**
 * Post-handshake client authentication (RFC 8446 §4.6.2), both roles. A client that offered post_handshake_auth
 * may get a CertificateRequest at any time after the handshake; it answers with Certificate, CertificateVerify
 * (when it has a certificate the server can take) and Finished, in one flight:
 *
 *                           <--------           [CertificateRequest]
 *   [Certificate]
 *   [CertificateVerify*]
 *   [Finished]              -------->
 *
 * all under the application traffic keys. Their transcript (§4.4.1) is the whole handshake through the client's
 * Finished, then the CertificateRequest and the answer so far; the Finished key comes from the client's current
 * application_traffic_secret_N (§4.4, "Post-Handshake"). Each request carries a fresh non-empty context that the
 * answer's Certificate echoes.
 */
import { CertificateError, TlsError } from '../errors.js';
import type { CertificateRequester, ClientCertificateAnswer, ClientCertificateRequest, HandshakeIO, Verification } from './io.js';
import type { ClientIdentity } from './client.js';
import { HandshakeType as HT, encodeHandshake, handshakeTypeName, type HandshakeMessage } from './framer.js';
import { ExtensionType as ET, findExtension, type Extension } from './extensions.js';
import * as X from './extensions.js';
import * as X13 from './extensions13.js';
import { ExtensionType13 as ET13 } from './extensions13.js';
import * as M13 from './messages13.js';
import { chooseOwnScheme13, peerSigAlg13, schemeAllowed13 } from './signature-schemes.js';
import { signData, verifyData } from '../crypto/ops.js';
import { hash as digest, hashLen } from '../crypto/hash.js';
import { checkFinished13, finishedVerifyData13 } from '../crypto/keyschedule.js';
import type { Tls13Suite } from '../crypto/suites.js';
import type { PrivateKey } from '../crypto/types.js';
import { concat, equalBytes } from '../bytes.js';
import { clientCertificateKey } from './client-cert-key.js';
import type { Serial } from './traffic13.js';
import {
  CertCompressionAlgorithm,
  ExtensionTypeCompressCertificate,
  HandshakeTypeCompressedCertificate,
  certificateMessage,
  chooseCodec,
  encodeCompressCertificate,
  offeredCompression,
  receivedCertificateBody,
  type CertificateCodec,
} from './cert-compression.js';

/** Bytes of the certificate_request_context we draw for each request (any fresh non-empty value will do). */
const CONTEXT_BYTES = 16;

/** The transcript through the client's Finished: kept only on connections where post-handshake auth may happen. */
export interface PhaBase {
  suite: Tls13Suite;
  transcript: Uint8Array;
  /** application_traffic_secret_N of both sides, kept current by the key-update chain. */
  secrets: { ours: Uint8Array; peer: Uint8Array };
}

/** Whether we can sign a CertificateVerify the peer accepts with this key. */
export function canSign13(accepted: readonly number[], ours: readonly number[], key: PrivateKey): boolean {
  return ours.some((id) => accepted.includes(id) && schemeAllowed13(id, key));
}

// ---------------------------------------------------------------- client

/**
 * The client's handler for a CertificateRequest after the handshake. A request with an empty context, without
 * signature_algorithms, or malformed ends the connection; otherwise the answer goes out as one flight on the
 * key-update chain. With no certificate the server can take, the Certificate is empty (§4.4.2), and the server decides.
 */
export function clientPostHandshakeAuth(
  io: HandshakeIO,
  base: PhaBase,
  identity: ClientIdentity | undefined,
  ourSchemes: readonly number[],
  serial: () => Serial,
  codecs?: readonly CertificateCodec[],
): (m: HandshakeMessage) => Promise<void> {
  const used = new Set<string>();
  return async (m) => {
    const cr = M13.decodeCertificateRequest13(m.body);
    if (!cr.context.length) throw new TlsError('protocol_illegal_parameter', 'a post-handshake CertificateRequest with an empty context (RFC 8446 §4.3.2)');
    const key = Array.from(cr.context, (b) => b.toString(16).padStart(2, '0')).join('');
    // §4.3.2: the context is unique within the connection; a server repeating one is replaying its own messages.
    if (used.has(key)) throw new TlsError('protocol_illegal_parameter', 'a post-handshake CertificateRequest repeats an earlier context');
    if (used.size < 1024) used.add(key);
    const sa = findExtension(cr.extensions, ET.signature_algorithms);
    if (!sa) throw new TlsError('protocol_missing_extension', 'a CertificateRequest without signature_algorithms');
    const accepted = X.decodeSignatureAlgorithms(sa.data);
    const ca = findExtension(cr.extensions, ET13.certificate_authorities);
    if (ca) X13.decodeCertificateAuthorities(ca.data); // must parse; the choice of certificate is the configuration's
    const chosen = identity && canSign13(accepted, ourSchemes, identity.key) ? identity : undefined;
    // RFC 8879 §3: compressed when the server lists a codec we have.
    const codec = chosen ? chooseCodec(codecs, offeredCompression(cr.extensions)) : undefined;
    const { suite, secrets } = base;
    await serial()(async () => {
      let transcript = concat(base.transcript, m.raw);
      const send = async (type: number, body: Uint8Array) => {
        transcript = concat(transcript, encodeHandshake(type, body));
        await io.send(type, body);
      };
      const cert = await certificateMessage(M13.encodeCertificate13({ context: cr.context, entries: (chosen?.chain ?? []).map((certData) => ({ certData, extensions: [] })) }), codec);
      await send(cert.type, cert.body);
      if (chosen) {
        const s = chooseOwnScheme13(accepted, ourSchemes, chosen.key);
        const signed = M13.certificateVerifyContent('client', digest(suite.hash, transcript));
        const signature = await signData(io.provider, s.alg, chosen.key, signed, io.random);
        await send(HT.certificate_verify, M13.encodeCertificateVerify13({ scheme: s.id, signature }));
      }
      const verifyData = await finishedVerifyData13(io.provider, suite.hash, secrets.ours, digest(suite.hash, transcript));
      await send(HT.finished, M13.encodeFinished13({ verifyData }));
    });
  };
}

// ---------------------------------------------------------------- server

export interface ServerPhaConfig {
  /** The client offered post_handshake_auth in its ClientHello. */
  offered: boolean;
  /** A client CA is configured (a server never checks client certificates against the system bundle). */
  caConfigured: boolean;
  clientCaNames: readonly Uint8Array[];
  /** Our schemes a client may sign CertificateVerify with. */
  schemes: readonly number[];
  verifyClient(chain: Uint8Array[]): Promise<Verification>;
  /** Certificate compression codecs (RFC 8879) the client may answer with; listed in the CertificateRequest. */
  codecs?: readonly CertificateCodec[];
}

interface Pending {
  context: Uint8Array;
  required: boolean;
  transcript: Uint8Array;
  stage: 'certificate' | 'certificate_verify' | 'finished';
  chain: Uint8Array[];
  verification: Verification;
  key?: ReturnType<typeof clientCertificateKey>;
  resolve(a: ClientCertificateAnswer): void;
  reject(e: unknown): void;
}

/**
 * The server's side: the requester the engine calls for `requestClientCertificate()`, and the handler for the
 * client's Certificate, CertificateVerify and Finished after the handshake. One request at a time: a second while
 * one is unanswered is refused (config_invalid), so answers never have to be told apart by context alone.
 */
export function serverPostHandshakeAuth(
  io: HandshakeIO,
  base: PhaBase,
  cfg: ServerPhaConfig,
  serial: () => Serial,
): { request: CertificateRequester; onMessage(m: HandshakeMessage): Promise<void> } {
  let pending: Pending | null = null;
  const { suite, secrets } = base;

  const request = async (o: ClientCertificateRequest): Promise<{ answer: Promise<ClientCertificateAnswer> }> => {
    if (!cfg.offered) throw new TlsError('config_invalid', 'the client did not offer post_handshake_auth: it cannot be asked for a certificate after the handshake');
    if (!cfg.caConfigured) throw new TlsError('config_invalid', 'requesting a client certificate needs ca: the certificates that may issue client certificates');
    if (pending) throw new TlsError('config_invalid', 'a client certificate request is already waiting for its answer');
    const context = io.random(CONTEXT_BYTES);
    const exts: Extension[] = [{ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms(cfg.schemes) }];
    if (cfg.clientCaNames.length) exts.push({ type: ET13.certificate_authorities, data: X13.encodeCertificateAuthorities(cfg.clientCaNames) });
    if (cfg.codecs?.length) exts.push({ type: ExtensionTypeCompressCertificate, data: encodeCompressCertificate(cfg.codecs.map((c) => CertCompressionAlgorithm[c.name])) });
    const body = M13.encodeCertificateRequest13({ context, extensions: exts });
    let resolve!: (a: ClientCertificateAnswer) => void;
    let reject!: (e: unknown) => void;
    const answer = new Promise<ClientCertificateAnswer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    answer.catch(() => {});
    pending = {
      context,
      required: o.required,
      transcript: concat(base.transcript, encodeHandshake(HT.certificate_request, body)),
      stage: 'certificate',
      chain: [],
      verification: { ok: false, code: 'not_verified', message: 'the client sent no certificate' },
      resolve,
      reject,
    };
    // Armed before it goes out: the answer may come in the very next record.
    await serial()(() => io.send(HT.certificate_request, body));
    return { answer };
  };

  const onMessage = async (m: HandshakeMessage): Promise<void> => {
    const p = pending;
    const compressed = m.type === HandshakeTypeCompressedCertificate && !!cfg.codecs?.length && p?.stage === 'certificate';
    if (!p || (m.type !== expectedType(p.stage) && !compressed)) {
      throw new TlsError('protocol_unexpected_message', `handshake message ${handshakeTypeName(m.type)} from the client after the TLS 1.3 handshake${p ? `, where ${expectedType(p.stage) === HT.certificate_verify ? 'CertificateVerify' : p.stage === 'finished' ? 'Finished' : 'Certificate'} was expected` : ''}`);
    }
    try {
      await step(p, m);
    } catch (e) {
      pending = null;
      p.reject(e);
      throw e;
    }
  };

  const step = async (p: Pending, m: HandshakeMessage): Promise<void> => {
    const th = () => digest(suite.hash, p.transcript);
    if (p.stage === 'certificate') {
      const cert = M13.decodeCertificate13((await receivedCertificateBody(m, cfg.codecs, io)).body);
      // The engine counts certificates only during the handshake; after it, the same cap applies here.
      if (io.maxCertificates !== undefined && cert.entries.length > io.maxCertificates) {
        throw new TlsError('limit_chain', `the client sent a certificate chain of more than ${io.maxCertificates} certificates`);
      }
      if (!equalBytes(cert.context, p.context)) {
        throw new TlsError('protocol_illegal_parameter', "the client's Certificate does not echo the context of our CertificateRequest");
      }
      for (const e of cert.entries) {
        // §4.4.2: only extensions the CertificateRequest asked for; we asked for none.
        for (const x of e.extensions) throw new TlsError('protocol_unsupported_extension', `the client certificate entry carries extension ${x.type}, which was not requested`);
      }
      p.transcript = concat(p.transcript, m.raw);
      p.chain = cert.entries.map((e) => e.certData);
      if (!p.chain.length) {
        if (p.required) throw new CertificateError('cert_no_certificate', 'the client sent no certificate, and one is required', { alert: 116 });
        p.stage = 'finished';
        return;
      }
      p.verification = await cfg.verifyClient(p.chain);
      p.key = clientCertificateKey(p.chain[0]!);
      p.stage = 'certificate_verify';
      return;
    }
    if (p.stage === 'certificate_verify') {
      const cv = M13.decodeCertificateVerify13(m.body);
      const alg = peerSigAlg13(cv.scheme, cfg.schemes, p.key!);
      if (!(await verifyData(io.provider, alg, p.key!, M13.certificateVerifyContent('client', th()), cv.signature))) {
        throw new TlsError('crypto_bad_signature', 'the client CertificateVerify signature does not verify with its certificate key');
      }
      p.transcript = concat(p.transcript, m.raw);
      p.stage = 'finished';
      return;
    }
    const fin = M13.decodeFinished13(m.body, hashLen(suite.hash));
    if (!(await checkFinished13(io.provider, suite.hash, secrets.peer, th(), fin.verifyData))) {
      throw new TlsError('crypto_bad_finished', 'the client Finished after post-handshake authentication does not match');
    }
    pending = null;
    p.resolve({ peerChain: p.chain, verification: p.verification });
  };

  return { request, onMessage };
}

function expectedType(stage: Pending['stage']): number {
  return stage === 'certificate' ? HT.certificate : stage === 'certificate_verify' ? HT.certificate_verify : HT.finished;
}

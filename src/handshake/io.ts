/**
 * The handshake's contract with the layers around it: what a handshake function sees of the engine (`HandshakeIO`)
 * and what it hands back (`HandshakeResult`). They live here, in the handshake layer, so the handshake imports
 * nothing from the engine or the connection above it.
 */
import type { ErrorCode } from '../errors.js';
import type { HandshakeMessage } from './framer.js';
import type { Transcript } from './transcript.js';
import type { TlsSession } from './session.js';
import type { Protection } from '../record/protection.js';
import type { CipherSuite, ProtocolVersion } from '../crypto/suites.js';
import type { CryptoProvider, RandomSource } from '../crypto/types.js';
import type { GroupName } from '../crypto/kex.js';

/** What a handshake function sees of the engine. */
export interface HandshakeIO {
  readonly random: RandomSource;
  readonly now: () => Date;
  readonly provider: CryptoProvider;
  readonly transcript: Transcript;
  /** The engine's caps on a Certificate message and the certificates in it (for messages that carry one inside). */
  readonly maxCertificateMessage?: number;
  readonly maxCertificates?: number;
  /** The next handshake message, which must be one of `types` (else unexpected_message). */
  expect(...types: number[]): Promise<HandshakeMessage>;
  /** Send a handshake message (added to the transcript). */
  send(type: number, body: Uint8Array): Promise<void>;
  /** Record-layer version used from now on, and required of incoming records. */
  setVersion(v: ProtocolVersion): void;
  /**
   * Send a ChangeCipherSpec record under the current write protection. It changes no key: the flow calls
   * setWriteProtection after it (TLS 1.2), or sends it only for middlebox compatibility (TLS 1.3).
   */
  sendChangeCipherSpec(): Promise<void>;
  /**
   * Wait for the peer's ChangeCipherSpec (TLS 1.2), at a message boundary. It changes no key: the flow calls
   * setReadProtection next, before the record after it is opened.
   */
  expectChangeCipherSpec(): Promise<void>;
  /** Cap on the plaintext of each record we send (max_fragment_length / record_size_limit). */
  setMaxFragment(n: number): void;
  /** Send a warning alert (e.g. no_renegotiation). */
  sendWarning(desc: number): Promise<void>;
  /** TLS 1.0 CBC: split application data 1/n-1 (the BEAST counter-measure). */
  setSplitFirstByte(on: boolean): void;
  /**
   * The record-layer version we write and require from now on, apart from the negotiated version (TLS 1.3 keeps
   * 0x0303 on the wire, RFC 8446 §5.1).
   */
  setRecordVersion(v: number): void;
  /** TLS 1.3 was negotiated: its alert rules, ChangeCipherSpec rules and post-handshake messages apply. */
  enableTls13(): void;
  /**
   * TLS 1.3 server: the client's Finished checked out, so the peer has everything it needs. What the flow still
   * sends (NewSessionTickets) is an offer: the client may close, or its transport go, without failing the handshake.
   */
  handshakeConfirmed(): void;
  /**
   * Open the records after the current handshake message with `next` (a key change, RFC 8446 §7). It must fall
   * on a record boundary: a handshake message still partly read is unexpected_message (§5.1).
   */
  setReadProtection(next: Protection): void;
  /** Protect what is written after everything queued so far with `next`. */
  setWriteProtection(next: Protection): Promise<void>;
  /**
   * Handle handshake messages that arrive after the handshake (TLS 1.3 NewSessionTicket, KeyUpdate,
   * CertificateRequest). Without a handler they are refused (TLS 1.2: renegotiation gets no_renegotiation).
   */
  setPostHandshake(handler: (m: HandshakeMessage) => Promise<void>): void;
  /** How to change our write key (TLS 1.3 KeyUpdate); the engine calls it before a key reaches its record limit. */
  setKeyUpdater(update: (requestPeer: boolean) => Promise<void>): void;
  /**
   * TLS 1.3 server: how to ask the client for a certificate after the handshake (RFC 8446 §4.6.2). The requester
   * sends the CertificateRequest and resolves once it is queued, with the client's answer still to come. A
   * configuration error (no client CA, the client did not offer post_handshake_auth) is thrown before anything is
   * sent and leaves the connection as it was.
   */
  setCertificateRequester(request: CertificateRequester): void;
  /**
   * TLS 1.3 server, early data not accepted (RFC 8446 §4.2.10): drop the client's application_data records up to
   * `maxBytes` of fragments in all: 'trial', those that do not open under the current read keys (until one does);
   * 'plain', all of them until a record of another type (after a HelloRetryRequest). Past the budget, a record that
   * does not open is bad_record_mac. Ends by itself with the handshake.
   */
  skipEarlyData(maxBytes: number, how: 'trial' | 'plain'): void;
  /**
   * TLS 1.3 server, early data accepted: application data read during the handshake (under the early traffic keys
   * the read protection now holds) is kept for the application, at most `maxBytes` of plaintext (more is
   * unexpected_message). null: no more early data (EndOfEarlyData was read).
   */
  acceptEarlyData(maxBytes: number | null): void;
  /** TLS 1.3 client: early data, sent during the handshake under the write protection of the moment (the early key). */
  sendApplicationData(data: Uint8Array): Promise<void>;
}

/** What `requestClientCertificate` is asked for: whether an empty answer fails the connection (certificate_required). */
export interface ClientCertificateRequest {
  required: boolean;
}

/** The client's answer to a post-handshake CertificateRequest: its chain (empty: it had none) and how it fared. */
export interface ClientCertificateAnswer {
  peerChain: Uint8Array[];
  verification: Verification;
}

export type CertificateRequester = (o: ClientCertificateRequest) => Promise<{ answer: Promise<ClientCertificateAnswer> }>;

/** How the peer's certificate chain fared. */
export type Verification = { ok: true } | { ok: false; code: ErrorCode; message: string } | { ok: false; code: 'not_verified'; message: string };

/** What a finished handshake hands to the connection. */
export interface HandshakeResult {
  version: ProtocolVersion;
  suite: CipherSuite;
  alpnProtocol?: string;
  resumed: boolean;
  /** The session to resume later (client side), built on first use: most connections never ask. */
  session?: () => TlsSession;
  /** The peer's certificate chain as received, DER, leaf first. */
  peerChain: Uint8Array[];
  /** Outcome of certificate verification (verify 'optional' records failures here instead of failing). */
  verification: Verification;
  /** TLS 1.2 SNI the client sent / the server received. */
  serverName?: string;
  /** Stapled OCSP response, if the server sent one. */
  ocspResponse?: Uint8Array;
  /** The group of the key exchange (ECDHE / DHE / TLS 1.3 key share); absent for RSA key exchange and resumption. */
  group?: GroupName;
  /** TLS 1.3: the algorithm the server's Certificate was compressed with (RFC 8879), when it was. */
  certificateCompression?: 'zlib' | 'brotli' | 'zstd';
  /** TLS 1.3: the exporter_master_secret (RFC 8446 §7.5), for exportKeyingMaterial. */
  exporterSecret?: Uint8Array;
  /**
   * TLS 1.0–1.2: what the RFC 5705 exporter and the tls-unique binding (RFC 5929) are computed from. Secret: it
   * stays inside the connection. (TLS 1.3 handshakes will hand back their exporter_master_secret instead.)
   */
  tls12?: Tls12Secrets;
  /** Our own certificate chain, leaf first (a server's chosen identity), for tls-server-end-point. */
  localChain?: readonly Uint8Array[];
  /** TLS 1.3: whether the 0-RTT data was accepted (server: it is the first data read); absent when none was offered. */
  earlyDataAccepted?: boolean;
  /**
   * TLS 1.3 client: sessions arrive after the handshake, one per NewSessionTicket. The connection registers here
   * once; a session that came before that is handed over at once.
   */
  watchSessions?: (listener: (s: TlsSession) => void) => void;
}

export interface Tls12Secrets {
  master: Uint8Array;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  /** RFC 7627 extended master secret in use (for a resumed session: in the handshake that made it). */
  extendedMasterSecret: boolean;
  /** The verify_data of the client's and the server's Finished of this handshake. */
  clientFinished: Uint8Array;
  serverFinished: Uint8Array;
}

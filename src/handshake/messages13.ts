/**
 * The TLS 1.3 handshake messages (RFC 8446 §4) that differ from 1.2's, each an interface with `encodeX` and
 * `decodeX` side by side like messages.ts: EncryptedExtensions, CertificateRequest (context + extensions),
 * Certificate (context + entries with extensions), CertificateVerify and the content it signs, KeyUpdate,
 * NewSessionTicket; the HelloRetryRequest (a ServerHello with a special random), the message_hash that
 * replaces ClientHello1 in the transcript, and the downgrade sentinels of ServerHello.random. ClientHello,
 * ServerHello and Finished keep their messages.ts codecs (Finished's length is the hash length in 1.3).
 * Bodies only (no 4-byte header), decoders consume exactly the body; byte fields are views into it.
 */
import { TlsError } from '../errors.js';
import { hash as digest } from '../crypto/hash.js';
import type { HashName } from '../crypto/types.js';
import { Reader, Writer, concat, equalBytes } from './codec.js';
import { decodeExtensions, encodeExtensions, type Extension } from './extensions.js';
import { RANDOM_BYTES, type ServerHello } from './messages.js';

/** The handshake types TLS 1.3 adds (RFC 8446 §4): message_hash is a transcript construct, never sent. */
export const HandshakeType13 = {
  end_of_early_data: 5,
  encrypted_extensions: 8,
  key_update: 24,
  message_hash: 254,
} as const;

/** legacy_version of a TLS 1.3 ServerHello / ClientHello, and the supported_versions value of 1.3. */
export const TLS13 = 0x0304;

function reader(body: Uint8Array, what: string): Reader {
  return new Reader(body, 0, body.length, what);
}

// ---------------------------------------------------------------- HelloRetryRequest (§4.1.3, §4.1.4)

/** ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest"). */
export const HRR_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Whether a decoded ServerHello is in fact a HelloRetryRequest. */
export function isHelloRetryRequest(sh: Pick<ServerHello, 'random'>): boolean {
  return equalBytes(sh.random, HRR_RANDOM);
}

/** The HelloRetryRequest as a ServerHello value (encode it with encodeServerHello). */
export function helloRetryRequest(sessionId: Uint8Array, cipherSuite: number, extensions: Extension[]): ServerHello {
  return { version: 0x0303, random: HRR_RANDOM.slice(), sessionId, cipherSuite, compressionMethod: 0, extensions };
}

/**
 * What replaces ClientHello1 in the transcript after a HelloRetryRequest (§4.4.1): a handshake message of
 * type message_hash whose body is Hash(ClientHello1), header included (ClientHello1 given with its header).
 */
export function messageHash(h: HashName, clientHello1: Uint8Array): Uint8Array {
  const d = digest(h, clientHello1);
  return concat(Uint8Array.of(HandshakeType13.message_hash, 0, 0, d.length), d);
}

// Downgrade protection (§4.1.3): the sentinels and their offset are in downgrade.ts, used by both 1.2 flows.

// ---------------------------------------------------------------- EncryptedExtensions (§4.3.1)

export interface EncryptedExtensions {
  extensions: Extension[];
}

export function encodeEncryptedExtensions(m: EncryptedExtensions): Uint8Array {
  const w = new Writer();
  encodeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeEncryptedExtensions(body: Uint8Array): EncryptedExtensions {
  const r = reader(body, 'EncryptedExtensions');
  const extensions = decodeExtensions(r);
  r.end();
  return { extensions };
}

// ---------------------------------------------------------------- CertificateRequest (§4.3.2)

export interface CertificateRequest13 {
  /** Opaque, 0..255 bytes; echoed in the client's Certificate. Empty during the handshake. */
  context: Uint8Array;
  /** signature_algorithms must be among them (the handshake checks: missing_extension). */
  extensions: Extension[];
}

export function encodeCertificateRequest13(m: CertificateRequest13): Uint8Array {
  const w = new Writer();
  w.vec(1, m.context);
  encodeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeCertificateRequest13(body: Uint8Array): CertificateRequest13 {
  const r = reader(body, 'CertificateRequest');
  const context = r.vec(1);
  const extensions = decodeExtensions(r);
  r.end();
  return { context, extensions };
}

// ---------------------------------------------------------------- Certificate (§4.4.2)

export interface CertificateEntry {
  /** DER X.509 certificate (1..2^24-1 bytes). */
  certData: Uint8Array;
  /** Per-certificate extensions: status_request (an OCSP CertificateStatus body), signed_certificate_timestamp. */
  extensions: Extension[];
}

export interface Certificate13 {
  /** Empty in the handshake; the CertificateRequest's context in a post-handshake reply. */
  context: Uint8Array;
  /** Sender's own certificate first. Empty: a client without a certificate. */
  entries: CertificateEntry[];
}

export function encodeCertificate13(m: Certificate13): Uint8Array {
  const w = new Writer(4096);
  w.vec(1, m.context);
  w.prefixed(3, (w) => {
    for (const e of m.entries) {
      if (e.certData.length === 0) throw new TlsError('internal_error', 'empty certificate in chain');
      w.vec(3, e.certData);
      encodeExtensions(w, e.extensions);
    }
  });
  return w.finish();
}

export function decodeCertificate13(body: Uint8Array): Certificate13 {
  const r = reader(body, 'Certificate');
  const context = r.vec(1);
  const list = r.subVec(3, 'certificate_list');
  r.end();
  const entries: CertificateEntry[] = [];
  while (!list.atEnd()) {
    const certData = list.vec(3, 1);
    entries.push({ certData, extensions: decodeExtensions(list) });
  }
  return { context, entries };
}

// ---------------------------------------------------------------- CertificateVerify (§4.4.3)

export interface CertificateVerify13 {
  /** SignatureScheme. */
  scheme: number;
  signature: Uint8Array;
}

export function encodeCertificateVerify13(m: CertificateVerify13): Uint8Array {
  return new Writer(m.signature.length + 4).u16(m.scheme).vec(2, m.signature).finish();
}

export function decodeCertificateVerify13(body: Uint8Array): CertificateVerify13 {
  const r = reader(body, 'CertificateVerify');
  const scheme = r.u16();
  const signature = r.vec(2, 1);
  r.end();
  return { scheme, signature };
}

const SERVER_CONTEXT = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
const CLIENT_CONTEXT = new TextEncoder().encode('TLS 1.3, client CertificateVerify');

/**
 * What a CertificateVerify signs: 64 spaces, the context string of the signer's role, a zero byte and
 * Transcript-Hash(Handshake Context, Certificate).
 */
export function certificateVerifyContent(role: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const ctx = role === 'server' ? SERVER_CONTEXT : CLIENT_CONTEXT;
  const out = new Uint8Array(64 + ctx.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(ctx, 64);
  out[64 + ctx.length] = 0;
  out.set(transcriptHash, 64 + ctx.length + 1);
  return out;
}

// ---------------------------------------------------------------- Finished (§4.4.4)

export interface Finished13 {
  /** Hash.length bytes. */
  verifyData: Uint8Array;
}

export function encodeFinished13(m: Finished13): Uint8Array {
  return m.verifyData.slice();
}

/** verify_data is exactly the suite's hash length; anything else is a decode_error. */
export function decodeFinished13(body: Uint8Array, hashLength: number): Finished13 {
  const r = reader(body, 'Finished');
  const verifyData = r.bytes(hashLength);
  r.end();
  return { verifyData };
}

// ---------------------------------------------------------------- KeyUpdate (§4.6.3)

export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

export interface KeyUpdate {
  requestUpdate: boolean;
}

export function encodeKeyUpdate(m: KeyUpdate): Uint8Array {
  return Uint8Array.of(m.requestUpdate ? 1 : 0);
}

/** A request_update other than 0 or 1 is an illegal_parameter. */
export function decodeKeyUpdate(body: Uint8Array): KeyUpdate {
  const r = reader(body, 'KeyUpdate');
  const v = r.u8();
  r.end();
  if (v > 1) throw new TlsError('decode_bad_value', `KeyUpdate request_update ${v} is neither 0 nor 1`);
  return { requestUpdate: v === 1 };
}

// ---------------------------------------------------------------- NewSessionTicket (§4.6.1)

export interface NewSessionTicket13 {
  /** Seconds, at most 604800 (7 days). */
  lifetime: number;
  ageAdd: number;
  /** 0..255 bytes, unique per ticket of the connection. */
  nonce: Uint8Array;
  /** 1..65535 bytes. */
  ticket: Uint8Array;
  extensions: Extension[];
}

export const MAX_TICKET_LIFETIME = 604800;

export function encodeNewSessionTicket13(m: NewSessionTicket13): Uint8Array {
  const w = new Writer(m.ticket.length + 64);
  w.u32(m.lifetime).u32(m.ageAdd).vec(1, m.nonce).vec(2, m.ticket);
  encodeExtensions(w, m.extensions);
  return w.finish();
}

/** A lifetime over 7 days is an illegal_parameter (§4.6.1). */
export function decodeNewSessionTicket13(body: Uint8Array): NewSessionTicket13 {
  const r = reader(body, 'NewSessionTicket');
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vec(1);
  const ticket = r.vec(2, 1);
  const extensions = decodeExtensions(r);
  r.end();
  if (lifetime > MAX_TICKET_LIFETIME) throw new TlsError('decode_bad_value', `NewSessionTicket lifetime ${lifetime} exceeds 7 days`);
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

// ---------------------------------------------------------------- EndOfEarlyData (§4.5)

/** EndOfEarlyData has an empty body; anything in it is a decode_error. */
export function decodeEndOfEarlyData(body: Uint8Array): void {
  reader(body, 'EndOfEarlyData').end();
}

/**
 * Handshake message bodies (RFC 5246 §7.4, RFC 4346, RFC 2246, RFC 8422, RFC 5077, RFC 6066):
 * for each message an interface, `encodeX(msg)` giving the body (no 4-byte header; see
 * encodeHandshake in framer.ts) and `decodeX(body, ...context)` side by side. Decoders consume
 * exactly the body and raise TlsError decode_* codes; byte fields are views into the body.
 */
import { TlsError } from '../errors.js';
import { TLS12, suiteById, versionName } from '../crypto/suites.js';
import { Reader, Writer, toHex } from './codec.js';
import { decodeExtensions, encodeExtensions, extensionName, readU16List, writeU16List, type Extension } from './extensions.js';
import { HandshakeType, handshakeTypeName } from './framer.js';

export const RANDOM_BYTES = 32;
export const MAX_SESSION_ID_BYTES = 32;
export const VERIFY_DATA_BYTES = 12;

function reader(body: Uint8Array, what: string): Reader {
  return new Reader(body, 0, body.length, what);
}

/** Extensions are optional after the fixed fields: no bytes at all means "absent", not "empty". */
function decodeOptionalExtensions(r: Reader): Extension[] | null {
  return r.atEnd() ? null : decodeExtensions(r);
}

function checkRandom(random: Uint8Array): void {
  if (random.length !== RANDOM_BYTES) throw new TlsError('internal_error', `random must be ${RANDOM_BYTES} bytes`);
}

// ---------------------------------------------------------------- ClientHello (§7.4.1.2)

export interface ClientHello {
  /** client_version: the highest version the client supports. */
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: number[];
  compressionMethods: number[];
  /** null: no extensions block at all (distinct from an empty one). */
  extensions: Extension[] | null;
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  checkRandom(m.random);
  const w = new Writer(512);
  w.u16(m.version).bytes(m.random).vec(1, m.sessionId);
  writeU16List(w, m.cipherSuites);
  w.prefixed(1, (w) => {
    for (const c of m.compressionMethods) w.u8(c);
  });
  if (m.extensions) encodeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = reader(body, 'ClientHello');
  const version = r.u16();
  const random = r.bytes(RANDOM_BYTES);
  const sessionId = r.vec(1, 0, MAX_SESSION_ID_BYTES);
  const cipherSuites = readU16List(r, 'ClientHello cipher_suites', 2);
  const compressionMethods = Array.from(r.vec(1, 1));
  // Every TLS client must offer null compression (§7.4.1.2); without it nothing can be agreed.
  if (!compressionMethods.includes(0)) throw new TlsError('decode_bad_value', 'ClientHello does not offer null compression');
  const extensions = decodeOptionalExtensions(r);
  r.end();
  return { version, random, sessionId, cipherSuites, compressionMethods, extensions };
}

// ---------------------------------------------------------------- ServerHello (§7.4.1.3)

export interface ServerHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[] | null;
}

export function encodeServerHello(m: ServerHello): Uint8Array {
  checkRandom(m.random);
  const w = new Writer(128);
  w.u16(m.version).bytes(m.random).vec(1, m.sessionId).u16(m.cipherSuite).u8(m.compressionMethod);
  if (m.extensions) encodeExtensions(w, m.extensions);
  return w.finish();
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = reader(body, 'ServerHello');
  const version = r.u16();
  const random = r.bytes(RANDOM_BYTES);
  const sessionId = r.vec(1, 0, MAX_SESSION_ID_BYTES);
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = decodeOptionalExtensions(r);
  r.end();
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

// ---------------------------------------------------------------- Certificate (§7.4.2)

export interface Certificate {
  /** DER certificates, sender's own first. Empty: a client without a certificate. */
  certificates: Uint8Array[];
}

export function encodeCertificate(m: Certificate): Uint8Array {
  const w = new Writer(4096);
  w.prefixed(3, (w) => {
    for (const c of m.certificates) {
      if (c.length === 0) throw new TlsError('internal_error', 'empty certificate in chain');
      w.vec(3, c);
    }
  });
  return w.finish();
}

export function decodeCertificate(body: Uint8Array): Certificate {
  const r = reader(body, 'Certificate');
  const list = r.subVec(3, 'certificate_list');
  r.end();
  const certificates: Uint8Array[] = [];
  while (!list.atEnd()) certificates.push(list.vec(3, 1));
  return { certificates };
}

// ---------------------------------------------------------------- digitally-signed (§4.7)

/** TLS 1.2 prefixes the signature with its SignatureAndHashAlgorithm; 1.0/1.1 do not. */
function encodeSigned(w: Writer, sigAlg: number | null, signature: Uint8Array): void {
  if (sigAlg !== null) w.u16(sigAlg);
  w.vec(2, signature);
}

function decodeSigned(r: Reader, version: number): { sigAlg: number | null; signature: Uint8Array } {
  const sigAlg = version >= TLS12 ? r.u16() : null;
  const signature = r.vec(2);
  return { sigAlg, signature };
}

// ---------------------------------------------------------------- ServerKeyExchange (§7.4.3, RFC 8422 §5.4)

/** ECCurveType named_curve: the only form RFC 8422 keeps. */
export const NAMED_CURVE = 3;

export interface EcdheParams {
  kind: 'ECDHE';
  curveType: typeof NAMED_CURVE;
  /** NamedGroup, e.g. 23 secp256r1, 29 x25519. */
  group: number;
  publicKey: Uint8Array;
}
export interface DheParams {
  kind: 'DHE';
  /** Big-endian unsigned integers as sent. */
  p: Uint8Array;
  g: Uint8Array;
  ys: Uint8Array;
}
export interface SignedParams {
  /** The exact ServerECDHParams / ServerDHParams bytes the signature covers (after the two randoms). */
  params: Uint8Array;
  /** TLS 1.2 only: SignatureAndHashAlgorithm as u16; null before 1.2. */
  sigAlg: number | null;
  signature: Uint8Array;
}
export type ServerKeyExchange = (EcdheParams | DheParams) & SignedParams;

/** The params part, which the server signs before building the message. */
export function encodeServerKeyExchangeParams(p: EcdheParams | DheParams): Uint8Array {
  const w = new Writer();
  if (p.kind === 'ECDHE') {
    w.u8(NAMED_CURVE).u16(p.group).vec(1, p.publicKey);
  } else {
    w.vec(2, p.p).vec(2, p.g).vec(2, p.ys);
  }
  return w.finish();
}

/** params (from encodeServerKeyExchangeParams) followed by the signature; sigAlg null for TLS 1.0/1.1. */
export function encodeServerKeyExchange(m: SignedParams): Uint8Array {
  const w = new Writer(m.params.length + m.signature.length + 8);
  w.bytes(m.params);
  encodeSigned(w, m.sigAlg, m.signature);
  return w.finish();
}

export function decodeServerKeyExchange(body: Uint8Array, kx: 'ECDHE' | 'DHE', version: number): ServerKeyExchange {
  const r = reader(body, `ServerKeyExchange (${kx})`);
  let p: EcdheParams | DheParams;
  if (kx === 'ECDHE') {
    const curveType = r.u8();
    // explicit_prime/explicit_char2 curves are deprecated by RFC 8422 and never negotiated here.
    if (curveType !== NAMED_CURVE) throw new TlsError('decode_bad_value', `ServerKeyExchange curve_type ${curveType} is not named_curve`);
    const group = r.u16();
    const publicKey = r.vec(1, 1);
    p = { kind: 'ECDHE', curveType: NAMED_CURVE, group, publicKey };
  } else {
    const dp = r.vec(2, 1);
    const g = r.vec(2, 1);
    const ys = r.vec(2, 1);
    p = { kind: 'DHE', p: dp, g, ys };
  }
  const params = body.subarray(0, r.offset);
  const signed = decodeSigned(r, version);
  r.end();
  return { ...p, params, ...signed };
}

// ---------------------------------------------------------------- CertificateRequest (§7.4.4)

export const ClientCertificateType = { rsa_sign: 1, dss_sign: 2, rsa_fixed_dh: 3, dss_fixed_dh: 4, ecdsa_sign: 64 } as const;

export interface CertificateRequest {
  certificateTypes: number[];
  /** TLS 1.2 supported_signature_algorithms; null before 1.2 (the field does not exist there). */
  signatureAlgorithms: number[] | null;
  /** DER DistinguishedNames of acceptable CAs; empty: any. */
  certificateAuthorities: Uint8Array[];
}

export function encodeCertificateRequest(m: CertificateRequest): Uint8Array {
  const w = new Writer();
  w.prefixed(1, (w) => {
    for (const t of m.certificateTypes) w.u8(t);
  });
  if (m.signatureAlgorithms) writeU16List(w, m.signatureAlgorithms);
  w.prefixed(2, (w) => {
    for (const dn of m.certificateAuthorities) w.vec(2, dn);
  });
  return w.finish();
}

export function decodeCertificateRequest(body: Uint8Array, version: number): CertificateRequest {
  const r = reader(body, 'CertificateRequest');
  const certificateTypes = Array.from(r.vec(1, 1));
  const signatureAlgorithms = version >= TLS12 ? readU16List(r, 'CertificateRequest supported_signature_algorithms', 2) : null;
  const cas = r.subVec(2, 'certificate_authorities');
  r.end();
  const certificateAuthorities: Uint8Array[] = [];
  while (!cas.atEnd()) certificateAuthorities.push(cas.vec(2, 1));
  return { certificateTypes, signatureAlgorithms, certificateAuthorities };
}

// ---------------------------------------------------------------- empty bodies

/** ServerHelloDone (§7.4.5) and HelloRequest (§7.4.1.1) carry nothing. */
export function encodeServerHelloDone(): Uint8Array {
  return new Uint8Array(0);
}
export function decodeServerHelloDone(body: Uint8Array): void {
  reader(body, 'ServerHelloDone').end();
}
export function encodeHelloRequest(): Uint8Array {
  return new Uint8Array(0);
}
export function decodeHelloRequest(body: Uint8Array): void {
  reader(body, 'HelloRequest').end();
}

// ---------------------------------------------------------------- ClientKeyExchange (§7.4.7, RFC 8422 §5.7)

export type ClientKeyExchange =
  /** EncryptedPreMasterSecret, with its u16 length (TLS 1.0 and later; SSL 3's bare form is not spoken). */
  | { kind: 'RSA'; encryptedPreMasterSecret: Uint8Array }
  | { kind: 'ECDHE'; publicKey: Uint8Array }
  /** dh_Yc, explicit form (no fixed-DH certificates). */
  | { kind: 'DHE'; yc: Uint8Array };

export function encodeClientKeyExchange(m: ClientKeyExchange): Uint8Array {
  const w = new Writer();
  if (m.kind === 'RSA') w.vec(2, m.encryptedPreMasterSecret);
  else if (m.kind === 'ECDHE') w.vec(1, m.publicKey);
  else w.vec(2, m.yc);
  return w.finish();
}

export function decodeClientKeyExchange(body: Uint8Array, kx: 'RSA' | 'ECDHE' | 'DHE'): ClientKeyExchange {
  const r = reader(body, `ClientKeyExchange (${kx})`);
  let m: ClientKeyExchange;
  if (kx === 'RSA') m = { kind: 'RSA', encryptedPreMasterSecret: r.vec(2, 1) };
  else if (kx === 'ECDHE') m = { kind: 'ECDHE', publicKey: r.vec(1, 1) };
  else m = { kind: 'DHE', yc: r.vec(2, 1) };
  r.end();
  return m;
}

// ---------------------------------------------------------------- CertificateVerify (§7.4.8)

export interface CertificateVerify {
  /** TLS 1.2 only; null before. */
  sigAlg: number | null;
  signature: Uint8Array;
}

export function encodeCertificateVerify(m: CertificateVerify): Uint8Array {
  const w = new Writer();
  encodeSigned(w, m.sigAlg, m.signature);
  return w.finish();
}

export function decodeCertificateVerify(body: Uint8Array, version: number): CertificateVerify {
  const r = reader(body, 'CertificateVerify');
  const m = decodeSigned(r, version);
  r.end();
  return m;
}

// ---------------------------------------------------------------- Finished (§7.4.9)

export interface Finished {
  verifyData: Uint8Array;
}

export function encodeFinished(m: Finished): Uint8Array {
  if (m.verifyData.length !== VERIFY_DATA_BYTES) throw new TlsError('internal_error', `verify_data must be ${VERIFY_DATA_BYTES} bytes`);
  return m.verifyData.slice();
}

/** Every suite here uses the default verify_data_length of 12. */
export function decodeFinished(body: Uint8Array): Finished {
  const r = reader(body, 'Finished');
  const verifyData = r.bytes(VERIFY_DATA_BYTES);
  r.end();
  return { verifyData };
}

// ---------------------------------------------------------------- NewSessionTicket (RFC 5077 §3.3)

export interface NewSessionTicket {
  /** Seconds; 0 means unspecified. */
  lifetimeHint: number;
  /** Empty: the server chose not to issue a ticket after all. */
  ticket: Uint8Array;
}

export function encodeNewSessionTicket(m: NewSessionTicket): Uint8Array {
  return new Writer(m.ticket.length + 6).u32(m.lifetimeHint).vec(2, m.ticket).finish();
}

export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = reader(body, 'NewSessionTicket');
  const lifetimeHint = r.u32();
  const ticket = r.vec(2);
  r.end();
  return { lifetimeHint, ticket };
}

// ---------------------------------------------------------------- CertificateStatus (RFC 6066 §8)

export interface CertificateStatus {
  statusType: 1;
  /** DER OCSPResponse. */
  ocspResponse: Uint8Array;
}

export function encodeCertificateStatus(m: CertificateStatus): Uint8Array {
  return new Writer(m.ocspResponse.length + 4).u8(m.statusType).vec(3, m.ocspResponse).finish();
}

export function decodeCertificateStatus(body: Uint8Array): CertificateStatus {
  const r = reader(body, 'CertificateStatus');
  const statusType = r.u8();
  if (statusType !== 1) throw new TlsError('decode_bad_value', `CertificateStatus status_type ${statusType} is not ocsp`);
  const ocspResponse = r.vec(3, 1);
  r.end();
  return { statusType, ocspResponse };
}

// ---------------------------------------------------------------- annotated hex dumps (debugging, docs)

/**
 * Walks a body like the decoders do, recording one line per field: offset, bytes, field name.
 * Independent of the decoders on purpose: it keeps going where a decoder would stop, and shows
 * where and why a malformed body breaks ("!! ..." line).
 */
class Dump {
  readonly lines: string[] = [];
  private depth = 1;
  constructor(private readonly r: Reader) {}

  private line(at: number, bytes: Uint8Array, name: string, note = ''): void {
    const hex = bytes.length > 16 ? `${toHex(bytes.subarray(0, 16))}… (${bytes.length} bytes)` : toHex(bytes);
    const pad = '  '.repeat(this.depth);
    this.lines.push(`${at.toString(16).padStart(4, '0')}${pad}${hex.padEnd(42 - pad.length)} ${name}${note ? `  ${note}` : ''}`);
  }
  private field<T>(name: string, read: () => T, note?: (v: T) => string): T {
    const at = this.r.offset;
    const v = read();
    this.line(at, this.r.buf.subarray(at, this.r.offset), name, note ? note(v) : '');
    return v;
  }
  u8(name: string, note?: (v: number) => string): number {
    return this.field(name, () => this.r.u8(), note);
  }
  u16(name: string, note?: (v: number) => string): number {
    return this.field(name, () => this.r.u16(), note);
  }
  u32(name: string): number {
    return this.field(name, () => this.r.u32(), (v) => String(v));
  }
  bytes(n: number, name: string): Uint8Array {
    return this.field(name, () => this.r.bytes(n));
  }
  /** A length-prefixed opaque value, shown as prefix and content. */
  vec(prefix: 1 | 2 | 3, name: string): Uint8Array {
    const at = this.r.offset;
    const len = prefix === 1 ? this.r.u8() : prefix === 2 ? this.r.u16() : this.r.u24();
    this.line(at, this.r.buf.subarray(at, this.r.offset), `${name} length`, String(len));
    return this.bytes(len, name);
  }
  /** A length-prefixed list whose items `item` describes. */
  list(prefix: 1 | 2 | 3, name: string, item: (d: Dump) => void): void {
    const at = this.r.offset;
    const len = prefix === 1 ? this.r.u8() : prefix === 2 ? this.r.u16() : this.r.u24();
    this.line(at, this.r.buf.subarray(at, this.r.offset), `${name} length`, String(len));
    const inner = new Dump(this.r.sub(len, name));
    inner.depth = this.depth + 1;
    while (!inner.r.atEnd()) item(inner);
    this.lines.push(...inner.lines);
  }
  extensions(): void {
    if (this.r.atEnd()) return;
    this.list(2, 'extensions', (d) => {
      d.u16('extension_type', extensionName);
      d.vec(2, 'extension_data');
    });
  }
  rest(name: string): void {
    if (!this.r.atEnd()) this.bytes(this.r.remaining, name);
  }
}

const suiteNote = (id: number) => suiteById(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;

function dumpSigned(d: Dump, version: number): void {
  if (version >= TLS12) d.u16('signature_algorithm', (v) => `0x${v.toString(16).padStart(4, '0')}`);
  d.vec(2, 'signature');
}

const DUMPERS: Partial<Record<number, (d: Dump, ctx: AnnotateContext) => void>> = {
  [HandshakeType.client_hello]: (d) => {
    d.u16('client_version', versionName);
    d.bytes(RANDOM_BYTES, 'random');
    d.vec(1, 'session_id');
    d.list(2, 'cipher_suites', (d) => d.u16('cipher_suite', suiteNote));
    d.list(1, 'compression_methods', (d) => d.u8('compression_method'));
    d.extensions();
  },
  [HandshakeType.server_hello]: (d) => {
    d.u16('server_version', versionName);
    d.bytes(RANDOM_BYTES, 'random');
    d.vec(1, 'session_id');
    d.u16('cipher_suite', suiteNote);
    d.u8('compression_method');
    d.extensions();
  },
  [HandshakeType.certificate]: (d) => d.list(3, 'certificate_list', (d) => d.vec(3, 'ASN.1Cert')),
  [HandshakeType.server_key_exchange]: (d, { kx, version }) => {
    if (kx === 'DHE') {
      d.vec(2, 'dh_p');
      d.vec(2, 'dh_g');
      d.vec(2, 'dh_Ys');
    } else {
      d.u8('curve_type');
      d.u16('named_curve');
      d.vec(1, 'public');
    }
    dumpSigned(d, version);
  },
  [HandshakeType.certificate_request]: (d, { version }) => {
    d.list(1, 'certificate_types', (d) => d.u8('certificate_type'));
    if (version >= TLS12) d.list(2, 'supported_signature_algorithms', (d) => d.u16('signature_algorithm'));
    d.list(2, 'certificate_authorities', (d) => d.vec(2, 'DistinguishedName'));
  },
  [HandshakeType.client_key_exchange]: (d, { kx }) => {
    if (kx === 'RSA') d.vec(2, 'encrypted_pre_master_secret');
    else if (kx === 'DHE') d.vec(2, 'dh_Yc');
    else d.vec(1, 'ecdh_Yc');
  },
  [HandshakeType.certificate_verify]: (d, { version }) => dumpSigned(d, version),
  [HandshakeType.finished]: (d) => d.rest('verify_data'),
  [HandshakeType.new_session_ticket]: (d) => {
    d.u32('ticket_lifetime_hint');
    d.vec(2, 'ticket');
  },
  [HandshakeType.certificate_status]: (d) => {
    d.u8('status_type');
    d.vec(3, 'OCSPResponse');
  },
};

export interface AnnotateContext {
  /** Negotiated version: decides whether signatures carry their algorithm and CertificateRequest its list. */
  version: number;
  /** Key exchange, for ServerKeyExchange and ClientKeyExchange. */
  kx: 'RSA' | 'ECDHE' | 'DHE';
}

/**
 * An annotated hex dump of a handshake body: one line per field with its offset and name.
 * Never throws: a malformed body ends with a "!!" line naming the problem.
 */
export function annotate(body: Uint8Array, type: number, ctx: Partial<AnnotateContext> = {}): string {
  const full: AnnotateContext = { version: ctx.version ?? TLS12, kx: ctx.kx ?? 'ECDHE' };
  const d = new Dump(reader(body, handshakeTypeName(type)));
  const lines = [`${handshakeTypeName(type)} (${body.length} bytes)`];
  try {
    const dump = DUMPERS[type];
    if (dump) dump(d, full);
    d.rest(dump ? 'trailing bytes' : 'body');
  } catch (e) {
    lines.push(...d.lines, `!! ${e instanceof Error ? e.message : String(e)}`);
    return lines.join('\n');
  }
  lines.push(...d.lines);
  return lines.join('\n');
}

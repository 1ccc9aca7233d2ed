/**
 * The TLS 1.3 extensions (RFC 8446 §4.2), each an encode/decode pair side by side like extensions.ts.
 * Where one extension has several forms (supported_versions and key_share in ClientHello, ServerHello and
 * HelloRetryRequest; pre_shared_key in ClientHello and ServerHello), each form has its own pair. Decoders
 * take the extension's data and consume all of it.
 */
import { TlsError } from '../errors.js';
import { Reader, Writer } from './codec.js';
import { readU16List, writeU16List } from './extensions.js';

/** The TLS 1.3 ExtensionType code points (RFC 8446 §4.2). */
export const ExtensionType13 = {
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
} as const;

function reader(data: Uint8Array, what: string): Reader {
  return new Reader(data, 0, data.length, `${what} extension`);
}

// --- supported_versions (§4.2.1) ---

/** ClientHello form: the versions offered, most preferred first (u8-length list of u16, 2..254 bytes). */
export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  const w = new Writer();
  w.prefixed(1, (w) => {
    for (const v of versions) w.u16(v);
  });
  return w.finish();
}
export function decodeSupportedVersionsClient(data: Uint8Array): number[] {
  const r = reader(data, 'supported_versions');
  const list = r.subVec(1, 'supported_versions list', 2, 254);
  r.end();
  if (list.remaining % 2) throw new TlsError('decode_bad_length', 'supported_versions list has an odd length');
  const out: number[] = [];
  while (!list.atEnd()) out.push(list.u16());
  return out;
}

/** ServerHello / HelloRetryRequest form: the one version selected. */
export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return new Writer(2).u16(version).finish();
}
export function decodeSupportedVersionsServer(data: Uint8Array): number {
  const r = reader(data, 'supported_versions');
  const v = r.u16();
  r.end();
  return v;
}

// --- key_share (§4.2.8) ---

export interface KeyShareEntry {
  /** NamedGroup code point. */
  group: number;
  /** The public value: X25519/X448 raw, NIST curves uncompressed, FFDHE padded to the length of p. */
  keyExchange: Uint8Array;
}

function writeEntry(w: Writer, e: KeyShareEntry): void {
  if (e.keyExchange.length === 0) throw new TlsError('internal_error', 'empty key_exchange');
  w.u16(e.group).vec(2, e.keyExchange);
}
function readEntry(r: Reader): KeyShareEntry {
  return { group: r.u16(), keyExchange: r.vec(2, 1) };
}

/**
 * ClientHello form: client_shares, possibly empty (to ask for a HelloRetryRequest). Two entries for one
 * group are refused with illegal_parameter (§4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values
 * for the same group ... Servers MAY check for violations").
 */
export function encodeKeyShareClient(entries: readonly KeyShareEntry[]): Uint8Array {
  const w = new Writer();
  w.prefixed(2, (w) => {
    for (const e of entries) writeEntry(w, e);
  });
  return w.finish();
}
export function decodeKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  const r = reader(data, 'key_share');
  const list = r.subVec(2, 'client_shares');
  r.end();
  const out: KeyShareEntry[] = [];
  while (!list.atEnd()) {
    const e = readEntry(list);
    if (out.some((o) => o.group === e.group)) throw new TlsError('decode_bad_value', `key_share offers group ${e.group} twice`);
    out.push(e);
  }
  return out;
}

/** ServerHello form: the server's one share. */
export function encodeKeyShareServer(entry: KeyShareEntry): Uint8Array {
  const w = new Writer();
  writeEntry(w, entry);
  return w.finish();
}
export function decodeKeyShareServer(data: Uint8Array): KeyShareEntry {
  const r = reader(data, 'key_share');
  const e = readEntry(r);
  r.end();
  return e;
}

/** HelloRetryRequest form: the group the server wants a share for. */
export function encodeKeyShareHrr(group: number): Uint8Array {
  return new Writer(2).u16(group).finish();
}
export function decodeKeyShareHrr(data: Uint8Array): number {
  const r = reader(data, 'key_share');
  const g = r.u16();
  r.end();
  return g;
}

// --- cookie (§4.2.2) ---

export function encodeCookie(cookie: Uint8Array): Uint8Array {
  if (cookie.length < 1 || cookie.length > 0xffff) throw new TlsError('internal_error', 'cookie must be 1..65535 bytes');
  return new Writer(cookie.length + 2).vec(2, cookie).finish();
}
export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = reader(data, 'cookie');
  const c = r.vec(2, 1);
  r.end();
  return c;
}

// --- signature_algorithms_cert (§4.2.3): the same SignatureSchemeList as signature_algorithms ---

export function encodeSignatureAlgorithmsCert(schemes: readonly number[]): Uint8Array {
  const w = new Writer();
  writeU16List(w, schemes);
  return w.finish();
}
export function decodeSignatureAlgorithmsCert(data: Uint8Array): number[] {
  const r = reader(data, 'signature_algorithms_cert');
  const out = readU16List(r, 'signature_algorithms_cert list', 2);
  r.end();
  return out;
}

// --- psk_key_exchange_modes (§4.2.9) ---

export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

export function encodePskKeyExchangeModes(modes: readonly number[]): Uint8Array {
  const w = new Writer();
  w.prefixed(1, (w) => {
    for (const m of modes) w.u8(m);
  });
  return w.finish();
}
export function decodePskKeyExchangeModes(data: Uint8Array): number[] {
  const r = reader(data, 'psk_key_exchange_modes');
  const list = r.vec(1, 1);
  r.end();
  return Array.from(list);
}

// --- pre_shared_key (§4.2.11); codec only ---

export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  identities: PskIdentity[];
  /** One HMAC per identity, in the same order (32..255 bytes each). */
  binders: Uint8Array[];
}

/** The identities part alone: what precedes the binders in the ClientHello the binders cover. */
function writeIdentities(w: Writer, ids: readonly PskIdentity[]): void {
  w.prefixed(2, (w) => {
    for (const id of ids) w.vec(2, id.identity).u32(id.obfuscatedTicketAge);
  });
}

export function encodePreSharedKeyClient(m: OfferedPsks): Uint8Array {
  if (m.identities.length === 0 || m.identities.length !== m.binders.length) throw new TlsError('internal_error', 'pre_shared_key needs one binder per identity');
  const w = new Writer();
  writeIdentities(w, m.identities);
  w.prefixed(2, (w) => {
    for (const b of m.binders) {
      if (b.length < 32 || b.length > 255) throw new TlsError('internal_error', 'PSK binder must be 32..255 bytes');
      w.vec(1, b);
    }
  });
  return w.finish();
}

/**
 * Refuses an empty identity list, a binder shorter than 32 bytes and a binder count that differs from the
 * identity count (illegal_parameter: §4.2.11 makes the two lists parallel).
 */
export function decodePreSharedKeyClient(data: Uint8Array): OfferedPsks {
  const r = reader(data, 'pre_shared_key');
  const ids = r.subVec(2, 'PSK identities', 7);
  const bs = r.subVec(2, 'PSK binders', 33);
  r.end();
  const identities: PskIdentity[] = [];
  while (!ids.atEnd()) identities.push({ identity: ids.vec(2, 1), obfuscatedTicketAge: ids.u32() });
  const binders: Uint8Array[] = [];
  while (!bs.atEnd()) binders.push(bs.vec(1, 32, 255));
  if (binders.length !== identities.length) {
    throw new TlsError('decode_bad_value', `pre_shared_key has ${identities.length} identities and ${binders.length} binders`);
  }
  return { identities, binders };
}

/**
 * The number of bytes at the end of a ClientHello that the binders take (their u16 length included):
 * the truncated ClientHello that binders are computed over is the message without them (§4.2.11.2).
 */
export function bindersLength(binders: readonly Uint8Array[]): number {
  return 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
}

/** ServerHello form: the index of the identity the server took. */
export function encodePreSharedKeyServer(selectedIdentity: number): Uint8Array {
  return new Writer(2).u16(selectedIdentity).finish();
}
export function decodePreSharedKeyServer(data: Uint8Array): number {
  const r = reader(data, 'pre_shared_key');
  const i = r.u16();
  r.end();
  return i;
}

// --- early_data (§4.2.10); codec only ---

/** ClientHello and EncryptedExtensions: empty. */
export function encodeEarlyDataIndication(): Uint8Array {
  return new Uint8Array(0);
}
export function decodeEarlyDataIndication(data: Uint8Array): void {
  reader(data, 'early_data').end();
}

/** NewSessionTicket: max_early_data_size. */
export function encodeEarlyDataTicket(maxEarlyDataSize: number): Uint8Array {
  return new Writer(4).u32(maxEarlyDataSize).finish();
}
export function decodeEarlyDataTicket(data: Uint8Array): number {
  const r = reader(data, 'early_data');
  const n = r.u32();
  r.end();
  return n;
}

// --- post_handshake_auth (§4.2.6): empty ---

export function encodePostHandshakeAuth(): Uint8Array {
  return new Uint8Array(0);
}
export function decodePostHandshakeAuth(data: Uint8Array): void {
  reader(data, 'post_handshake_auth').end();
}

// --- certificate_authorities (§4.2.4) ---

/** DER Distinguished Names (each 1..65535 bytes), in a list of at least 3 bytes. */
export function encodeCertificateAuthorities(names: readonly Uint8Array[]): Uint8Array {
  if (names.length === 0) throw new TlsError('internal_error', 'certificate_authorities needs at least one name');
  const w = new Writer();
  w.prefixed(2, (w) => {
    for (const n of names) {
      if (n.length === 0) throw new TlsError('internal_error', 'empty distinguished name');
      w.vec(2, n);
    }
  });
  return w.finish();
}
export function decodeCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  const r = reader(data, 'certificate_authorities');
  const list = r.subVec(2, 'authorities', 3);
  r.end();
  const out: Uint8Array[] = [];
  while (!list.atEnd()) out.push(list.vec(2, 1));
  return out;
}

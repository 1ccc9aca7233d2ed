/**
 * Hello extensions: the generic list codec and, side by side, a typed encode/decode pair for each
 * extension this stack speaks. Decoders take the extension's `data` and consume all of it.
 * Decoded byte fields are views into the input (the framer hands out private copies, so they stay put).
 */
import { TlsError } from '../errors.js';
import { Reader, Writer, utf8 } from './codec.js';

export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  /** Listed so servers can recognise and decline it (RFC 6520; Heartbleed). */
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  record_size_limit: 28,
  session_ticket: 35,
  renegotiation_info: 0xff01,
} as const;

const EXT_NAMES = new Map<number, string>(Object.entries(ExtensionType).map(([k, v]) => [v, k]));

export function extensionName(type: number): string {
  return EXT_NAMES.get(type) ?? `unknown_${type}`;
}

export interface Extension {
  type: number;
  data: Uint8Array;
}

/** Write the u16-length extensions block. */
export function encodeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.prefixed(2, (w) => {
    for (const e of exts) w.u16(e.type).vec(2, e.data);
  });
}

/**
 * Read the u16-length extensions block. RFC 5246 §7.4.1.4: at most one extension of each type,
 * so a repeat is an illegal_parameter rather than something to pick from.
 */
export function decodeExtensions(r: Reader): Extension[] {
  const block = r.subVec(2, 'extensions');
  const seen = new Set<number>();
  const out: Extension[] = [];
  while (!block.atEnd()) {
    const type = block.u16();
    const data = block.vec(2);
    if (seen.has(type)) throw new TlsError('decode_bad_value', `extension ${extensionName(type)} appears twice`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** The extension of that type in a decoded list (null-safe for "no extensions block at all"). */
export function findExtension(exts: readonly Extension[] | null, type: number): Extension | undefined {
  return exts?.find((e) => e.type === type);
}

function reader(data: Uint8Array, type: number): Reader {
  return new Reader(data, 0, data.length, `${extensionName(type)} extension`);
}

/** Extensions whose presence is the whole message (extended_master_secret, encrypt_then_mac, acks). */
export function encodeEmptyExtension(): Uint8Array {
  return new Uint8Array(0);
}
export function decodeEmptyExtension(data: Uint8Array, type: number): void {
  reader(data, type).end();
}

// --- server_name (RFC 6066 §3) ---

const HOST_NAME = 0;

/** Client side: a server_name_list with the one DNS name (no trailing dot, ASCII/A-labels). */
export function encodeServerName(hostName: string): Uint8Array {
  if (hostName.length === 0 || !/^[\x21-\x7e]+$/.test(hostName) || hostName.endsWith('.')) {
    throw new TlsError('config_invalid', `server name ${JSON.stringify(hostName)} is not an ASCII DNS name without a trailing dot`);
  }
  const w = new Writer();
  w.prefixed(2, (w) => w.u8(HOST_NAME).vec(2, utf8.encode(hostName)));
  return w.finish();
}

/**
 * The host_name from a client's list, or null for a server's empty acknowledgement.
 * Other name types (none are defined) are skipped; two host_names are refused, as RFC 6066 says.
 */
export function decodeServerName(data: Uint8Array): string | null {
  if (data.length === 0) return null;
  const r = reader(data, ExtensionType.server_name);
  const list = r.subVec(2, 'server_name_list', 1);
  r.end();
  let host: string | null = null;
  while (!list.atEnd()) {
    const nameType = list.u8();
    const name = list.vec(2, 1);
    if (nameType !== HOST_NAME) continue;
    if (host !== null) throw new TlsError('decode_bad_value', 'server_name lists two host_name entries');
    for (const b of name) {
      if (b < 0x21 || b > 0x7e) throw new TlsError('decode_bad_value', 'server_name host_name is not printable ASCII');
    }
    host = String.fromCharCode(...name);
  }
  if (host === null) throw new TlsError('decode_bad_value', 'server_name list has no host_name');
  return host;
}

// --- u16 lists: supported_groups (RFC 8422 §5.1.1), signature_algorithms (RFC 5246 §7.4.1.4.1) ---

/** A u16-length list of u16 values; also the cipher_suites and supported_signature_algorithms of messages.ts. */
export function writeU16List(w: Writer, values: readonly number[]): void {
  w.prefixed(2, (w) => {
    for (const v of values) w.u16(v);
  });
}

/** A u16-length list of u16 values of at least `min` bytes. */
export function readU16List(r: Reader, what: string, min: number): number[] {
  const list = r.subVec(2, what, min, 0xfffe);
  if (list.remaining % 2) throw new TlsError('decode_bad_length', `${what} has an odd length`);
  const out: number[] = [];
  while (!list.atEnd()) out.push(list.u16());
  return out;
}

function encodeU16List(values: readonly number[]): Uint8Array {
  const w = new Writer();
  writeU16List(w, values);
  return w.finish();
}

function decodeU16List(data: Uint8Array, type: number): number[] {
  const r = reader(data, type);
  const out = readU16List(r, `${extensionName(type)} list`, 2);
  r.end();
  return out;
}

export function encodeSupportedGroups(groups: readonly number[]): Uint8Array {
  return encodeU16List(groups);
}
export function decodeSupportedGroups(data: Uint8Array): number[] {
  return decodeU16List(data, ExtensionType.supported_groups);
}

/** SignatureAndHashAlgorithm values as u16 (hash << 8 | signature), e.g. 0x0401 rsa_pkcs1_sha256. */
export function encodeSignatureAlgorithms(algs: readonly number[]): Uint8Array {
  return encodeU16List(algs);
}
export function decodeSignatureAlgorithms(data: Uint8Array): number[] {
  return decodeU16List(data, ExtensionType.signature_algorithms);
}

// --- ec_point_formats (RFC 8422 §5.1.2) ---

export function encodeEcPointFormats(formats: readonly number[]): Uint8Array {
  const w = new Writer();
  w.prefixed(1, (w) => {
    for (const f of formats) w.u8(f);
  });
  return w.finish();
}
export function decodeEcPointFormats(data: Uint8Array): number[] {
  const r = reader(data, ExtensionType.ec_point_formats);
  const list = r.vec(1, 1);
  r.end();
  return Array.from(list);
}

// --- application_layer_protocol_negotiation (RFC 7301 §3.1) ---

function encodeProtocolNames(names: readonly string[]): Uint8Array {
  if (names.length === 0) throw new TlsError('config_invalid', 'ALPN needs at least one protocol name');
  const w = new Writer();
  w.prefixed(2, (w) => {
    for (const n of names) {
      const b = utf8.encode(n);
      if (b.length < 1 || b.length > 255) throw new TlsError('config_invalid', `ALPN protocol name ${JSON.stringify(n)} must be 1..255 bytes`);
      w.vec(1, b);
    }
  });
  return w.finish();
}

function decodeProtocolNames(data: Uint8Array): string[] {
  const r = reader(data, ExtensionType.application_layer_protocol_negotiation);
  const list = r.subVec(2, 'ALPN protocol_name_list', 2);
  r.end();
  const out: string[] = [];
  // Names are opaque bytes; as UTF-8 strings they compare with the configured names.
  while (!list.atEnd()) out.push(utf8.decode(list.vec(1, 1)));
  return out;
}

/** Client side: the protocols offered, most preferred first. */
export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return encodeProtocolNames(protocols);
}
export function decodeAlpn(data: Uint8Array): string[] {
  return decodeProtocolNames(data);
}

/** Server side: the single protocol selected. */
export function encodeAlpnSelected(protocol: string): Uint8Array {
  return encodeProtocolNames([protocol]);
}
export function decodeAlpnSelected(data: Uint8Array): string {
  const names = decodeProtocolNames(data);
  if (names.length !== 1) throw new TlsError('decode_bad_value', `server selected ${names.length} ALPN protocols, not exactly one`);
  return names[0]!;
}

// --- renegotiation_info (RFC 5746 §3.2): empty on an initial handshake ---

export function encodeRenegotiationInfo(verifyData: Uint8Array): Uint8Array {
  return new Writer().vec(1, verifyData).finish();
}
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
  const r = reader(data, ExtensionType.renegotiation_info);
  const v = r.vec(1);
  r.end();
  return v;
}

// --- session_ticket (RFC 5077 §3.2): the opaque ticket, empty to ask for a new one ---

export function encodeSessionTicket(ticket: Uint8Array): Uint8Array {
  return ticket.slice();
}
export function decodeSessionTicket(data: Uint8Array): Uint8Array {
  return data;
}

// --- status_request (RFC 6066 §8) ---

export const CertificateStatusType = { ocsp: 1 } as const;

export interface StatusRequest {
  /** 1 = ocsp. For other types the request body is not parsed and the lists below are empty. */
  statusType: number;
  /** DER ResponderIDs the client trusts (usually none). */
  responderIds: Uint8Array[];
  /** DER Extensions for the OCSP request (usually empty). */
  requestExtensions: Uint8Array;
}

export function encodeStatusRequest(req: StatusRequest = { statusType: 1, responderIds: [], requestExtensions: new Uint8Array(0) }): Uint8Array {
  if (req.statusType !== CertificateStatusType.ocsp) throw new TlsError('internal_error', 'only OCSP status requests can be encoded');
  const w = new Writer();
  w.u8(req.statusType);
  w.prefixed(2, (w) => {
    for (const id of req.responderIds) w.vec(2, id);
  });
  w.vec(2, req.requestExtensions);
  return w.finish();
}

/** The client's request, or null for the server's empty acknowledgement. */
export function decodeStatusRequest(data: Uint8Array): StatusRequest | null {
  if (data.length === 0) return null;
  const r = reader(data, ExtensionType.status_request);
  const statusType = r.u8();
  if (statusType !== CertificateStatusType.ocsp) {
    // A type we cannot parse is ignored (as OpenSSL does), not fatal: the server just won't staple.
    r.rest();
    return { statusType, responderIds: [], requestExtensions: new Uint8Array(0) };
  }
  const ids = r.subVec(2, 'responder_id_list');
  const responderIds: Uint8Array[] = [];
  while (!ids.atEnd()) responderIds.push(ids.vec(2, 1));
  const requestExtensions = r.vec(2);
  r.end();
  return { statusType, responderIds, requestExtensions };
}

// --- max_fragment_length (RFC 6066 §4): code n ↔ 2^(8+n) bytes ---

export type MaxFragmentLength = 512 | 1024 | 2048 | 4096;

export function encodeMaxFragmentLength(bytes: MaxFragmentLength): Uint8Array {
  const code = Math.log2(bytes) - 8;
  if (!Number.isInteger(code) || code < 1 || code > 4) throw new TlsError('config_invalid', `max_fragment_length ${bytes} is not 512, 1024, 2048 or 4096`);
  return Uint8Array.of(code);
}
export function decodeMaxFragmentLength(data: Uint8Array): MaxFragmentLength {
  const r = reader(data, ExtensionType.max_fragment_length);
  const code = r.u8();
  r.end();
  if (code < 1 || code > 4) throw new TlsError('decode_bad_value', `max_fragment_length code ${code} is not 1..4`);
  return (1 << (8 + code)) as MaxFragmentLength;
}

// --- record_size_limit (RFC 8449 §4) ---

export const MIN_RECORD_SIZE_LIMIT = 64;

export function encodeRecordSizeLimit(limit: number): Uint8Array {
  if (!Number.isInteger(limit) || limit < MIN_RECORD_SIZE_LIMIT || limit > 0xffff) {
    throw new TlsError('config_invalid', `record_size_limit ${limit} must be an integer in 64..65535`);
  }
  return new Writer().u16(limit).finish();
}
export function decodeRecordSizeLimit(data: Uint8Array): number {
  const r = reader(data, ExtensionType.record_size_limit);
  const limit = r.u16();
  r.end();
  if (limit < MIN_RECORD_SIZE_LIMIT) throw new TlsError('decode_bad_value', `record_size_limit ${limit} is below 64`);
  return limit;
}

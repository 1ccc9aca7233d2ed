/**
 * Hand-made client bytes for the tests that feed a server engine directly: TLS records, handshake messages in them,
 * and a TLS 1.2 ClientHello with the extensions an ECDHE_RSA handshake needs.
 */
import { encodeHandshake } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { ExtensionType as ET, type Extension } from '../../src/handshake/extensions.js';

/** One record of content type `type`; `version` is the record-layer version (0x0301, as first ClientHellos use). */
export function record(type: number, body: Uint8Array, version = 0x0301): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]);
  out.set(body, 5);
  return out;
}

/** A handshake message in one record (it must fit). */
export const hsRecord = (type: number, body: Uint8Array, version = 0x0301): Uint8Array => record(22, encodeHandshake(type, body), version);

/** supported_groups x25519 + P-256, uncompressed points, RSA-PSS/PKCS#1/ECDSA SHA-256, an empty renegotiation_info. */
export const BASE_EXTENSIONS: Extension[] = [
  { type: ET.supported_groups, data: X.encodeSupportedGroups([29, 23]) },
  { type: ET.ec_point_formats, data: X.encodeEcPointFormats([0]) },
  { type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms([0x0804, 0x0401, 0x0403]) },
  { type: ET.renegotiation_info, data: X.encodeRenegotiationInfo(new Uint8Array(0)) },
];

/** A TLS 1.2 ClientHello body (fixed random, no session id, no compression, BASE_EXTENSIONS) with `o` over it. */
export function clientHello12(o: Partial<M.ClientHello> & Pick<M.ClientHello, 'cipherSuites'>): Uint8Array {
  return M.encodeClientHello({
    version: 0x0303,
    random: new Uint8Array(32).fill(7),
    sessionId: new Uint8Array(0),
    compressionMethods: [0],
    extensions: BASE_EXTENSIONS,
    ...o,
  });
}

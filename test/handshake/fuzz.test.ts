/** Whatever bytes arrive, decoders either decode or throw a TlsError with a decode_* code. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TlsError } from '../../src/errors.js';
import { TLS10, TLS12 } from '../../src/crypto/suites.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { HandshakeFramer } from '../../src/handshake/framer.js';

const decoders: [string, (b: Uint8Array) => unknown][] = [
  ['ClientHello', M.decodeClientHello],
  ['ServerHello', M.decodeServerHello],
  ['Certificate', M.decodeCertificate],
  ['SKE ECDHE 1.2', (b) => M.decodeServerKeyExchange(b, 'ECDHE', TLS12)],
  ['SKE DHE 1.0', (b) => M.decodeServerKeyExchange(b, 'DHE', TLS10)],
  ['CertificateRequest 1.2', (b) => M.decodeCertificateRequest(b, TLS12)],
  ['CertificateRequest 1.0', (b) => M.decodeCertificateRequest(b, TLS10)],
  ['CKE RSA', (b) => M.decodeClientKeyExchange(b, 'RSA')],
  ['CKE ECDHE', (b) => M.decodeClientKeyExchange(b, 'ECDHE')],
  ['CertificateVerify', (b) => M.decodeCertificateVerify(b, TLS12)],
  ['Finished', M.decodeFinished],
  ['NewSessionTicket', M.decodeNewSessionTicket],
  ['CertificateStatus', M.decodeCertificateStatus],
  ['server_name', X.decodeServerName],
  ['supported_groups', X.decodeSupportedGroups],
  ['ec_point_formats', X.decodeEcPointFormats],
  ['ALPN', X.decodeAlpn],
  ['ALPN selected', X.decodeAlpnSelected],
  ['renegotiation_info', X.decodeRenegotiationInfo],
  ['status_request', X.decodeStatusRequest],
  ['max_fragment_length', X.decodeMaxFragmentLength],
  ['record_size_limit', X.decodeRecordSizeLimit],
  ['annotate', (b) => M.annotate(b, 1)],
];

function onlyDecodeErrors(decode: (b: Uint8Array) => unknown, b: Uint8Array): void {
  try {
    decode(b);
  } catch (e) {
    expect(e).toBeInstanceOf(TlsError);
    expect((e as TlsError).code).toMatch(/^decode_/);
  }
}

const hello = M.encodeClientHello({
  version: TLS12,
  random: new Uint8Array(32),
  sessionId: new Uint8Array(4),
  cipherSuites: [0xc02f, 0xc030],
  compressionMethods: [0],
  extensions: [
    { type: X.ExtensionType.server_name, data: X.encodeServerName('localhost') },
    { type: X.ExtensionType.application_layer_protocol_negotiation, data: X.encodeAlpn(['h2']) },
  ],
});

describe('decoders under random input', () => {
  for (const [name, decode] of decoders) {
    it(`${name}: random bytes`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyDecodeErrors(decode, b)), { numRuns: 300 });
    });
  }

  it('ClientHello: mutated valid encodings', () => {
    fc.assert(
      fc.property(fc.nat(hello.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(hello.length), (at, v, cut) => {
        const b = hello.slice(0, Math.max(cut, at + 1));
        b[at] = v;
        onlyDecodeErrors(M.decodeClientHello, b);
      }),
      { numRuns: 2000 },
    );
  });

  it('framer: random streams', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const f = new HandshakeFramer(64, 128);
        onlyDecodeErrors(() => {
          for (const c of chunks) {
            f.push(c);
            while (f.next());
          }
        }, new Uint8Array(0));
      }),
    );
  });
});

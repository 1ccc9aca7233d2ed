/**
 * Property tests for the TLS 1.3 codecs (messages13.ts, extensions13.ts): decode(encode(x)) = x, and mutated
 * encodings or arbitrary bytes decode or fail with a decode_* TlsError, never another exception.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { bytes, codec, decodesOrRejects, extensionList, mutate, mutation, u16, u8, type Codec } from './codec-harness.js';
import * as M from '../../src/handshake/messages13.js';
import * as X from '../../src/handshake/extensions13.js';

const RUNS = 200;
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const extensions = extensionList(6);

const share = fc.record({ group: u16, keyExchange: bytes(1, 97) });

const CODECS: Codec<unknown>[] = [
  codec({ name: 'supported_versions (ClientHello)', arb: fc.array(u16, { minLength: 1, maxLength: 127 }), encode: X.encodeSupportedVersionsClient, decode: X.decodeSupportedVersionsClient }),
  codec({ name: 'supported_versions (ServerHello)', arb: u16, encode: X.encodeSupportedVersionsServer, decode: X.decodeSupportedVersionsServer }),
  codec({ name: 'key_share (ClientHello)', arb: fc.uniqueArray(share, { selector: (e) => e.group, maxLength: 5 }), encode: X.encodeKeyShareClient, decode: X.decodeKeyShareClient }),
  codec({ name: 'key_share (ServerHello)', arb: share, encode: X.encodeKeyShareServer, decode: X.decodeKeyShareServer }),
  codec({ name: 'key_share (HelloRetryRequest)', arb: u16, encode: X.encodeKeyShareHrr, decode: X.decodeKeyShareHrr }),
  codec({ name: 'cookie', arb: bytes(1, 300), encode: X.encodeCookie, decode: X.decodeCookie }),
  codec({ name: 'signature_algorithms_cert', arb: fc.array(u16, { minLength: 1, maxLength: 30 }), encode: X.encodeSignatureAlgorithmsCert, decode: X.decodeSignatureAlgorithmsCert }),
  codec({ name: 'psk_key_exchange_modes', arb: fc.array(u8, { minLength: 1, maxLength: 10 }), encode: X.encodePskKeyExchangeModes, decode: X.decodePskKeyExchangeModes }),
  codec({
    name: 'pre_shared_key (ClientHello)',
    arb: fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
      identities: fc.array(fc.record({ identity: bytes(1, 60), obfuscatedTicketAge: u32 }), { minLength: n, maxLength: n }),
      binders: fc.array(bytes(32, 48), { minLength: n, maxLength: n }),
    })),
    encode: X.encodePreSharedKeyClient,
    decode: X.decodePreSharedKeyClient,
  }),
  codec({ name: 'pre_shared_key (ServerHello)', arb: u16, encode: X.encodePreSharedKeyServer, decode: X.decodePreSharedKeyServer }),
  codec({ name: 'early_data (NewSessionTicket)', arb: u32, encode: X.encodeEarlyDataTicket, decode: X.decodeEarlyDataTicket }),
  codec({ name: 'certificate_authorities', arb: fc.array(bytes(1, 80), { minLength: 1, maxLength: 5 }), encode: X.encodeCertificateAuthorities, decode: X.decodeCertificateAuthorities }),
  codec({ name: 'EncryptedExtensions', arb: fc.record({ extensions }), encode: M.encodeEncryptedExtensions, decode: M.decodeEncryptedExtensions }),
  codec({ name: 'CertificateRequest (1.3)', arb: fc.record({ context: bytes(0, 255), extensions }), encode: M.encodeCertificateRequest13, decode: M.decodeCertificateRequest13 }),
  codec({
    name: 'Certificate (1.3)',
    arb: fc.record({ context: bytes(0, 20), entries: fc.array(fc.record({ certData: bytes(1, 200), extensions }), { maxLength: 4 }) }),
    encode: M.encodeCertificate13,
    decode: M.decodeCertificate13,
  }),
  codec({ name: 'CertificateVerify (1.3)', arb: fc.record({ scheme: u16, signature: bytes(1, 300) }), encode: M.encodeCertificateVerify13, decode: M.decodeCertificateVerify13 }),
  codec({ name: 'KeyUpdate', arb: fc.record({ requestUpdate: fc.boolean() }), encode: M.encodeKeyUpdate, decode: M.decodeKeyUpdate }),
  codec({
    name: 'NewSessionTicket (1.3)',
    arb: fc.record({ lifetime: fc.integer({ min: 0, max: M.MAX_TICKET_LIFETIME }), ageAdd: u32, nonce: bytes(0, 255), ticket: bytes(1, 300), extensions }),
    encode: M.encodeNewSessionTicket13,
    decode: M.decodeNewSessionTicket13,
  }),
  codec({ name: 'Finished (1.3, SHA-384)', arb: fc.record({ verifyData: bytes(48, 48) }), encode: M.encodeFinished13, decode: (b) => M.decodeFinished13(b, 48) }),
];

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? Array.from(v) : v)));

describe('TLS 1.3 codecs: decode(encode(x)) = x', () => {
  for (const c of CODECS) {
    it(c.name, () => {
      fc.assert(fc.property(c.arb, (x) => {
        expect(plain(c.decode(c.encode(x)))).toEqual(plain(c.expected ? c.expected(x) : x));
      }), { numRuns: RUNS });
    });
  }
});

describe('TLS 1.3 codecs: mutated encodings and arbitrary bytes decode or fail with decode_*', () => {
  for (const c of CODECS) {
    it(c.name, () => {
      fc.assert(fc.property(c.arb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (x, ms) => {
        decodesOrRejects(c.decode, mutate(c.encode(x), ms));
      }), { numRuns: RUNS });
      fc.assert(fc.property(bytes(0, 64), (b) => decodesOrRejects(c.decode, b)), { numRuns: RUNS });
    });
  }
});

/**
 * Property tests for every codec: decode(encode(x)) = x for arbitrary valid values, and decoding mutated encodings
 * (flips, stores, cuts, insertions) or arbitrary bytes returns a value or throws a TlsError with a decode_* code —
 * never another exception, never a hang (each property runs synchronously with bounded input).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { TlsError } from '../../src/errors.js';
import { bytes, codec, decodesOrRejects, extensionList, mutate, mutation, u16, u8, type Codec } from './codec-harness.js';
import { TLS10, TLS11, TLS12 } from '../../src/crypto/suites.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { Reader, Writer } from '../../src/handshake/codec.js';
import { HandshakeFramer, encodeHandshake } from '../../src/handshake/framer.js';
import { Deframer } from '../../src/record/deframer.js';
import { encodeRecord } from '../../src/record/writer.js';

export const RUNS = 250;

const random32 = bytes(32, 32);
const sessionId = bytes(0, 32);
const version = fc.constantFrom(TLS10, TLS11, TLS12);

const extensions = extensionList(8);
const optionalExtensions = fc.option(extensions, { nil: null });


const ske = (kx: 'ECDHE' | 'DHE', v: number) =>
  codec({
    name: `ServerKeyExchange ${kx} ${v === TLS12 ? '1.2' : '1.0'}`,
    arb: fc.record({
      params: kx === 'ECDHE'
        ? fc.record({ kind: fc.constant('ECDHE' as const), curveType: fc.constant(M.NAMED_CURVE), group: u16, publicKey: bytes(1, 133) })
        : fc.record({ kind: fc.constant('DHE' as const), p: bytes(1, 300), g: bytes(1, 4), ys: bytes(1, 300) }),
      sigAlg: v === TLS12 ? u16 : fc.constant(null),
      signature: bytes(0, 300),
    }),
    encode: (x) => M.encodeServerKeyExchange({ params: M.encodeServerKeyExchangeParams(x.params), sigAlg: x.sigAlg, signature: x.signature }),
    decode: (b) => {
      const { params: _raw, ...rest } = M.decodeServerKeyExchange(b, kx, v);
      return rest;
    },
    expected: (x) => ({ ...x.params, sigAlg: x.sigAlg, signature: x.signature }),
  });

const CODECS: Codec<unknown>[] = [
  codec({
    name: 'ClientHello',
    arb: fc.record({
      version: u16,
      random: random32,
      sessionId,
      cipherSuites: fc.array(u16, { minLength: 1, maxLength: 60 }),
      compressionMethods: fc.array(u8, { maxLength: 10 }).map((a) => [0, ...a]),
      extensions: optionalExtensions,
    }),
    encode: M.encodeClientHello,
    decode: M.decodeClientHello,
  }),
  codec({
    name: 'ServerHello',
    arb: fc.record({ version: u16, random: random32, sessionId, cipherSuite: u16, compressionMethod: u8, extensions: optionalExtensions }),
    encode: M.encodeServerHello,
    decode: M.decodeServerHello,
  }),
  codec({
    name: 'Certificate',
    arb: fc.record({ certificates: fc.array(bytes(1, 200), { maxLength: 6 }) }),
    encode: M.encodeCertificate,
    decode: M.decodeCertificate,
  }),
  ske('ECDHE', TLS12),
  ske('ECDHE', TLS10),
  ske('DHE', TLS12),
  ske('DHE', TLS10),
  ...[TLS12, TLS10].map((v) =>
    codec({
      name: `CertificateRequest ${v === TLS12 ? '1.2' : '1.0'}`,
      arb: fc.record({
        certificateTypes: fc.array(u8, { minLength: 1, maxLength: 8 }),
        signatureAlgorithms: v === TLS12 ? fc.array(u16, { minLength: 1, maxLength: 30 }) : fc.constant(null),
        certificateAuthorities: fc.array(bytes(1, 80), { maxLength: 5 }),
      }),
      encode: M.encodeCertificateRequest,
      decode: (b: Uint8Array) => M.decodeCertificateRequest(b, v),
    }),
  ),
  codec({ name: 'CKE RSA', arb: fc.record({ kind: fc.constant('RSA' as const), encryptedPreMasterSecret: bytes(1, 512) }), encode: M.encodeClientKeyExchange, decode: (b) => M.decodeClientKeyExchange(b, 'RSA') }),
  codec({ name: 'CKE ECDHE', arb: fc.record({ kind: fc.constant('ECDHE' as const), publicKey: bytes(1, 133) }), encode: M.encodeClientKeyExchange, decode: (b) => M.decodeClientKeyExchange(b, 'ECDHE') }),
  codec({ name: 'CKE DHE', arb: fc.record({ kind: fc.constant('DHE' as const), yc: bytes(1, 512) }), encode: M.encodeClientKeyExchange, decode: (b) => M.decodeClientKeyExchange(b, 'DHE') }),
  codec({ name: 'CertificateVerify 1.2', arb: fc.record({ sigAlg: u16, signature: bytes(0, 300) }), encode: M.encodeCertificateVerify, decode: (b) => M.decodeCertificateVerify(b, TLS12) }),
  codec({ name: 'CertificateVerify 1.1', arb: fc.record({ sigAlg: fc.constant(null), signature: bytes(0, 300) }), encode: M.encodeCertificateVerify, decode: (b) => M.decodeCertificateVerify(b, TLS11) }),
  codec({ name: 'Finished', arb: fc.record({ verifyData: bytes(12, 12) }), encode: M.encodeFinished, decode: M.decodeFinished }),
  codec({ name: 'ServerHelloDone', arb: fc.constant(undefined), encode: M.encodeServerHelloDone, decode: M.decodeServerHelloDone }),
  codec({ name: 'HelloRequest', arb: fc.constant(undefined), encode: M.encodeHelloRequest, decode: M.decodeHelloRequest }),
  codec({
    name: 'NewSessionTicket',
    arb: fc.record({ lifetimeHint: fc.integer({ min: 0, max: 0xffffffff }), ticket: bytes(0, 300) }),
    encode: M.encodeNewSessionTicket,
    decode: M.decodeNewSessionTicket,
  }),
  codec({ name: 'CertificateStatus', arb: fc.record({ statusType: fc.constant(1 as const), ocspResponse: bytes(1, 300) }), encode: M.encodeCertificateStatus, decode: M.decodeCertificateStatus }),
  codec({
    name: 'extensions block',
    arb: extensions,
    encode: (e) => {
      const w = new Writer();
      X.encodeExtensions(w, e);
      return w.finish();
    },
    decode: (b) => {
      const r = new Reader(b);
      const e = X.decodeExtensions(r);
      r.end();
      return e;
    },
  }),
  codec({ name: 'server_name', arb: fc.domain().filter((d) => d.length <= 253), encode: X.encodeServerName, decode: X.decodeServerName }),
  codec({ name: 'supported_groups', arb: fc.array(u16, { minLength: 1, maxLength: 40 }), encode: X.encodeSupportedGroups, decode: X.decodeSupportedGroups }),
  codec({ name: 'signature_algorithms', arb: fc.array(u16, { minLength: 1, maxLength: 40 }), encode: X.encodeSignatureAlgorithms, decode: X.decodeSignatureAlgorithms }),
  codec({ name: 'ec_point_formats', arb: fc.array(u8, { minLength: 1, maxLength: 10 }), encode: X.encodeEcPointFormats, decode: X.decodeEcPointFormats }),
  codec({ name: 'ALPN', arb: fc.array(fc.stringMatching(/^[a-z0-9./-]{1,30}$/), { minLength: 1, maxLength: 8 }), encode: X.encodeAlpn, decode: X.decodeAlpn }),
  codec({ name: 'ALPN selected', arb: fc.stringMatching(/^[a-z0-9./-]{1,30}$/), encode: X.encodeAlpnSelected, decode: X.decodeAlpnSelected }),
  codec({ name: 'renegotiation_info', arb: bytes(0, 36), encode: X.encodeRenegotiationInfo, decode: X.decodeRenegotiationInfo }),
  codec({ name: 'session_ticket', arb: bytes(0, 200), encode: X.encodeSessionTicket, decode: X.decodeSessionTicket }),
  codec({
    name: 'status_request',
    arb: fc.record({ statusType: fc.constant(1), responderIds: fc.array(bytes(1, 40), { maxLength: 4 }), requestExtensions: bytes(0, 40) }),
    encode: X.encodeStatusRequest,
    decode: X.decodeStatusRequest,
  }),
  codec({ name: 'max_fragment_length', arb: fc.constantFrom(512, 1024, 2048, 4096) as fc.Arbitrary<X.MaxFragmentLength>, encode: X.encodeMaxFragmentLength, decode: X.decodeMaxFragmentLength }),
  codec({ name: 'record_size_limit', arb: fc.integer({ min: 64, max: 0xffff }), encode: X.encodeRecordSizeLimit, decode: X.decodeRecordSizeLimit }),
];

describe('codecs: decode(encode(x)) = x', () => {
  for (const c of CODECS) {
    it(c.name, () => {
      fc.assert(
        fc.property(c.arb, (x) => {
          expect(c.decode(c.encode(x))).toEqual(c.expected ? c.expected(x) : x);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('codecs: mutated encodings decode or fail with decode_*', () => {
  for (const c of CODECS) {
    it(c.name, () => {
      fc.assert(
        fc.property(c.arb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (x, ms) => decodesOrRejects(c.decode, mutate(c.encode(x), ms))),
        { numRuns: RUNS },
      );
    });
    it(`${c.name}: arbitrary bytes`, () => {
      fc.assert(fc.property(bytes(0, 120), (b) => decodesOrRejects(c.decode, b)), { numRuns: RUNS });
    });
  }
});

describe('framing: any split of the stream gives back the same units', () => {
  /** Cut points for splitting a byte string into chunks. */
  const split = (b: Uint8Array, cuts: number[]) => {
    const at = [...new Set(cuts.map((c) => (b.length ? c % (b.length + 1) : 0)))].sort((x, y) => x - y);
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const c of [...at, b.length]) {
      out.push(b.slice(prev, c));
      prev = c;
    }
    return out;
  };

  it('handshake framer: messages survive any record boundaries', () => {
    const msgs = fc.array(fc.record({ type: fc.constantFrom(1, 2, 11, 12, 14, 16, 20), body: bytes(0, 300) }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(msgs, fc.array(fc.nat(), { maxLength: 10 }), (ms, cuts) => {
        const stream = Buffer.concat(ms.map((m) => encodeHandshake(m.type, m.body)));
        const f = new HandshakeFramer();
        const got: { type: number; body: Uint8Array }[] = [];
        for (const chunk of split(stream, cuts)) {
          f.push(chunk);
          for (let m = f.next(); m; m = f.next()) got.push({ type: m.type, body: m.body.slice() });
        }
        expect(f.hasPartial()).toBe(false);
        expect(got).toEqual(ms.map((m) => ({ type: m.type, body: Uint8Array.from(m.body) })));
      }),
      { numRuns: RUNS },
    );
  });

  it('record deframer: records survive any split of the byte stream', () => {
    const recs = fc.array(fc.record({ type: fc.constantFrom(20, 21, 22, 23), version: fc.constantFrom(0x0301, 0x0302, 0x0303), body: bytes(1, 400) }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(recs, fc.array(fc.nat(), { maxLength: 12 }), (rs, cuts) => {
        const stream = Buffer.concat(rs.map((r) => encodeRecord(r.type, r.version, r.body)));
        const d = new Deframer();
        const got: { type: number; version: number; body: Uint8Array }[] = [];
        for (const chunk of split(Uint8Array.from(stream), cuts)) {
          d.push(chunk);
          for (let r = d.next(); r; r = d.next()) got.push({ type: r.type, version: r.version, body: r.fragment.slice() });
        }
        expect(d.buffered).toBe(0);
        expect(got).toEqual(rs.map((r) => ({ ...r, body: Uint8Array.from(r.body) })));
      }),
      { numRuns: RUNS },
    );
  });

  it('record deframer: arbitrary and mutated streams give records or decode_*/limit_* errors', () => {
    fc.assert(
      fc.property(fc.array(bytes(0, 60), { maxLength: 8 }), (chunks) => {
        const d = new Deframer();
        try {
          for (const c of chunks) {
            d.push(c);
            while (d.next());
          }
        } catch (e) {
          expect(e).toBeInstanceOf(TlsError);
          expect((e as TlsError).code).toMatch(/^(decode_|limit_)/);
        }
      }),
      { numRuns: RUNS * 4 },
    );
  });

  it('Reader/Writer: vectors and integers round-trip at every prefix width', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ k: fc.constant('u8' as const), v: u8 }), fc.record({ k: fc.constant('u16' as const), v: u16 }), fc.record({ k: fc.constant('u24' as const), v: fc.integer({ min: 0, max: 0xffffff }) }), fc.record({ k: fc.constant('u32' as const), v: fc.integer({ min: 0, max: 0xffffffff }) }), fc.record({ k: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>, v: bytes(0, 255) }))), (items) => {
        const w = new Writer(1);
        for (const it of items) {
          if (typeof it.k === 'number') w.vec(it.k, it.v as Uint8Array);
          else w[it.k](it.v as number);
        }
        const r = new Reader(w.finish());
        for (const it of items) {
          if (typeof it.k === 'number') expect(r.vec(it.k)).toEqual(Uint8Array.from(it.v as Uint8Array));
          else expect(r[it.k]()).toBe(it.v);
        }
        r.end();
      }),
      { numRuns: RUNS },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { fromHex, toHex, concat } from '../../src/handshake/codec.js';
import { TLS10, TLS11, TLS12 } from '../../src/crypto/suites.js';
import * as M from '../../src/handshake/messages.js';
import { ExtensionType } from '../../src/handshake/extensions.js';
import { codeOf } from '../helpers/codes.js';

const h = fromHex;
const rnd = (seed: number) => Uint8Array.from({ length: 32 }, (_, i) => (i + seed) & 0xff);

/**
 * Every strict prefix of a valid body fails to decode (except validPrefix, where optional
 * trailing fields such as hello extensions begin), and so does any extra trailing byte.
 */
function expectStrict(body: Uint8Array, decode: (b: Uint8Array) => unknown, validPrefix = -1): void {
  for (let n = 0; n < body.length; n++) {
    if (n === validPrefix) {
      expect(() => decode(body.subarray(0, n))).not.toThrow();
      continue;
    }
    const code = codeOf(() => decode(body.subarray(0, n)));
    expect(code, `prefix of ${n}/${body.length} bytes`).toMatch(/^decode_/);
  }
  expect(codeOf(() => decode(concat(body, h('00'))))).toMatch(/^decode_/);
}

describe('ClientHello', () => {
  const base: M.ClientHello = {
    version: TLS12,
    random: rnd(1),
    sessionId: h('0102030405'),
    cipherSuites: [0xc02f, 0x009c, 0x00ff],
    compressionMethods: [0],
    extensions: [
      { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
      { type: ExtensionType.renegotiation_info, data: h('00') },
    ],
  };

  it('round-trips with extensions, with an empty extensions block, and with none', () => {
    for (const extensions of [base.extensions, [], null]) {
      const m = { ...base, extensions };
      expect(M.decodeClientHello(M.encodeClientHello(m))).toEqual(m);
    }
  });

  it('lays out the fields as RFC 5246 §7.4.1.2 says', () => {
    const b = M.encodeClientHello({ ...base, extensions: null });
    expect(toHex(b)).toBe('0303' + toHex(rnd(1)) + '05' + '0102030405' + '0006' + 'c02f009c00ff' + '01' + '00');
    // "absent" and "empty" differ on the wire
    expect(M.encodeClientHello({ ...base, extensions: [] }).length).toBe(b.length + 2);
  });

  it('is strict about every length', () => {
    const noExt = M.encodeClientHello({ ...base, extensions: null }).length;
    expectStrict(M.encodeClientHello(base), M.decodeClientHello, noExt);
  });

  it('refuses bad vectors', () => {
    const head = '0303' + toHex(rnd(1));
    expect(codeOf(() => M.decodeClientHello(h(head + '21' + '00'.repeat(33) + '0002c02f' + '0100')))).toBe('decode_bad_length'); // session id 33
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0000' + '0100')))).toBe('decode_bad_length'); // no suites
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0003c02f00' + '0100')))).toBe('decode_bad_length'); // odd suites
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0002c02f' + '00')))).toBe('decode_bad_length'); // no compression
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0002c02f' + '0101')))).toBe('decode_bad_value'); // no null compression
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0002c02f' + '0100' + '00')))).toBe('decode_truncated'); // 1 stray byte
    expect(codeOf(() => M.decodeClientHello(h(head + '00' + '0002c02f' + '0100' + '0008' + '00170000' + '00170000')))).toBe('decode_bad_value'); // dup ext
  });

  it('accepts the largest session id and a compression list that merely includes null', () => {
    const m = { ...base, sessionId: new Uint8Array(32).fill(7), compressionMethods: [1, 0] };
    expect(M.decodeClientHello(M.encodeClientHello(m))).toEqual(m);
  });
});

describe('ServerHello', () => {
  const base: M.ServerHello = {
    version: TLS12,
    random: rnd(2),
    sessionId: new Uint8Array(32).fill(9),
    cipherSuite: 0xc02b,
    compressionMethod: 0,
    extensions: [{ type: ExtensionType.renegotiation_info, data: h('00') }],
  };
  it('round-trips with and without extensions', () => {
    for (const extensions of [base.extensions, [], null]) {
      const m = { ...base, extensions };
      expect(M.decodeServerHello(M.encodeServerHello(m))).toEqual(m);
    }
    expect(M.decodeServerHello(M.encodeServerHello({ ...base, sessionId: new Uint8Array(0) })).sessionId.length).toBe(0);
  });
  it('is strict', () => {
    expectStrict(M.encodeServerHello(base), M.decodeServerHello, M.encodeServerHello({ ...base, extensions: null }).length);
    const bad = h('0303' + toHex(rnd(2)) + '21' + '00'.repeat(33) + 'c02b00');
    expect(codeOf(() => M.decodeServerHello(bad))).toBe('decode_bad_length');
  });
});

describe('Certificate', () => {
  const m = { certificates: [h('3082000101'), h('30'), new Uint8Array(300).fill(0x30)] };
  it('round-trips a chain and the empty list', () => {
    expect(M.decodeCertificate(M.encodeCertificate(m))).toEqual(m);
    expect(toHex(M.encodeCertificate({ certificates: [] }))).toBe('000000');
    expect(M.decodeCertificate(h('000000'))).toEqual({ certificates: [] });
  });
  it('is strict and refuses empty certificates', () => {
    expectStrict(M.encodeCertificate(m), M.decodeCertificate);
    expect(codeOf(() => M.decodeCertificate(h('000003' + '000000')))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeCertificate(h('000004' + '00000230')))).toBe('decode_truncated');
  });
});

describe('ServerKeyExchange', () => {
  const point = concat(h('04'), new Uint8Array(64).fill(5));
  const ecParams = M.encodeServerKeyExchangeParams({ kind: 'ECDHE', curveType: 3, group: 23, publicKey: point });

  it('lays out ECDHE params as RFC 8422 §5.4 says', () => {
    expect(toHex(ecParams)).toBe('03' + '0017' + '41' + toHex(point));
  });

  it('round-trips ECDHE in TLS 1.2 (with sigAlg) and 1.0/1.1 (without)', () => {
    const sig = new Uint8Array(71).fill(1);
    const b12 = M.encodeServerKeyExchange({ params: ecParams, sigAlg: 0x0403, signature: sig });
    expect(toHex(b12.subarray(ecParams.length, ecParams.length + 4))).toBe('04030047');
    const d = M.decodeServerKeyExchange(b12, 'ECDHE', TLS12);
    expect(d).toEqual({ kind: 'ECDHE', curveType: 3, group: 23, publicKey: point, params: ecParams, sigAlg: 0x0403, signature: sig });
    for (const v of [TLS10, TLS11]) {
      const b = M.encodeServerKeyExchange({ params: ecParams, sigAlg: null, signature: sig });
      expect(M.decodeServerKeyExchange(b, 'ECDHE', v)).toMatchObject({ group: 23, sigAlg: null, signature: sig, params: ecParams });
    }
  });

  it('round-trips DHE and reports the signed params exactly', () => {
    const p = new Uint8Array(256).fill(0xff);
    const params = M.encodeServerKeyExchangeParams({ kind: 'DHE', p, g: h('02'), ys: new Uint8Array(256).fill(3) });
    const b = M.encodeServerKeyExchange({ params, sigAlg: 0x0401, signature: new Uint8Array(256).fill(9) });
    const d = M.decodeServerKeyExchange(b, 'DHE', TLS12);
    expect(d.kind).toBe('DHE');
    if (d.kind !== 'DHE') return;
    expect(d.p).toEqual(p);
    expect(d.g).toEqual(h('02'));
    expect(d.ys).toEqual(new Uint8Array(256).fill(3));
    expect(d.params).toEqual(params);
    expect(d.sigAlg).toBe(0x0401);
  });

  it('is strict', () => {
    const b = M.encodeServerKeyExchange({ params: ecParams, sigAlg: 0x0403, signature: h('3006020101020101') });
    expectStrict(b, (x) => M.decodeServerKeyExchange(x, 'ECDHE', TLS12));
    // a 1.0 decoder reads the sigAlg as a signature length and finds the rest wrong
    expect(codeOf(() => M.decodeServerKeyExchange(b, 'ECDHE', TLS10))).toMatch(/^decode_/);
  });

  it('refuses non-named curves and empty values', () => {
    expect(codeOf(() => M.decodeServerKeyExchange(h('01' + '0017' + '0104' + '0000'), 'ECDHE', TLS11))).toBe('decode_bad_value');
    expect(codeOf(() => M.decodeServerKeyExchange(h('03' + '0017' + '00' + '0000'), 'ECDHE', TLS11))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeServerKeyExchange(h('0000' + '000102' + '000103' + '0000'), 'DHE', TLS11))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeServerKeyExchange(h('000101' + '0000' + '000103' + '0000'), 'DHE', TLS11))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeServerKeyExchange(h('000101' + '000102' + '0000' + '0000'), 'DHE', TLS11))).toBe('decode_bad_length');
  });
});

describe('CertificateRequest', () => {
  const m12: M.CertificateRequest = {
    certificateTypes: [1, 64],
    signatureAlgorithms: [0x0401, 0x0403],
    certificateAuthorities: [h('3000'), h('300b3109300706035504030c0141')],
  };
  it('round-trips TLS 1.2 and 1.0/1.1 forms', () => {
    expect(M.decodeCertificateRequest(M.encodeCertificateRequest(m12), TLS12)).toEqual(m12);
    const m10 = { ...m12, signatureAlgorithms: null, certificateAuthorities: [] };
    expect(toHex(M.encodeCertificateRequest(m10))).toBe('020140' + '0000');
    expect(M.decodeCertificateRequest(M.encodeCertificateRequest(m10), TLS10)).toEqual(m10);
  });
  it('is strict', () => {
    expectStrict(M.encodeCertificateRequest(m12), (b) => M.decodeCertificateRequest(b, TLS12));
    expect(codeOf(() => M.decodeCertificateRequest(h('00' + '0000'), TLS11))).toBe('decode_bad_length'); // no types
    expect(codeOf(() => M.decodeCertificateRequest(h('0101' + '0000' + '0000'), TLS12))).toBe('decode_bad_length'); // no sigalgs
    expect(codeOf(() => M.decodeCertificateRequest(h('0101' + '0003040104' + '0000'), TLS12))).toBe('decode_bad_length'); // odd
    expect(codeOf(() => M.decodeCertificateRequest(h('0101' + '0002' + '0000'), TLS11))).toBe('decode_bad_length'); // empty DN
  });
});

describe('empty messages', () => {
  it('ServerHelloDone and HelloRequest are empty and refuse any content', () => {
    expect(M.encodeServerHelloDone().length).toBe(0);
    expect(M.encodeHelloRequest().length).toBe(0);
    expect(() => M.decodeServerHelloDone(new Uint8Array(0))).not.toThrow();
    expect(() => M.decodeHelloRequest(new Uint8Array(0))).not.toThrow();
    expect(codeOf(() => M.decodeServerHelloDone(h('00')))).toBe('decode_trailing_data');
    expect(codeOf(() => M.decodeHelloRequest(h('00')))).toBe('decode_trailing_data');
  });
});

describe('ClientKeyExchange', () => {
  const cases: [M.ClientKeyExchange, string][] = [
    [{ kind: 'RSA', encryptedPreMasterSecret: new Uint8Array(256).fill(1) }, '0100'],
    [{ kind: 'ECDHE', publicKey: new Uint8Array(32).fill(2) }, '20'],
    [{ kind: 'DHE', yc: new Uint8Array(256).fill(3) }, '0100'],
  ];
  it('round-trips each key exchange with its length prefix', () => {
    for (const [m, prefix] of cases) {
      const b = M.encodeClientKeyExchange(m);
      expect(toHex(b.subarray(0, prefix.length / 2))).toBe(prefix);
      expect(M.decodeClientKeyExchange(b, m.kind)).toEqual(m);
      expectStrict(b, (x) => M.decodeClientKeyExchange(x, m.kind));
    }
  });
  it('refuses empty values', () => {
    expect(codeOf(() => M.decodeClientKeyExchange(h('0000'), 'RSA'))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeClientKeyExchange(h('00'), 'ECDHE'))).toBe('decode_bad_length');
    expect(codeOf(() => M.decodeClientKeyExchange(h('0000'), 'DHE'))).toBe('decode_bad_length');
  });
});

describe('CertificateVerify', () => {
  it('round-trips TLS 1.2 and 1.0/1.1 forms', () => {
    const m12 = { sigAlg: 0x0804, signature: new Uint8Array(256).fill(4) };
    const b12 = M.encodeCertificateVerify(m12);
    expect(toHex(b12.subarray(0, 4))).toBe('08040100');
    expect(M.decodeCertificateVerify(b12, TLS12)).toEqual(m12);
    const m10 = { sigAlg: null, signature: new Uint8Array(36).fill(5) };
    expect(M.decodeCertificateVerify(M.encodeCertificateVerify(m10), TLS10)).toEqual(m10);
    expectStrict(b12, (b) => M.decodeCertificateVerify(b, TLS12));
    expectStrict(M.encodeCertificateVerify(m10), (b) => M.decodeCertificateVerify(b, TLS11));
  });
});

describe('Finished', () => {
  it('carries exactly 12 bytes', () => {
    const v = h('0102030405060708090a0b0c');
    expect(M.decodeFinished(M.encodeFinished({ verifyData: v }))).toEqual({ verifyData: v });
    expectStrict(v, M.decodeFinished);
    expect(codeOf(() => M.encodeFinished({ verifyData: h('01') }))).toBe('internal_error');
  });
});

describe('NewSessionTicket', () => {
  it('round-trips, including the empty ticket', () => {
    const m = { lifetimeHint: 0xfffffffe, ticket: new Uint8Array(200).fill(6) };
    const b = M.encodeNewSessionTicket(m);
    expect(toHex(b.subarray(0, 6))).toBe('fffffffe00c8');
    expect(M.decodeNewSessionTicket(b)).toEqual(m);
    expect(M.decodeNewSessionTicket(h('00001c20' + '0000'))).toEqual({ lifetimeHint: 7200, ticket: new Uint8Array(0) });
    expectStrict(b, M.decodeNewSessionTicket);
  });
});

describe('CertificateStatus', () => {
  it('round-trips an OCSP response and refuses other types or an empty response', () => {
    const m = { statusType: 1 as const, ocspResponse: h('30030a0100') };
    const b = M.encodeCertificateStatus(m);
    expect(toHex(b)).toBe('01' + '000005' + '30030a0100');
    expect(M.decodeCertificateStatus(b)).toEqual(m);
    expectStrict(b, M.decodeCertificateStatus);
    expect(codeOf(() => M.decodeCertificateStatus(h('02' + '000001' + '30')))).toBe('decode_bad_value');
    expect(codeOf(() => M.decodeCertificateStatus(h('01' + '000000')))).toBe('decode_bad_length');
  });
});

describe('annotate', () => {
  it('names every field of a ClientHello, with suite and extension names', () => {
    const b = M.encodeClientHello({
      version: TLS12,
      random: rnd(1),
      sessionId: new Uint8Array(0),
      cipherSuites: [0xc02f],
      compressionMethods: [0],
      extensions: [{ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) }],
    });
    const text = M.annotate(b, 1);
    expect(text.split('\n')[0]).toBe(`client_hello (${b.length} bytes)`);
    for (const want of ['client_version  TLSv1.2', 'random', 'cipher_suite  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'compression_method', 'extension_type  extended_master_secret']) {
      expect(text).toContain(want);
    }
    expect(text).toMatch(/^0002 +0102030405060708090a0b0c0d0e0f10… \(32 bytes\) random/m);
    expect(text).not.toContain('!!');
  });

  it('uses the version and key exchange context', () => {
    const ske = M.encodeServerKeyExchange({ params: M.encodeServerKeyExchangeParams({ kind: 'DHE', p: h('17'), g: h('05'), ys: h('08') }), sigAlg: null, signature: h('aa') });
    const text = M.annotate(ske, 12, { kx: 'DHE', version: TLS10 });
    expect(text).toContain('dh_Ys');
    expect(text).not.toContain('signature_algorithm');
    expect(M.annotate(M.encodeClientKeyExchange({ kind: 'RSA', encryptedPreMasterSecret: h('01') }), 16, { kx: 'RSA' })).toContain('encrypted_pre_master_secret');
  });

  it('shows where a malformed body breaks and trailing bytes, without throwing', () => {
    const text = M.annotate(h('0303' + '00'.repeat(32) + '05aabb'), 2);
    expect(text.split('\n').at(-1)).toMatch(/^!! .*needs 5 more byte/);
    expect(M.annotate(h('0102030405060708090a0b0c0d'), 20)).toContain('verify_data');
    expect(M.annotate(h('00000001' + '0000' + 'ff'), 4)).toContain('trailing bytes');
    expect(M.annotate(h('abcd'), 99)).toContain('unknown_99 (2 bytes)');
  });
});

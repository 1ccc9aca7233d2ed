import { describe, expect, it } from 'vitest';
import { Reader, Writer, fromHex, toHex } from '../../src/handshake/codec.js';
import { TlsError } from '../../src/errors.js';
import * as X from '../../src/handshake/extensions.js';
import { codeOf } from '../helpers/codes.js';

const { ExtensionType: T } = X;

const h = fromHex;

describe('extension list', () => {
  function encode(exts: X.Extension[]): Uint8Array {
    const w = new Writer();
    X.encodeExtensions(w, exts);
    return w.finish();
  }
  function decode(b: Uint8Array): X.Extension[] {
    const r = new Reader(b);
    const out = X.decodeExtensions(r);
    r.end();
    return out;
  }

  it('round-trips, keeping order and empty data', () => {
    const exts = [
      { type: T.extended_master_secret, data: new Uint8Array(0) },
      { type: T.server_name, data: X.encodeServerName('example.com') },
      { type: 0x1234, data: h('abcd') },
    ];
    const b = encode(exts);
    expect(toHex(b.subarray(0, 6))).toBe(`${(b.length - 2).toString(16).padStart(4, '0')}0017` + '0000');
    expect(decode(b)).toEqual(exts);
  });

  it('encodes an empty list as a zero length', () => {
    expect(toHex(encode([]))).toBe('0000');
    expect(decode(h('0000'))).toEqual([]);
  });

  it('refuses a repeated extension type as illegal_parameter', () => {
    const b = encode([
      { type: 5, data: new Uint8Array(0) },
      { type: 5, data: h('00') },
    ]);
    let err: unknown;
    try {
      decode(b);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('decode_bad_value');
    expect((err as TlsError).alert).toBe(47);
  });

  it('refuses bad lengths', () => {
    expect(codeOf(() => decode(h('0005' + '0017' + '0000')))).toBe('decode_truncated'); // block longer than the bytes
    expect(codeOf(() => decode(h('0004' + '0017' + '0001')))).toBe('decode_truncated'); // data longer than the block
    expect(codeOf(() => decode(h('0003' + '0017' + '00')))).toBe('decode_truncated'); // header cut inside the block
    expect(codeOf(() => decode(h('0004' + '0017' + '0000' + '00')))).toBe('decode_trailing_data');
    expect(codeOf(() => decode(h('00')))).toBe('decode_truncated');
  });

  it('finds by type and tolerates an absent list', () => {
    const exts = [{ type: 10, data: h('01') }];
    expect(X.findExtension(exts, 10)?.data).toEqual(h('01'));
    expect(X.findExtension(exts, 11)).toBeUndefined();
    expect(X.findExtension(null, 10)).toBeUndefined();
  });

  it('names the types', () => {
    expect(X.extensionName(0xff01)).toBe('renegotiation_info');
    expect(X.extensionName(15)).toBe('heartbeat');
    expect(X.extensionName(0x9999)).toBe('unknown_39321');
  });
});

describe('server_name', () => {
  it('encodes one host_name (RFC 6066 layout)', () => {
    expect(toHex(X.encodeServerName('a.io'))).toBe('0007' + '00' + '0004' + toHex(new TextEncoder().encode('a.io')));
    expect(X.decodeServerName(X.encodeServerName('www.example.com'))).toBe('www.example.com');
  });
  it('reads the empty server acknowledgement as null', () => {
    expect(X.decodeServerName(new Uint8Array(0))).toBeNull();
  });
  it('skips unknown name types but needs a host_name', () => {
    expect(X.decodeServerName(h('0009' + '07' + '0002' + 'aaaa' + '00' + '0001' + '61'))).toBe('a');
    expect(codeOf(() => X.decodeServerName(h('0005' + '07' + '0002' + 'aaaa')))).toBe('decode_bad_value');
  });
  it('refuses malformed lists', () => {
    expect(codeOf(() => X.decodeServerName(h('0000')))).toBe('decode_bad_length'); // empty list
    expect(codeOf(() => X.decodeServerName(h('0003' + '00' + '0000')))).toBe('decode_bad_length'); // empty name
    expect(codeOf(() => X.decodeServerName(h('0008' + '00' + '0001' + '61' + '00' + '0001' + '62')))).toBe('decode_bad_value'); // two host_names
    expect(codeOf(() => X.decodeServerName(h('0004' + '00' + '0001' + '61' + '00')))).toBe('decode_trailing_data');
    expect(codeOf(() => X.decodeServerName(h('0005' + '00' + '0001' + '61' + '00')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeServerName(h('0004' + '00' + '0002' + '61')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeServerName(h('0004' + '00' + '0001' + '00')))).toBe('decode_bad_value'); // NUL in name
  });
  it('refuses to encode names that are not ASCII DNS names', () => {
    expect(codeOf(() => X.encodeServerName(''))).toBe('config_invalid');
    expect(codeOf(() => X.encodeServerName('example.com.'))).toBe('config_invalid');
    expect(codeOf(() => X.encodeServerName('bücher.de'))).toBe('config_invalid');
  });
});

describe('u16 lists', () => {
  it('round-trips supported_groups and signature_algorithms', () => {
    expect(toHex(X.encodeSupportedGroups([29, 23, 24]))).toBe('0006001d00170018');
    expect(X.decodeSupportedGroups(X.encodeSupportedGroups([29, 23, 24]))).toEqual([29, 23, 24]);
    expect(X.decodeSignatureAlgorithms(X.encodeSignatureAlgorithms([0x0403, 0x0804, 0x0401]))).toEqual([0x0403, 0x0804, 0x0401]);
  });
  it('refuses empty, odd and mis-sized lists', () => {
    for (const dec of [X.decodeSupportedGroups, X.decodeSignatureAlgorithms]) {
      expect(codeOf(() => dec(h('0000')))).toBe('decode_bad_length');
      expect(codeOf(() => dec(h('0003001d00')))).toBe('decode_bad_length');
      expect(codeOf(() => dec(h('0004001d')))).toBe('decode_truncated');
      expect(codeOf(() => dec(h('0002001d00')))).toBe('decode_trailing_data');
      expect(codeOf(() => dec(new Uint8Array(0)))).toBe('decode_truncated');
    }
  });
});

describe('ec_point_formats', () => {
  it('round-trips', () => {
    expect(toHex(X.encodeEcPointFormats([0]))).toBe('0100');
    expect(X.decodeEcPointFormats(h('03000102'))).toEqual([0, 1, 2]);
  });
  it('refuses an empty list and bad lengths', () => {
    expect(codeOf(() => X.decodeEcPointFormats(h('00')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeEcPointFormats(h('0200')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeEcPointFormats(h('010000')))).toBe('decode_trailing_data');
  });
});

describe('ALPN', () => {
  it('round-trips the client list (RFC 7301 layout)', () => {
    const b = X.encodeAlpn(['h2', 'http/1.1']);
    expect(toHex(b)).toBe('000c' + '02' + '6832' + '08' + toHex(new TextEncoder().encode('http/1.1')));
    expect(X.decodeAlpn(b)).toEqual(['h2', 'http/1.1']);
  });
  it('round-trips the server selection and needs exactly one', () => {
    expect(X.decodeAlpnSelected(X.encodeAlpnSelected('h2'))).toBe('h2');
    expect(codeOf(() => X.decodeAlpnSelected(X.encodeAlpn(['h2', 'http/1.1'])))).toBe('decode_bad_value');
  });
  it('refuses empty lists, empty names and bad lengths', () => {
    expect(codeOf(() => X.decodeAlpn(h('0000')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeAlpn(h('0001' + '00')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeAlpn(h('0003' + '02' + '6832' + '00')))).toBe('decode_trailing_data');
    expect(codeOf(() => X.decodeAlpn(h('0003' + '03' + '6832')))).toBe('decode_truncated');
  });
  it('refuses to encode no names or a name over 255 bytes', () => {
    expect(codeOf(() => X.encodeAlpn([]))).toBe('config_invalid');
    expect(codeOf(() => X.encodeAlpn(['']))).toBe('config_invalid');
    expect(codeOf(() => X.encodeAlpn(['x'.repeat(256)]))).toBe('config_invalid');
    expect(X.decodeAlpn(X.encodeAlpn(['x'.repeat(255)]))).toEqual(['x'.repeat(255)]);
  });
});

describe('empty extensions (EMS, EtM)', () => {
  it('accepts only empty data', () => {
    expect(X.encodeEmptyExtension().length).toBe(0);
    expect(() => X.decodeEmptyExtension(new Uint8Array(0), T.extended_master_secret)).not.toThrow();
    expect(codeOf(() => X.decodeEmptyExtension(h('00'), T.encrypt_then_mac))).toBe('decode_trailing_data');
  });
});

describe('renegotiation_info', () => {
  it('round-trips empty (initial) and 12/24-byte verify data', () => {
    expect(toHex(X.encodeRenegotiationInfo(new Uint8Array(0)))).toBe('00');
    const v = Uint8Array.from({ length: 24 }, (_, i) => i);
    expect(X.decodeRenegotiationInfo(X.encodeRenegotiationInfo(v))).toEqual(v);
  });
  it('refuses bad lengths', () => {
    expect(codeOf(() => X.decodeRenegotiationInfo(new Uint8Array(0)))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeRenegotiationInfo(h('0201')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeRenegotiationInfo(h('000000')))).toBe('decode_trailing_data');
  });
});

describe('session_ticket', () => {
  it('carries opaque bytes, possibly none', () => {
    expect(X.decodeSessionTicket(X.encodeSessionTicket(h('deadbeef')))).toEqual(h('deadbeef'));
    expect(X.decodeSessionTicket(X.encodeSessionTicket(new Uint8Array(0))).length).toBe(0);
  });
});

describe('status_request', () => {
  it('encodes the plain OCSP request as 01 0000 0000', () => {
    expect(toHex(X.encodeStatusRequest())).toBe('0100000000');
    expect(X.decodeStatusRequest(h('0100000000'))).toEqual({ statusType: 1, responderIds: [], requestExtensions: new Uint8Array(0) });
  });
  it('round-trips responder ids and request extensions', () => {
    const req = { statusType: 1, responderIds: [h('a1020304'), h('a2')], requestExtensions: h('3000') };
    expect(X.decodeStatusRequest(X.encodeStatusRequest(req))).toEqual(req);
  });
  it('reads the server acknowledgement as null and ignores unknown status types', () => {
    expect(X.decodeStatusRequest(new Uint8Array(0))).toBeNull();
    expect(X.decodeStatusRequest(h('02abcdef'))!.statusType).toBe(2);
  });
  it('refuses bad lengths', () => {
    expect(codeOf(() => X.decodeStatusRequest(h('01')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeStatusRequest(h('0100020000' + '0000')))).toBe('decode_bad_length'); // empty ResponderID
    expect(codeOf(() => X.decodeStatusRequest(h('010000000000')))).toBe('decode_trailing_data');
    expect(codeOf(() => X.decodeStatusRequest(h('0100000001')))).toBe('decode_truncated');
  });
});

describe('max_fragment_length', () => {
  it('maps codes 1..4 to 512..4096', () => {
    for (const [code, len] of [[1, 512], [2, 1024], [3, 2048], [4, 4096]] as const) {
      expect(X.encodeMaxFragmentLength(len)).toEqual(Uint8Array.of(code));
      expect(X.decodeMaxFragmentLength(Uint8Array.of(code))).toBe(len);
    }
  });
  it('refuses other codes and lengths', () => {
    expect(codeOf(() => X.decodeMaxFragmentLength(h('00')))).toBe('decode_bad_value');
    expect(codeOf(() => X.decodeMaxFragmentLength(h('05')))).toBe('decode_bad_value');
    expect(codeOf(() => X.decodeMaxFragmentLength(h('0101')))).toBe('decode_trailing_data');
    expect(codeOf(() => X.decodeMaxFragmentLength(new Uint8Array(0)))).toBe('decode_truncated');
    expect(codeOf(() => X.encodeMaxFragmentLength(8192 as X.MaxFragmentLength))).toBe('config_invalid');
  });
});

describe('record_size_limit', () => {
  it('round-trips', () => {
    expect(toHex(X.encodeRecordSizeLimit(16385))).toBe('4001');
    expect(X.decodeRecordSizeLimit(h('0040'))).toBe(64);
  });
  it('refuses values below 64 and bad lengths', () => {
    expect(codeOf(() => X.decodeRecordSizeLimit(h('003f')))).toBe('decode_bad_value');
    expect(codeOf(() => X.decodeRecordSizeLimit(h('40')))).toBe('decode_truncated');
    expect(codeOf(() => X.decodeRecordSizeLimit(h('400100')))).toBe('decode_trailing_data');
    expect(codeOf(() => X.encodeRecordSizeLimit(63))).toBe('config_invalid');
  });
});

/**
 * The TLS 1.3 codecs on real bytes (the RFC 8448 §3 messages) and the rejects each RFC 8446 rule asks for.
 */
import { describe, expect, it } from 'vitest';
import { DOWNGRADE_SENTINEL_OFFSET, DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from '../../src/handshake/downgrade.js';
import { readFileSync } from 'node:fs';
import { fromHex, toHex, concat } from '../../src/handshake/codec.js';
import * as M from '../../src/handshake/messages13.js';
import * as X from '../../src/handshake/extensions13.js';
import { decodeClientHello, decodeServerHello, encodeServerHello } from '../../src/handshake/messages.js';
import { findExtension, ExtensionType, decodeSignatureAlgorithms } from '../../src/handshake/extensions.js';
import { hash } from '../../src/crypto/hash.js';
import { codeOf } from '../helpers/codes.js';

const h = fromHex;
const R = JSON.parse(readFileSync(new URL('../../vectors/crypto/tls13-keyschedule.json', import.meta.url), 'utf8')).rfc8448;
const body = (msg: string) => h(msg).subarray(4);

/** Every strict prefix and one extra byte fail with decode_*. */
function expectStrict(b: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let n = 0; n < b.length; n++) expect(codeOf(() => decode(b.subarray(0, n))), `prefix ${n}/${b.length}`).toMatch(/^decode_/);
  expect(codeOf(() => decode(concat(b, h('00'))))).toMatch(/^decode_/);
}

describe('RFC 8448 §3 messages through the 1.3 codecs', () => {
  it('ClientHello: supported_versions, key_share, psk_key_exchange_modes', () => {
    const ch = decodeClientHello(body(R.clientHello));
    expect(X.decodeSupportedVersionsClient(findExtension(ch.extensions, X.ExtensionType13.supported_versions)!.data)).toEqual([0x0304]);
    const shares = X.decodeKeyShareClient(findExtension(ch.extensions, X.ExtensionType13.key_share)!.data);
    expect(shares).toHaveLength(1);
    expect(shares[0]!.group).toBe(29);
    expect(toHex(shares[0]!.keyExchange)).toBe(R.clientShare);
    expect(X.decodePskKeyExchangeModes(findExtension(ch.extensions, X.ExtensionType13.psk_key_exchange_modes)!.data)).toEqual([1]);
    expect(X.encodeKeyShareClient(shares)).toEqual(findExtension(ch.extensions, X.ExtensionType13.key_share)!.data);
  });

  it('ServerHello: the selected version and the server share, re-encoded byte for byte', () => {
    const sh = decodeServerHello(body(R.serverHello));
    expect(M.isHelloRetryRequest(sh)).toBe(false);
    expect(X.decodeSupportedVersionsServer(findExtension(sh.extensions, X.ExtensionType13.supported_versions)!.data)).toBe(0x0304);
    const share = X.decodeKeyShareServer(findExtension(sh.extensions, X.ExtensionType13.key_share)!.data);
    expect(share.group).toBe(29);
    expect(toHex(share.keyExchange)).toBe(R.serverShare);
    expect(toHex(encodeServerHello(sh))).toBe(R.serverHello.slice(8));
  });

  it('EncryptedExtensions, Certificate and CertificateVerify decode and re-encode byte for byte', () => {
    const ee = M.decodeEncryptedExtensions(body(R.encryptedExtensions));
    expect(ee.extensions.map((e) => e.type)).toEqual([ExtensionType.supported_groups, ExtensionType.record_size_limit, ExtensionType.server_name]);
    expect(toHex(M.encodeEncryptedExtensions(ee))).toBe(R.encryptedExtensions.slice(8));

    const cert = M.decodeCertificate13(body(R.certificate));
    expect(cert.context.length).toBe(0);
    expect(cert.entries).toHaveLength(1);
    expect(cert.entries[0]!.certData.length).toBe(0x1b0);
    expect(cert.entries[0]!.extensions).toEqual([]);
    expect(toHex(M.encodeCertificate13(cert))).toBe(R.certificate.slice(8));

    const cv = M.decodeCertificateVerify13(body(R.certificateVerify));
    expect(cv.scheme).toBe(0x0804); // rsa_pss_rsae_sha256
    expect(cv.signature.length).toBe(128);
    expect(toHex(M.encodeCertificateVerify13(cv))).toBe(R.certificateVerify.slice(8));
  });

  it('every strict prefix of the 1.3 bodies and any trailing byte are refused', () => {
    expectStrict(body(R.encryptedExtensions), M.decodeEncryptedExtensions);
    expectStrict(body(R.certificate), M.decodeCertificate13);
    expectStrict(body(R.certificateVerify), M.decodeCertificateVerify13);
  });
});

describe('HelloRetryRequest, message_hash, downgrade sentinels', () => {
  it('HRR random is SHA-256("HelloRetryRequest") and a ServerHello with it is an HRR', () => {
    expect(M.HRR_RANDOM).toEqual(hash('sha256', new TextEncoder().encode('HelloRetryRequest')));
    const hrr = M.helloRetryRequest(h('0102'), 0x1301, [{ type: X.ExtensionType13.key_share, data: X.encodeKeyShareHrr(24) }]);
    const back = decodeServerHello(encodeServerHello(hrr));
    expect(M.isHelloRetryRequest(back)).toBe(true);
    expect(X.decodeKeyShareHrr(back.extensions![0]!.data)).toBe(24);
  });

  it('message_hash is type 254, a 3-byte length and Hash(ClientHello1) (RFC 8446 §4.4.1)', () => {
    const ch1 = h(R.clientHello);
    const mh = M.messageHash('sha256', ch1);
    expect(toHex(mh.subarray(0, 4))).toBe('fe000020');
    expect(mh.subarray(4)).toEqual(hash('sha256', ch1));
    expect(toHex(M.messageHash('sha384', ch1).subarray(0, 4))).toBe('fe000030');
  });

  it('downgrade sentinels are "DOWNGRD" then 01 (TLS 1.2) or 00 (below), in the last 8 bytes', () => {
    expect(toHex(DOWNGRADE_TLS12)).toBe('444f574e47524401');
    expect(toHex(DOWNGRADE_TLS11)).toBe('444f574e47524400');
    expect(DOWNGRADE_SENTINEL_OFFSET).toBe(24);
  });
});

describe('CertificateVerify content (RFC 8446 §4.4.3)', () => {
  it('is 64 spaces, the role context string, a zero byte and the transcript hash', () => {
    const th = new Uint8Array(32).fill(1);
    const s = M.certificateVerifyContent('server', th);
    expect(s.subarray(0, 64).every((b) => b === 0x20)).toBe(true);
    expect(new TextDecoder().decode(s.subarray(64, 64 + 33))).toBe('TLS 1.3, server CertificateVerify');
    expect(s[97]).toBe(0);
    expect(s.subarray(98)).toEqual(th);
    expect(new TextDecoder().decode(M.certificateVerifyContent('client', th).subarray(64, 97))).toBe('TLS 1.3, client CertificateVerify');
  });
});

describe('decode rejects', () => {
  it('key_share: one group twice in a ClientHello is illegal_parameter; an empty share is refused', () => {
    const twice = X.encodeKeyShareClient([{ group: 29, keyExchange: h('01') }, { group: 29, keyExchange: h('02') }]);
    expect(codeOf(() => X.decodeKeyShareClient(twice))).toBe('decode_bad_value');
    expect(codeOf(() => X.decodeKeyShareServer(h('001d0000')))).toBe('decode_bad_length');
    expect(X.decodeKeyShareClient(h('0000'))).toEqual([]); // an empty client_shares asks for an HRR: legal
  });

  it('supported_versions: an empty or odd list and a trailing byte are refused', () => {
    expect(codeOf(() => X.decodeSupportedVersionsClient(h('00')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeSupportedVersionsClient(h('03030403')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeSupportedVersionsServer(h('030400')))).toBe('decode_trailing_data');
  });

  it('pre_shared_key: binder count must match, binders are at least 32 bytes', () => {
    const one = X.encodePreSharedKeyClient({ identities: [{ identity: h('aa'), obfuscatedTicketAge: 1 }], binders: [new Uint8Array(32)] });
    expect(X.decodePreSharedKeyClient(one).identities).toHaveLength(1);
    expect(X.bindersLength([new Uint8Array(32)])).toBe(35);
    // identities: one; binders: two.
    const two = concat(h('00070001aa00000001'), h('0042'), h('20'), new Uint8Array(32), h('20'), new Uint8Array(32));
    expect(codeOf(() => X.decodePreSharedKeyClient(two))).toBe('decode_bad_value');
    const short = concat(h('00070001aa00000001'), h('0020'), h('1f'), new Uint8Array(31));
    expect(codeOf(() => X.decodePreSharedKeyClient(short))).toMatch(/^decode_bad_length/);
  });

  it('KeyUpdate: request_update 2 is illegal_parameter; Finished: wrong length refused', () => {
    expect(codeOf(() => M.decodeKeyUpdate(h('02')))).toBe('decode_bad_value');
    expect(codeOf(() => M.decodeKeyUpdate(h('0100')))).toBe('decode_trailing_data');
    expect(codeOf(() => M.decodeFinished13(new Uint8Array(32), 48))).toBe('decode_truncated');
    expect(codeOf(() => M.decodeFinished13(new Uint8Array(49), 48))).toBe('decode_trailing_data');
  });

  it('NewSessionTicket: a lifetime over 7 days and an empty ticket are refused', () => {
    const nst = (lifetime: number, ticket: Uint8Array) => M.encodeNewSessionTicket13({ lifetime, ageAdd: 0, nonce: h('00'), ticket, extensions: [] });
    expect(M.decodeNewSessionTicket13(nst(604800, h('01'))).lifetime).toBe(604800);
    expect(codeOf(() => M.decodeNewSessionTicket13(nst(604801, h('01'))))).toBe('decode_bad_value');
    expect(codeOf(() => M.decodeNewSessionTicket13(concat(h('0000000100000000010000'), h('0000'))))).toBe('decode_bad_length');
  });

  it('Certificate: an empty cert_data, and a duplicate extension in an entry, are refused', () => {
    expect(codeOf(() => M.decodeCertificate13(h('00000005000000' + '0000')))).toBe('decode_bad_length');
    const dup = M.encodeCertificate13({ context: h(''), entries: [{ certData: h('30'), extensions: [{ type: 5, data: h('') }] }] });
    const bad = concat(dup.subarray(0, 1), h('00000e'), h('00000130'), h('0008'), h('00050000'), h('00050000'));
    expect(dup.length).toBeGreaterThan(0);
    expect(codeOf(() => M.decodeCertificate13(bad))).toBe('decode_bad_value');
  });

  it('CertificateRequest: context over 255 bytes cannot exist; missing extensions block refused; cookie and CA list bounds', () => {
    expect(codeOf(() => M.decodeCertificateRequest13(h('00')))).toBe('decode_truncated');
    const cr = M.encodeCertificateRequest13({ context: h(''), extensions: [{ type: ExtensionType.signature_algorithms, data: h('00020804') }] });
    expect(decodeSignatureAlgorithms(M.decodeCertificateRequest13(cr).extensions[0]!.data)).toEqual([0x0804]);
    expect(codeOf(() => X.decodeCookie(h('0000')))).toBe('decode_bad_length');
    expect(codeOf(() => X.decodeCertificateAuthorities(h('0000')))).toBe('decode_bad_length');
  });
});

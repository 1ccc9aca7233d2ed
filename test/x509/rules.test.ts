/**
 * One test per rule, named after the section it enforces, on certificates made by vectors/x509/rules.sh.
 * Each asserts the refusal (with its code) and, where the rule is profile-specific, that the other profile accepts.
 */
import { describe, it, expect } from 'vitest';
import { verifyCertificateChain } from '../../src/x509/verify.js';
import { loadCertificates } from '../../src/x509/certificate.js';
import { derProblem } from '../../src/x509/asn1.js';
import { derBlobs } from '../../src/pem.js';
import { pki } from './helpers.js';

const root = pki('root.pem');
const inter = pki('inter.pem');
// Every certificate here is valid for a century from its generation.
const time = new Date();
type Opts = Parameters<typeof verifyCertificateChain>[0];
const dns = (value: string) => ({ kind: 'DNS' as const, value });

function code(o: Partial<Opts> & { leaf: Opts['leaf'] }): string {
  const r = verifyCertificateChain({ intermediates: [inter], roots: root, time, ...o });
  return r.ok ? 'ok' : r.code;
}
const both = (o: Partial<Opts> & { leaf: Opts['leaf'] }) => [code({ ...o, profile: 'webpki' }), code({ ...o, profile: 'rfc5280' })];

describe('private PKIs made with openssl defaults verify with the defaults', () => {
  it('a self-signed server certificate given as the trust anchor (openssl req -x509 -subj /CN=localhost)', () => {
    const ss = pki('selfsigned.pem');
    const r = verifyCertificateChain({ leaf: ss, roots: ss, peerName: dns('localhost') });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.chain).toHaveLength(1);
    // Only the anchor itself: another self-signed certificate with the same name is not trusted by it.
    expect(code({ leaf: ss, roots: root, intermediates: [], peerName: dns('localhost') })).toBe('cert_untrusted');
    expect(code({ leaf: ss, roots: ss, peerName: dns('other.example') })).toBe('cert_hostname_mismatch');
  });
  it('CA -> intermediate -> leaf whose leaf has a SAN and no extendedKeyUsage', () => {
    expect(code({ leaf: pki('noeku.pem'), peerName: dns('noeku.example.com') })).toBe('ok');
    expect(code({ leaf: pki('noeku.pem'), peerName: dns('noeku.example.com'), profile: 'webpki' })).toBe('ok');
  });
  it('rejects an unknown profile name', () => {
    expect(code({ leaf: pki('leaf.pem'), profile: 'browser' as never })).toBe('config_invalid');
  });
});

describe('RFC 5280', () => {
  it('§4.2.1.9 basicConstraints: an issuer with cA FALSE cannot issue (cert_not_ca)', () => {
    expect(both({ leaf: pki('notca-leaf.pem'), intermediates: [pki('notca.pem')], peerName: dns('good.example.com') }))
      .toEqual(['cert_not_ca', 'cert_not_ca']);
  });
  it('§4.2.1.3 keyUsage: an intermediate whose keyUsage lacks keyCertSign cannot issue', () => {
    expect(both({ leaf: pki('nokcs-leaf.pem'), intermediates: [pki('nokcs.pem')], peerName: dns('good.example.com') }))
      .toEqual(['cert_bad_key_usage', 'cert_bad_key_usage']);
  });
  it('§4.2.1.10 name constraints bind a host-name-like CN of a leaf with no SAN (OpenSSL: permitted subtree violation)', () => {
    const nc = { intermediates: [pki('ncinter.pem')], profile: 'rfc5280' as const };
    expect(code({ ...nc, leaf: pki('cn-victim.pem') })).toBe('cert_name_constraints');
    expect(code({ ...nc, leaf: pki('cn-inside.pem') })).toBe('ok');
  });
  it('§4.2.1.1 authorityKeyIdentifier: required in a certificate that is not self-signed (webpki)', () => {
    expect(both({ leaf: pki('noaki.pem'), peerName: dns('good.example.com') })).toEqual(['cert_malformed', 'ok']);
  });
  it('§4.1.2.5 / §6.1.3(a)(2) validity: compared at one-second granularity, both ends included', () => {
    const leaf = pki('leaf.pem');
    const { notBefore, notAfter } = loadCertificates(leaf)[0]!;
    expect(code({ leaf, time: new Date(notAfter.getTime() + 999) })).toBe('ok');
    expect(code({ leaf, time: new Date(notAfter.getTime() + 1000) })).toBe('cert_expired');
    expect(code({ leaf, time: notBefore })).toBe('ok');
    expect(code({ leaf, time: new Date(notBefore.getTime() - 1) })).toBe('cert_not_yet_valid');
  });
});

describe('CA/B Baseline Requirements (webpki profile)', () => {
  it('§7.1.2.7.8 a CA certificate is never in the end-entity position (a directly trusted self-signed CA cert too)', () => {
    const ss = pki('selfsigned.pem');
    expect([code({ leaf: ss, roots: ss, profile: 'webpki' }), code({ leaf: ss, roots: ss, profile: 'rfc5280' })])
      .toEqual(['cert_ca_as_leaf', 'ok']);
  });
  it('§7.1.2.7.10 anyExtendedKeyUsage is forbidden in a subscriber certificate', () => {
    expect(both({ leaf: pki('anyeku.pem'), peerName: dns('good.example.com') })).toEqual(['cert_bad_eku', 'ok']);
  });
  it('§7.1.2.7.12 a subscriber certificate carries a subjectAltName', () => {
    expect(both({ leaf: pki('nosan.pem') })).toEqual(['cert_malformed', 'ok']);
  });
  it('§3.2.2.6 (RFC 9525 §6.3) no wildcard directly above a public suffix, from the Public Suffix List', () => {
    expect(both({ leaf: pki('psl.pem'), peerName: dns('shop.co.uk') })).toEqual(['cert_hostname_mismatch', 'ok']);
  });
});

describe('X.690 DER only (RFC 5280 §4.1)', () => {
  it('refuses a certificate whose TBS length is stretched to a non-minimal form, and signs over the original bytes', () => {
    const der = derBlobs([pki('leaf.pem')], ['CERTIFICATE'])[0]!.der;
    // 30 82 LL LL | 30 82 TT TT ... -> stretch the TBS length to 30 83 00 TT TT and grow the outer length by one.
    expect([der[0], der[1], der[4], der[5]]).toEqual([0x30, 0x82, 0x30, 0x82]);
    const outer = ((der[2]! << 8) | der[3]!) + 1;
    const stretched = new Uint8Array([0x30, 0x82, outer >> 8, outer & 255, 0x30, 0x83, 0x00, ...der.subarray(6)]);
    expect(derProblem(stretched)).toBe('non-minimal length');
    expect(code({ leaf: stretched, peerName: dns('good.example.com') })).toBe('cert_malformed');
    expect(code({ leaf: der, peerName: dns('good.example.com') })).toBe('ok');
  });
  it('refuses indefinite lengths, non-minimal INTEGERs, BER BOOLEANs and constructed strings', () => {
    expect(derProblem(new Uint8Array([0x30, 0x80, 0x05, 0x00, 0x00, 0x00]))).toBe('indefinite length');
    expect(derProblem(new Uint8Array([0x02, 0x02, 0x00, 0x05]))).toBe('non-minimal INTEGER');
    expect(derProblem(new Uint8Array([0x01, 0x01, 0x01]))).toBe('BOOLEAN not 00/FF');
    expect(derProblem(new Uint8Array([0x24, 0x03, 0x04, 0x01, 0x00]))).toBe('constructed encoding of universal type 4');
    expect(derProblem(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]))).toBe(null);
  });
});

describe('bounded work', () => {
  it('name-constraint checking stops at its budget (300 subtrees x 300 names) with cert_too_complex', () => {
    const r = verifyCertificateChain({ leaf: pki('ncwide-leaf.pem'), intermediates: [pki('ncwide.pem')], roots: root, time });
    expect(r.ok ? 'ok' : r.code).toBe('cert_too_complex');
  });
  it('path building stops at its signature budget among many same-name issuers, with cert_too_complex', () => {
    const r = verifyCertificateChain({
      leaf: pki('loop-leaf.pem'), intermediates: [pki('loop-pool.pem')], roots: root, time, profile: 'rfc5280',
    });
    expect(r.ok ? 'ok' : r.code).toBe('cert_too_complex');
  });
  it('a certificate with more ASN.1 elements than allowed is refused before decoding, with cert_too_complex', () => {
    expect(code({ leaf: pki('huge.pem') })).toBe('cert_too_complex');
  });
});

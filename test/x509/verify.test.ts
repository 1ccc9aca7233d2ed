import { describe, it, expect } from 'vitest';
import { verifyCertificateChain, verifyChain } from '../../src/x509/verify.js';
import { loadCertificates, parseCertificate } from '../../src/x509/certificate.js';
import { pki } from './helpers.js';

const root = pki('root.pem');
const inter = pki('inter.pem');
const leaf = pki('leaf.pem');
const t = loadCertificates(leaf)[0]!.notBefore;
const time = new Date(t.getTime() + 3600_000);
const base = { leaf, intermediates: [inter], roots: root, time, peerName: { kind: 'DNS' as const, value: 'good.example.com' } };

function code(o: Parameters<typeof verifyCertificateChain>[0]): string {
  const r = verifyCertificateChain(o);
  return r.ok ? 'ok' : r.code;
}

describe('verifyCertificateChain on the generated PKI', () => {
  it('accepts the good chain and returns it leaf first', () => {
    const r = verifyCertificateChain(base);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.chain).toHaveLength(3);
      expect(r.chain[2]).toEqual(loadCertificates(root)[0]!.der);
    }
  });
  it('accepts IP and wildcard names, and intermediates in any order with extras', () => {
    expect(code({ ...base, peerName: { kind: 'IP', value: '127.0.0.1' } })).toBe('ok');
    expect(code({ ...base, peerName: { kind: 'IP', value: '0:0::1' } })).toBe('ok');
    expect(code({ ...base, peerName: { kind: 'DNS', value: 'a.wild.example.com' } })).toBe('ok');
    expect(code({ ...base, intermediates: [pki('other-root.pem'), pki('ncinter.pem'), inter, root] })).toBe('ok');
    // The leaf's own input may carry the chain behind it, as a TLS Certificate message does.
    expect(code({ ...base, leaf: leaf + inter, intermediates: [] })).toBe('ok');
  });
  it('accepts an intermediate that is itself a trust anchor', () => {
    expect(code({ ...base, roots: [inter], intermediates: [] })).toBe('ok');
  });
  it('rejects an expired leaf and a not-yet-valid chain', () => {
    const exp = loadCertificates(pki('expired.pem'))[0]!;
    expect(code({ ...base, leaf: pki('expired.pem'), time: new Date(exp.notAfter.getTime() + 1000) })).toBe('cert_expired');
    expect(code({ ...base, time: new Date(t.getTime() - 86400_000) })).toBe('cert_not_yet_valid');
  });
  it('rejects a wrong name', () => {
    expect(code({ ...base, peerName: { kind: 'DNS', value: 'bad.example.com' } })).toBe('cert_hostname_mismatch');
    expect(code({ ...base, peerName: { kind: 'DNS', value: 'x.y.wild.example.com' } })).toBe('cert_hostname_mismatch');
    expect(code({ ...base, peerName: { kind: 'IP', value: '127.0.0.2' } })).toBe('cert_hostname_mismatch');
  });
  it('rejects an untrusted root and a missing intermediate', () => {
    expect(code({ ...base, leaf: pki('stranger.pem'), intermediates: [pki('other-root.pem')] })).toBe('cert_untrusted');
    expect(code({ ...base, intermediates: [] })).toBe('cert_untrusted');
  });
  it('rejects SHA-1 signatures and 1024-bit RSA keys', () => {
    expect(code({ ...base, leaf: pki('sha1.pem') })).toBe('cert_weak_signature');
    expect(code({ ...base, leaf: pki('weak.pem') })).toBe('cert_weak_key');
  });
  it('enforces the name-constrained intermediate', () => {
    const nc = { ...base, intermediates: [pki('ncinter.pem')] };
    expect(code({ ...nc, leaf: pki('nc-ok.pem'), peerName: { kind: 'DNS', value: 'host.allowed.example.com' } })).toBe('ok');
    expect(code({ ...nc, leaf: pki('nc-bad.pem'), peerName: { kind: 'DNS', value: 'evil.example.org' } })).toBe('cert_name_constraints');
  });
  it('enforces EKU, path length and max depth', () => {
    expect(code({ ...base, extendedKeyUsage: ['codeSigning'] })).toBe('cert_bad_eku');
    expect(code({ ...base, purpose: 'client' })).toBe('ok');
    expect(code({ ...base, maxDepth: 0 })).toBe('cert_chain_too_long');
    // maxDepth counts intermediates: the good chain has exactly one.
    expect(code({ ...base, roots: [root], intermediates: [inter], maxDepth: 1 })).toBe('ok');
  });
  it('rejects a tampered signature', () => {
    const c = loadCertificates(leaf)[0]!;
    const der = c.der.slice();
    der[der.length - 5] ^= 1;
    expect(code({ ...base, leaf: der })).toBe('cert_bad_signature');
  });
  it('a signature found valid once is not trusted for other bytes, another issuer key or another root set', () => {
    // The first verification fills the (certificate, issuer key) cache; what follows must still be judged in full.
    expect(code(base)).toBe('ok');
    expect(code(base)).toBe('ok');
    const c = loadCertificates(leaf)[0]!;
    const der = c.der.slice();
    der[der.length - 5] ^= 1;
    expect(code({ ...base, leaf: der })).toBe('cert_bad_signature');
    expect(code({ ...base, roots: pki('other-root.pem') })).toBe('cert_untrusted');
    expect(code({ ...base, leaf: pki('stranger.pem'), intermediates: [inter, pki('other-root.pem')] })).toBe('cert_untrusted');
  });
  it('reports malformed input as cert_malformed', () => {
    expect(code({ ...base, leaf: new Uint8Array([0x30, 0x03, 0x02, 0x01]) })).toBe('cert_malformed');
  });
  it('verifyChain takes parsed certificates and returns Certificate objects', () => {
    const r = verifyChain({
      leaf: parseCertificate(loadCertificates(leaf)[0]!.der), intermediates: loadCertificates(inter),
      roots: loadCertificates(root), time, purpose: 'server',
    });
    expect(r.ok && r.chain.map((c) => c.subject.rdns.at(-1)![0]!.value)).toEqual(['good.example.com', 'puretls Test Intermediate', 'puretls Test Root']);
  });
  it('stays fast on many same-named candidate issuers', () => {
    const many = Array.from({ length: 200 }, () => inter);
    const start = performance.now();
    expect(code({ ...base, intermediates: [...many, pki('ncinter.pem')] })).toBe('ok');
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

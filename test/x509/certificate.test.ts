import { describe, it, expect } from 'vitest';
import { loadCertificates, parseCertificate } from '../../src/x509/certificate.js';
import { toPeerCertificate, opensslTime } from '../../src/x509/peercert.js';
import { TlsError } from '../../src/errors.js';
import { pki } from './helpers.js';

const leafPem = pki('leaf.pem');
const interPem = pki('inter.pem');
const rootPem = pki('root.pem');

describe('parseCertificate', () => {
  const c = loadCertificates(leafPem)[0]!;
  it('reads the fields and extensions', () => {
    expect(c.version).toBe(3);
    expect(c.serialNumber).toMatch(/^[0-9A-F]+$/);
    expect(c.signatureAlgorithm).toMatchObject({ supported: true, alg: { kind: 'ecdsa', hash: 'sha256' } });
    expect(c.subject.rdns.map((r) => r[0]!.shortName)).toEqual(['C', 'O', 'CN']);
    expect(c.issuer.rdns.at(-1)![0]!.value).toBe('puretls Test Intermediate');
    expect(c.notAfter.getTime()).toBeGreaterThan(c.notBefore.getTime());
    expect('kind' in c.publicKey && c.publicKey.kind).toBe('ec');
    const e = c.extensions;
    expect(e.basicConstraints).toEqual({ ca: false, critical: true });
    expect([...e.keyUsage!].sort()).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(e.extKeyUsage!.oids).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(e.subjectAltName!.names.map((n) => n.kind)).toEqual(['DNS', 'DNS', 'IP', 'IP']);
    expect(e.authorityKeyIdentifier?.keyId).toEqual(loadCertificates(interPem)[0]!.extensions.subjectKeyIdentifier);
    expect(e.unknownCritical).toEqual([]);
    const inter = loadCertificates(interPem)[0]!;
    expect(inter.extensions.basicConstraints).toEqual({ ca: true, pathLen: 0, critical: true });
    const nc = loadCertificates(pki('ncinter.pem'))[0]!.extensions.nameConstraints;
    expect(nc).toEqual({ critical: true, permitted: [{ kind: 'DNS', value: 'allowed.example.com' }] });
  });
  it('rejects malformed DER with cert_malformed', () => {
    for (const bad of [new Uint8Array([0x30, 0x00]), c.der.subarray(0, c.der.length - 1), new Uint8Array([...c.der, 0])]) {
      expect(() => parseCertificate(bad)).toThrow(TlsError);
      try {
        parseCertificate(bad);
      } catch (e) {
        expect((e as TlsError).code).toBe('cert_malformed');
      }
    }
  });
});

describe('loadCertificates bundles', () => {
  it('reads concatenated PEM with text between blocks, CRLF, DER, and file-like inputs', () => {
    const bundle = `# Test Root\n${rootPem}\nBag Attributes: junk\n${interPem}garbage\n${leafPem}`;
    expect(loadCertificates(bundle)).toHaveLength(3);
    expect(loadCertificates(bundle.replace(/\n/g, '\r\n')).map((c) => c.serialNumber)).toEqual(loadCertificates(bundle).map((c) => c.serialNumber));
    const der = loadCertificates(leafPem)[0]!.der;
    expect(loadCertificates(der)[0]!.der).toEqual(der);
    expect(loadCertificates({ read: () => bundle })).toHaveLength(3);
    expect(loadCertificates([new TextEncoder().encode(rootPem), interPem])).toHaveLength(2);
    // Keys in the same file are skipped.
    expect(loadCertificates(pki('leaf-key.pem') + leafPem)).toHaveLength(1);
  });
});

describe('toPeerCertificate (getpeercert shape)', () => {
  it('matches what Python reports', () => {
    const c = loadCertificates(leafPem)[0]!;
    const pc = toPeerCertificate(c);
    expect(pc.subject).toEqual([[['countryName', 'US']], [['organizationName', 'puretls test']], [['commonName', 'good.example.com']]]);
    expect(pc.issuer.at(-1)).toEqual([['commonName', 'puretls Test Intermediate']]);
    expect(pc.version).toBe(3);
    expect(pc.serialNumber).toBe(c.serialNumber);
    expect(pc.notBefore).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
    expect(pc.subjectAltName).toEqual([
      ['DNS', 'good.example.com'], ['DNS', '*.wild.example.com'], ['IP Address', '127.0.0.1'], ['IP Address', '0:0:0:0:0:0:0:1'],
    ]);
    expect(pc.OCSP).toBeUndefined();
  });
  it('formats times like OpenSSL', () => {
    expect(opensslTime(new Date(Date.UTC(2018, 0, 5, 9, 34, 43)))).toBe('Jan  5 09:34:43 2018 GMT');
    expect(opensslTime(new Date(Date.UTC(2030, 11, 25, 0, 0, 0)))).toBe('Dec 25 00:00:00 2030 GMT');
  });
});

import { describe, it, expect } from 'vitest';
import { dnsNameMatches, parseIp, matchesPeerName, matchHostname, toAscii, punycodeEncode } from '../../src/hostname/index.js';
import { loadCertificates, type Certificate } from '../../src/x509/certificate.js';
import { toPeerCertificate } from '../../src/x509/peercert.js';
import { CertificateError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../vectors/x509');
const leaf = loadCertificates(readFileSync(path.join(dir, 'leaf.pem')))[0]!;

describe('dnsNameMatches (RFC 6125)', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true],
    ['example.com.', 'example.com', true],
    ['example.com', 'example.com.', true],
    ['example.com', 'www.example.com', false],
    ['*.example.com', 'www.example.com', true],
    ['*.example.com', 'WWW.Example.Com.', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['w*.example.com', 'www.example.com', false],
    ['*w.example.com', 'www.example.com', false],
    ['www.*.com', 'www.example.com', false],
    ['*.com', 'example.com', false],
    ['*', 'localhost', false],
    ['*.co.uk', 'example.co.uk', false],
    ['xn--*.example.com', 'xn--bcher-kva.example.com', false],
    ['*.example.com', 'xn--bcher-kva.example.com', true],
    ['xn--bcher-kva.example.com', 'bücher.example.com', true],
    ['bücher.example.com', 'xn--bcher-kva.example.com', true],
    ['foo_bar.example.com', 'foo_bar.example.com', false],
    ['', 'example.com', false],
  ])('%s vs %s → %s', (p, r, want) => {
    expect(dnsNameMatches(p, r)).toBe(want);
  });
});

describe('IP literals', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIp('192.168.1.1')).toEqual(new Uint8Array([192, 168, 1, 1]));
    for (const bad of ['0xC0A80101', '192.168.1', '192.168.01.1', '256.1.1.1', '1.2.3.4.5']) expect(parseIp(bad)).toBeNull();
  });
  it('normalises IPv6 forms', () => {
    const one = new Uint8Array(16);
    one[15] = 1;
    expect(parseIp('::1')).toEqual(one);
    expect(parseIp('0:0:0:0:0:0:0:1')).toEqual(one);
    expect(parseIp('[::1]')).toEqual(one);
    expect(parseIp('::ffff:1.2.3.4')?.slice(10)).toEqual(new Uint8Array([0xff, 0xff, 1, 2, 3, 4]));
    expect(parseIp('2001:DB8::1')).toEqual(parseIp('2001:db8:0::0:1'));
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', ':::']) expect(parseIp(bad)).toBeNull();
  });
});

describe('IDNA', () => {
  it('refuses a name whose A-label form is over 253 characters, though its Unicode form is not', () => {
    // 42 labels 'üüüüü' (251 characters) become 42 × 'xn--tdaaaaa' (503 characters), each label still valid.
    const name = Array(42).fill('üüüüü').join('.');
    expect(name.length).toBeLessThanOrEqual(253);
    expect(toAscii(name).length).toBeGreaterThan(253);
    expect(dnsNameMatches(name, name)).toBe(false);
  });
  it('encodes RFC 3492 samples', () => {
    expect(punycodeEncode('bücher')).toBe('bcher-kva');
    expect(punycodeEncode('münchen')).toBe('mnchen-3ya');
    expect(toAscii('Bücher.Example')).toBe('xn--bcher-kva.example');
    expect(toAscii('例え.テスト')).toBe('xn--r8jz45g.xn--zckzah');
  });
});

describe('matchesPeerName', () => {
  it('matches DNS names against DNS SANs and IPs against IP SANs only', () => {
    expect(matchesPeerName(leaf, { kind: 'DNS', value: 'good.example.com' })).toBe(true);
    expect(matchesPeerName(leaf, { kind: 'DNS', value: '127.0.0.1' })).toBe(false);
    expect(matchesPeerName(leaf, { kind: 'IP', value: '127.0.0.1' })).toBe(true);
    expect(matchesPeerName(leaf, { kind: 'IP', value: '::1' })).toBe(true);
    expect(matchesPeerName(leaf, { kind: 'IP', value: 'good.example.com' })).toBe(false);
  });
  it('consults the CN only without any SAN, and only when asked', () => {
    const noSan: Certificate = { ...leaf, extensions: { ...leaf.extensions, subjectAltName: undefined } };
    expect(matchesPeerName(noSan, { kind: 'DNS', value: 'good.example.com' })).toBe(false);
    expect(matchesPeerName(noSan, { kind: 'DNS', value: 'good.example.com' }, { commonNameFallback: true })).toBe(true);
    // With SANs present the CN is never used, even when asked.
    const cnOnly: Certificate = { ...leaf, extensions: { ...leaf.extensions, subjectAltName: { critical: false, names: [{ kind: 'DNS', value: 'other.example' }] } } };
    expect(matchesPeerName(cnOnly, { kind: 'DNS', value: 'good.example.com' }, { commonNameFallback: true })).toBe(false);
  });
});

describe('matchHostname (Python ssl semantics)', () => {
  const pc = toPeerCertificate(leaf);
  it('accepts matching names and addresses', () => {
    expect(() => matchHostname(pc, 'good.example.com')).not.toThrow();
    expect(() => matchHostname(pc, 'x.wild.example.com')).not.toThrow();
    expect(() => matchHostname(pc, '127.0.0.1')).not.toThrow();
    expect(() => matchHostname(pc, '::1')).not.toThrow();
  });
  it('throws CertificateError with the Python message', () => {
    let err: unknown;
    try {
      matchHostname(pc, 'evil.com');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertificateError);
    expect((err as CertificateError).code).toBe('cert_hostname_mismatch');
    expect((err as Error).message).toBe(
      "hostname 'evil.com' doesn't match either of 'good.example.com', '*.wild.example.com', '127.0.0.1', '0:0:0:0:0:0:0:1'",
    );
    const single = { ...pc, subjectAltName: [['DNS', 'only.example'] as [string, string]] };
    expect(() => matchHostname(single, 'evil.com')).toThrow("hostname 'evil.com' doesn't match 'only.example'");
  });
  it('falls back to commonName without SANs', () => {
    const { subjectAltName: _, ...noSan } = pc;
    expect(() => matchHostname(noSan, 'good.example.com')).not.toThrow();
    expect(() => matchHostname(noSan, 'bad.example.com')).toThrow("hostname 'bad.example.com' doesn't match 'good.example.com'");
  });
});

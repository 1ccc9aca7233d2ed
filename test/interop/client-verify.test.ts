/**
 * Certificate verification inside the handshake, against openssl s_server serving good and bad chains
 * (vectors/x509, made by vectors/x509/make.sh): names (DNS, IP, wildcard), untrusted roots, missing
 * intermediates, expiry, weak signatures; 'optional' and 'none' modes; the alert the server sees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { connect, nodeStream, CertificateError, TlsError, type ConnectOptions } from '../../src/index.js';
import { handshakeAndClose } from '../helpers/client.js';
import { opensslAvailable, startServer, stopAll } from '../helpers/openssl.js';
import { repoRoot } from '../helpers/pki.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { derBlobs } from '../../src/pem.js';

const dir = path.join(repoRoot, 'vectors/x509');
const file = (f: string) => path.join(dir, f);
const root = readFileSync(file('root.pem'), 'utf8');

async function serve(leaf: string, withIntermediate = true, extra: string[] = []) {
  return startServer({
    cert: file(`${leaf}.pem`),
    key: file(`${leaf}-key.pem`),
    ...(withIntermediate ? { chain: file(leaf === 'stranger' ? 'other-root.pem' : leaf.startsWith('nc-') ? 'ncinter.pem' : 'inter.pem') } : {}),
    args: ['-tls1_2', '-www', ...extra],
  });
}

const handshake = (port: number, opts: Partial<ConnectOptions>) => handshakeAndClose(port, { ca: root, ...opts });

function expiry(leaf: string): Date {
  const der = derBlobs(readFileSync(file(`${leaf}.pem`), 'utf8'))[0]!.der;
  return parseCertificate(der).notAfter;
}

describe.skipIf(!opensslAvailable())('certificate verification in the handshake (openssl s_server)', () => {
  afterAll(() => stopAll());

  it('accepts a good chain by DNS name, IP address (v4 and v6) and wildcard', async () => {
    const s = await serve('leaf');
    for (const serverName of ['good.example.com', 'GOOD.example.com.', '127.0.0.1', '::1', 'a.wild.example.com']) {
      const conn = await handshake(s.port, { serverName });
      expect(conn.verification, serverName).toEqual({ ok: true });
      expect(conn.peerCertificate()!.subjectAltName).toContainEqual(['DNS', 'good.example.com']);
    }
    await s.stop();
  });

  const failures: [string, string, Partial<ConnectOptions>, string, boolean?][] = [
    ['wrong name', 'leaf', { serverName: 'other.example.com' }, 'cert_hostname_mismatch'],
    ['wildcard over two labels', 'leaf', { serverName: 'a.b.wild.example.com' }, 'cert_hostname_mismatch'],
    ['an IP the certificate does not name', 'leaf', { serverName: '127.0.0.2' }, 'cert_hostname_mismatch'],
    ['an untrusted root', 'stranger', { serverName: 'good.example.com' }, 'cert_untrusted'],
    ['a missing intermediate', 'leaf', { serverName: 'good.example.com' }, 'cert_untrusted', false],
    // TLS 1.2: a TLS 1.3 OpenSSL refuses on its own to serve a SHA-1 chain to a client whose signature_algorithms_cert
    // has no SHA-1, so our verifier would never see it.
    ['a SHA-1 signature', 'sha1', { serverName: 'good.example.com', maxVersion: 'TLSv1.2' }, 'cert_weak_signature'],
    ['a name outside the issuer\'s name constraints', 'nc-bad', { serverName: 'evil.example.org' }, 'cert_name_constraints'],
  ];
  for (const [what, leaf, opts, code, withIntermediate] of failures) {
    it(`rejects ${what} with ${code} and a bad_certificate-family alert`, async () => {
      // OpenSSL itself refuses to serve a SHA-1 certificate unless its security level is lowered.
      const s = await serve(leaf, withIntermediate ?? true, leaf === 'sha1' ? ['-cipher', 'DEFAULT:@SECLEVEL=0'] : []);
      const err = await handshake(s.port, opts).catch((e) => e);
      expect(err).toBeInstanceOf(CertificateError);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(/certificate verify failed/);
      // The server was told why: OpenSSL prints the alert it received.
      await new Promise((r) => setTimeout(r, 50));
      expect(s.output()).toMatch(/alert (bad certificate|unknown CA|unsupported certificate|certificate expired)/i);
      await s.stop();
    });
  }

  it('rejects an expired certificate (clock injected past notAfter) with cert_expired', async () => {
    const s = await serve('expired');
    const after = new Date(expiry('expired').getTime() + 86_400_000);
    const err = await handshake(s.port, { serverName: 'good.example.com', now: () => after }).catch((e) => e);
    expect(err).toBeInstanceOf(CertificateError);
    expect(err.code).toBe('cert_expired');
    await s.stop();
  });

  it("verify 'optional' completes the handshake and reports the failure; 'none' skips verification", async () => {
    const s = await serve('stranger');
    const opt = await handshake(s.port, { serverName: 'good.example.com', verify: 'optional' });
    expect(opt.verification).toMatchObject({ ok: false, code: 'cert_untrusted' });
    const none = await handshake(s.port, { serverName: 'good.example.com', verify: 'none' });
    expect(none.verification).toMatchObject({ ok: false, code: 'not_verified' });
    await s.stop();
  });

  it('refuses to verify without a server name unless asked to skip the name check', async () => {
    await expect(connect({ transport: { readable: new ReadableStream(), writable: new WritableStream() }, ca: root })).rejects.toMatchObject({
      code: 'config_invalid',
    });
    const s = await serve('leaf');
    const conn = await handshake(s.port, { checkHostname: false });
    expect(conn.verification).toEqual({ ok: true });
    await s.stop();
  });

  it('with no ca given, uses the system bundle (which does not know the test root)', async () => {
    const s = await serve('leaf');
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const err = await connect({ transport: nodeStream(sock), serverName: 'good.example.com' }).catch((e) => e);
    sock.destroy();
    expect(err).toBeInstanceOf(TlsError);
    expect(['cert_untrusted', 'config_no_ca']).toContain(err.code);
    await s.stop();
  });
});

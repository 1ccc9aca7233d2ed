/**
 * The built package (dist/, made by `npm run build` before the tests) used exactly as ../shared/CONTRACT.md names it,
 * the way checks outside the repository use it: client and server over a memory pipe, the Python-style facade,
 * path validation on its own, hostname matching, resumption.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pki, repoRoot, readPki } from '../helpers/pki.js';

const dist = path.join(repoRoot, 'dist/index.js');
const lib = existsSync(dist) ? await import(dist) : null;

async function pair(serverOpts: Record<string, unknown>, clientOpts: Record<string, unknown>) {
  const [a, b] = lib.memoryPair();
  const [server, client] = await Promise.all([
    lib.accept({ transport: a, ...serverOpts }),
    lib.connect({ transport: b, serverName: 'localhost', ca: pki.ca, ...clientOpts }),
  ]);
  return { server, client };
}

async function roundTrip(from: { writable: WritableStream<Uint8Array> }, to: { readable: ReadableStream<Uint8Array> }, text: string) {
  const w = from.writable.getWriter();
  await w.write(new TextEncoder().encode(text));
  w.releaseLock();
  const r = to.readable.getReader();
  const { value } = await r.read();
  r.releaseLock();
  return new TextDecoder().decode(value);
}

describe.skipIf(!lib)('the built package, as the contract names it', () => {
  it('exports every contract name', () => {
    for (const n of ['connect', 'accept', 'createServerContext', 'nodeStream', 'webSocketStream', 'memoryPair', 'wrapSocket',
      'verifyCertificateChain', 'matchHostname', 'TlsError', 'CertificateError']) {
      expect(typeof lib[n], n).toBe('function');
    }
    expect([lib.CERT_NONE, lib.CERT_OPTIONAL, lib.CERT_REQUIRED]).toEqual([0, 1, 2]);
    expect([lib.PROTOCOL_SSLv23, lib.PROTOCOL_TLSv1, lib.PROTOCOL_TLSv1_1, lib.PROTOCOL_TLSv1_2].every((x: unknown) => typeof x === 'number')).toBe(true);
    expect(new lib.CertificateError('cert_untrusted', 'x')).toBeInstanceOf(lib.TlsError);
  });

  it('connect ↔ accept with client certificates, data both ways, getpeercert-shaped certificates', async () => {
    const { server, client } = await pair(
      { cert: pki.serverRsa.chain, key: pki.serverRsa.key, requestCert: 'required', ca: pki.ca },
      { cert: pki.clientEcdsa.chain, key: pki.clientEcdsa.key, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] },
    );
    expect(client.version).toBe('TLSv1.2');
    expect(client.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(client.peerCertificate().subject).toContainEqual([['commonName', 'localhost']]);
    expect(server.peerCertificate().subject.flat().map((x: string[]) => x[0])).toContain('commonName');
    expect(client.peerCertificateChain()).toHaveLength(2);
    expect(await roundTrip(client, server, 'ping')).toBe('ping');
    expect(await roundTrip(server, client, 'pong')).toBe('pong');
    await client.close();
    await server.close();
  });

  // TLS 1.2: the client's TLS 1.3 resumption is issue 20's; until it lands a 1.3 connection hands back no session.
  it('resumes with the session of an earlier connection through a shared server context (TLS 1.2)', async () => {
    const context = lib.createServerContext({ cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key });
    const first = await pair({ context }, { maxVersion: 'TLSv1.2' });
    expect(first.client.resumed).toBe(false);
    const session = JSON.parse(JSON.stringify(first.client.session));
    const second = await pair({ context }, { session, maxVersion: 'TLSv1.2' });
    expect(second.client.resumed).toBe(true);
    expect(second.server.resumed).toBe(true);
  });

  it('wrapSocket with Python-style options on both sides, keys as file-like objects', async () => {
    const [a, b] = lib.memoryPair();
    const fileLike = (text: string) => ({ read: () => text });
    const [server, client] = await Promise.all([
      lib.wrapSocket(a, { serverSide: true, certfile: fileLike(pki.serverRsa.chain), keyfile: fileLike(pki.serverRsa.key), sslVersion: lib.PROTOCOL_SSLv23 }),
      lib.wrapSocket(b, { certReqs: lib.CERT_REQUIRED, caCerts: fileLike(pki.ca), serverHostname: 'localhost', sslVersion: lib.PROTOCOL_TLSv1_2 }),
    ]);
    expect(client.version).toBe('TLSv1.2');
    expect(client.getpeercert().subjectAltName).toContainEqual(['DNS', 'localhost']);
    expect(await roundTrip(client, server, 'hello')).toBe('hello');
  });

  it('verifyCertificateChain and matchHostname', () => {
    const ok = lib.verifyCertificateChain({ leaf: pki.serverRsa.cert, intermediates: [pki.intermediate], roots: pki.ca, peerName: { kind: 'DNS', value: 'localhost' } });
    expect(ok.ok).toBe(true);
    expect(ok.chain).toHaveLength(3);
    const missing = lib.verifyCertificateChain({ leaf: pki.serverRsa.cert, roots: pki.ca });
    expect(missing).toMatchObject({ ok: false });
    expect(typeof missing.code).toBe('string');
    const wrong = lib.verifyCertificateChain({ leaf: pki.serverRsa.cert, intermediates: [pki.intermediate], roots: readPki('ca-ecdsa.pem') });
    expect(wrong).toMatchObject({ ok: false, code: 'cert_untrusted' });
    const cert = { subject: [[['commonName', 'x']]], subjectAltName: [['DNS', 'example.com'], ['DNS', '*.example.org']] };
    expect(() => lib.matchHostname(cert, 'example.com')).not.toThrow();
    expect(() => lib.matchHostname(cert, 'a.example.org')).not.toThrow();
    expect(() => lib.matchHostname(cert, 'evil.com')).toThrow(lib.CertificateError);
  });

  it('fails closed: an untrusted server is a TlsError with a code, and the server sees the alert', async () => {
    const [a, b] = lib.memoryPair();
    const results = await Promise.allSettled([
      lib.accept({ transport: a, cert: pki.serverRsa.chain, key: pki.serverRsa.key }),
      lib.connect({ transport: b, serverName: 'localhost', ca: readPki('ca-ecdsa.pem') }),
    ]);
    const [srv, cli] = results as PromiseRejectedResult[];
    expect(cli.reason).toBeInstanceOf(lib.CertificateError);
    expect(cli.reason.code).toBe('cert_untrusted');
    expect(srv.reason.code).toBe('peer_alert_unknown_ca');
  });
});

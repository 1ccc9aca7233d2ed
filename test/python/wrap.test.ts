/** wrapSocket with Python ssl.wrap_socket semantics: our client and server against each other and against OpenSSL. */
import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import {
  wrapSocket,
  memoryPair,
  nodeStream,
  CERT_NONE,
  CERT_OPTIONAL,
  CERT_REQUIRED,
  PROTOCOL_SSLv23,
  PROTOCOL_TLS,
  PROTOCOL_TLSv1,
  PROTOCOL_TLSv1_1,
  PROTOCOL_TLSv1_2,
  PROTOCOL_TLS_CLIENT,
  PROTOCOL_TLS_SERVER,
  TLSVersion,
  type SSLSocket,
} from '../../src/index.js';
import { startServer, runClient, stopAll, opensslAvailable, freePort } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

const file = (text: string) => ({ read: () => text });
const enc = new TextEncoder();
const dec = new TextDecoder();

async function pair(client: Parameters<typeof wrapSocket>[1], server: Parameters<typeof wrapSocket>[1]): Promise<[SSLSocket, SSLSocket]> {
  const [a, b] = memoryPair();
  const s = wrapSocket(b, { serverSide: true, ...server });
  const c = wrapSocket(a, client);
  // Both settle before we look, so a failing side does not leave the other hanging unobserved.
  const [cr, sr] = await Promise.allSettled([c, s]);
  if (cr.status === 'rejected') throw cr.reason;
  if (sr.status === 'rejected') throw sr.reason;
  return [cr.value, sr.value];
}

const serverRsa = { certfile: file(pki.serverRsa.chain), keyfile: file(pki.serverRsa.key) };

describe('wrapSocket over memoryPair', () => {
  it('uses Python’s constant values', () => {
    expect([CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED]).toEqual([0, 1, 2]);
    expect([PROTOCOL_SSLv23, PROTOCOL_TLSv1, PROTOCOL_TLSv1_1, PROTOCOL_TLSv1_2, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER]).toEqual([2, 3, 4, 5, 16, 17]);
    expect(TLSVersion).toEqual({ MINIMUM_SUPPORTED: -2, MAXIMUM_SUPPORTED: -1, TLSv1: 0x301, TLSv1_1: 0x302, TLSv1_2: 0x303, TLSv1_3: 0x304 });
  });

  it('client and server with file-like certfile/keyfile, ca_certs and server_hostname', async () => {
    const [c, s] = await pair({ caCerts: file(pki.ca), serverHostname: 'localhost', sslVersion: PROTOCOL_SSLv23 }, { ...serverRsa, sslVersion: PROTOCOL_SSLv23 });
    expect(c.version).toBe('TLSv1.3'); // PROTOCOL_SSLv23 (PROTOCOL_TLS) negotiates the highest: 1.3, as Python does
    const cert = c.getpeercert();
    expect(cert).toMatchObject({ subject: [[['organizationName', 'puretls test']], [['commonName', 'localhost']]], subjectAltName: expect.arrayContaining([['DNS', 'localhost']]) });
    expect(c.getpeercert(true)).toEqual(c.peerCertificateChain()[0]);
    const [name, version, bits] = c.cipher();
    expect(name).toMatch(/^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
    expect(version).toBe('TLSv1.3');
    expect([128, 256]).toContain(bits);
    expect(s.getpeercert()).toBeUndefined(); // CERT_NONE on the server: no client certificate asked for
    const w = c.writable.getWriter();
    await w.write(enc.encode('ping'));
    const r = await s.readable.getReader().read();
    expect(dec.decode(r.value)).toBe('ping');
  });

  it.each([
    [PROTOCOL_TLSv1, 'TLSv1'],
    [PROTOCOL_TLSv1_1, 'TLSv1.1'],
    [PROTOCOL_TLSv1_2, 'TLSv1.2'],
  ])('PROTOCOL %i pins %s; PROTOCOL_SSLv23 with minimumVersion TLSv1 on the other side meets it', async (proto, name) => {
    const [c] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: proto }, { ...serverRsa, sslVersion: PROTOCOL_SSLv23, minimumVersion: TLSVersion.TLSv1 });
    expect(c.version).toBe(name);
    expect(c.cipher()[1]).toBe(name);
  });

  it('PROTOCOL_SSLv23 / PROTOCOL_TLS start at TLS 1.2 (Python 3.10+): TLS 1.0/1.1 only with minimumVersion (or a pinned PROTOCOL_TLSv1*)', async () => {
    for (const old of [PROTOCOL_TLSv1, PROTOCOL_TLSv1_1]) {
      // Our default server refuses a pinned old client, and our default client a pinned old server.
      await expect(pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: old }, serverRsa)).rejects.toMatchObject({ code: expect.stringMatching(/protocol_version/) });
      await expect(pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLS }, { ...serverRsa, sslVersion: old })).rejects.toMatchObject({ code: expect.stringMatching(/protocol_version/) });
    }
    const [c10] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', minimum_version: TLSVersion.TLSv1 }, { ...serverRsa, sslVersion: PROTOCOL_TLSv1 });
    expect(c10.version).toBe('TLSv1');
    const [c11] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLS, maximumVersion: TLSVersion.TLSv1_1 }, { ...serverRsa, minimumVersion: TLSVersion.MINIMUM_SUPPORTED });
    expect(c11.version).toBe('TLSv1.1');
  });

  it('suppress_ragged_eofs: True (Python\'s default) ends the data cleanly at an end without close_notify; False is io_truncated', async () => {
    for (const suppress of [undefined, true, false]) {
      const [a, b] = memoryPair();
      let cut!: () => void;
      const wrapped = {
        writable: a.writable,
        readable: a.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ start: (c) => { cut = () => c.terminate(); } })),
      };
      const [c, s] = await Promise.all([
        wrapSocket(wrapped, { caCerts: pki.ca, serverHostname: 'localhost', ...(suppress !== undefined ? { suppress_ragged_eofs: suppress } : {}) }),
        wrapSocket(b, { serverSide: true, ...serverRsa }),
      ]);
      const w = s.writable.getWriter();
      await w.write(enc.encode('data'));
      const r = c.readable.getReader();
      expect(dec.decode((await r.read()).value)).toBe('data');
      cut();
      if (suppress === false) await expect(r.read()).rejects.toMatchObject({ code: 'io_truncated' });
      else {
        expect((await r.read()).done).toBe(true);
        expect(c.truncated).toBe(true);
      }
    }
  });

  it('PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER negotiate TLS 1.3; maximumVersion TLSv1_2 (or maximum_version) caps it', async () => {
    const [c, s] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLS_CLIENT }, { ...serverRsa, sslVersion: PROTOCOL_TLS_SERVER });
    expect([c.version, s.version]).toEqual(['TLSv1.3', 'TLSv1.3']);
    expect(c.cipher()[1]).toBe('TLSv1.3');
    const [c12] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLS_CLIENT, maximumVersion: TLSVersion.TLSv1_2 }, serverRsa);
    expect(c12.version).toBe('TLSv1.2');
    expect(c12.cipher()[0]).toMatch(/^ECDHE-RSA-/);
    const [, s12] = await pair({ caCerts: pki.ca, serverHostname: 'localhost' }, { ...serverRsa, maximum_version: TLSVersion.TLSv1_2 });
    expect(s12.version).toBe('TLSv1.2');
    // minimumVersion TLSv1_3 against a 1.2-capped peer: no common version.
    await expect(pair({ caCerts: pki.ca, serverHostname: 'localhost', minimumVersion: TLSVersion.TLSv1_3 }, { ...serverRsa, maximumVersion: TLSVersion.TLSv1_2 })).rejects.toMatchObject({
      code: expect.stringMatching(/protocol_version/),
    });
  });

  it('refuses a role its PROTOCOL_TLS_* does not make, and version bounds on a pinned protocol', async () => {
    await expect(wrapSocket(memoryPair()[0], { ...serverRsa, serverSide: true, sslVersion: PROTOCOL_TLS_CLIENT })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(memoryPair()[0], { caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLS_SERVER })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(memoryPair()[0], { caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLSv1_2, maximumVersion: TLSVersion.TLSv1_3 })).rejects.toMatchObject({
      code: 'config_invalid',
    });
    await expect(wrapSocket(memoryPair()[0], { caCerts: pki.ca, serverHostname: 'localhost', maximumVersion: 0x0300 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(memoryPair()[0], { caCerts: pki.ca, serverHostname: 'localhost', minimumVersion: TLSVersion.TLSv1_3, maximumVersion: TLSVersion.TLSv1_2 })).rejects.toMatchObject({
      code: 'config_invalid',
    });
  });

  it('pinned versions that differ do not connect', async () => {
    await expect(pair({ caCerts: pki.ca, serverHostname: 'localhost', sslVersion: PROTOCOL_TLSv1 }, { ...serverRsa, sslVersion: PROTOCOL_TLSv1_2 })).rejects.toMatchObject({
      code: expect.stringMatching(/protocol_version/),
    });
  });

  it('verifies by default: without ca_certs the test root is not in the system bundle', async () => {
    await expect(pair({ serverHostname: 'localhost' }, serverRsa)).rejects.toMatchObject({ code: expect.stringMatching(/^cert_untrusted|config_no_ca$/) });
  });

  it('checks server_hostname against the certificate', async () => {
    await expect(pair({ caCerts: pki.ca, serverHostname: 'example.com' }, serverRsa)).rejects.toMatchObject({ code: 'cert_hostname_mismatch' });
  });

  it('a verifying client without server_hostname is refused, as Python’s check_hostname (issue 15 finding 8)', async () => {
    const [a] = memoryPair();
    await expect(wrapSocket(a, { caCerts: pki.ca })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/serverHostname/) });
    await expect(wrapSocket(a, { caCerts: pki.ca, certReqs: CERT_OPTIONAL })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(a, { certReqs: CERT_NONE, checkHostname: true, serverHostname: 'localhost' })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('checkHostname: false (or check_hostname=False) checks the chain only', async () => {
    const [c] = await pair({ caCerts: pki.ca, checkHostname: false }, serverRsa);
    expect(c.verification.ok).toBe(true);
    const [d] = await pair({ caCerts: pki.ca, check_hostname: false, server_hostname: 'elsewhere.example' }, serverRsa);
    expect(d.verification.ok).toBe(true);
    await expect(pair({ caCerts: pki.caEcdsa, checkHostname: false }, serverRsa)).rejects.toMatchObject({ code: 'cert_untrusted' });
  });

  it('a server asking for client certificates without ca_certs is refused, not pointed at the system bundle', async () => {
    const [, b] = memoryPair();
    for (const certReqs of [CERT_OPTIONAL, CERT_REQUIRED]) {
      await expect(wrapSocket(b, { serverSide: true, ...serverRsa, certReqs })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/ca/) });
    }
  });

  it('CERT_NONE connects to an untrusted server and getpeercert() is {} (not validated), as in Python', async () => {
    const [c] = await pair({ certReqs: CERT_NONE }, serverRsa);
    expect(c.getpeercert()).toEqual({});
    expect(c.getpeercert(true)).toBeInstanceOf(Uint8Array);
  });

  it.each([
    [PROTOCOL_SSLv23, 'TLSv1.3'],
    [PROTOCOL_TLSv1_2, 'TLSv1.2'],
  ])('client certificates: server CERT_REQUIRED with ca_certs; the client key taken from certfile (PROTOCOL %i: %s)', async (proto, version) => {
    const combined = pki.clientRsa.chain + pki.clientRsa.key;
    const [c, s] = await pair(
      { caCerts: pki.ca, serverHostname: 'localhost', certfile: file(combined), sslVersion: proto },
      { ...serverRsa, certReqs: CERT_REQUIRED, caCerts: pki.ca },
    );
    expect(c.version).toBe(version);
    expect(s.getpeercert()).toMatchObject({ serialNumber: expect.stringMatching(/0C$/i) });
  });

  it('server CERT_REQUIRED refuses a client without a certificate', async () => {
    await expect(pair({ caCerts: pki.ca, serverHostname: 'localhost' }, { ...serverRsa, certReqs: CERT_REQUIRED, caCerts: pki.ca })).rejects.toBeTruthy();
  });

  it('server CERT_OPTIONAL lets a client without a certificate in', async () => {
    const [, s] = await pair({ caCerts: pki.ca, serverHostname: 'localhost' }, { ...serverRsa, certReqs: CERT_OPTIONAL, caCerts: pki.ca });
    expect(s.getpeercert()).toBeUndefined();
  });

  it('ciphers takes an OpenSSL-style list', async () => {
    const [c] = await pair({ caCerts: pki.ca, serverHostname: 'localhost', ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }, serverRsa);
    expect(c.cipherSuite).toBe('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256');
    expect(c.cipher()[0]).toBe('ECDHE-RSA-CHACHA20-POLY1305');
  });

  it('accepts Python’s keyword names too (server_side, cert_reqs, ssl_version, ca_certs, server_hostname)', async () => {
    const [a, b] = memoryPair();
    const [c, s] = await Promise.all([
      wrapSocket(a, { ca_certs: pki.ca, server_hostname: 'localhost', cert_reqs: CERT_REQUIRED, ssl_version: PROTOCOL_TLSv1_2 }),
      wrapSocket(b, { server_side: true, certfile: pki.serverRsa.chain, keyfile: pki.serverRsa.key }),
    ]);
    expect(c.version).toBe('TLSv1.2');
    expect(c.getpeercert()).toHaveProperty('subject');
    expect(s.getpeercert()).toBeUndefined();
    await expect(wrapSocket(memoryPair()[0], { certReqs: CERT_NONE, cert_reqs: CERT_NONE })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('refuses unknown constants and a server without certfile', async () => {
    const [a, b] = memoryPair();
    await expect(wrapSocket(a, { certReqs: 7 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(a, { caCerts: pki.ca, serverHostname: 'localhost', sslVersion: 99 })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(b, { serverSide: true })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(wrapSocket(b, { serverSide: true, certfile: pki.serverRsa.cert })).rejects.toMatchObject({ code: 'config_bad_key' });
  });
});

const tcp = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });

describe.skipIf(!opensslAvailable())('wrapSocket against OpenSSL', () => {
  afterAll(() => stopAll());

  it('client → openssl s_server (ECDSA certificate, TLS 1.1 pinned)', async () => {
    const srv = await startServer({ cert: pki.serverEcdsa.certPath, key: pki.serverEcdsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-cipher', 'DEFAULT@SECLEVEL=0'] });
    // OpenSSL 3 refuses TLS 1.0/1.1 at its default security level; level 0 lets the pinned version through.
    const c = await wrapSocket(nodeStream(await tcp(srv.port)), { caCerts: file(pki.ca), serverHostname: '127.0.0.1', sslVersion: PROTOCOL_TLSv1_1 });
    expect(c.version).toBe('TLSv1.1');
    expect(c.cipher()[0]).toMatch(/^ECDHE-ECDSA-/);
    expect(c.getpeercert()).toMatchObject({ subjectAltName: expect.arrayContaining([['IP Address', '127.0.0.1']]) });
    await c.close();
  });

  it('client → openssl s_server that speaks only TLS 1.0: refused by default (protocol_version), reached with minimumVersion TLSv1', async () => {
    const srv = await startServer({ cert: pki.serverEcdsa.certPath, key: pki.serverEcdsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'] });
    const opts = { caCerts: file(pki.ca), serverHostname: '127.0.0.1' };
    await expect(wrapSocket(nodeStream(await tcp(srv.port)), opts)).rejects.toMatchObject({ code: expect.stringMatching(/protocol_version/) });
    const c = await wrapSocket(nodeStream(await tcp(srv.port)), { ...opts, minimumVersion: TLSVersion.TLSv1 });
    expect(c.version).toBe('TLSv1');
    await c.close();
  });

  it('server ← openssl s_client with a client certificate (CERT_REQUIRED)', async () => {
    const port = await freePort();
    const server = net.createServer();
    const accepted = new Promise<SSLSocket>((resolve, reject) => {
      server.once('connection', (sock) => {
        wrapSocket(nodeStream(sock), { serverSide: true, ...serverRsa, certReqs: CERT_REQUIRED, caCerts: pki.ca }).then(resolve, reject);
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const client = runClient({
        port,
        args: ['-CAfile', pki.caPath, '-verify_return_error', '-cert', pki.clientEcdsa.certPath, '-key', pki.clientEcdsa.keyPath, '-cert_chain', pki.intermediatePath, '-ign_eof'],
        input: 'hello from s_client\n',
      });
      const s = await accepted;
      expect(s.getpeercert()).toMatchObject({ serialNumber: expect.stringMatching(/0D$/i) });
      const r = s.readable.getReader();
      const got = await r.read();
      expect(dec.decode(got.value)).toBe('hello from s_client\n');
      await s.close();
      const res = await client;
      expect(res.stdout).toContain('Verify return code: 0 (ok)');
    } finally {
      server.close();
    }
  });
});

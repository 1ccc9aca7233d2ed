/** The test PKI is what its README says, and the openssl helpers start, connect and stop peers. */
import { afterAll, describe, expect, it } from 'vitest';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import net from 'node:net';
import { pki } from './pki.js';
import { freePort, opensslAvailable, runClient, startServer, stopAll, waitForPort } from './openssl.js';

describe('test PKI', () => {
  const root = new X509Certificate(pki.ca);
  const inter = new X509Certificate(pki.intermediate);

  it('chains every RSA-hierarchy leaf to ca.pem through the intermediate', () => {
    expect(root.verify(root.publicKey)).toBe(true);
    expect(inter.verify(root.publicKey)).toBe(true);
    expect(inter.ca).toBe(true);
    for (const id of [pki.serverRsa, pki.serverEcdsa, pki.clientRsa, pki.clientEcdsa]) {
      const leaf = new X509Certificate(id.cert);
      expect(leaf.verify(inter.publicKey)).toBe(true);
      expect(leaf.ca).toBe(false);
      expect(leaf.checkPrivateKey(createPrivateKey(id.key))).toBe(true);
      expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
      // the chain file is the leaf and then the intermediate
      const pems = id.chain.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
      expect(pems.map((p) => new X509Certificate(p).fingerprint256)).toEqual([leaf.fingerprint256, inter.fingerprint256]);
    }
  });

  it('gives leaves the key types and EKUs promised', () => {
    expect(new X509Certificate(pki.serverRsa.cert).publicKey.asymmetricKeyType).toBe('rsa');
    expect(new X509Certificate(pki.serverEcdsa.cert).publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new X509Certificate(pki.serverRsa.cert).keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new X509Certificate(pki.clientEcdsa.cert).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('is valid from 2024 to 2054', () => {
    for (const pem of [pki.ca, pki.intermediate, pki.serverRsa.cert, pki.caEcdsa]) {
      const c = new X509Certificate(pem);
      expect(new Date(c.validFrom).toISOString()).toBe('2024-01-01T00:00:00.000Z');
      expect(new Date(c.validTo).toISOString()).toBe('2054-01-01T00:00:00.000Z');
    }
  });

  it('has PKCS#8, PKCS#1 and SEC 1 encodings of the same keys', () => {
    expect(pki.serverRsa.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pki.serverRsaPkcs1Key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(pki.serverEcdsaSec1Key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const pub = (pem: string) => createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });
    expect(pub(pki.serverRsaPkcs1Key)).toEqual(pub(pki.serverRsa.key));
    expect(pub(pki.serverEcdsaSec1Key)).toEqual(pub(pki.serverEcdsa.key));
  });

  it('has an all-ECDSA path as well', () => {
    const eroot = new X509Certificate(pki.caEcdsa);
    const einter = new X509Certificate(pki.intermediateEcdsa);
    const leaf = new X509Certificate(pki.serverEcdsaEcca.cert);
    expect(eroot.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(einter.verify(eroot.publicKey)).toBe(true);
    expect(leaf.verify(einter.publicKey)).toBe(true);
    expect(leaf.verify(inter.publicKey)).toBe(false);
  });
});

describe('freePort / waitForPort', () => {
  it('finds a bindable port and waits for a listener', async () => {
    const port = await freePort();
    await expect(waitForPort(port, 200)).rejects.toThrow(/nothing accepted/);
    const srv = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    await waitForPort(port, 2000);
    await new Promise((r) => srv.close(r));
  });
});

describe.skipIf(!opensslAvailable())('openssl helpers', () => {
  afterAll(stopAll);
  const rsa = { cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath };

  it('starts s_server on an ephemeral port and completes a verified TLS 1.2 handshake with s_client', async () => {
    const server = await startServer({ ...rsa, args: ['-tls1_2'] });
    expect(server.port).toBeGreaterThan(0);
    const r = await runClient({
      port: server.port,
      args: ['-CAfile', pki.caPath, '-verify_return_error', '-verify_hostname', 'localhost'],
      input: 'hello from s_client\n',
    });
    expect(r.timedOut).toBe(false);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    expect(r.stdout).toContain('Verify return code: 0 (ok)');
    await server.stop();
  });

  it('serves an ECDSA leaf with its intermediate', async () => {
    const server = await startServer({ cert: pki.serverEcdsa.certPath, key: pki.serverEcdsa.keyPath, chain: pki.intermediatePath });
    const r = await runClient({ port: server.port, args: ['-CAfile', pki.caPath, '-verify_return_error', '-tls1_2'] });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ECDHE-ECDSA/);
    await server.stop();
  });

  it('reports a failed verification through the exit code', async () => {
    const server = await startServer(rsa);
    const r = await runClient({ port: server.port, args: ['-CAfile', pki.caEcdsaPath, '-verify_return_error'] });
    expect(r.stdout + r.stderr).toMatch(/unable to get local issuer certificate|certificate verify failed/);
    expect(r.code).not.toBe(0);
    await server.stop();
  });

  it('stopAll ends the servers it started', async () => {
    const server = await startServer(rsa);
    await waitForPort(server.port, 2000);
    await stopAll();
    await expect(waitForPort(server.port, 200)).rejects.toThrow();
  });

  it('rejects with the output when s_server cannot start', async () => {
    await expect(startServer({ cert: '/nonexistent.crt', key: pki.serverRsa.keyPath })).rejects.toThrow(/exited \(code 1\) before printing[\s\S]*nonexistent/);
  });
});

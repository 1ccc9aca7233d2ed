/**
 * Our TLS 1.3 client against gnutls-serv (a second, independent 1.3 implementation) on 127.0.0.1: each suite
 * with an RSA and an ECDSA certificate, and a HelloRetryRequest when the server allows only secp384r1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPage } from '../helpers/client.js';
import { TLS13_CIPHER_SUITES } from '../../src/crypto/suites.js';
import { gnutlsAvailable, startGnutlsServer, stopAllGnutls, type GnutlsServer } from '../helpers/gnutls.js';
import { pki } from '../helpers/pki.js';

const TLS13_ONLY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3';

describe.skipIf(!gnutlsAvailable())('TLS 1.3 client ↔ gnutls-serv', () => {
  const servers: Record<string, GnutlsServer> = {};
  beforeAll(async () => {
    servers.RSA = await startGnutlsServer({ certChain: pki.serverRsa.chainPath, key: pki.serverRsa.keyPath, priority: TLS13_ONLY });
    servers.ECDSA = await startGnutlsServer({ certChain: pki.serverEcdsa.chainPath, key: pki.serverEcdsa.keyPath, priority: TLS13_ONLY });
    servers.HRR = await startGnutlsServer({
      certChain: pki.serverRsa.chainPath,
      key: pki.serverRsa.keyPath,
      priority: `${TLS13_ONLY}:-GROUP-ALL:+GROUP-SECP384R1`,
    });
  });
  afterAll(() => stopAllGnutls());

  for (const suite of TLS13_CIPHER_SUITES) {
    for (const key of ['RSA', 'ECDSA'] as const) {
      it(`${suite.name} with ${key}`, async () => {
        const { conn, text } = await getPage(servers[key]!.port, { maxVersion: 'TLSv1.3', cipherSuites: [suite.name] });
        expect(conn.version).toBe('TLSv1.3');
        expect(conn.cipherSuite).toBe(suite.name);
        expect(conn.verification).toEqual({ ok: true });
        expect(text).toMatch(/^HTTP\/1\.[01] 200/);
      });
    }
  }

  it('HelloRetryRequest for secp384r1', async () => {
    const { conn, text } = await getPage(servers.HRR!.port, { maxVersion: 'TLSv1.3' });
    expect(conn.version).toBe('TLSv1.3');
    expect(conn.group).toBe('secp384r1');
    expect(text).toMatch(/^HTTP\/1\.[01] 200/);
  });
});

/** Our client against GnuTLS's gnutls-serv: every CBC suite in TLS 1.0 and 1.1, and the TLS 1.2 suites, RSA and ECDSA. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIPHER_SUITES, TLS10, TLS11, TLS12, suiteAllowedIn } from '../../src/crypto/suites.js';
import { gnutlsAvailable, startGnutlsServer, stopAllGnutls, type GnutlsServer } from '../helpers/gnutls.js';
import { pki } from '../helpers/pki.js';
import { getPage } from '../helpers/client.js';

const PRIORITY = 'NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:+DHE-RSA:+RSA:+SHA1:+SHA256:+SHA384:+AES-256-CBC:+AES-128-CBC';
const VERSIONS = [
  [TLS12, 'TLSv1.2'],
  [TLS11, 'TLSv1.1'],
  [TLS10, 'TLSv1'],
] as const;

describe.skipIf(!gnutlsAvailable())('client ↔ gnutls-serv', () => {
  const servers: Record<'RSA' | 'ECDSA', GnutlsServer | undefined> = { RSA: undefined, ECDSA: undefined };
  beforeAll(async () => {
    servers.RSA = await startGnutlsServer({ certChain: pki.serverRsa.chainPath, key: pki.serverRsa.keyPath, priority: PRIORITY });
    servers.ECDSA = await startGnutlsServer({ certChain: pki.serverEcdsa.chainPath, key: pki.serverEcdsa.keyPath, priority: PRIORITY });
  });
  afterAll(() => stopAllGnutls());

  for (const [v, name] of VERSIONS) {
    for (const suite of CIPHER_SUITES.filter((s) => suiteAllowedIn(s, v))) {
      it(`${name} ${suite.name}`, async () => {
        const { conn, text } = await getPage(servers[suite.auth]!.port, { minVersion: name, maxVersion: name, cipherSuites: [suite.name] });
        expect(conn.version).toBe(name);
        expect(conn.cipherSuite).toBe(suite.name);
        expect(conn.verification).toEqual({ ok: true });
        expect(text).toMatch(/^HTTP\/1\.0 200 OK/);
      });
    }
  }

  it('negotiates TLS 1.2 with a range, and RFC 7919 groups for DHE', async () => {
    const { conn, text } = await getPage(servers.RSA!.port, { minVersion: 'TLSv1', cipherSuites: ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'] });
    expect(conn.version).toBe('TLSv1.2');
    // gnutls-serv's page names the group it used.
    expect(text).toMatch(/FFDHE|ffdhe/);
  });
});

/**
 * The pure-JS provider's own primitives against OpenSSL's: X25519 key generation (fixed-base table) and agreement
 * (Float64 ladder), AES-GCM with its per-key state (several records under one key, both directions), in TLS 1.2
 * and 1.3, and AES-CBC (aes-small.ts's cipher and inverse cipher, synchronous) with HMAC in both MAC orders and
 * TLS 1.0's chained IVs; our client → `openssl s_server` and `openssl s_client` → our server, all with provider 'noble'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { getPage } from '../helpers/client.js';
import { opensslAvailable, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { sClientAgainst, GREETING } from './server-harness.js';

const cells = [
  { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', flag: '-tls1_2', openssl: 'ECDHE-RSA-AES128-GCM-SHA256' },
  { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', flag: '-tls1_2', openssl: 'ECDHE-RSA-AES256-GCM-SHA384' },
  { version: 'TLSv1.3', suite: 'TLS_AES_128_GCM_SHA256', flag: '-tls1_3', openssl: 'TLS_AES_128_GCM_SHA256' },
  { version: 'TLSv1.3', suite: 'TLS_AES_256_GCM_SHA384', flag: '-tls1_3', openssl: 'TLS_AES_256_GCM_SHA384' },
] as const;

describe.skipIf(!opensslAvailable())('noble provider: X25519 and AES-GCM against OpenSSL', () => {
  const servers = new Map<string, RunningServer>();
  beforeAll(async () => {
    for (const c of cells) {
      servers.set(c.version, servers.get(c.version) ?? await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: [c.flag, '-www', '-groups', 'X25519'] }));
    }
  });
  afterAll(() => stopAll());

  for (const c of cells) {
    it(`our client → openssl s_server: ${c.version} ${c.suite} over x25519`, async () => {
      const { conn, text } = await getPage(servers.get(c.version)!.port, {
        minVersion: c.version,
        maxVersion: c.version,
        cipherSuites: [c.suite],
        groups: ['x25519'],
        provider: nobleProvider,
      });
      expect([conn.version, conn.cipherSuite, conn.verification]).toEqual([c.version, c.suite, { ok: true }]);
      // -www answers with a page of several records under the one server write key.
      expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
      expect(text).toContain(c.openssl);
    });

    it(`openssl s_client → our server: ${c.version} ${c.suite} over x25519`, async () => {
      const cipherArgs = c.version === 'TLSv1.3' ? ['-ciphersuites', c.openssl] : ['-cipher', c.openssl];
      const { out, served } = await sClientAgainst(
        { identities: [{ cert: pki.serverRsa.chain, key: pki.serverRsa.key }], minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', provider: nobleProvider },
        [c.flag, '-groups', 'X25519', ...cipherArgs],
        { input: 'ping\n' },
      );
      expect(served.error).toBeUndefined();
      expect(served).toMatchObject({ version: c.version, received: 'ping\n' });
      expect(out).toContain('Verify return code: 0 (ok)');
      expect(out).toContain(`${GREETING} ${c.version}`);
      expect(out).toContain('echo: ping');
    });
  }
});

const cbcCells = [
  { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', flag: '-tls1_2', openssl: 'ECDHE-RSA-AES128-SHA', etm: true },
  { version: 'TLSv1.2', suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', flag: '-tls1_2', openssl: 'ECDHE-RSA-AES256-SHA384', etm: false },
  { version: 'TLSv1', suite: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', flag: '-tls1', openssl: 'ECDHE-RSA-AES128-SHA', etm: false },
  { version: 'TLSv1', suite: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', flag: '-tls1', openssl: 'ECDHE-RSA-AES256-SHA', etm: true },
] as const;

describe.skipIf(!opensslAvailable())('noble provider: AES-CBC with HMAC against OpenSSL', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-cipher', 'ALL:@SECLEVEL=0'] });
  });
  afterAll(() => stopAll());

  for (const c of cbcCells) {
    const order = c.etm ? 'encrypt-then-MAC' : 'MAC-then-encrypt';
    it(`our client → openssl s_server: ${c.version} ${c.suite}, ${order}`, async () => {
      const { conn, text } = await getPage(server.port, {
        minVersion: c.version,
        maxVersion: c.version,
        cipherSuites: [c.suite],
        encryptThenMac: c.etm,
        provider: nobleProvider,
      });
      expect([conn.version, conn.cipherSuite, conn.verification]).toEqual([c.version, c.suite, { ok: true }]);
      // -www answers with a page of several records under the one server write key (TLS 1.0: IVs chained across them).
      expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
      expect(text).toContain(c.openssl);
    });

    it(`openssl s_client → our server: ${c.version} ${c.suite}, ${order}`, async () => {
      const { out, served } = await sClientAgainst(
        { identities: [{ cert: pki.serverRsa.chain, key: pki.serverRsa.key }], minVersion: 'TLSv1', maxVersion: 'TLSv1.2', provider: nobleProvider },
        [c.flag, '-cipher', `${c.openssl}:@SECLEVEL=0`, ...(c.etm ? [] : ['-no_etm'])],
        { input: 'ping\n' },
      );
      expect(served.error).toBeUndefined();
      expect(served).toMatchObject({ version: c.version, received: 'ping\n' });
      expect(out).toContain('Verify return code: 0 (ok)');
      expect(out).toContain('echo: ping');
    });
  }
});

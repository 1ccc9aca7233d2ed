/**
 * The node:crypto provider against real peers: our client (provider 'node') against `openssl s_server` for every
 * TLS 1.2 suite and the 1.0 CBC ones, and `openssl s_client` against our server (provider 'node') for each key
 * exchange, cipher family and signature kind the provider serves natively (the RSA key exchange through its raw
 * private operation, TLS 1.0's MD5+SHA-1 signature through privateEncrypt, client certificates verified natively).
 * Then our client and server both on the node provider, and each against the other on noble, over memoryPair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { CIPHER_SUITES, TLS10, TLS12, suiteAllowedIn } from '../../src/crypto/suites.js';
import { getPage } from '../helpers/client.js';
import { opensslAvailable, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { handshake, ok, exchange, rsaServer, ecdsaServer } from '../loopback/harness.js';
import { sClientAgainst, GREETING } from './server-harness.js';

const identities = [
  { cert: pki.serverRsa.chain, key: pki.serverRsa.key },
  { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key },
];

describe.skipIf(!opensslAvailable())('node provider: our client → openssl s_server', () => {
  const servers = new Map<string, RunningServer>();
  beforeAll(async () => {
    for (const [v, flag] of [
      ['TLSv1.2', '-tls1_2'],
      ['TLSv1', '-tls1'],
    ] as const) {
      for (const key of ['RSA', 'ECDSA'] as const) {
        const id = key === 'RSA' ? pki.serverRsa : pki.serverEcdsa;
        servers.set(`${v}/${key}`, await startServer({ cert: id.certPath, key: id.keyPath, chain: pki.intermediatePath, args: [flag, '-www', '-cipher', 'ALL:@SECLEVEL=0'] }));
      }
    }
  });
  afterAll(() => stopAll());
  for (const [v, name] of [
    [TLS12, 'TLSv1.2'],
    [TLS10, 'TLSv1'],
  ] as const) {
    for (const suite of CIPHER_SUITES.filter((s) => suiteAllowedIn(s, v))) {
      it(`${name} ${suite.name}`, async () => {
        const { conn, text } = await getPage(servers.get(`${name}/${suite.auth}`)!.port, { minVersion: name, maxVersion: name, cipherSuites: [suite.name], provider: nodeProvider });
        expect([conn.version, conn.cipherSuite]).toEqual([name, suite.name]);
        expect(conn.verification).toEqual({ ok: true });
        expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
        expect(text).toContain(suite.openssl);
      });
    }
  }
});

describe.skipIf(!opensslAvailable())('node provider: openssl s_client → our server', () => {
  const cells: [string, string, string[]][] = [
    ['TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', []],
    ['TLSv1.2', 'ECDHE-ECDSA-CHACHA20-POLY1305', []],
    ['TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', ['-groups', 'P-384']],
    ['TLSv1.2', 'ECDHE-ECDSA-AES256-GCM-SHA384', ['-groups', 'X25519:P-256']],
    ['TLSv1.2', 'ECDHE-RSA-AES256-SHA384', ['-groups', 'P-256', '-sigalgs', 'RSA-PSS+SHA256']],
    ['TLSv1.2', 'AES256-GCM-SHA384', []], // RSA key exchange
    ['TLSv1.2', 'AES128-SHA', []], // RSA key exchange, CBC, HMAC-SHA1
    ['TLSv1', 'ECDHE-RSA-AES128-SHA', []], // MD5+SHA-1 signature, chained CBC IVs
    ['TLSv1', 'AES256-SHA', []],
  ];
  describe.concurrent('suites', () => {
    for (const [name, cipher, extra] of cells) {
      it(`${name} ${cipher} ${extra.join(' ')}`, async () => {
        const flag = name === 'TLSv1' ? '-tls1' : '-tls1_2';
        const { out, served } = await sClientAgainst({ identities, minVersion: 'TLSv1', provider: nodeProvider }, [flag, '-cipher', `${cipher}:@SECLEVEL=0`, ...extra], { input: 'ping\n' });
        expect(served.error).toBeUndefined();
        expect(served).toMatchObject({ version: name, received: 'ping\n' });
        expect(out).toContain('Verify return code: 0 (ok)');
        expect(out).toContain(`${GREETING} ${name}`);
        expect(out).toContain('echo: ping');
      });
    }
    for (const [name, kind, id] of [
      ['TLSv1.2', 'ECDSA', pki.clientEcdsa],
      ['TLSv1.2', 'RSA', pki.clientRsa],
      ['TLSv1', 'RSA', pki.clientRsa],
    ] as const) {
      it(`${name}: a ${kind} client certificate is verified`, async () => {
        const flag = name === 'TLSv1' ? ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'] : ['-tls1_2'];
        const { served } = await sClientAgainst(
          { identities, minVersion: 'TLSv1', requestCert: 'required', ca: pki.ca, provider: nodeProvider },
          [...flag, '-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath],
          { input: 'ping\n', verify: false },
        );
        expect(served.error).toBeUndefined();
        expect(served).toMatchObject({ version: name, received: 'ping\n' });
        expect(served.peerCn).toMatch(/^puretls test client/);
      });
    }
  });
});

describe('node provider: loopback, every TLS 1.2 suite, both ends node or one end noble', () => {
  for (const s of CIPHER_SUITES.filter((x) => suiteAllowedIn(x, TLS12))) {
    it(s.name, async () => {
      for (const [cp, sp] of [
        [nodeProvider, nodeProvider],
        [nodeProvider, nobleProvider],
        [nobleProvider, nodeProvider],
      ]) {
        const o = await handshake({ cipherSuites: [s.name], provider: cp }, { identities: [rsaServer, ecdsaServer], provider: sp });
        const [c, srv] = [ok(o.client), ok(o.server)];
        expect([c.cipherSuite, srv.cipherSuite]).toEqual([s.name, s.name]);
        await exchange(c, srv);
      }
    });
  }
});

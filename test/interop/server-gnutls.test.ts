import type { CipherSuiteName } from '../../src/crypto/suites.js';
/**
 * `gnutls-cli` against accept() on 127.0.0.1 for a representative set: each key exchange × AEAD/CBC × version,
 * RSA and ECDSA certificates, and client certificates. The server pins the suite; GnuTLS is opened up to the
 * old versions and suites with its priority string.
 */
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { pki } from '../helpers/pki.js';
import { listenTls, GREETING, type ServedConnection } from './server-harness.js';
import type { ServerOptions } from '../../src/index.js';

const GNUTLS = process.env.GNUTLS_CLI ?? 'gnutls-cli';
const available = spawnSync(GNUTLS, ['--version']).status === 0;
if (!available) console.warn('gnutls-cli not found (Debian package gnutls-bin), skipping the GnuTLS suite');

const VERS = { 'TLSv1.2': '+VERS-TLS1.2', 'TLSv1.1': '+VERS-TLS1.1', 'TLSv1': '+VERS-TLS1.0' } as const;
type V = keyof typeof VERS;
const priority = (v: V) => `NORMAL:-VERS-ALL:${VERS[v]}:+RSA:+DHE-RSA:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256:+SHA384:%VERIFY_ALLOW_SIGN_WITH_SHA1`;

/** Run gnutls-cli: send a line, wait for our echo (or the end), then close its input. */
function gnutlsCli(port: number, v: V, extra: string[]): Promise<{ out: string; code: number | null }> {
  const args = ['--port', String(port), '--x509cafile', pki.caPath, '--verify-hostname', 'localhost', '--sni-hostname', 'localhost', `--priority=${priority(v)}`, ...extra, '127.0.0.1'];
  const child = spawn(GNUTLS, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {});
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString('latin1');
    if (out.includes('echo: ')) child.stdin.end();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.write('ping from gnutls\n');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
  });
}

async function run(server: ServerOptions, v: V, extra: string[] = []): Promise<{ out: string; code: number | null; served: ServedConnection }> {
  const l = await listenTls(server);
  try {
    const r = await gnutlsCli(l.port, v, extra);
    return { ...r, served: await l.next() };
  } finally {
    await l.close();
  }
}

const rsa = { cert: pki.serverRsa.chain, key: pki.serverRsa.key };
const ecdsa = { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key };

const cases: [V, CipherSuiteName][] = [
  ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  ['TLSv1.2', 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  ['TLSv1.2', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'],
  ['TLSv1.2', 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  ['TLSv1.2', 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  ['TLSv1.1', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  ['TLSv1.1', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  ['TLSv1.1', 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'],
  ['TLSv1.1', 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  ['TLSv1', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  ['TLSv1', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  ['TLSv1', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  ['TLSv1', 'TLS_RSA_WITH_AES_128_CBC_SHA'],
];

describe.skipIf(!available)('gnutls-cli → accept()', () => {
  describe.concurrent('suites', () => {
    for (const [v, suite] of cases) {
      it(`${v} ${suite}`, async () => {
        const { out, served } = await run({ identities: [rsa, ecdsa], minVersion: 'TLSv1', cipherSuites: [suite] }, v);
        expect(served.error).toBeUndefined();
        expect(served).toMatchObject({ version: v, cipherSuite: suite, received: 'ping from gnutls\n' });
        expect(out).toContain('Handshake was completed');
        expect(out).toMatch(/The certificate is trusted/);
        expect(out).toContain(`${GREETING} ${v} ${suite}`);
        expect(out).toContain('echo: ping from gnutls');
      });
    }
  });

  describe.concurrent('client certificates', () => {
    for (const [kind, id, cn] of [
      ['RSA', pki.clientRsa, 'puretls test client rsa'],
      ['ECDSA', pki.clientEcdsa, 'puretls test client ecdsa'],
    ] as const) {
      for (const v of ['TLSv1.2', 'TLSv1'] as const) {
        it(`${v}: required, ${kind} client certificate accepted`, async () => {
          const { served } = await run({ identities: [rsa, ecdsa], minVersion: 'TLSv1', requestCert: 'required', ca: pki.ca }, v, [
            '--x509certfile', id.chainPath, '--x509keyfile', id.keyPath,
          ]);
          expect(served.error).toBeUndefined();
          expect(served).toMatchObject({ version: v, peerCn: cn });
        });
      }
    }
    it('required, no client certificate: refused', async () => {
      const { out, served } = await run({ ...rsa, requestCert: 'required', ca: pki.ca }, 'TLSv1.2');
      expect(served.error?.code).toBe('cert_no_certificate');
      expect(out).not.toContain(GREETING);
    });
  });
});

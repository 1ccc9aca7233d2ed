/**
 * `openssl s_client` against accept() on 127.0.0.1: every suite of every version with RSA and ECDSA identities
 * (both configured side by side, the suite decides), verified against the test PKI, data both ways; then client
 * certificates required / optional, present and absent.
 */
import { describe, it, expect } from 'vitest';
import { CIPHER_SUITES, TLS10, TLS11, TLS12, suiteAllowedIn } from '../../src/crypto/suites.js';
import { opensslAvailable } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { sClientAgainst, GREETING } from './server-harness.js';
import type { ServerOptions } from '../../src/index.js';

const VERSIONS = [
  { v: TLS12, name: 'TLSv1.2', flag: '-tls1_2' },
  { v: TLS11, name: 'TLSv1.1', flag: '-tls1_1' },
  { v: TLS10, name: 'TLSv1', flag: '-tls1' },
] as const;

const identities = [
  { cert: pki.serverRsa.chain, key: pki.serverRsa.key },
  { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key },
];

/** One s_client run against a fresh listener: what s_client printed and what the server saw. */
const run = (server: ServerOptions, args: string[]) => sClientAgainst(server, args);

describe.skipIf(!opensslAvailable())('openssl s_client → accept()', () => {
  describe.concurrent('every suite in every version', () => {
    for (const { v, name, flag } of VERSIONS) {
      for (const s of CIPHER_SUITES.filter((x) => suiteAllowedIn(x, v))) {
        it(`${name} ${s.openssl} (${s.auth})`, async () => {
          // OpenSSL 3 refuses TLS 1.0/1.1 (and their MD5/SHA-1 signatures) above security level 0.
          const cipher = v < TLS12 ? `${s.openssl}:@SECLEVEL=0` : s.openssl;
          const { out, served } = await run({ identities, minVersion: 'TLSv1' }, [flag, '-cipher', cipher]);
          expect(served.error).toBeUndefined();
          expect(served).toMatchObject({ version: name, cipherSuite: s.name, received: 'ping from s_client\n' });
          expect(out).toContain('Verify return code: 0 (ok)');
          expect(out).toContain(`${GREETING} ${name} ${s.name}`);
          expect(out).toContain('echo: ping from s_client');
          expect(out).toMatch(new RegExp(`Cipher\\s*(is|:)\\s*${s.openssl}`));
        });
      }
    }
  });

  describe.concurrent('certificate curve (RFC 8422 §5.1)', () => {
    it('a client that names only P-384 gets the RSA identity, not the P-256 ECDSA one it would refuse', async () => {
      // ECDSA suites first in s_client's list: before this rule the server chose the P-256 certificate and s_client
      // failed with "wrong curve".
      const { out, served } = await run({ identities }, ['-tls1_2', '-groups', 'P-384', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256']);
      expect(served.error).toBeUndefined();
      expect(served).toMatchObject({ version: 'TLSv1.2', cipherSuite: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
      expect(out).toContain('Verify return code: 0 (ok)');
    });
    it('with only the P-256 ECDSA identity and a client that names only P-384, the handshake fails on our side', async () => {
      const { served } = await run({ identities: [identities[1]!] }, ['-tls1_2', '-groups', 'P-384', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
      expect(served.error?.code).toBe('protocol_no_shared_cipher');
    });
  });

  describe.concurrent('client certificates', () => {
    const server: ServerOptions = { identities, minVersion: 'TLSv1', requestCert: 'required', ca: pki.ca };
    for (const { v, name, flag } of VERSIONS) {
      for (const [kind, id, cn] of [
        ['RSA', pki.clientRsa, 'puretls test client rsa'],
        ['ECDSA', pki.clientEcdsa, 'puretls test client ecdsa'],
      ] as const) {
        it(`${name}: required, ${kind} client certificate accepted and visible`, async () => {
          const extra = v < TLS12 ? ['-cipher', 'DEFAULT:@SECLEVEL=0'] : [];
          const { out, served } = await run(server, [flag, ...extra, '-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath]);
          expect(served.error).toBeUndefined();
          expect(served).toMatchObject({ version: name, peerCn: cn, received: 'ping from s_client\n' });
          expect(out).toContain('Verify return code: 0 (ok)');
        });
      }
      it(`${name}: required, no client certificate: refused`, async () => {
        const extra = v < TLS12 ? ['-cipher', 'DEFAULT:@SECLEVEL=0'] : [];
        const { out, served } = await run(server, [flag, ...extra]);
        expect(served.error?.code).toBe('cert_no_certificate');
        expect(out).toMatch(/handshake failure/);
        expect(out).not.toContain(GREETING);
      });
    }
    it('optional, no client certificate: accepted', async () => {
      const { served } = await run({ ...server, requestCert: 'optional' }, ['-tls1_2']);
      expect(served.error).toBeUndefined();
      expect(served.peerCn).toBeUndefined();
      expect(served.received).toBe('ping from s_client\n');
    });
    it('optional, RSA client certificate: accepted and visible', async () => {
      const id = pki.clientRsa;
      const { served } = await run({ ...server, requestCert: 'optional' }, ['-tls1_2', '-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath]);
      expect(served.peerCn).toBe('puretls test client rsa');
    });
  });
});

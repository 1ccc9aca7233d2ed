/** Our client against our server for every version × suite × certificate type, data both ways. */
import { describe, it, expect } from 'vitest';
import { CIPHER_SUITES, TLS10, TLS11, TLS12, suiteAllowedIn, versionName } from '../../src/crypto/suites.js';
import type { PeerCertificate } from '../../src/x509/peercert.js';
import { handshake, ok, exchange, rsaServer, ecdsaServer } from './harness.js';

const versions = [TLS12, TLS11, TLS10] as const;
const cells = versions.flatMap((v) => CIPHER_SUITES.filter((s) => suiteAllowedIn(s, v)).map((s) => ({ v, s })));

describe('loopback: every suite in every version', () => {
  it('covers 27 suites in TLS 1.2 and the 8 CBC-SHA suites in 1.0 and 1.1', () => {
    expect(cells.length).toBe(27 + 8 + 8);
  });
  for (const { v, s } of cells) {
    const name = versionName(v) as 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
    it(`${name} ${s.name}`, async () => {
      const o = await handshake(
        { cipherSuites: [s.name], minVersion: name, maxVersion: name },
        // Both identities side by side: the server must pick the one the suite needs.
        { identities: [rsaServer, ecdsaServer], minVersion: 'TLSv1' },
      );
      const c = ok(o.client);
      const srv = ok(o.server);
      expect([c.version, srv.version]).toEqual([name, name]);
      expect([c.cipherSuite, srv.cipherSuite]).toEqual([s.name, s.name]);
      expect(c.verification).toEqual({ ok: true });
      const leafCn = (c.peerCertificate() as PeerCertificate).subject.flat().find(([k]) => k === 'commonName')?.[1];
      expect(leafCn).toBe('localhost');
      expect(c.peerCertificateChain()[0]!.length).toBeGreaterThan(0);
      // The key type of the certificate sent matches the suite's authentication.
      const spkiIsEc = Buffer.from(c.peerCertificateChain()[0]!).includes(Buffer.from('2a8648ce3d0201', 'hex'));
      expect(spkiIsEc).toBe(s.auth === 'ECDSA');
      await exchange(c, srv);
    });
  }
});

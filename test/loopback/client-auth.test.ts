import type { CipherSuiteName } from '../../src/crypto/suites.js';
/** Client certificates: requestCert none / optional / required, RSA and ECDSA clients, every version and key exchange. */
import { describe, it, expect } from 'vitest';
import { handshake as handshakeAny, ok, exchange, errCode, rsaServer, ecdsaServer, rewriteClientRecords } from './harness.js';
import { pki } from '../helpers/pki.js';
import { loadCertificates } from '../../src/x509/certificate.js';
import { memoryPair } from '../../src/transport/memory.js';
import { accept } from '../../src/server.js';
import { connect } from '../../src/client.js';

type V = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
/**
 * These tests read and rewrite the TLS 1.2 client-authentication flight (TLS 1.3 encrypts it, and there the client
 * learns of a refusal only after its handshake): TLS 1.2 unless a test names its versions.
 */
const handshake: typeof handshakeAny = (c, ...rest) => handshakeAny({ maxVersion: 'TLSv1.2', ...c }, ...rest);

const clients = { RSA: pki.clientRsa, ECDSA: pki.clientEcdsa };
const cn = (conn: { peerCertificate(): unknown }) =>
  (conn.peerCertificate() as { subject: [string, string][][] } | undefined)?.subject.flat().find(([k]) => k === 'commonName')?.[1];

const suites: [V, CipherSuiteName, typeof rsaServer][] = [
  ['TLSv1.2', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', rsaServer],
  ['TLSv1.2', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', ecdsaServer],
  ['TLSv1.2', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', rsaServer],
  ['TLSv1.2', 'TLS_RSA_WITH_AES_256_GCM_SHA384', rsaServer],
  ['TLSv1.1', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', ecdsaServer],
  ['TLSv1.1', 'TLS_RSA_WITH_AES_128_CBC_SHA', rsaServer],
  ['TLSv1', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', rsaServer],
  ['TLSv1', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', rsaServer],
];

describe('client authentication', () => {
  for (const [v, suite, server] of suites) {
    for (const [kind, id] of Object.entries(clients)) {
      it(`${v} ${suite}: ${kind} client certificate, required`, async () => {
        const o = await handshake(
          { cipherSuites: [suite], minVersion: v, maxVersion: v, cert: id.chain, key: id.key },
          { ...server, minVersion: 'TLSv1', requestCert: 'required', ca: pki.ca },
        );
        const srv = ok(o.server);
        expect(srv.verification).toEqual({ ok: true });
        expect(cn(srv)).toBe(`puretls test client ${kind.toLowerCase()}`);
        expect(srv.peerCertificateChain().length).toBe(2);
        await exchange(ok(o.client), srv);
      });
    }
  }

  it('required without a client certificate: handshake_failure with cert_no_certificate', async () => {
    const o = await handshake({}, { ...rsaServer, requestCert: 'required', ca: pki.ca });
    expect(errCode(o.server)).toBe('cert_no_certificate');
    expect(errCode(o.client)).toBe('peer_alert_handshake_failure');
  });

  it('optional without a client certificate: accepted, nothing to report', async () => {
    const o = await handshake({}, { ...rsaServer, requestCert: 'optional', ca: pki.ca });
    const srv = ok(o.server);
    expect(srv.peerCertificate()).toBeUndefined();
    expect(srv.verification.ok).toBe(false);
    await exchange(ok(o.client), srv);
  });

  it('optional with a certificate from an unknown CA: refused (a certificate sent is always checked)', async () => {
    const o = await handshake(
      { cert: pki.clientRsa.chain, key: pki.clientRsa.key },
      { ...rsaServer, requestCert: 'optional', ca: pki.caEcdsa },
    );
    expect(errCode(o.server)).toBe('cert_untrusted');
    expect(errCode(o.client)).toBe('peer_alert_unknown_ca');
  });

  it('a server certificate is not accepted as a client certificate (clientAuth purpose)', async () => {
    const o = await handshake(
      { cert: pki.serverRsa.chain, key: pki.serverRsa.key },
      { ...rsaServer, requestCert: 'required', ca: pki.ca },
    );
    expect(errCode(o.server)).toMatch(/^cert_/);
    expect(o.client.status).toBe('rejected');
  });

  it('none: no CertificateRequest, the client certificate is never sent', async () => {
    const o = await handshake({ cert: pki.clientRsa.chain, key: pki.clientRsa.key }, { ...rsaServer });
    const srv = ok(o.server);
    expect(srv.peerCertificate()).toBeUndefined();
    expect(srv.verification).toMatchObject({ ok: false, code: 'not_verified' });
    await exchange(ok(o.client), srv);
  });

  it('a certificate without CertificateVerify is refused (unexpected_message)', async () => {
    let dropped = false;
    const o = await handshake(
      { cert: pki.clientRsa.chain, key: pki.clientRsa.key },
      { ...rsaServer, requestCert: 'required', ca: pki.ca },
      rewriteClientRecords((type, frag) => {
        if (type === 22 && frag[0] === 15) {
          dropped = true;
          return null;
        }
        return frag;
      }),
    );
    expect(dropped).toBe(true);
    expect(errCode(o.server)).toBe('protocol_unexpected_message');
  });

  it('a CertificateVerify that does not verify: decrypt_error', async () => {
    const o = await handshake(
      { cert: pki.clientEcdsa.chain, key: pki.clientEcdsa.key },
      { ...rsaServer, requestCert: 'required', ca: pki.ca },
      rewriteClientRecords((type, frag) => {
        if (type === 22 && frag[0] === 15) frag[frag.length - 3] ^= 1;
        return frag;
      }),
    );
    expect(errCode(o.server)).toBe('crypto_bad_signature');
    expect(errCode(o.client)).toBe('peer_alert_decrypt_error');
  });

  it('CertificateRequest names the trust anchors (both subjects are in the server flight)', async () => {
    const anchors = loadCertificates([pki.ca, pki.caEcdsa]);
    let flight = Buffer.alloc(0);
    const [a, b] = memoryPair();
    const spy = {
      readable: a.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            flight = Buffer.concat([flight, chunk]);
            c.enqueue(chunk);
          },
        }),
      ),
      writable: a.writable,
    };
    const [c, s] = await Promise.allSettled([
      connect({ transport: spy, ca: pki.ca, serverName: 'localhost', cert: pki.clientRsa.chain, key: pki.clientRsa.key, maxVersion: 'TLSv1.2' }),
      accept({ transport: b, ...rsaServer, requestCert: 'required', ca: [pki.ca, pki.caEcdsa] }),
    ]);
    expect(ok(c).version).toBe('TLSv1.2');
    expect(ok(s).verification).toEqual({ ok: true });
    for (const x of anchors) expect(flight.includes(Buffer.from(x.subject.der))).toBe(true);
  });
});

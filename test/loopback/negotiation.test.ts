import type { CipherSuiteName } from '../../src/crypto/suites.js';
/** Version, suite, ALPN and SNI negotiation, downgrade defences and configuration errors, client ↔ server. */
import { describe, it, expect } from 'vitest';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { handshake, ok, exchange, errCode, rsaServer, ecdsaServer, rewriteClientRecords } from './harness.js';
import { createServerContext, accept } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import { pki } from '../helpers/pki.js';

type V = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2';
const V: V[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];
const ranges = V.flatMap((lo, i) => V.slice(i).map((hi) => [lo, hi] as const));
const idx = (v: V) => V.indexOf(v);

describe('version negotiation table (client range × server range)', () => {
  for (const [cMin, cMax] of ranges) {
    for (const [sMin, sMax] of ranges) {
      const lo = Math.max(idx(cMin), idx(sMin));
      const hi = Math.min(idx(cMax), idx(sMax));
      const want = lo <= hi ? V[hi] : null;
      it(`client ${cMin}..${cMax} × server ${sMin}..${sMax} → ${want ?? 'protocol_version'}`, async () => {
        const o = await handshake(
          { minVersion: cMin, maxVersion: cMax, cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] },
          { ...rsaServer, minVersion: sMin, maxVersion: sMax },
        );
        if (want) {
          expect(ok(o.client).version).toBe(want);
          expect(ok(o.server).version).toBe(want);
          return;
        }
        // The side that sees the mismatch first refuses with protocol_version; the other hears the alert.
        const codes = [errCode(o.client), errCode(o.server)];
        if (idx(cMax) < idx(sMin)) expect(codes).toEqual(['peer_alert_protocol_version', 'protocol_version']);
        else expect(codes[0]).toBe('protocol_version');
      });
    }
  }
});

describe('downgrade defences', () => {
  it('TLS_FALLBACK_SCSV from a client whose maximum is below ours: inappropriate_fallback', async () => {
    const o = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', fallback: true }, { ...rsaServer, minVersion: 'TLSv1' });
    expect(errCode(o.server)).toBe('protocol_inappropriate_fallback');
    expect(errCode(o.client)).toBe('peer_alert_inappropriate_fallback');
  });

  it('TLS_FALLBACK_SCSV at our maximum is fine', async () => {
    const o = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', fallback: true }, { ...rsaServer, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    expect(ok(o.server).version).toBe('TLSv1.1');
  });

  it('a ClientHello rewritten to offer 1.1 meets the sentinel: a 1.2 client refuses the downgrade', async () => {
    const o = await handshake(
      { minVersion: 'TLSv1', maxVersion: 'TLSv1.2' },
      { ...rsaServer, minVersion: 'TLSv1' },
      rewriteClientRecords((type, frag) => {
        if (type === 22 && frag[0] === 1) frag[5] = 0x02; // client_version 0x0303 → 0x0302
        return frag;
      }),
    );
    expect(errCode(o.client)).toBe('protocol_downgrade');
  });

  it('a server that only speaks up to 1.1 sets no sentinel: the same client settles on 1.1', async () => {
    const o = await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.2' }, { ...rsaServer, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    expect(ok(o.client).version).toBe('TLSv1.1');
  });
});

describe('suite choice', () => {
  const c: CipherSuiteName[] = ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'];
  const s: CipherSuiteName[] = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'];
  it('server preference by default', async () => {
    const o = await handshake({ cipherSuites: c }, { ...rsaServer, cipherSuites: s });
    expect(ok(o.server).cipherSuite).toBe(s[0]);
  });
  it('client preference with honorCipherOrder: false', async () => {
    const o = await handshake({ cipherSuites: c }, { ...rsaServer, cipherSuites: s, honorCipherOrder: false });
    expect(ok(o.server).cipherSuite).toBe(c[0]);
  });
  it('skips suites not defined for the negotiated version', async () => {
    const o = await handshake(
      { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' },
      { ...rsaServer, minVersion: 'TLSv1', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_CBC_SHA'] },
    );
    expect(ok(o.server).cipherSuite).toBe('TLS_RSA_WITH_AES_256_CBC_SHA');
  });
  it('no suite in common: handshake_failure', async () => {
    const o = await handshake({ cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, { ...rsaServer });
    expect(errCode(o.server)).toBe('protocol_no_shared_cipher');
    expect(errCode(o.client)).toBe('peer_alert_handshake_failure');
  });
  it('ECDHE needs a shared curve; DHE uses an RFC 7919 group the client offered', async () => {
    const o = await handshake(
      { groups: ['ffdhe3072'], cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'] },
      { ...rsaServer },
    );
    expect(ok(o.server).cipherSuite).toBe('TLS_DHE_RSA_WITH_AES_128_GCM_SHA256');
  });
  it('each ECDHE curve the client names is usable (x448 too, RFC 8422 §5.1.1)', async () => {
    for (const g of ['x25519', 'secp256r1', 'secp384r1', 'x448'] as const) {
      // The client also names P-256, the ECDSA certificate's curve (RFC 8422 §5.1: the server must respect the
      // client's curves for its certificate too); the server's only group decides the key exchange.
      const o = await handshake({ groups: g === 'secp256r1' ? [g] : [g, 'secp256r1'], maxVersion: 'TLSv1.2' }, { ...ecdsaServer, groups: [g] });
      expect(ok(o.server).cipherSuite).toMatch(/ECDHE_ECDSA/);
      expect(ok(o.client).group).toBe(g);
    }
  });
  it('an ECDSA certificate on a curve the client did not name is not chosen (RFC 8422 §5.1)', async () => {
    const o = await handshake({ groups: ['x25519'], maxVersion: 'TLSv1.2' }, { identities: [ecdsaServer, rsaServer] });
    expect(ok(o.server).cipherSuite).toMatch(/ECDHE_RSA/);
    const alone = await handshake({ groups: ['x25519'], maxVersion: 'TLSv1.2' }, ecdsaServer);
    expect(errCode(alone.server)).toBe('protocol_no_shared_cipher');
  });
  it('RSA and ECDSA identities side by side: the client\'s suites decide', async () => {
    for (const [suite, isEc] of [['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', true], ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', false]] as const) {
      const o = await handshake({ cipherSuites: [suite] }, { identities: [rsaServer, ecdsaServer] });
      const leaf = Buffer.from(ok(o.client).peerCertificateChain()[0]!);
      expect(leaf.includes(Buffer.from('2a8648ce3d0201', 'hex'))).toBe(isEc);
    }
  });
});

describe('ALPN and SNI', () => {
  it('ALPN: the server picks its first protocol the client offers', async () => {
    const o = await handshake({ alpnProtocols: ['http/1.1', 'h2'] }, { ...rsaServer, alpnProtocols: ['h2', 'http/1.1'] });
    expect(ok(o.client).alpnProtocol).toBe('h2');
    expect(ok(o.server).alpnProtocol).toBe('h2');
  });
  it('ALPN without overlap: no_application_protocol', async () => {
    const o = await handshake({ alpnProtocols: ['spdy/3'] }, { ...rsaServer, alpnProtocols: ['h2'] });
    expect(errCode(o.server)).toBe('protocol_no_application_protocol');
    expect(errCode(o.client)).toBe('peer_alert_no_application_protocol');
  });
  it('ALPN not configured on the server: no protocol, no failure', async () => {
    const o = await handshake({ alpnProtocols: ['h2'] }, { ...rsaServer });
    expect(ok(o.client).alpnProtocol).toBeUndefined();
  });
  it('SNI picks the identity whose certificate names the host, and is visible on the server', async () => {
    // An identity that does not name "localhost" listed first; SNI must skip it.
    const other = selfSigned('other.example');
    const o = await handshake({ serverName: 'localhost' }, { identities: [other, rsaServer] });
    expect(ok(o.server).serverName).toBe('localhost');
    expect(ok(o.client).verification).toEqual({ ok: true });
  });
  it('sniCallback chooses a virtual host (a context or an identity)', async () => {
    const other = selfSigned('other.example');
    const seen: string[] = [];
    const vhost = createServerContext({ ...ecdsaServer });
    const o = await handshake({ serverName: 'localhost', cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, {
      ...other,
      sniCallback: (name) => {
        seen.push(name);
        return name === 'localhost' ? vhost : undefined;
      },
    });
    expect(seen).toEqual(['localhost']);
    expect(ok(o.client).cipherSuite).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    const o2 = await handshake({ serverName: 'localhost' }, { ...other, sniCallback: () => rsaServer });
    expect(ok(o2.client).verification).toEqual({ ok: true });
  });
});

describe('configuration', () => {
  it('a key that does not match its certificate is refused by createServerContext and accept, before any byte', async () => {
    expect(() => createServerContext({ cert: pki.serverRsa.chain, key: pki.clientRsa.key })).toThrow(expect.objectContaining({ code: 'config_key_mismatch' }));
    const [, b] = memoryPair();
    let wrote = false;
    const transport = { readable: b.readable, writable: new WritableStream<Uint8Array>({ write: () => void (wrote = true) }) };
    await expect(accept({ transport, cert: pki.serverEcdsa.chain, key: pki.serverRsa.key })).rejects.toMatchObject({ code: 'config_key_mismatch' });
    expect(wrote).toBe(false);
  });
  it('an unknown suite, a suite set no certificate fits, and a missing key are configuration errors', () => {
    // @ts-expect-error: not a suite name (plain JS callers get config_invalid)
    expect(() => createServerContext({ ...rsaServer, cipherSuites: ['TLS_BOGUS'] })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => createServerContext({ ...rsaServer, cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => createServerContext({ cert: pki.serverRsa.chain })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
  it('keys in PKCS#1, SEC1 and encrypted PKCS#8 (with passphrase) work; a wrong passphrase is refused', async () => {
    const enc = createPrivateKey(pki.serverRsa.key).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'hunter2' }) as string;
    expect(() => createServerContext({ cert: pki.serverRsa.chain, key: enc, passphrase: 'wrong' })).toThrow(expect.objectContaining({ code: expect.stringMatching(/^config_/) }));
    for (const server of [
      { cert: pki.serverRsa.chain, key: enc, passphrase: 'hunter2' },
      { cert: pki.serverRsa.chain, key: pki.serverRsaPkcs1Key },
      { cert: pki.serverEcdsa.chain, key: pki.serverEcdsaSec1Key },
    ]) {
      const o = await handshake({}, server);
      await exchange(ok(o.client), ok(o.server));
    }
  });
  it('one context serves many connections', async () => {
    const context = createServerContext({ identities: [rsaServer, ecdsaServer] });
    for (let i = 0; i < 3; i++) {
      const o = await handshake({}, { context });
      await exchange(ok(o.client), ok(o.server));
    }
  });
});

/** A throwaway self-signed ECDSA identity for a name other than localhost. */
function selfSigned(name: string): { cert: string; key: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  return { cert: makeCert(name, key), key };
}

function makeCert(name: string, keyPem: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'puretls-sni-'));
  try {
    writeFileSync(path.join(dir, 'k.pem'), keyPem);
    return execFileSync('openssl', ['req', '-new', '-x509', '-key', path.join(dir, 'k.pem'), '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-days', '30'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

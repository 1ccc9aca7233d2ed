/**
 * Our client against `openssl s_server -www` on 127.0.0.1: every suite the project claims, in every version it is
 * defined for, with RSA and ECDSA certificates, verified against the test PKI; then version negotiation,
 * fallback signalling and the TLS 1.0 record split as seen on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TlsError, type ByteStream } from '../../src/index.js';
import { getPage } from '../helpers/client.js';
import { CIPHER_SUITES, TLS10, TLS11, TLS12, suiteAllowedIn } from '../../src/crypto/suites.js';
import { opensslAvailable, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

const VERSIONS = [
  { v: TLS12, name: 'TLSv1.2', flag: '-tls1_2' },
  { v: TLS11, name: 'TLSv1.1', flag: '-tls1_1' },
  { v: TLS10, name: 'TLSv1', flag: '-tls1' },
] as const;

describe.skipIf(!opensslAvailable())('client ↔ openssl s_server', () => {
  const servers = new Map<string, RunningServer>();
  beforeAll(async () => {
    for (const { name, flag } of VERSIONS) {
      for (const key of ['RSA', 'ECDSA'] as const) {
        const id = key === 'RSA' ? pki.serverRsa : pki.serverEcdsa;
        servers.set(
          `${name}/${key}`,
          await startServer({
            cert: id.certPath,
            key: id.keyPath,
            chain: pki.intermediatePath,
            args: [flag, '-www', '-cipher', 'ALL:@SECLEVEL=0'],
          }),
        );
      }
    }
  });
  afterAll(() => stopAll());

  for (const { v, name } of VERSIONS) {
    for (const suite of CIPHER_SUITES.filter((s) => suiteAllowedIn(s, v))) {
      it(`${name} ${suite.name}`, async () => {
        const port = servers.get(`${name}/${suite.auth}`)!.port;
        const { conn, text } = await getPage(port, { minVersion: name, maxVersion: name, cipherSuites: [suite.name] });
        expect(conn.version).toBe(name);
        expect(conn.cipherSuite).toBe(suite.name);
        expect(conn.verification).toEqual({ ok: true });
        expect(conn.peerCertificateChain()).toHaveLength(2);
        expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
        // s_server -www echoes the negotiated cipher in its page.
        expect(text).toContain(suite.openssl);
      });
    }
  }

  it('negotiates the highest common version in the range', async () => {
    for (const [srv, want] of [
      ['TLSv1.1/RSA', 'TLSv1.1'],
      ['TLSv1/RSA', 'TLSv1'],
      ['TLSv1.2/RSA', 'TLSv1.2'],
    ] as const) {
      const { conn } = await getPage(servers.get(srv)!.port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.2' });
      expect(conn.version).toBe(want);
    }
  });

  it('refuses a server below the default minimum (TLS 1.2 to 1.3 by default)', async () => {
    // The default ClientHello lists only 1.3 and 1.2 in supported_versions: the 1.1-only OpenSSL refuses it itself.
    const err = await getPage(servers.get('TLSv1.1/RSA')!.port, {}).catch((e) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(err.code).toBe('peer_alert_protocol_version');
    // A 1.2 ClientHello (no supported_versions) gets a 1.1 ServerHello, which our client refuses.
    const err12 = await getPage(servers.get('TLSv1.1/RSA')!.port, { maxVersion: 'TLSv1.2' }).catch((e) => e);
    expect(err12).toBeInstanceOf(TlsError);
    expect(err12.code).toBe('protocol_version');
  });

  it('TLS_FALLBACK_SCSV makes a 1.2-capable server refuse a fallback connection', async () => {
    const err = await getPage(servers.get('TLSv1.2/RSA')!.port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', fallback: true }).catch((e) => e);
    // A server pinned to 1.2 cannot speak 1.1 at all; start one that can do both to see inappropriate_fallback.
    expect(err).toBeInstanceOf(TlsError);
    const both = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-www', '-cipher', 'ALL:@SECLEVEL=0'],
    });
    try {
      const e2 = await getPage(both.port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1', fallback: true }).catch((e) => e);
      expect(e2).toBeInstanceOf(TlsError);
      expect(e2.code).toBe('peer_alert_inappropriate_fallback');
      // Without the fallback mark the same server happily speaks 1.1.
      const { conn } = await getPage(both.port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      expect(conn.version).toBe('TLSv1.1');
    } finally {
      await both.stop();
    }
  });

  it('splits TLS 1.0 CBC application data 1/n-1 on the wire', async () => {
    const records: { type: number; len: number }[] = [];
    /** Passes writes through to the transport, noting the records that go out. */
    const tap = (t: ByteStream): ByteStream => {
      const w = t.writable.getWriter();
      let buf = new Uint8Array(0);
      return {
        readable: t.readable,
        writable: new WritableStream<Uint8Array>({
          write(chunk) {
            const nb = new Uint8Array(buf.length + chunk.length);
            nb.set(buf);
            nb.set(chunk, buf.length);
            buf = nb;
            while (buf.length >= 5 && buf.length >= 5 + ((buf[3]! << 8) | buf[4]!)) {
              const len = (buf[3]! << 8) | buf[4]!;
              records.push({ type: buf[0]!, len });
              buf = buf.subarray(5 + len);
            }
            return w.write(chunk);
          },
          close: () => w.close(),
          abort: (r) => w.abort(r),
        }),
      };
    };
    const appRecords = async (encryptThenMac: boolean) => {
      records.length = 0;
      await getPage(
        servers.get('TLSv1/RSA')!.port,
        { minVersion: 'TLSv1', maxVersion: 'TLSv1', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'], encryptThenMac },
        tap,
      );
      return records.filter((r) => r.type === 23).map((r) => r.len);
    };
    // "GET / HTTP/1.0\r\n\r\n" is 18 bytes, sent as 1 byte then 17.
    // MAC-then-encrypt: 1+20 → 32, 17+20 → 48 (with padding).
    expect((await appRecords(false)).slice(0, 2)).toEqual([32, 48]);
    // Encrypt-then-MAC (OpenSSL agrees to it): 1 → 16 + 20, 17 → 32 + 20.
    expect((await appRecords(true)).slice(0, 2)).toEqual([36, 52]);
  });
});

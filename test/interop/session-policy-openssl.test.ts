/**
 * Sessions made with OpenSSL carry what their full handshake relied on (state-policy.test.ts has the puretls-only
 * version): our client against `openssl s_server -www` (TLS 1.2 tickets and TLS 1.3 tickets) and our server against
 * `openssl s_client -sess_out / -sess_in`, on 127.0.0.1 with ephemeral ports; every peer is stopped afterwards.
 *  - expiry: with our clock past the notAfter of the test PKI (2054-01-01, injected `now`) a session is not
 *    resumed, and the full handshake refuses the expired chain (client: the server's; server: the client's);
 *  - signature algorithms: a narrower signatureAlgorithms does a full handshake (s_server says "New");
 *  - OCSP: s_server staples a 10-minute response (-status_file); past its nextUpdate a requestOcsp client does not
 *    resume, and the full handshake refuses the now stale staple.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectOptions, TlsConnection, TlsSession } from '../../src/index.js';
import { opensslAvailable, runClient, startServer, stopAll } from '../helpers/openssl.js';
import { getPage } from '../helpers/client.js';
import { pki } from '../helpers/pki.js';
import { shortStaple } from '../helpers/ocsp-staple.js';
import { listenTls, readLine } from './server-harness.js';

const has = opensslAvailable();
const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-session-policy-'));
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const EXPIRY = Date.UTC(2054, 0, 1);
const MIN = 60_000;
const at = (ms: number) => () => new Date(ms);
const versions = [
  ['TLSv1.2', '-tls1_2'],
  ['TLSv1.3', '-tls1_3'],
] as const;

/** A page from s_server -www; the session to offer next (TLS 1.3: a ticket not used yet). */
async function page(port: number, opts: Partial<ConnectOptions>): Promise<{ conn?: TlsConnection; text?: string; sessions: TlsSession[]; error?: string }> {
  try {
    const r = await getPage(port, opts);
    return { conn: r.conn, text: r.text, sessions: r.sessions.length ? r.sessions : r.conn.session ? [r.conn.session] : [] };
  } catch (e) {
    return { error: (e as { code?: string }).code ?? String(e), sessions: [] };
  }
}

describe.skipIf(!has)('our client, sessions from openssl s_server', () => {
  for (const [version, flag] of versions) {
    it(`${version}: not resumed once the server's chain has expired by our clock (the full handshake: cert_expired)`, async () => {
      const server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', flag] });
      try {
        const first = await page(server.port, { maxVersion: version, now: at(EXPIRY - 30 * MIN) });
        expect(first.text).toMatch(/\bNew, TLSv1\.[23]/);
        const [s1, s2] = first.sessions;
        expect(s1!.notAfter).toBe(EXPIRY);
        const before = await page(server.port, { maxVersion: version, session: s1!, now: at(EXPIRY - 10 * MIN) });
        expect(before.conn!.resumed).toBe(true);
        expect(before.text).toMatch(/\bReused, TLSv1\.[23]/);
        const after = await page(server.port, { maxVersion: version, session: version === 'TLSv1.3' ? s2 ?? before.sessions[0]! : s1!, now: at(EXPIRY + 10 * MIN) });
        expect(after.error).toBe('cert_expired');
      } finally {
        await server.stop();
      }
    });

    it(`${version}: a narrower signatureAlgorithms than the server signed with does a full handshake`, async () => {
      const server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', flag] });
      try {
        // rsa_pkcs1_sha256 for the certificates (signature_algorithms_cert in 1.3; never a 1.3 CertificateVerify).
        const first = await page(server.port, { maxVersion: version, signatureAlgorithms: ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256'] });
        const s = first.sessions[0]!;
        expect(s.signatureScheme).toBe(0x0804);
        const narrow = await page(server.port, { maxVersion: version, session: s, signatureAlgorithms: ['rsa_pss_rsae_sha384', 'rsa_pkcs1_sha256'] });
        expect(narrow.conn!.resumed).toBe(false);
        expect(narrow.text).toMatch(/\bNew, TLSv1\.[23]/);
        expect(narrow.sessions[0]!.signatureScheme).toBe(0x0805);
        const same = await page(server.port, { maxVersion: version, session: narrow.sessions[0]!, signatureAlgorithms: ['rsa_pss_rsae_sha384', 'rsa_pkcs1_sha256'] });
        expect(same.text).toMatch(/\bReused, TLSv1\.[23]/);
      } finally {
        await server.stop();
      }
    });

    it(`${version}: with requestOcsp, not resumed past the staple's nextUpdate (the full handshake refuses the stale staple)`, async () => {
      const staple = shortStaple(dir, 10);
      const t0 = Date.now();
      const server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', flag, '-status_file', staple.path] });
      try {
        const first = await page(server.port, { maxVersion: version, requestOcsp: true, now: at(t0) });
        expect(first.conn!.ocspResponse).toEqual(staple.der);
        const [s1, s2] = first.sessions;
        expect(s1!.ocspNextUpdate).toBeGreaterThan(t0);
        const before = await page(server.port, { maxVersion: version, requestOcsp: true, session: s1!, now: at(t0 + 5 * MIN) });
        expect(before.text).toMatch(/\bReused, TLSv1\.[23]/);
        const after = await page(server.port, { maxVersion: version, requestOcsp: true, session: version === 'TLSv1.3' ? s2 ?? before.sessions[0]! : s1!, now: at(t0 + 30 * MIN) });
        expect(after.error).toBe('protocol_bad_certificate_status');
      } finally {
        await server.stop();
      }
    });
  }
});

interface Served {
  resumed?: boolean;
  verified?: boolean;
  error?: { code: string; message: string };
}

async function serve(conn: TlsConnection): Promise<Served> {
  await readLine(conn);
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('ok\n'));
  w.releaseLock();
  await conn.close();
  return { resumed: conn.resumed, verified: conn.verification.ok };
}

describe.skipIf(!has)('our server, sessions from openssl s_client (client certificates)', () => {
  const keys = [{ name: new Uint8Array(16).fill(5), key: new Uint8Array(32).fill(6) }];
  const base = { cert: pki.serverRsa.chain, key: pki.serverRsa.key, requestCert: 'required' as const, ca: pki.ca, ticketKeys: keys, sessionTimeout: 86_400 };
  const clientArgs = ['-CAfile', pki.caPath, '-servername', 'localhost', '-cert', pki.clientRsa.certPath, '-key', pki.clientRsa.keyPath, '-cert_chain', pki.intermediatePath, '-ign_eof'];
  let files = 0;
  const sessFile = () => path.join(dir, `${++files}-sess.pem`);
  const s_client = (port: number, flag: string, args: string[]) => runClient({ port, args: [flag, ...clientArgs, ...args], input: 'hello\n', timeoutMs: 20000 });

  for (const [version, flag] of versions) {
    it(`${version}: not resumed once the client's chain has expired by our clock (the full handshake: cert_expired)`, async () => {
      let clock = EXPIRY - 30 * MIN;
      const l = await listenTls({ ...base, now: () => new Date(clock) }, serve);
      try {
        const sess = sessFile();
        await s_client(l.port, flag, ['-sess_out', sess]);
        expect(await l.next()).toMatchObject({ resumed: false, verified: true });
        clock = EXPIRY - 10 * MIN;
        const sess2 = sessFile();
        await s_client(l.port, flag, ['-sess_in', sess, '-sess_out', sess2]);
        expect(await l.next()).toMatchObject({ resumed: true, verified: true });
        clock = EXPIRY + 10 * MIN;
        // s_client writes no -sess_out after a TLS 1.2 resumption: the first ticket again there.
        await s_client(l.port, flag, ['-sess_in', version === 'TLSv1.3' ? sess2 : sess]);
        expect((await l.next()).error?.code).toBe('cert_expired');
      } finally {
        await l.close();
      }
    });

    it(`${version}: not resumed where signatureAlgorithms leaves out the client's CertificateVerify scheme`, async () => {
      const wide = await listenTls({ ...base, signatureAlgorithms: ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384'] }, serve);
      const narrow = await listenTls({ ...base, signatureAlgorithms: ['rsa_pss_rsae_sha384'] }, serve);
      try {
        const sess = sessFile();
        // s_client signs its CertificateVerify with rsa_pss_rsae_sha256 when offered (its first RSA-PSS choice).
        await s_client(wide.port, flag, ['-sess_out', sess, '-client_sigalgs', 'rsa_pss_rsae_sha256']);
        expect(await wide.next()).toMatchObject({ resumed: false, verified: true });
        await s_client(narrow.port, flag, ['-sess_in', sess]);
        expect(await narrow.next()).toMatchObject({ resumed: false, verified: true });
        // The control: the same ticket resumes where the scheme is still accepted.
        await s_client(wide.port, flag, ['-sess_in', sess]);
        expect(await wide.next()).toMatchObject({ resumed: true, verified: true });
      } finally {
        await wide.close();
        await narrow.close();
      }
    });
  }
});

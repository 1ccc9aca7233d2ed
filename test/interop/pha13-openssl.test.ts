/**
 * TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2) against OpenSSL, both roles, on 127.0.0.1:
 * - our client ↔ `openssl s_server -tls1_3`, with `c` typed into s_server (SSL_verify_client_post_handshake):
 *   once with VerifyMode RequestPostHandshake (no CertificateRequest in the handshake: the certificate goes only
 *   after it), once with `-verify 1` (asked in the handshake and again after it);
 * - `openssl s_client -tls1_3 -enable_pha -cert ... -key ...` → accept(), whose connection calls
 *   requestClientCertificate() and reports the verified certificate; and s_client without -enable_pha is refused
 *   the request (config_invalid) while the connection goes on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accept, connect, nodeStream, type TlsConnection } from '../../src/index.js';
import { tcp } from '../helpers/client.js';
import { opensslAvailable, runClient, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function until(what: string, cond: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reads everything the connection delivers in the background (so post-handshake messages get processed). */
function drain(conn: TlsConnection): { text: () => string; done: Promise<unknown> } {
  let text = '';
  const r = conn.readable.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done } = await r.read();
      if (done) return;
      text += dec.decode(value);
    }
  })().catch((e: unknown) => e);
  return { text: () => text, done };
}

describe.skipIf(!opensslAvailable())('TLS 1.3 post-handshake auth: our client ↔ openssl s_server (c command)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'puretls-pha-'));
  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  async function phaAgainst(server: RunningServer, key: 'RSA' | 'ECDSA', inHandshake: boolean) {
    const id = key === 'RSA' ? pki.clientRsa : pki.clientEcdsa;
    const sock = await tcp(server.port);
    try {
      const conn = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3', cert: id.chain, key: id.key });
      expect(conn.version).toBe('TLSv1.3');
      const reading = drain(conn);
      await until('the handshake on s_server', () => /CIPHER is/.test(server.output()));
      const before = server.output().length;
      server.write('c\n');
      // s_server prints the messages it receives (-msg): our Certificate, CertificateVerify and Finished.
      // s_server writes its -msg trace and its verify lines ("depth=0 CN = ...") to different streams, so wait for both.
      const cn = `CN = puretls test client ${key === 'RSA' ? 'rsa' : 'ecdsa'}`;
      await until('the post-handshake answer', () => {
        const o = server.output().slice(before);
        return /<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], Finished/.test(o) && o.includes(cn);
      });
      const after = server.output().slice(before);
      expect(after).toMatch(/>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/);
      expect(after).toMatch(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], Certificate\n/);
      expect(after).toMatch(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateVerify/);
      expect(after).toContain(cn);
      expect(after).not.toMatch(/verify error|alert/i);
      // The handshake itself asked for a certificate only where s_server was told to.
      const handshakePart = server.output().slice(0, before);
      expect(/CertificateRequest/.test(handshakePart)).toBe(inHandshake);
      // The connection goes on, both ways.
      const w = conn.writable.getWriter();
      await w.write(enc.encode('after pha\n'));
      await until('our data on s_server', () => server.output().includes('after pha'));
      server.write('from s_server\n');
      await until('s_server data on our side', () => reading.text().includes('from s_server'));
      await conn.close();
    } finally {
      sock.destroy();
    }
  }

  it('VerifyMode RequestPostHandshake: no CertificateRequest in the handshake, the certificate goes after it (RSA)', async () => {
    const cnf = path.join(dir, 'pha.cnf');
    writeFileSync(
      cnf,
      ['openssl_conf = openssl_init', '[openssl_init]', 'ssl_conf = ssl_module', '[ssl_module]', 'system_default = tls_defaults', '[tls_defaults]', 'VerifyMode = Request,RequestPostHandshake', ''].join('\n'),
    );
    const server = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-tls1_3', '-CAfile', pki.caPath, '-msg'],
      env: { ...process.env, OPENSSL_CONF: cnf },
    });
    try {
      await phaAgainst(server, 'RSA', false);
    } finally {
      await server.stop();
    }
  });

  it('-verify 1: asked in the handshake and again after it (ECDSA)', async () => {
    const server = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-tls1_3', '-verify', '2', '-CAfile', pki.caPath, '-verify_return_error', '-msg'],
    });
    try {
      await phaAgainst(server, 'ECDSA', true);
    } finally {
      await server.stop();
    }
  });
});

describe.skipIf(!opensslAvailable())('TLS 1.3 post-handshake auth: openssl s_client -enable_pha → accept()', () => {
  /** One accept() whose connection asks for a client certificate after the first line, and reports what it got. */
  async function serveOnce(opts: { ca?: string }) {
    type Outcome = { subject?: string; peerSubject?: string; error?: string; verification?: unknown };
    let resolveOutcome!: (v: Outcome) => void;
    const outcome = new Promise<Outcome>((r) => (resolveOutcome = r));
    const srv = net.createServer(async (sock) => {
      try {
        const conn = await accept({
          transport: nodeStream(sock),
          cert: pki.serverRsa.chain,
          key: pki.serverRsa.key,
          maxVersion: 'TLSv1.3',
          ...(opts.ca ? { ca: opts.ca } : {}),
        });
        const r = conn.readable.getReader();
        const w = conn.writable.getWriter();
        let got = '';
        while (!got.includes('\n')) {
          const { value, done } = await r.read();
          if (done) break;
          got += dec.decode(value);
        }
        // The answer comes with the application data: keep reading while the request waits for it.
        const reading = (async () => {
          for (;;) {
            const { done } = await r.read();
            if (done) return;
          }
        })().catch(() => {});
        const result: Outcome = { ...(conn.peerCertificate() ? { error: 'a certificate before the request' } : {}) };
        try {
          const cert = await conn.requestClientCertificate();
          result.subject = String(cert?.subject?.flat().find(([k]) => k === 'commonName')?.[1]);
          result.verification = conn.verification;
          // peerCertificate() reports it from now on (the handshake itself asked for nothing).
          result.peerSubject = String(conn.peerCertificate()?.subject?.flat().find(([k]) => k === 'commonName')?.[1]);
          await w.write(enc.encode(`pha ok: ${result.subject}\n`));
        } catch (e) {
          result.error = (e as { code?: string }).code ?? String(e);
          await w.write(enc.encode(`pha refused: ${result.error}\n`));
        }
        await conn.close();
        await reading;
        resolveOutcome(result);
      } catch (e) {
        resolveOutcome({ error: `accept: ${(e as { code?: string }).code ?? String(e)}` });
      } finally {
        sock.destroy();
      }
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.address() as net.AddressInfo).port;
    return { port, outcome, close: () => new Promise<void>((res) => srv.close(() => res())) };
  }

  for (const [kind, id] of [['RSA', pki.clientRsa], ['ECDSA', pki.clientEcdsa]] as const) {
    it(`s_client -enable_pha with an ${kind} certificate: requestClientCertificate() resolves with it, verified`, async () => {
      const s = await serveOnce({ ca: pki.ca });
      try {
        const r = await runClient({
          port: s.port,
          args: ['-tls1_3', '-enable_pha', '-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath, '-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost', '-ign_eof', '-msg'],
          input: 'ping\n',
          timeoutMs: 20000,
        });
        const out = r.stdout + r.stderr;
        const o = await s.outcome;
        expect(o.error).toBeUndefined();
        expect(o.subject).toBe(`puretls test client ${kind === 'RSA' ? 'rsa' : 'ecdsa'}`);
        expect(o.verification).toEqual({ ok: true });
        expect(o.peerSubject).toBe(o.subject);
        expect(out).toMatch(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/);
        expect(out).toMatch(/>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateVerify/);
        expect(out).toContain(`pha ok: puretls test client ${kind === 'RSA' ? 'rsa' : 'ecdsa'}`);
      } finally {
        await s.close();
      }
    });
  }

  it('s_client without -enable_pha: the request is refused (config_invalid) and the connection goes on', async () => {
    const s = await serveOnce({ ca: pki.ca });
    try {
      const r = await runClient({
        port: s.port,
        args: ['-tls1_3', '-cert', pki.clientRsa.certPath, '-key', pki.clientRsa.keyPath, '-CAfile', pki.caPath, '-servername', 'localhost', '-ign_eof'],
        input: 'ping\n',
        timeoutMs: 20000,
      });
      expect((await s.outcome).error).toBe('config_invalid');
      expect(r.stdout).toContain('pha refused: config_invalid');
    } finally {
      await s.close();
    }
  });
});

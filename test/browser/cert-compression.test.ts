/**
 * Headless Chromium → a puretls TLS 1.3 server (createServer on 127.0.0.1): Chromium offers brotli certificate
 * compression (RFC 8879), and the server must have sent its Certificate as a brotli CompressedCertificate that
 * Chromium accepted (the page loads); with compression turned off, the same page loads from a plain Certificate.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { X509Certificate, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type TlsConnection } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM);

describe.skipIf(!haveBrowser)('Chromium → puretls server: certificate compression', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Chromium trusts the server's key outright (no certificate error, so no failed first attempt).
    const spki = new X509Certificate(pki.serverRsa.cert).publicKey.export({ type: 'spki', format: 'der' });
    const pin = createHash('sha256').update(spki).digest('base64');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [`--ignore-certificate-errors-spki-list=${pin}`, '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function fetchFrom(certificateCompression: boolean) {
    const seen: { compression: string | undefined; version: string; group: string | undefined }[] = [];
    const server = createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3', alpnProtocols: ['http/1.1'], certificateCompression }, async (conn: TlsConnection) => {
      seen.push({ compression: conn.certificateCompression, version: conn.version, group: conn.group });
      const r = conn.readable.getReader();
      let req = '';
      while (!req.includes('\r\n\r\n')) {
        const { value, done } = await r.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        req += new TextDecoder().decode(value);
      }
      const body = `compressed: ${conn.certificateCompression ?? 'no'}`;
      const w = conn.writable.getWriter();
      await w.write(new TextEncoder().encode(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)).catch(() => {});
      await w.close().catch(() => {});
    });
    const errors: unknown[] = [];
    server.on('tlsClientError', (e: unknown) => errors.push(e));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as AddressInfo;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const res = await page.goto(`https://127.0.0.1:${port}/`, { timeout: 30000 });
      return { status: res?.status(), text: await page.textContent('body'), seen, errors };
    } finally {
      await context.close();
      await new Promise<void>((res) => server.close(() => res()));
    }
  }

  it('the server sends a brotli CompressedCertificate and Chromium accepts it', async () => {
    const r = await fetchFrom(true);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(200);
    expect(r.text).toContain('compressed: brotli');
    expect(r.seen[0]).toMatchObject({ compression: 'brotli', version: 'TLSv1.3' });
  });

  it('with certificateCompression: false, a plain Certificate', async () => {
    const r = await fetchFrom(false);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(200);
    expect(r.text).toContain('compressed: no');
    expect(r.seen[0]).toMatchObject({ compression: undefined, version: 'TLSv1.3' });
  });
});

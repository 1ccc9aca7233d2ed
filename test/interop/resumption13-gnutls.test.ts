/**
 * TLS 1.3 resumption and 0-RTT, our client against gnutls-serv (a second independent 1.3 server) on 127.0.0.1:
 * its tickets resume, and with --earlydata it accepts our early data (early_data in EncryptedExtensions, then our
 * EndOfEarlyData under the early key and the handshake completes; gnutls-serv prints nothing about early data, so
 * what it read is checked by the handshake completing, not by its output).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectOptions } from '../../src/index.js';
import { getPage } from '../helpers/client.js';
import { gnutlsAvailable, startGnutlsServer, stopAllGnutls } from '../helpers/gnutls.js';
import { pki } from '../helpers/pki.js';

const TLS13_ONLY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3';

/**
 * gnutls-serv --http reads and drops early data (it takes the request from the 1-RTT data only), so the GET goes after
 * the handshake in every case (getPage sends it once connect() returns).
 */
const page = (port: number, opts: Partial<ConnectOptions>) => getPage(port, { maxVersion: 'TLSv1.3', ...opts });

describe.skipIf(!gnutlsAvailable())('TLS 1.3 resumption: our client ↔ gnutls-serv', () => {
  afterAll(() => stopAllGnutls());

  it('a ticket resumes; with --earlydata our 0-RTT data is accepted (EndOfEarlyData under the early key, handshake completes)', async () => {
    const server = await startGnutlsServer({ certChain: pki.serverRsa.chainPath, key: pki.serverRsa.keyPath, priority: TLS13_ONLY, args: ['--earlydata'] });
    try {
      const first = await page(server.port, {});
      expect(first.conn.resumed).toBe(false);
      expect(first.text).toMatch(/^HTTP\/1\.[01] 200/);
      const session = first.sessions[0]!;
      expect(session.maxEarlyData).toBeGreaterThan(0);
      const again = await page(server.port, { session, earlyData: new TextEncoder().encode('X-Early: dropped by gnutls-serv\r\n') });
      expect(again.conn.resumed).toBe(true);
      expect(again.conn.earlyDataAccepted).toBe(true);
      expect(again.text).toMatch(/^HTTP\/1\.[01] 200/);
    } finally {
      await server.stop();
    }
  });
});

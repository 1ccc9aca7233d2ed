/**
 * The Finished verify_data comparison (RFC 5246 §7.4.9), on its own: a Finished whose verify_data is wrong but which
 * is sent under the right keys (so it decrypts and authenticates, unlike every tampered-record test, which fails
 * earlier at bad_record_mac). Removing the comparison in readFinished makes these fail (issue 15: the check had no
 * test that noticed its removal).
 */
import { describe, it, expect } from 'vitest';
import { duel, code, defaultClient, defaultServer, type Script } from './scripted.js';
import type { ClientSpec } from '../../fuzz/scenarios.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';

/** The Finished body (the 12-byte verify_data) with one bit flipped; everything else, keys included, is real. */
const wrongFinished: Script = (s) => {
  if (s.kind !== 'msg' || s.type !== HT.finished) return undefined;
  const body = s.body.slice();
  body[body.length - 1]! ^= 0x01;
  return body;
};

describe('Finished with wrong verify_data under the right keys', () => {
  for (const [label, spec] of [
    ['TLS 1.2 AES-GCM', {}],
    ['TLS 1.2 AES-CBC', { cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'] }],
    ['TLS 1.0 (MD5/SHA-1 PRF)', { minVersion: 'TLSv1', maxVersion: 'TLSv1', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] }],
  ] as [string, ClientSpec][]) {
    it(`${label}: the server refuses the client's Finished with crypto_bad_finished`, async () => {
      const d = await duel({ client: defaultClient(spec), server: defaultServer({ minVersion: 'TLSv1' }), clientScript: wrongFinished });
      await d.pump();
      expect(code(d.server)).toBe('crypto_bad_finished');
      expect(d.server.state).toBe('failed');
    });
    it(`${label}: the client refuses the server's Finished with crypto_bad_finished`, async () => {
      const d = await duel({ client: defaultClient(spec), server: defaultServer({ minVersion: 'TLSv1' }), serverScript: wrongFinished });
      await d.pump();
      expect(code(d.client)).toBe('crypto_bad_finished');
      expect(d.client.state).toBe('failed');
    });
  }

  it('the same exchange with the real verify_data completes (the script changes nothing else)', async () => {
    const d = await duel({ clientScript: () => undefined, serverScript: () => undefined });
    await d.pump();
    expect(d.client.state).toBe('open');
    expect(d.server.state).toBe('open');
  });
});

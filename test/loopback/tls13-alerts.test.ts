/**
 * TLS 1.3 between our own client and server: a client that refuses the server's certificate tells the server why
 * (its alert is protected under the client handshake key, which the server reads by then), and the server reports
 * that alert, not an unexpected record.
 */
import { describe, expect, it } from 'vitest';
import { memoryPair } from '../../src/transport/memory.js';
import { accept } from '../../src/server.js';
import { connect } from '../../src/client.js';
import { pki } from '../helpers/pki.js';

describe('TLS 1.3 alerts during the handshake', () => {
  it("a client that does not trust the server's CA: unknown_ca on both sides", async () => {
    const [a, b] = memoryPair();
    const [c, s] = await Promise.allSettled([
      connect({ transport: a, serverName: 'localhost', ca: pki.caEcdsa, maxVersion: 'TLSv1.3' }),
      accept({ transport: b, cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3' }),
    ]);
    expect(c.status).toBe('rejected');
    expect((c as PromiseRejectedResult).reason.code).toBe('cert_untrusted');
    expect(s.status).toBe('rejected');
    expect((s as PromiseRejectedResult).reason.code).toBe('peer_alert_unknown_ca');
  });

  it('the same pair with the right CA negotiates TLS 1.3', async () => {
    const [a, b] = memoryPair();
    const [c, s] = await Promise.all([
      connect({ transport: a, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3' }),
      accept({ transport: b, cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3' }),
    ]);
    expect(c.version).toBe('TLSv1.3');
    expect(s.version).toBe('TLSv1.3');
    expect(c.group).toBe('X25519MLKEM768'); // the hybrid post-quantum group is the default in 1.3
    await Promise.all([c.close(), s.close()]);
  });

  it('half-close (RFC 8446 §6.1): the server reads the client to its close_notify, then still answers', async () => {
    const [a, b] = memoryPair();
    const [c, s] = await Promise.all([
      connect({ transport: a, serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3' }),
      accept({ transport: b, cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3' }),
    ]);
    const w = c.writable.getWriter();
    await w.write(new TextEncoder().encode('echo me'));
    await w.close();
    let got = '';
    for await (const chunk of s.readable as unknown as AsyncIterable<Uint8Array>) got += new TextDecoder().decode(chunk);
    expect(got).toBe('echo me');
    const sw = s.writable.getWriter();
    await sw.write(new TextEncoder().encode(got));
    await sw.close();
    let back = '';
    for await (const chunk of c.readable as unknown as AsyncIterable<Uint8Array>) back += new TextDecoder().decode(chunk);
    expect(back).toBe('echo me');
  });
});

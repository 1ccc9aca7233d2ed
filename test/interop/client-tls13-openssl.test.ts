/**
 * Our TLS 1.3 client against `openssl s_server -tls1_3` on 127.0.0.1 (RFC 8446): each suite with an RSA and an
 * ECDSA certificate, each group with connection.group naming it, a HelloRetryRequest from a server that takes
 * only secp384r1, a client certificate, the 1.3 key log labels, KeyUpdate both ways; and version negotiation:
 * 1.3 with a default s_server, 1.2 with a `-tls1_2` one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, nodeStream } from '../../src/index.js';
import { getPage, tcp } from '../helpers/client.js';
import { TLS13_CIPHER_SUITES } from '../../src/crypto/suites.js';
import { opensslAvailable, startServer, stopAll, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

describe.skipIf(!opensslAvailable())('TLS 1.3 client ↔ openssl s_server', () => {
  const servers = new Map<string, RunningServer>();
  const serve = async (name: string, key: 'RSA' | 'ECDSA', args: string[]) => {
    const id = key === 'RSA' ? pki.serverRsa : pki.serverEcdsa;
    servers.set(name, await startServer({ cert: id.certPath, key: id.keyPath, chain: pki.intermediatePath, args: ['-www', ...args] }));
  };
  const port = (name: string) => servers.get(name)!.port;
  beforeAll(async () => {
    await serve('1.3/RSA', 'RSA', ['-tls1_3', '-groups', 'x25519:secp256r1:secp384r1:x448:ffdhe2048']);
    await serve('1.3/ECDSA', 'ECDSA', ['-tls1_3']);
    await serve('hrr', 'RSA', ['-tls1_3', '-groups', 'secp384r1']);
    await serve('default', 'RSA', []);
    await serve('1.2', 'RSA', ['-tls1_2']);
    await serve('client-auth', 'RSA', ['-tls1_3', '-Verify', '1', '-CAfile', pki.caPath, '-verify_return_error']);
  });
  afterAll(() => stopAll());

  for (const suite of TLS13_CIPHER_SUITES) {
    for (const key of ['RSA', 'ECDSA'] as const) {
      it(`${suite.name} with ${key}`, async () => {
        const { conn, text } = await getPage(port(`1.3/${key}`), { maxVersion: 'TLSv1.3', cipherSuites: [suite.name] });
        expect(conn.version).toBe('TLSv1.3');
        expect(conn.cipherSuite).toBe(suite.name);
        expect(conn.verification).toEqual({ ok: true });
        expect(conn.peerCertificateChain()).toHaveLength(2);
        expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
        expect(text).toContain(suite.name);
      });
    }
  }

  for (const group of ['x25519', 'secp256r1', 'secp384r1', 'x448', 'ffdhe2048'] as const) {
    it(`key share ${group}: connection.group names it`, async () => {
      const { conn } = await getPage(port('1.3/RSA'), { maxVersion: 'TLSv1.3', groups: [group] });
      expect(conn.version).toBe('TLSv1.3');
      expect(conn.group).toBe(group);
    });
  }

  it('HelloRetryRequest: a server that takes only secp384r1 gets a second ClientHello with a share for it', async () => {
    const lines: string[] = [];
    const { conn, text } = await getPage(port('hrr'), { maxVersion: 'TLSv1.3', keyLog: (l) => lines.push(l) });
    expect(conn.version).toBe('TLSv1.3');
    expect(conn.group).toBe('secp384r1');
    expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
    // Every 1.3 secret Wireshark needs, for the one client random.
    const labels = lines.map((l) => l.split(' ')[0]);
    expect(labels).toEqual(['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET']);
    expect(new Set(lines.map((l) => l.split(' ')[1])).size).toBe(1);
  });

  for (const [key, id] of [['RSA', pki.clientRsa], ['ECDSA', pki.clientEcdsa]] as const) {
    it(`client certificate (${key}) to a server that requires one`, async () => {
      const { conn, text } = await getPage(port('client-auth'), { maxVersion: 'TLSv1.3', cert: id.chain, key: id.key });
      expect(conn.version).toBe('TLSv1.3');
      expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
      expect(servers.get('client-auth')!.output()).not.toMatch(/verify error/i);
    });
  }

  it('without a client certificate, a server that requires one refuses us', async () => {
    await expect(getPage(port('client-auth'), { maxVersion: 'TLSv1.3' })).rejects.toMatchObject({ code: expect.stringMatching(/^peer_alert_(certificate_required|handshake_failure)$/) });
  });

  it('1.3 by default: the client without maxVersion reaches TLS 1.3 with a default s_server', async () => {
    const { conn, text } = await getPage(port('default'), {});
    expect(conn.version).toBe('TLSv1.3');
    expect(text).toMatch(/^HTTP\/1\.0 200 ok/);
  });

  it('the default client gets a clean TLS 1.2 handshake from an s_server -tls1_2 (no downgrade sentinel from it)', async () => {
    const { conn } = await getPage(port('1.2'), {});
    expect(conn.version).toBe('TLSv1.2');
    expect(conn.group).toBe('x25519');
  });

  it('KeyUpdate both ways: data still flows after each side changes its keys', async () => {
    const srv = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-tls1_3', '-msg'] });
    const sock = await tcp(srv.port);
    try {
      const conn = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3' });
      const w = conn.writable.getWriter();
      const r = conn.readable.getReader();
      const readUntil = async (want: string) => {
        let got = '';
        while (!got.includes(want)) {
          const { value, done } = await r.read();
          if (done) throw new Error(`closed before '${want}' (got '${got}')`);
          got += new TextDecoder().decode(value);
        }
      };
      // Ours, asking the server to update too: s_server answers with its own KeyUpdate, then echoes on stdout.
      await conn.updateKeys(true);
      await w.write(new TextEncoder().encode('after-our-update\n'));
      await waitFor(() => srv.output().includes('after-our-update')).catch((e) => {
        throw new Error(`${e.message}: ${srv.output()}`);
      });
      // The server's ('K': update_requested), then data under its new key; we answer with ours.
      srv.write('K\n');
      await new Promise((r) => setTimeout(r, 100));
      srv.write('after-their-update\n');
      await readUntil('after-their-update');
      await w.write(new TextEncoder().encode('still-flowing\n'));
      await waitFor(() => srv.output().includes('still-flowing'));
      // -msg shows the KeyUpdates: theirs sent (OpenSSL folds its answer to ours into it), ours (requested, then answering) received.
      expect(srv.output().match(/^>>> .*KeyUpdate/gm)?.length).toBeGreaterThanOrEqual(1);
      expect(srv.output().match(/^<<< .*KeyUpdate/gm)?.length).toBeGreaterThanOrEqual(2);
      await conn.close();
    } finally {
      sock.destroy();
      await srv.stop();
    }
  });

  it('the write key changes by itself before its record limit (RFC 8446 §5.5), and the server reads on', async () => {
    const srv = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-tls1_3', '-msg'] });
    const sock = await tcp(srv.port);
    try {
      // A limit of 2 records per key stands in for AES-GCM's 2^24.5.
      const conn = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3', limits: { keyUpdateAfterRecords: 2 } });
      const w = conn.writable.getWriter();
      for (let i = 0; i < 6; i++) {
        await w.write(new TextEncoder().encode(`line-${i}\n`));
        await waitFor(() => srv.output().includes(`line-${i}`)); // one record per line
      }
      // 6 records at 2 per key: two updates, none asking the server to answer.
      expect(srv.output().match(/^<<< .*KeyUpdate/gm)?.length).toBe(2);
      expect(srv.output().match(/^>>> .*KeyUpdate/gm)).toBeNull();
      await conn.close();
    } finally {
      sock.destroy();
      await srv.stop();
    }
  });

  it('exportKeyingMaterial gives the bytes openssl exports for the same label (RFC 8446 §7.5)', async () => {
    const srv = await startServer({
      cert: pki.serverRsa.certPath,
      key: pki.serverRsa.keyPath,
      chain: pki.intermediatePath,
      args: ['-tls1_3', '-keymatexport', 'EXPERIMENTAL-puretls', '-keymatexportlen', '40'],
    });
    const sock = await tcp(srv.port);
    try {
      const conn = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca, maxVersion: 'TLSv1.3' });
      const ours = await conn.exportKeyingMaterial(40, 'EXPERIMENTAL-puretls');
      await waitFor(() => /Keying material: [0-9A-F]+/i.test(srv.output()));
      const theirs = /Keying material: ([0-9A-F]+)/i.exec(srv.output())![1]!.toLowerCase();
      expect(Buffer.from(ours).toString('hex')).toBe(theirs);
      await conn.close();
    } finally {
      sock.destroy();
      await srv.stop();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the peer');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `openssl s_client -tls1_3` against accept() on 127.0.0.1 (RFC 8446): the three suites with RSA and ECDSA
 * certificates, every group (x25519, secp256r1, secp384r1, x448, ffdhe2048) with connection.group naming it, a
 * HelloRetryRequest our server sends, a KeyUpdate typed into s_client after which data still flows, client
 * certificates required and verified (refused with certificate_required when missing), and 1.3 by default.
 */
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { opensslAvailable } from '../helpers/openssl.js';
import { pki, repoRoot } from '../helpers/pki.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sClientAgainst, GREETING } from './server-harness.js';
import { accept, createServerContext, nodeStream, type ServerOptions } from '../../src/index.js';

const rsa = { cert: pki.serverRsa.chain, key: pki.serverRsa.key };
const ecdsa = { cert: pki.serverEcdsa.chain, key: pki.serverEcdsa.key };

/** One s_client run against a fresh listener: what s_client printed and what the server saw. */
const run = (server: ServerOptions, args: string[]) => sClientAgainst(server, args);

const SUITES = [
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
] as const;

describe.skipIf(!opensslAvailable())('openssl s_client -tls1_3 → accept()', () => {
  describe.concurrent('suites × certificate keys', () => {
    for (const [suite] of SUITES) {
      for (const [kind, id] of [['RSA', rsa], ['ECDSA', ecdsa]] as const) {
        it(`${suite} with an ${kind} certificate`, async () => {
          const { out, served } = await run({ identities: [id], maxVersion: 'TLSv1.3' }, ['-tls1_3', '-ciphersuites', suite]);
          expect(served.error).toBeUndefined();
          expect(served).toMatchObject({ version: 'TLSv1.3', cipherSuite: suite, received: 'ping from s_client\n' });
          expect(out).toContain('Verify return code: 0 (ok)');
          expect(out).toContain(`${GREETING} TLSv1.3 ${suite}`);
          expect(out).toContain('echo: ping from s_client');
          expect(out).toMatch(new RegExp(`New, TLSv1.3, Cipher is ${suite}`));
          // RSA keys sign with RSA-PSS in 1.3; ECDSA with the curve's hash.
          expect(out).toMatch(kind === 'RSA' ? /Peer signature type: RSA-PSS/ : /Peer signature type: ECDSA/);
        });
      }
    }
  });

  describe.concurrent('groups, with connection.group naming each', () => {
    for (const g of ['x25519', 'secp256r1', 'secp384r1', 'x448', 'ffdhe2048'] as const) {
      it(g, async () => {
        const { out, served } = await run({ identities: [rsa], maxVersion: 'TLSv1.3', groups: [g] }, ['-tls1_3', '-groups', g]);
        expect(served.error).toBeUndefined();
        expect(served).toMatchObject({ version: 'TLSv1.3', group: g, received: 'ping from s_client\n' });
        expect(out).toContain('echo: ping from s_client');
      });
    }
  });

  it('HelloRetryRequest: the client shares x25519, our server takes only secp384r1', async () => {
    const { out, served } = await run({ identities: [ecdsa], maxVersion: 'TLSv1.3', groups: ['secp384r1'] }, ['-tls1_3', '-groups', 'x25519:secp384r1', '-msg']);
    expect(served.error).toBeUndefined();
    expect(served).toMatchObject({ version: 'TLSv1.3', group: 'secp384r1', received: 'ping from s_client\n' });
    // Two ServerHello-typed messages: the HelloRetryRequest, then the ServerHello.
    expect(out.match(/<<< TLS 1.3, Handshake \[length [0-9a-f]+\], ServerHello/g)?.length).toBe(2);
    expect(out.match(/>>> TLS 1.3, Handshake \[length [0-9a-f]+\], ClientHello/g)?.length).toBe(2);
    expect(out).toContain('echo: ping from s_client');
  });

  it('OCSP staple in the leaf\'s CertificateEntry (RFC 8446 §4.4.2.1): s_client -status sees the response', async () => {
    const good = new Uint8Array(readFileSync(path.join(repoRoot, 'vectors/ocsp/good.der')));
    const { out, served } = await run({ identities: [{ ...rsa, ocspResponse: good }], maxVersion: 'TLSv1.3' }, ['-tls1_3', '-status']);
    expect(served.error).toBeUndefined();
    expect(served.version).toBe('TLSv1.3');
    expect(out).toMatch(/OCSP Response Status: successful/);
    expect(out).toMatch(/Cert Status: good/);
    const none = await run({ identities: [rsa], maxVersion: 'TLSv1.3' }, ['-tls1_3', '-status']);
    expect(none.out).toMatch(/OCSP response: no response sent/);
  });

  it('1.3 by default: s_client without a version flag and accept() without maxVersion agree on TLS 1.3', async () => {
    const { served, out } = await run({ identities: [rsa] }, []);
    expect(served).toMatchObject({ version: 'TLSv1.3' });
    expect(out).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
  });

  it('a 1.2-only s_client still gets 1.2 from a default (1.3) server, with the downgrade sentinel', async () => {
    const { served, out } = await run({ identities: [rsa] }, ['-tls1_2', '-msg']);
    expect(served).toMatchObject({ version: 'TLSv1.2', group: 'x25519' });
    // RFC 8446 §4.1.3: a 1.3-capable server marks a 1.2 ServerHello.random with DOWNGRD\x01 (bytes 6..37 of the
    // hello as -msg dumps it: type, length, version, then the random).
    const sh = /<<< TLS 1.2, Handshake \[length [0-9a-f]+\], ServerHello\s+([0-9a-f ]+(?:\n\s+[0-9a-f ]+)*)/.exec(out)![1]!.replace(/\s+/g, '');
    expect(sh.slice(6 * 2 + 24 * 2, 6 * 2 + 32 * 2)).toBe('444f574e47524401');
    const { out: out12 } = await run({ identities: [rsa], minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, ['-tls1_2', '-msg']);
    const sh12 = /<<< TLS 1.2, Handshake \[length [0-9a-f]+\], ServerHello\s+([0-9a-f ]+(?:\n\s+[0-9a-f ]+)*)/.exec(out12)![1]!.replace(/\s+/g, '');
    expect(sh12.slice(6 * 2 + 24 * 2, 6 * 2 + 32 * 2)).not.toBe('444f574e47524401');
    expect(out).toContain('echo: ping from s_client');
  });

  describe.concurrent('client certificates', () => {
    const server: ServerOptions = { identities: [rsa], maxVersion: 'TLSv1.3', requestCert: 'required', ca: pki.ca };
    for (const [kind, id, cn] of [
      ['RSA', pki.clientRsa, 'puretls test client rsa'],
      ['ECDSA', pki.clientEcdsa, 'puretls test client ecdsa'],
    ] as const) {
      it(`required, ${kind} client certificate verified and visible`, async () => {
        const { out, served } = await run(server, ['-tls1_3', '-cert', id.certPath, '-key', id.keyPath, '-cert_chain', pki.intermediatePath]);
        expect(served.error).toBeUndefined();
        expect(served).toMatchObject({ version: 'TLSv1.3', peerCn: cn, received: 'ping from s_client\n' });
        expect(out).toContain('Verify return code: 0 (ok)');
      });
    }
    it('required, no client certificate: refused with certificate_required', async () => {
      const { out, served } = await run(server, ['-tls1_3']);
      expect(served.error?.code).toBe('cert_no_certificate');
      expect(out).toMatch(/certificate required/);
      expect(out).not.toContain('echo: ping');
    });
    it('required, a client certificate from an unknown CA: refused', async () => {
      const { served } = await run({ ...server, ca: pki.caEcdsa }, ['-tls1_3', '-cert', pki.clientRsa.certPath, '-key', pki.clientRsa.keyPath]);
      expect(served.error?.code).toMatch(/^cert_/);
    });
    it('optional, no client certificate: accepted', async () => {
      const { served } = await run({ ...server, requestCert: 'optional' }, ['-tls1_3']);
      expect(served.error).toBeUndefined();
      expect(served.peerCn).toBeUndefined();
    });
  });

  it('KeyUpdate typed into s_client (K): data still flows both ways after it', async () => {
    const context = createServerContext({ identities: [rsa], maxVersion: 'TLSv1.3' });
    const lines: string[] = [];
    let served: Promise<void> = Promise.resolve();
    const server = net.createServer((sock) => {
      served = (async () => {
        const conn = await accept({ transport: nodeStream(sock), context, timeoutMs: 15000 });
        const r = conn.readable.getReader();
        const w = conn.writable.getWriter();
        let buf = '';
        for (;;) {
          const { value, done } = await r.read();
          if (done) break;
          buf += new TextDecoder().decode(value);
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            lines.push(line);
            await w.write(new TextEncoder().encode(`echo ${line}\n`));
          }
        }
        await conn.close().catch(() => {});
      })();
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as net.AddressInfo).port;
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', pki.caPath, '-servername', 'localhost']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const waitFor = async (s: string) => {
      for (let i = 0; i < 1200 && !out.includes(s); i++) await new Promise((r) => setTimeout(r, 25));
      expect(out).toContain(s);
    };
    try {
      child.stdin.write('before\n');
      await waitFor('echo before');
      child.stdin.write('K\n'); // s_client: KeyUpdate, update_requested
      await waitFor('KEYUPDATE');
      child.stdin.write('after\n');
      await waitFor('echo after');
      child.stdin.write('k\n'); // update_not_requested
      // s_client takes a whole stdin read as one command when it starts with k/K, so 'again' must not arrive in the
      // same read: wait for the second KEYUPDATE before writing it.
      for (let i = 0; i < 1200 && out.split('KEYUPDATE').length < 3; i++) await new Promise((r) => setTimeout(r, 25));
      expect(out.split('KEYUPDATE').length).toBe(3);
      child.stdin.write('again\n');
      await waitFor('echo again');
      expect(lines).toEqual(['before', 'after', 'again']);
    } finally {
      child.stdin.end();
      child.kill();
      await served.catch(() => {});
      server.close();
    }
  });
});

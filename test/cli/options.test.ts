/**
 * The CLI as curl and openssl users type it: --version, their aliases (-k, --cacert, -CAfile, -servername,
 * -showcerts, -connect, -v), a clear message for a file that cannot be read, and get -i / -L printing the heads the
 * server sent (every hop's with -L).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { accept, createServerContext, nodeStream } from '../../src/index.js';
import { startServer, stopAll, opensslAvailable, type RunningServer } from '../helpers/openssl.js';
import { pki, repoRoot } from '../helpers/pki.js';
import { runCli, stopCli } from '../helpers/cli.js';

const run = runCli;

afterAll(async () => {
  stopCli();
  await stopAll();
});

describe('puretls options (no network)', () => {
  it('--version prints the package version', async () => {
    const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`puretls ${version}\n`);
  });

  it('a file that cannot be read is named, before any connection is made', async () => {
    const a = await run(['connect', '127.0.0.1:1', '--cacert', '/nope.pem']);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('puretls: cannot read /nope.pem (no such file) [config_invalid]\n');
    const b = await run(['get', 'https://127.0.0.1:1/', '-d', '@/nope.txt']);
    expect(b.stderr).toBe('puretls: cannot read /nope.txt (no such file) [config_invalid]\n');
    const c = await run(['serve', '--cert', '/', '--key', '/nope.key']);
    expect(c.stderr).toBe('puretls: cannot read / (it is a directory) [config_invalid]\n');
  });
});

/** A TLS server (the library itself) answering /a with a redirect to /b, and /b with 200; heads written verbatim. */
async function redirectServer(): Promise<{ port: number; close: () => void }> {
  const context = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
  const server = net.createServer((sock) => {
    void (async () => {
      try {
        const conn = await accept({ transport: nodeStream(sock), context });
        const reader = conn.readable.getReader();
        let head = '';
        while (!head.includes('\r\n\r\n')) {
          const { value, done } = await reader.read();
          if (done) return;
          head += new TextDecoder().decode(value);
        }
        const answer = head.startsWith('GET /a ')
          ? 'HTTP/1.1 302 Moved Elsewhere\r\nLocation: /b\r\nX-Hop: first\r\nContent-Length: 0\r\n\r\n'
          : 'HTTP/1.1 200 Fine\r\nX-Hop: second\r\nContent-Length: 4\r\n\r\nbody';
        const w = conn.writable.getWriter();
        await w.write(new TextEncoder().encode(answer));
        w.releaseLock();
        reader.releaseLock();
        await conn.close();
      } catch {
        sock.destroy();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe.skipIf(!opensslAvailable())('puretls options against servers', () => {
  let www: RunningServer;
  beforeAll(async () => {
    www = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www'] });
  });

  it('connect: -connect, -servername, -CAfile, -showcerts as s_client takes them', async () => {
    const r = await run(['connect', '-connect', `127.0.0.1:${www.port}`, '-servername', 'localhost', '-CAfile', pki.caPath, '-showcerts'], 'GET / HTTP/1.0\r\n\r\n');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Verification: OK');
    expect(r.stderr.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
  });

  it('get: -k skips verification, --cacert verifies, -i prints the status line the server sent, -v the TLS summary', async () => {
    const k = await run(['get', `https://localhost:${www.port}/`, '-k', '-i']);
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/^HTTP\/1\.0 200 ok\r\nContent-type: text\/html\r\n\r\n/);
    const untrusted = await run(['get', `https://localhost:${www.port}/`, '--cacert', pki.caEcdsaPath]);
    expect(untrusted.stderr).toMatch(/\[cert_untrusted\]\n$/);
    const v = await run(['get', `https://localhost:${www.port}/`, '--cacert', pki.caPath, '-v']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain('Verification: OK');
    expect(v.stderr).toContain('< HTTP/1.0 200 ok\n');
    expect(v.stdout).not.toContain('HTTP/1.0 200 ok');
  });

  it('get -i -L prints each response head, as sent, then the final body', async () => {
    const srv = await redirectServer();
    try {
      const r = await run(['get', `https://localhost:${srv.port}/a`, '--cacert', pki.caPath, '-i', '-L']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        'HTTP/1.1 302 Moved Elsewhere\r\nLocation: /b\r\nX-Hop: first\r\nContent-Length: 0\r\n\r\n' +
          'HTTP/1.1 200 Fine\r\nX-Hop: second\r\nContent-Length: 4\r\n\r\nbody',
      );
      const noFollow = await run(['get', `https://localhost:${srv.port}/a`, '--cacert', pki.caPath, '-i']);
      expect(noFollow.stdout).toBe('HTTP/1.1 302 Moved Elsewhere\r\nLocation: /b\r\nX-Hop: first\r\nContent-Length: 0\r\n\r\n');
    } finally {
      srv.close();
    }
  });
});

/** The puretls CLI (run from source through scripts/run-ts.mjs) against openssl s_server / s_client and itself. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { startServer, runClient, stopAll, opensslAvailable, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { runCli, startCli, stopCli } from '../helpers/cli.js';

const run = runCli;
const daemon = (args: string[]) => startCli(args);

afterAll(async () => {
  stopCli();
  await stopAll();
});

describe('puretls (no network)', () => {
  it('unknown commands and options are one error line with a code and exit 1', async () => {
    const a = await run(['frobnicate']);
    expect(a.code).toBe(1);
    expect(a.stderr.split('\n')[0]).toBe("puretls: unknown command 'frobnicate' [config_invalid]");
    const b = await run(['connect', 'localhost:1', '--bogus']);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe('puretls: unknown option --bogus (see --help) [config_invalid]\n');
    const c = await run(['get', 'https://localhost:1/', '--timeout', 'soon']);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe("puretls: --timeout needs a whole number, not 'soon' [config_invalid]\n");
  });
});

describe('puretls conformance', () => {
  it('delegates to the conformance runner', async () => {
    const r = await run(['conformance', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: conformance/);
  });
});

describe.skipIf(!opensslAvailable())('puretls against openssl', () => {
  let www: RunningServer;
  let tmp: string;
  beforeAll(async () => {
    www = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-cipher', 'DEFAULT@SECLEVEL=0'] });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'puretls-cli-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('connect: summary with chain and verification, then stdin/stdout through the connection (TLS 1.3 by default)', async () => {
    const r = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caPath], 'GET / HTTP/1.0\r\n\r\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Protocol : TLSv1.3');
    expect(r.stderr).toMatch(/Cipher {3}: TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256) /);
    expect(r.stderr).toContain('0 s: O=puretls test, CN=localhost');
    expect(r.stderr).toContain('i: O=puretls test, CN=puretls Test Root CA');
    expect(r.stderr).toContain('Verification: OK');
    expect(r.stdout).toMatch(/^HTTP\/1\.0 200 ok/);
    expect(r.stdout).toContain('Ciphers supported in s_server binary');
  });

  it('connect: --tls1_2 and -tls1_3 pin their version', async () => {
    const r = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caPath, '--tls1_2'], 'GET / HTTP/1.0\r\n\r\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Protocol : TLSv1.2');
    expect(r.stderr).toMatch(/Cipher {3}: TLS_ECDHE_RSA_WITH_\S+ \(ECDHE-RSA-/);
    expect(r.stdout).toContain('Protocol  : TLSv1.2');
    const tls13 = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caPath, '-tls1_3'], 'GET / HTTP/1.0\r\n\r\n');
    expect(tls13.code).toBe(0);
    expect(tls13.stdout).toContain('Protocol  : TLSv1.3');
  });

  it('connect: --tls1_1, --cipher, --showcerts, --keylog', async () => {
    const keylog = path.join(tmp, 'keys.log');
    const r = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caPath, '--tls1_1', '--cipher', 'ECDHE-RSA-AES256-SHA', '--showcerts', '--keylog', keylog, '--servername', 'localhost'], 'GET / HTTP/1.0\r\n\r\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Protocol : TLSv1.1');
    expect(r.stderr).toContain('TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA');
    expect(r.stderr.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(readFileSync(keylog, 'utf8')).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);
    expect(r.stdout).toContain('Protocol  : TLSv1.1');
  });

  it('connect: an untrusted server is one error line and exit 1; --insecure reports and goes on', async () => {
    const r = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caEcdsaPath]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^puretls: certificate verify failed: .* \[cert_untrusted\]\n$/);
    const i = await run(['connect', `127.0.0.1:${www.port}`, '--ca', pki.caEcdsaPath, '--insecure'], 'GET / HTTP/1.0\r\n\r\n');
    expect(i.code).toBe(0);
    expect(i.stderr).toContain('Verification: FAILED cert_untrusted');
    expect(i.stdout).toContain('200 ok');
  });

  it('connect: a refused TCP connection', async () => {
    const r = await run(['connect', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('puretls: cannot connect to 127.0.0.1:1: ECONNREFUSED [io_transport]\n');
  });

  it('serve (-www) answers openssl s_client and puretls get', async () => {
    const srv = await daemon(['serve', '--listen', '127.0.0.1:0', '--cert', pki.serverEcdsa.chainPath, '--key', pki.serverEcdsa.keyPath]);
    const c = await runClient({ port: srv.port, args: ['-CAfile', pki.caPath, '-verify_return_error', '-servername', 'localhost', '-ign_eof'], input: 'GET / HTTP/1.0\r\n\r\n' });
    expect(c.stdout).toContain('Verify return code: 0 (ok)');
    // s_client without a version flag against serve's defaults: TLS 1.3.
    expect(c.stdout).toMatch(/New, TLSv1\.3, Cipher is TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)\n/);
    expect(c.stdout).toMatch(/Cipher: TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)\n/);
    expect(c.stdout).toContain('SNI: localhost');
    const g = await run(['get', `https://localhost:${srv.port}/`, '--ca', pki.caPath, '-i']);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^HTTP\/1\.0 200 ok\r\n/); // the status line serve sent, not one rebuilt
    expect(g.stdout).toContain('puretls serve: connection #2');
    srv.child.kill('SIGTERM');
    expect(srv.stderr()).toMatch(/#1 127\.0\.0\.1:\d+: TLSv1\.3 TLS_/);
  });

  it('serve --echo with a client certificate required, and puretls connect with --cert/--key', async () => {
    const srv = await daemon(['serve', '--echo', '--listen', '127.0.0.1:0', '--cert', pki.serverRsa.chainPath, '--key', pki.serverRsa.keyPath, '--ca', pki.caPath, '--require-client']);
    const ok = await run(['connect', `localhost:${srv.port}`, '--ca', pki.caPath, '--cert', pki.clientRsa.chainPath, '--key', pki.clientRsa.keyPath], 'echo me\n');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('echo me\n');
    // TLS 1.2: the handshake itself fails, and that is the one line printed.
    const refused = await run(['connect', `localhost:${srv.port}`, '--ca', pki.caPath, '--tls1_2'], 'x');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^puretls: .*\[peer_alert_handshake_failure\]\n$/);
    // TLS 1.3: the client's handshake ends with its own Finished; the server's refusal is what the first read gets.
    const refused13 = await run(['connect', `localhost:${srv.port}`, '--ca', pki.caPath], 'x');
    expect(refused13.code).toBe(1);
    expect(refused13.stderr).toMatch(/\npuretls: .*\[peer_alert_certificate_required\]\n$/);
    srv.child.kill('SIGTERM');
  });

  it('relay: only allowed targets; a WebSocket tunnel to s_server works', async () => {
    const relay = await daemon(['relay', '--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${www.port}`]);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${relay.port}/127.0.0.1:22`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('error', () => {});
    });
    expect(refused).toBe(403);
    const { connect, webSocketStream } = await import('../../src/index.js');
    const conn = await connect({ transport: webSocketStream(new WebSocket(`ws://127.0.0.1:${relay.port}/?target=127.0.0.1:${www.port}`)), ca: pki.ca, serverName: 'localhost' });
    expect(conn.version).toBe('TLSv1.3');
    await conn.close();
    await expect.poll(() => relay.stderr()).toMatch(/#1 closed/);
    relay.child.kill('SIGINT');
    await new Promise((r) => relay.child.once('exit', r));
    expect(relay.stderr()).toMatch(/relay: 1 tunnels \(1 refused\), \d+ bytes up, \d+ bytes down/);
  });
});

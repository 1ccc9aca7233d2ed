/**
 * request() against a Node HTTP/1.1 server behind our own accept() (every body framing, redirects, timeouts),
 * and against openssl s_server -www (a close-delimited HTTP/1.0 answer ended by close_notify).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import http from 'node:http';
import nodeTls from 'node:tls';
import { accept, nodeStream, request, setPlatform, toNodeDuplex, type TlsConnection } from '../../src/index.js';
import { platform } from '../../src/platform.js';
import { startServer, stopAll, opensslAvailable } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';

const tcpConnect = (t: { host: string; port: number }) => nodeStream(net.connect({ host: t.host, port: t.port }));
const tls = { ca: pki.ca };

describe('request() against an HTTP/1.1 server behind accept()', () => {
  let port: number;
  let base: string;
  let tcp: net.Server;
  const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const sockets = new Set<net.Socket>();

  beforeAll(async () => {
    const app = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const u = new URL(req.url!, 'https://x');
        switch (u.pathname) {
          case '/len':
            res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' });
            return res.end('hello world');
          case '/chunked': {
            // Three writes with pauses: the client sees a chunked, streamed body.
            res.writeHead(200, { 'content-type': 'text/plain' });
            let i = 0;
            const tick = () => (i < 3 ? (res.write(`part${i++};`), setTimeout(tick, 20)) : res.end('end'));
            return tick();
          }
          case '/big':
            res.writeHead(200, { 'content-length': String(300_000) });
            return res.end(Buffer.alloc(300_000, 0x61));
          case '/echo':
            res.writeHead(200, { 'content-type': 'application/json' });
            return res.end(JSON.stringify({ method: req.method, body, te: req.headers['transfer-encoding'] ?? null, cl: req.headers['content-length'] ?? null }));
          case '/redirect':
            res.writeHead(302, { location: '/len' });
            return res.end('moved');
          case '/see-other':
            res.writeHead(303, { location: `${base}/echo` });
            return res.end();
          case '/keep':
            res.writeHead(307, { location: '/echo' });
            return res.end();
          case '/loop':
            res.writeHead(301, { location: '/loop' });
            return res.end();
          case '/empty':
            res.writeHead(204);
            return res.end();
          case '/close': {
            // A response without Content-Length or chunking: the body runs to the end of the connection.
            const s = res.socket!;
            s.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end');
            return void s.end();
          }
          case '/trailers': {
            // A chunked body whose trailer never ends: 100 KB of trailer lines, past the header bound.
            const s = res.socket!;
            s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n');
            for (let i = 0; i < 2000; i++) s.write(`x-trailer-${i}: ${'y'.repeat(40)}\r\n`);
            return;
          }
          case '/hang':
            return; // never answers
          default:
            res.writeHead(404);
            return res.end('no');
        }
      });
    });
    tcp = net.createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      accept({ transport: nodeStream(sock), cert: pki.serverRsa.chain, key: pki.serverRsa.key }).then(
        (conn: TlsConnection) => app.emit('connection', toNodeDuplex(conn)),
        () => sock.destroy(),
      );
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    port = (tcp.address() as net.AddressInfo).port;
    base = `https://localhost:${port}`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    tcp.close();
  });

  it('Content-Length body, Host header with the port, TLS details via onConnection', async () => {
    let version = '';
    const res = await request(`${base}/len`, { connect: tcpConnect, tls, onConnection: (c) => (version = c.version) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('hello world');
    expect(res.url).toBe(`${base}/len`);
    expect(version).toBe('TLSv1.3'); // request()'s default, against accept()'s default
    expect(seen.at(-1)!.headers.host).toBe(`localhost:${port}`);
    expect(seen.at(-1)!.headers.connection).toBe('close');
  });

  it('a chunked trailer is bounded like the header block', async () => {
    const res = await request(`${base}/trailers`, { connect: tcpConnect, tls });
    await expect(res.text()).rejects.toThrow(/chunked trailer over/);
  });

  it('a chunked body arrives as a stream, piece by piece', async () => {
    const res = await request(`${base}/chunked`, { connect: tcpConnect, tls });
    const pieces: string[] = [];
    const dec = new TextDecoder();
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) pieces.push(dec.decode(c));
    expect(pieces.join('')).toBe('part0;part1;part2;end');
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('a large body over many records', async () => {
    const res = await request(`${base}/big`, { connect: tcpConnect, tls });
    const b = new Uint8Array(await res.arrayBuffer());
    expect(b.length).toBe(300_000);
    expect(b.every((x) => x === 0x61)).toBe(true);
  });

  it('a close-delimited body', async () => {
    const res = await request(`${base}/close`, { connect: tcpConnect, tls });
    expect(await res.text()).toBe('until the end');
  });

  it('204 has no body', async () => {
    const res = await request(`${base}/empty`, { connect: tcpConnect, tls });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
  });

  it('POST with a Content-Length body, and a streamed body sent chunked', async () => {
    const a = await request(`${base}/echo`, { method: 'POST', body: 'a=1', connect: tcpConnect, tls });
    expect(await a.json()).toEqual({ method: 'POST', body: 'a=1', te: null, cl: '3' });
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('one,'));
        c.enqueue(enc.encode('two'));
        c.close();
      },
    });
    const b = await request(`${base}/echo`, { method: 'PUT', body: stream, connect: tcpConnect, tls });
    expect(await b.json()).toEqual({ method: 'PUT', body: 'one,two', te: 'chunked', cl: null });
  });

  it('redirects are returned as they are unless redirect: follow', async () => {
    const manual = await request(`${base}/redirect`, { connect: tcpConnect, tls });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/len');
    expect(await manual.text()).toBe('moved');
    const followed = await request(`${base}/redirect`, { connect: tcpConnect, tls, redirect: 'follow' });
    expect(followed.status).toBe(200);
    expect(followed.redirected).toBe(true);
    expect(followed.url).toBe(`${base}/len`);
    expect(await followed.text()).toBe('hello world');
  });

  it('303 turns a POST into a GET; 307 repeats method and body', async () => {
    const a = await request(`${base}/see-other`, { method: 'POST', body: 'x', connect: tcpConnect, tls, redirect: 'follow' });
    expect(await a.json()).toMatchObject({ method: 'GET', body: '' });
    const b = await request(`${base}/keep`, { method: 'POST', body: 'again', connect: tcpConnect, tls, redirect: 'follow' });
    expect(await b.json()).toMatchObject({ method: 'POST', body: 'again' });
  });

  it('a redirect loop stops at maxRedirects; redirect: error refuses', async () => {
    const before = seen.length;
    await expect(request(`${base}/loop`, { connect: tcpConnect, tls, redirect: 'follow', maxRedirects: 3 })).rejects.toMatchObject({ code: 'http_protocol' });
    expect(seen.length - before).toBe(4);
    await expect(request(`${base}/redirect`, { connect: tcpConnect, tls, redirect: 'error' })).rejects.toMatchObject({ code: 'http_protocol' });
  });

  it('timeoutMs and AbortSignal abort a request that hangs', async () => {
    const t0 = Date.now();
    await expect(request(`${base}/hang`, { connect: tcpConnect, tls, timeoutMs: 300 })).rejects.toMatchObject({ code: 'io_timeout' });
    expect(Date.now() - t0).toBeLessThan(5000);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('user gave up')), 200);
    await expect(request(`${base}/hang`, { connect: tcpConnect, tls, signal: ctl.signal })).rejects.toThrow('user gave up');
  });

  it('verification failures reject (wrong trust anchor, wrong name)', async () => {
    await expect(request(`${base}/len`, { connect: tcpConnect, tls: { ca: pki.caEcdsa } })).rejects.toMatchObject({ code: 'cert_untrusted' });
    await expect(request(`${base}/len`, { connect: (t) => tcpConnect({ ...t, host: '127.0.0.1' }), tls: { ...tls, serverName: 'example.com' } })).rejects.toMatchObject({
      code: 'cert_hostname_mismatch',
    });
  });

  it('needs a transport or connect where the platform has no TCP of its own (the Node entry has: test/nodeapi)', async () => {
    const saved = platform().openTcp;
    setPlatform({ openTcp: undefined });
    try {
      await expect(request(`${base}/len`, { tls })).rejects.toMatchObject({ code: 'config_invalid' });
    } finally {
      setPlatform({ openTcp: saved });
    }
  });
});

describe('request() and a Node TLS 1.3 server that answers with end(data) at once (no close_notify: a ragged EOF)', () => {
  const servers: nodeTls.Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });
  async function endServer(response: string): Promise<number> {
    const server = nodeTls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.3' }, (s) => {
      s.on('error', () => {});
      s.end(response);
    });
    server.on('tlsClientError', () => {});
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return (server.address() as net.AddressInfo).port;
  }

  it('a body framed by Content-Length is read whole: the framing shows it is complete', async () => {
    const port = await endServer('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    let conn: TlsConnection | undefined;
    const res = await request(`https://localhost:${port}/`, { connect: tcpConnect, tls, onConnection: (c) => (conn = c) });
    expect(await res.text()).toBe('hello');
    expect(conn!.version).toBe('TLSv1.3');
  });

  it('a close-delimited body is io_truncated: only close_notify could show that the end was the server’s', async () => {
    const port = await endServer('HTTP/1.0 200 OK\r\n\r\nall of it?');
    const res = await request(`https://localhost:${port}/`, { connect: tcpConnect, tls });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toMatchObject({ code: 'io_truncated' });
  });
});

describe.skipIf(!opensslAvailable())('request() against openssl s_server -www', () => {
  afterAll(() => stopAll());
  it('reads the close-delimited HTTP/1.0 page over a caller-supplied transport', async () => {
    const srv = await startServer({ cert: pki.serverEcdsa.certPath, key: pki.serverEcdsa.keyPath, chain: pki.intermediatePath, args: ['-www'] });
    let suite = '';
    const res = await request(`https://127.0.0.1:${srv.port}/`, {
      transport: tcpConnect({ host: '127.0.0.1', port: srv.port }),
      tls,
      onConnection: (c) => (suite = c.cipherSuite),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Ciphers supported in s_server binary');
    expect(suite).toMatch(/^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/); // 1.3, the default
  });
});

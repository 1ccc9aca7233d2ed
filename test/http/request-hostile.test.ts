/**
 * request() against hostile or broken servers: method injection, interim-response floods, an unrequested 101,
 * impossible statuses and reason phrases, a bad Location, a cross-origin redirect that must not carry the client's
 * TLS identity, and the default timeout.
 */
import { describe, it, expect, afterAll, vi } from 'vitest';
import net from 'node:net';
import https from 'node:https';
import { nodeStream, request } from '../../src/index.js';
import { TlsError } from '../../src/errors.js';
import { pki } from '../helpers/pki.js';

const closers: (() => void)[] = [];
afterAll(() => closers.forEach((c) => c()));
const tcpConnect = (t: { host: string; port: number }) => nodeStream(net.connect({ host: t.host, port: t.port }));

/** A plain-TCP HTTP server that answers every connection with `answer` (raw bytes) and records what it got. */
async function rawServer(answer: string | ((sock: net.Socket) => void)): Promise<{ url: string; seen: () => string }> {
  let seen = '';
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    sock.on('data', (d) => (seen += d.toString('latin1')));
    if (typeof answer === 'string') sock.end(Buffer.from(answer, 'latin1'));
    else answer(sock);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, seen: () => seen };
}

async function failure(p: Promise<unknown>): Promise<TlsError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TlsError);
  return e as TlsError;
}

describe('request(): the method', () => {
  it('refuses a method that is not a token (CR/LF would split the request) before sending anything', async () => {
    const srv = await rawServer('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    for (const method of ['GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /evil', 'GET\n', 'PO ST', '', 'GÉT']) {
      const e = await failure(request(srv.url, { method, connect: tcpConnect }));
      expect(e.code, JSON.stringify(method)).toBe('config_invalid');
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(srv.seen()).toBe('');
    const ok = await request(srv.url, { method: 'PATCH', connect: tcpConnect });
    expect(ok.status).toBe(200);
    await expect.poll(() => srv.seen()).toMatch(/^PATCH \/ HTTP\/1\.1\r\n/);
  });
});

describe('request(): response heads', () => {
  it('an unrequested 101 is an error, not an interim response before a spoofed 200', async () => {
    const srv = await rawServer('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nspoof');
    expect((await failure(request(srv.url, { connect: tcpConnect }))).code).toBe('http_protocol');
  });

  it('interim responses are capped', async () => {
    const srv = await rawServer('HTTP/1.1 100 Continue\r\n\r\n'.repeat(1000) + 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const e = await failure(request(srv.url, { connect: tcpConnect }));
    expect(e.code).toBe('http_protocol');
    expect(e.message).toMatch(/interim/);
    // A few are fine.
    const few = await rawServer('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const res = await request(few.url, { connect: tcpConnect });
    expect(await res.text()).toBe('ok');
  });

  it('a status outside 100-599 or a bad reason phrase is http_protocol, not a RangeError/TypeError', async () => {
    for (const line of ['HTTP/1.1 999 Whatever', 'HTTP/1.1 600 Nope', 'HTTP/1.1 099 Low', 'HTTP/1.1 200 O\x01K', 'HTTP/1.1 200 O\x7fK']) {
      const srv = await rawServer(`${line}\r\nContent-Length: 0\r\n\r\n`);
      const e = await failure(request(srv.url, { connect: tcpConnect }));
      expect(e.code, JSON.stringify(line)).toBe('http_protocol');
    }
    const latin = await rawServer('HTTP/1.1 200 Tr\xe8s bien\tok\r\nContent-Length: 0\r\n\r\n');
    expect((await request(latin.url, { connect: tcpConnect })).statusText).toBe('Tr\xe8s bien\tok');
  });

  it('a Location that does not parse is http_protocol when following', async () => {
    const srv = await rawServer('HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n');
    const e = await failure(request(srv.url, { connect: tcpConnect, redirect: 'follow' }));
    expect(e.code).toBe('http_protocol');
    expect(e.message).toMatch(/Location/);
  });
});

describe('request(): a cross-origin redirect', () => {
  it('does not present the client certificate, the pinned serverName or Proxy-Authorization to the new origin', async () => {
    const seen: { host: string; cert: boolean; sni: string | false; proxyAuth?: string }[] = [];
    const make = (handler: (res: import('node:http').ServerResponse) => void) => {
      const s = https.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
        const sock = req.socket as import('node:tls').TLSSocket;
        seen.push({ host: req.headers.host!, cert: !!sock.getPeerCertificate()?.subject, sni: sock.servername || false, ...(req.headers['proxy-authorization'] ? { proxyAuth: req.headers['proxy-authorization'] } : {}) });
        handler(res);
      });
      closers.push(() => s.close());
      return new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
    };
    const portB = await make((res) => res.end('B'));
    const portA = await make((res) => {
      res.writeHead(302, { location: `https://127.0.0.1:${portB}/` });
      res.end();
    });
    const res = await request(`https://localhost:${portA}/`, {
      connect: (t) => tcpConnect({ host: '127.0.0.1', port: t.port }),
      tls: { ca: pki.ca, cert: pki.clientRsa.chain, key: pki.clientRsa.key, serverName: 'localhost' },
      headers: { 'proxy-authorization': 'Basic c2VjcmV0' },
      redirect: 'follow',
    });
    expect(await res.text()).toBe('B');
    expect(seen).toEqual([
      { host: `localhost:${portA}`, cert: true, sni: 'localhost', proxyAuth: 'Basic c2VjcmV0' },
      { host: `127.0.0.1:${portB}`, cert: false, sni: false },
    ]);
  });
});

describe('request(): the default timeout', () => {
  it('a server that never answers is given up after 30 s without progress', async () => {
    const srv = await rawServer(() => {});
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const p = request(srv.url, { connect: tcpConnect });
      p.catch(() => {});
      await new Promise<void>((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(29_000);
      let settled = false;
      p.then(
        () => (settled = true),
        () => (settled = true),
      );
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1_500);
      const e = await failure(p);
      expect(e.code).toBe('io_timeout');
    } finally {
      vi.useRealTimers();
    }
  });
});

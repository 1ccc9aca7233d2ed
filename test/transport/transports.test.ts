/**
 * Each transport over a real endpoint: TCP on 127.0.0.1 (nodeStream), a `ws` server (webSocketStream, directly and
 * through the relay to openssl s_server), Web Streams from Node's Duplex.toWeb, and toNodeDuplex under https.request.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import https from 'node:https';
import { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { connect, nodeStream, type ByteStream } from '../../src/index.js';
import { webSocketStream } from '../../src/transport/websocket.js';
import { webStreams } from '../../src/transport/webstreams.js';
import { toNodeDuplex } from '../../src/transport/node-duplex.js';
import { startRelay, type Relay } from '../../src/cli/relay.js';
import { startServer, stopAll, opensslAvailable, type RunningServer } from '../helpers/openssl.js';
import { pki } from '../helpers/pki.js';
import { TlsError } from '../../src/errors.js';

const hasOpenssl = opensslAvailable();
const enc = new TextEncoder();
const dec = new TextDecoder();

function tcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

async function readAll(r: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  const reader = r.getReader();
  for (;;) {
    const { value, done } = await reader.read().catch((e) => {
      // s_server -www may drop TCP right after its close_notify; what was read is what counts.
      if (e instanceof TlsError && e.code === 'io_truncated') return { value: undefined, done: true as const };
      throw e;
    });
    if (done) return out;
    out += dec.decode(value, { stream: true });
  }
}

/** GET / over TLS on `transport` and return the s_server -www page. */
async function getPage(transport: ByteStream): Promise<{ page: string; version: string }> {
  const conn = await connect({ transport, ca: pki.ca, serverName: 'localhost' });
  const w = conn.writable.getWriter();
  await w.write(enc.encode('GET / HTTP/1.0\r\n\r\n'));
  w.releaseLock();
  return { page: await readAll(conn.readable), version: conn.version };
}

describe.skipIf(!hasOpenssl)('transports against openssl s_server -www', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ cert: pki.serverRsa.certPath, key: pki.serverRsa.keyPath, chain: pki.intermediatePath, args: ['-www', '-tls1_2'] });
  });
  afterAll(() => stopAll());

  it('nodeStream over TCP', async () => {
    const { page, version } = await getPage(nodeStream(await tcp(server.port)));
    expect(version).toBe('TLSv1.2');
    expect(page).toMatch(/^HTTP\/1\.0 200 ok/);
    expect(page).toContain('Ciphers supported in s_server binary');
  });

  it('Web Streams from a TCP socket (Duplex.toWeb), checked by webStreams()', async () => {
    const pair = Duplex.toWeb(await tcp(server.port)) as unknown as { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
    const { page } = await getPage(webStreams(pair));
    expect(page).toContain('Ciphers supported in s_server binary');
  });

  it('webStreams() refuses things that are not stream pairs', () => {
    expect(() => webStreams({ readable: {}, writable: new WritableStream() })).toThrow(/not a ReadableStream/);
    const rs = new ReadableStream();
    rs.getReader();
    expect(() => webStreams(rs, new WritableStream())).toThrow(/locked/);
  });

  it('webStreams() turns ArrayBuffer chunks into bytes and refuses strings', async () => {
    const src = (chunks: unknown[]) => new ReadableStream({ start: (c) => { for (const x of chunks) c.enqueue(x); c.close(); } });
    const r = webStreams(src([new Uint8Array([1]).buffer, new Uint16Array([0x0302])]), new WritableStream()).readable.getReader();
    expect((await r.read()).value).toEqual(new Uint8Array([1]));
    expect((await r.read()).value).toEqual(new Uint8Array([2, 3]));
    const bad = webStreams(src(['text']), new WritableStream()).readable.getReader();
    await expect(bad.read()).rejects.toMatchObject({ code: 'io_transport' });
  });

  it('webSocketStream through the relay (ws package client)', async () => {
    const relay = await startRelay({ allow: [`127.0.0.1:${server.port}`] });
    try {
      const ws = new WebSocket(relay.urlFor(`127.0.0.1:${server.port}`));
      const { page } = await getPage(webSocketStream(ws));
      expect(page).toContain('Ciphers supported in s_server binary');
      const s = relay.stats();
      expect(s.connections).toBe(1);
      expect(s.bytesUp).toBeGreaterThan(100);
      expect(s.bytesDown).toBeGreaterThan(page.length);
    } finally {
      await relay.close();
    }
  });

  it('https.request through toNodeDuplex', async () => {
    const conn = await connect({ transport: nodeStream(await tcp(server.port)), ca: pki.ca, serverName: 'localhost' });
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: 'localhost', path: '/', method: 'GET', createConnection: () => toNodeDuplex(conn) as unknown as net.Socket }, (res) => {
        let s = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (s += d));
        res.on('end', () => resolve(`${res.statusCode} ${s}`));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toMatch(/^200 /);
    expect(body).toContain('Ciphers supported in s_server binary');
  });
});

describe('webSocketStream against a ws server', () => {
  let wss: WebSocketServer;
  let port: number;
  let onConn: (ws: WebSocket) => void = () => {};
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    port = (wss.address() as net.AddressInfo).port;
    wss.on('connection', (ws) => onConn(ws));
  });
  afterAll(() => {
    for (const c of wss.clients) c.terminate();
    return new Promise<void>((r) => wss.close(() => r()));
  });

  const open = () => webSocketStream(new WebSocket(`ws://127.0.0.1:${port}/`));

  it('carries bytes both ways as binary frames, and a 1000 close ends the readable', async () => {
    const frames: { binary: boolean; data: Buffer }[] = [];
    onConn = (ws) => ws.on('message', (data: Buffer, binary) => {
      frames.push({ binary, data });
      ws.send(Buffer.concat([Buffer.from('echo:'), data]));
      ws.close(1000);
    });
    const s = open();
    const w = s.writable.getWriter();
    await w.write(enc.encode('hello')); // written while still connecting: waits for open
    expect(await readAll(s.readable)).toBe('echo:hello');
    expect(frames).toEqual([{ binary: true, data: Buffer.from('hello') }]);
  });

  it('a close with another code errors the readable with io_transport', async () => {
    onConn = (ws) => ws.close(1011, 'boom');
    const r = open().readable.getReader();
    await expect(r.read()).rejects.toMatchObject({ code: 'io_transport', message: expect.stringContaining('1011: boom') });
  });

  it('a text frame is refused', async () => {
    onConn = (ws) => ws.send('not bytes');
    const r = open().readable.getReader();
    await expect(r.read()).rejects.toMatchObject({ code: 'io_transport', message: expect.stringContaining('text frame') });
  });

  it('closing the writable closes the socket with 1000; aborting uses 4000', async () => {
    const codes: number[] = [];
    onConn = (ws) => ws.on('close', (code) => codes.push(code));
    const aw = open().writable.getWriter();
    await aw.write(enc.encode('x'));
    await aw.close(); // resolves once the close handshake is done
    const b = open();
    const bw = b.writable.getWriter();
    await bw.write(enc.encode('x'));
    await bw.abort();
    await expect.poll(() => codes.sort()).toEqual([1000, 4000]);
  });

  it('writes wait while bufferedAmount is above the high-water mark', async () => {
    let received = 0;
    let server: WebSocket | undefined;
    onConn = (ws) => {
      server = ws;
      ws.on('message', (d: Buffer) => (received += d.length));
    };
    // A fake socket shows the waiting deterministically: bufferedAmount drains only when we say so.
    const sent: number[] = [];
    let buffered = 0;
    const listeners: Record<string, ((ev: any) => void)[]> = {};
    const fake = {
      readyState: 1,
      binaryType: '',
      get bufferedAmount() { return buffered; },
      send: (d: Uint8Array) => { sent.push(d.length); buffered += d.length; },
      close: () => {},
      addEventListener: (t: string, l: (ev: any) => void) => (listeners[t] ??= []).push(l),
      removeEventListener: () => {},
    };
    const w = webSocketStream(fake, { highWaterMark: 1000, pollMs: 1 }).writable.getWriter();
    await w.write(new Uint8Array(800)); // below the mark: resolves at once
    let second = false;
    const p = w.write(new Uint8Array(800)).then(() => (second = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(second).toBe(false);
    buffered = 0;
    await p;
    expect(sent).toEqual([800, 800]);
    expect(fake.binaryType).toBe('arraybuffer');
    // And the real thing moves a few megabytes intact.
    const s = open();
    const big = s.writable.getWriter();
    for (let i = 0; i < 40; i++) await big.write(new Uint8Array(100_000).fill(i));
    await expect.poll(() => received, { timeout: 10_000 }).toBe(4_000_000);
    server?.close(1000);
  });
});

/**
 * A writer may reuse its buffer as soon as write() resolves (the Streams contract; Node's write callback says the
 * same). Each chunk here is written from one buffer refilled after every write; the peer must see every chunk as
 * it was when written. CBC suites seal one record after another, later than the write; `ws` keeps server-side
 * frames unmasked, so uncopied, until they are on the socket.
 */
import { describe, it, expect, afterAll } from 'vitest';
import tls from 'node:tls';
import net from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import { connect, nodeStream, type TlsConnection } from '../../src/index.js';
import { toNodeDuplex } from '../../src/transport/node-duplex.js';
import { webSocketStream } from '../../src/transport/websocket.js';
import { pki } from '../helpers/pki.js';

const CHUNK = 16384;
const closers: (() => void)[] = [];
afterAll(() => closers.forEach((c) => c()));

/** Which chunks (each CHUNK bytes, all of value i & 255) arrived altered. */
function altered(data: Buffer, count: number): number[] {
  expect(data.length).toBe(count * CHUNK);
  const bad: number[] = [];
  for (let i = 0; i < count; i++) {
    const c = data.subarray(i * CHUNK, (i + 1) * CHUNK);
    if (c.some((b) => b !== (i & 255))) bad.push(i);
  }
  return bad;
}

/** A Node TLS server (OpenSSL) that collects everything one client sends. */
async function collector(cipher: string): Promise<{ port: number; received: Promise<Buffer> }> {
  let done!: (b: Buffer) => void;
  const received = new Promise<Buffer>((r) => (done = r));
  const server = tls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.2', ciphers: cipher }, (s) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', () => {});
    s.on('end', () => {
      done(Buffer.concat(parts));
      s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, received };
}

async function tlsTo(port: number, suite: string): Promise<TlsConnection> {
  return connect({ transport: nodeStream(net.connect(port, '127.0.0.1')), ca: pki.ca, serverName: 'localhost', cipherSuites: [suite as never] });
}

describe('buffers reused once write() resolves', () => {
  for (const [iana, openssl] of [
    ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
    ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
    ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ] as const) {
    it(`TlsConnection's writer, ${openssl}: 48 chunks of 16 KiB from one buffer arrive intact`, async () => {
      const { port, received } = await collector(openssl);
      const conn = await tlsTo(port, iana);
      const w = conn.writable.getWriter();
      const buf = new Uint8Array(CHUNK);
      for (let i = 0; i < 48; i++) {
        buf.fill(i & 255);
        await w.write(buf);
      }
      await w.close();
      expect(altered(await received, 48)).toEqual([]);
    });
  }

  it("toNodeDuplex's write callback, AES-CBC: 48 chunks from one Buffer arrive intact", async () => {
    const { port, received } = await collector('ECDHE-RSA-AES128-SHA256');
    const duplex = toNodeDuplex(await tlsTo(port, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'));
    const buf = Buffer.alloc(CHUNK);
    for (let i = 0; i < 48; i++) {
      buf.fill(i & 255);
      await new Promise<void>((resolve, reject) => duplex.write(buf, (e) => (e ? reject(e) : resolve())));
    }
    duplex.end();
    expect(altered(await received, 48)).toEqual([]);
  });

  it('webSocketStream over a `ws` server-side socket: 400 frames from one buffer arrive intact', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    closers.push(() => wss.close());
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wss.on('connection', async (ws) => {
      // A high-water mark above what is written: every write resolves at once, while the frames queue up.
      const w = webSocketStream(ws, { highWaterMark: 64 << 20 }).writable.getWriter();
      const buf = new Uint8Array(CHUNK);
      for (let i = 0; i < 400; i++) {
        buf.fill(i & 255);
        await w.write(buf);
      }
      await w.close();
    });
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`);
    const frames: Buffer[] = [];
    client.on('message', (d: Buffer) => frames.push(Buffer.from(d)));
    // The client reads nothing for a moment: the socket fills up and the server's frames wait in its queues.
    client.once('open', () => {
      client.pause();
      setTimeout(() => client.resume(), 500);
    });
    await new Promise((r) => client.once('close', r));
    expect(frames.length).toBe(400);
    expect(altered(Buffer.concat(frames), 400)).toEqual([]);
  });
});

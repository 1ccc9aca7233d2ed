/**
 * Peers that answer and go: a server that sends a short answer and closes right after the handshake, and a peer
 * that resets the connection after sending data. What was received reaches the reader; a failed write is the
 * writer's error only.
 */
import { describe, it, expect, afterAll } from 'vitest';
import tls from 'node:tls';
import net from 'node:net';
import { connect, nodeStream } from '../../src/index.js';
import { TlsError } from '../../src/errors.js';
import { pki } from '../helpers/pki.js';

const dec = new TextDecoder();
const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

function listen(server: net.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

async function readAll(r: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of r as unknown as AsyncIterable<Uint8Array>) out += dec.decode(chunk, { stream: true });
  return out;
}

describe('a server that answers and closes right after the handshake', () => {
  it('40 of 40 connections deliver the answer (Node tls server, socket.end("hi\\n"), TLS 1.2)', async () => {
    const server = tls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.2' }, (s) => {
      s.on('error', () => {});
      s.end('hi\n');
    });
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      try {
        const conn = await connect({ transport: nodeStream(net.connect(port, '127.0.0.1')), ca: pki.ca, serverName: 'localhost' });
        outcomes.push(await readAll(conn.readable));
      } catch (e) {
        outcomes.push(`${(e as TlsError).code}: ${(e as Error).message}`);
      }
    }
    expect(outcomes).toEqual(Array(40).fill('hi\n'));
  }, 60000);

  it('a write after the peer has gone is io_closed for the writer; the reader still gets the answer', async () => {
    const server = tls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion: 'TLSv1.2' }, (s) => {
      s.on('error', () => {});
      s.end('bye\n');
    });
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    const conn = await connect({ transport: nodeStream(net.connect(port, '127.0.0.1')), ca: pki.ca, serverName: 'localhost' });
    expect(await readAll(conn.readable)).toBe('bye\n');
    const w = conn.writable.getWriter();
    const err = await w.write(new TextEncoder().encode('too late')).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect((err as TlsError).code).toBe('io_closed');
  });
});

describe('a Node server that ends with end(data): TLS 1.3 sends no close_notify (a ragged EOF), TLS 1.2 does', () => {
  async function endServer(maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<number> {
    const server = tls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, maxVersion }, (s) => {
      s.on('error', () => {});
      s.end('hi\n');
    });
    server.on('tlsClientError', () => {});
    return listen(server);
  }

  it.each([
    ['TLSv1.3', true],
    ['TLSv1.2', false],
  ] as const)('%s: 20 of 20 deliver the answer and end cleanly, as Node and Python do; truncated is %s', async (version, truncated) => {
    const port = await endServer(version);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const conn = await connect({ transport: nodeStream(net.connect(port, '127.0.0.1')), ca: pki.ca, serverName: 'localhost', maxVersion: 'TLSv1.3' });
        const text = await readAll(conn.readable);
        outcomes.push(`${conn.version} ${text} truncated=${conn.truncated}`);
      } catch (e) {
        outcomes.push(`${(e as TlsError).code}: ${(e as Error).message}`);
      }
    }
    expect(outcomes).toEqual(Array(20).fill(`${version} hi\n truncated=${truncated}`));
  }, 60000);

  it('suppressRaggedEofs: false: the answer, then io_truncated (TLS 1.3); TLS 1.2 with its close_notify still ends cleanly', async () => {
    const port13 = await endServer('TLSv1.3');
    const conn = await connect({ transport: nodeStream(net.connect(port13, '127.0.0.1')), ca: pki.ca, serverName: 'localhost', maxVersion: 'TLSv1.3', suppressRaggedEofs: false });
    const r = conn.readable.getReader();
    let text = '';
    const err = await (async () => {
      for (;;) {
        const { value, done } = await r.read();
        if (done) return null;
        text += dec.decode(value);
      }
    })().catch((e: unknown) => e);
    expect(text).toBe('hi\n');
    expect((err as TlsError).code).toBe('io_truncated');
    const port12 = await endServer('TLSv1.2');
    const c12 = await connect({ transport: nodeStream(net.connect(port12, '127.0.0.1')), ca: pki.ca, serverName: 'localhost', suppressRaggedEofs: false });
    expect(await readAll(c12.readable)).toBe('hi\n');
    expect(c12.truncated).toBe(false);
  });
});

describe('nodeStream', () => {
  it('delivers the bytes received before a reset, then the error', async () => {
    const server = net.createServer((s) => {
      s.on('error', () => {});
      s.write('first part', () => setTimeout(() => s.resetAndDestroy(), 50));
    });
    const port = await listen(server);
    const sock = net.connect(port, '127.0.0.1');
    const stream = nodeStream(sock);
    const reader = stream.readable.getReader();
    // Nobody reads until the reset has arrived: the bytes wait in the stream's queue meanwhile.
    await new Promise<void>((r) => sock.once('error', () => r()));
    const first = await reader.read();
    expect(dec.decode(first.value)).toBe('first part');
    const err = await reader.read().then(() => null, (e: unknown) => e);
    expect((err as TlsError).code).toBe('io_transport');
  });
});

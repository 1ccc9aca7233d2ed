/**
 * A fatal alert sent right before closing reaches a peer that is still writing: the socket is half-closed and
 * drained for a moment, not destroyed with unread bytes (which makes the kernel send a reset, and the peer drop
 * the alert it had not read yet).
 */
import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import { accept, createServerContext, nodeStream } from '../../src/index.js';
import { TlsError } from '../../src/errors.js';
import { pki } from '../helpers/pki.js';

const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/**
 * A client that announces a 16 MiB ClientHello and writes 8 MiB of it before it reads anything, as a client
 * writing its whole hello first does; then it reads the server's answer.
 */
function oversizeHello(port: number): Promise<{ received: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.pause();
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let written = 0;
    const record = Buffer.alloc(16384 + 5, 0x41);
    record.set([0x16, 0x03, 0x01, 0x40, 0x00], 0);
    const pump = () => {
      while (written < 8 << 20) {
        written += record.length;
        if (!sock.write(record)) return void sock.once('drain', pump);
      }
      sock.resume();
    };
    sock.on('connect', () => {
      // Record header, then a ClientHello header whose length (0xffffff) is far over any limit.
      sock.write(Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff]));
      sock.write(Buffer.alloc(0x4000 - 4, 0x42));
      pump();
    });
    sock.on('data', (d) => chunks.push(d));
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      sock.destroy();
      resolve({ received: Buffer.concat(chunks), ...(error ? { error } : {}) });
    };
    sock.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      done();
    });
    sock.on('end', done);
    setTimeout(done, 10000);
  });
}

describe('lingering close', () => {
  it('a client still writing an oversize ClientHello reads our fatal alert, not a reset', async () => {
    const context = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
    const errors: TlsError[] = [];
    const server = net.createServer((s) => {
      accept({ transport: nodeStream(s), context }).catch((e: TlsError) => errors.push(e));
    });
    servers.push(server);
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    for (let i = 0; i < 5; i++) {
      const { received, error } = await oversizeHello(port);
      // One alert record: content type 21, level fatal (2).
      expect([...received.subarray(0, 1)], `run ${i}: ${received.length} bytes, ${error}`).toEqual([0x15]);
      expect(received[5]).toBe(2);
    }
    expect(errors.length).toBe(5);
  }, 60000);
});

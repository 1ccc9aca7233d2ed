/**
 * A TLS 1.3 client may close, or its transport go (a relay dropping the TCP connection), right after its Finished.
 * The server's handshake is complete once that Finished checks out; the NewSessionTickets it sends next are an
 * offer. A transport that refuses them must not turn a completed handshake into a failed accept() (Chromium through
 * the relay hit this: the page's connection was up and closed, the server never reported it).
 */
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { accept } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';
import type { ByteStream } from '../../src/transport/types.js';
import { baseClient, rsaServer } from './harness.js';

/** The server's end of a pipe: holds what the client sends after its first flight until `open()`, and refuses writes once `cut()`. */
function gatedServerEnd(z: ByteStream) {
  let chunks = 0;
  let opened!: () => void;
  const gate = new Promise<void>((r) => (opened = r));
  let cutOff = false;
  const w = z.writable.getWriter();
  const end: ByteStream = {
    readable: z.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        async transform(c, ctl) {
          if (chunks++ > 0) await gate;
          ctl.enqueue(c);
        },
      }),
    ),
    writable: new WritableStream<Uint8Array>({
      async write(c) {
        if (cutOff) throw new Error('the relay dropped the TCP connection');
        await w.write(c);
      },
      async close() {
        await w.close().catch(() => {});
      },
    }),
  };
  return { end, open: () => opened(), cut: () => (cutOff = true) };
}

describe('TLS 1.3 server: the client goes right after its Finished', () => {
  for (const closeFirst of [false, true]) {
    it(`accept() still reports the connection when the tickets cannot be written${closeFirst ? ' (after the client\'s close_notify)' : ''}`, async () => {
      const [a, z] = memoryPair();
      const g = gatedServerEnd(z);
      const server = accept({ transport: g.end, ...rsaServer, maxVersion: 'TLSv1.3' });
      const client = await connect({ transport: a, ...baseClient, maxVersion: 'TLSv1.3' });
      expect(client.version).toBe('TLSv1.3');
      if (closeFirst) void client.close().catch(() => {});
      await new Promise((r) => setTimeout(r, 20));
      g.cut();
      g.open();
      const conn = await server;
      expect(conn.version).toBe('TLSv1.3');
      await conn.close().catch(() => {});
    });
  }
});

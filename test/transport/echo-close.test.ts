/**
 * Data a peer sends right before its close_notify can still be answered. A client that writes and closes at once
 * (`puretls connect` at stdin's end) often has its data and close_notify arrive in one TCP read at the server; the
 * server must still be able to echo it, and the client must still get the echo before the server's close_notify.
 */
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { accept, connect, createServerContext, nodeStream, type ByteStream, type TlsConnection } from '../../src/index.js';
import { pki } from '../helpers/pki.js';

const enc = new TextEncoder();

/**
 * The socket as a ByteStream whose reads hand over everything received since the last read in one chunk: what a
 * busy process gets from the kernel when it reads late (here: the client's data record and its close_notify).
 */
function lateReader(sock: net.Socket): ByteStream {
  const base = nodeStream(sock);
  const got: Uint8Array[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  void (async () => {
    for await (const c of base.readable as unknown as AsyncIterable<Uint8Array>) {
      got.push(c.slice());
      notify();
    }
  })()
    .catch(() => {})
    .finally(() => {
      ended = true;
      notify();
    });
  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (!got.length && !ended) await new Promise<void>((r) => (wake = r));
        if (!got.length) return controller.close();
        const all = new Uint8Array(got.reduce((n, c) => n + c.length, 0));
        let off = 0;
        for (const c of got.splice(0)) (all.set(c, off), (off += c.length));
        controller.enqueue(all);
      },
      cancel: () => base.readable.cancel(),
    },
    { highWaterMark: 0 },
  );
  return { readable, writable: base.writable };
}
const dec = new TextDecoder();

describe('echo across close_notify (real sockets)', () => {
  it('an echo server answers data that came in the same read as the close_notify', async () => {
    const context = createServerContext({ cert: pki.serverRsa.chain, key: pki.serverRsa.key });
    const server = net.createServer({ allowHalfOpen: true }, (sock) => {
      void (async () => {
        const transport = lateReader(sock);
        const conn = await accept({ transport, context });
        // Start reading late (as a loaded machine does): the client has sent its data and close_notify meanwhile,
        // and both records come in one read.
        await new Promise((r) => setTimeout(r, 150));
        await conn.readable.pipeTo(conn.writable);
      })().catch(() => sock.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const failures: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        await new Promise((r, j) => sock.once('connect', r).once('error', j));
        const conn: TlsConnection = await connect({ transport: nodeStream(sock), serverName: 'localhost', ca: pki.ca });
        const w = conn.writable.getWriter();
        await w.write(enc.encode(`echo me ${i}\n`));
        w.releaseLock();
        const closing = conn.close();
        let got = '';
        for await (const c of conn.readable as unknown as AsyncIterable<Uint8Array>) got += dec.decode(c, { stream: true });
        await closing;
        if (got !== `echo me ${i}\n`) failures.push(`run ${i} : ${JSON.stringify(got)}`);
      }
    } finally {
      server.close();
    }
    expect(failures).toEqual([]);
  }, 30000);
});

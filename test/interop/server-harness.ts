/**
 * accept() listening on 127.0.0.1 (node:net, ephemeral port) for interop tests: each connection greets the client,
 * echoes one line back, then closes with close_notify. Outcomes (connection facts or the TlsError) are recorded.
 */
import net from 'node:net';
import { accept, createServerContext, nodeStream, type ServerOptions } from '../../src/index.js';
import type { PeerCertificate } from '../../src/x509/peercert.js';

export interface ServedConnection {
  version?: string;
  cipherSuite?: string;
  /** connection.group: the key exchange group. */
  group?: string;
  peerCn?: string;
  received?: string;
  error?: { code: string; message: string };
}

export interface TlsListener {
  port: number;
  /** Resolves with the outcome of the next connection (in arrival order). */
  next(): Promise<ServedConnection>;
  close(): Promise<void>;
}

export const GREETING = 'hello from puretls';

export async function listenTls(opts: ServerOptions): Promise<TlsListener> {
  const context = createServerContext(opts);
  const outcomes: Promise<ServedConnection>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    outcomes.push(serve(sock, context));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  let taken = 0;
  return {
    port,
    async next() {
      for (let i = 0; i < 200 && outcomes.length <= taken; i++) await new Promise((r) => setTimeout(r, 25));
      if (outcomes.length <= taken) throw new Error('no connection arrived');
      return outcomes[taken++]!;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

async function serve(sock: net.Socket, context: ReturnType<typeof createServerContext>): Promise<ServedConnection> {
  try {
    const conn = await accept({ transport: nodeStream(sock), context, timeoutMs: 15000 });
    const peer = conn.peerCertificate() as PeerCertificate | undefined;
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode(`${GREETING} ${conn.version} ${conn.cipherSuite}\n`));
    const r = conn.readable.getReader();
    let received = '';
    while (!received.includes('\n')) {
      const { value, done } = await r.read();
      if (done) break;
      received += new TextDecoder().decode(value);
    }
    await w.write(new TextEncoder().encode(`echo: ${received}`));
    w.releaseLock();
    await conn.close();
    return {
      version: conn.version,
      cipherSuite: conn.cipherSuite,
      ...(conn.group !== undefined ? { group: conn.group } : {}),
      received,
      ...(peer ? { peerCn: peer.subject.flat().find(([k]) => k === 'commonName')?.[1] } : {}),
    };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { error: { code: err.code ?? 'unknown', message: err.message ?? String(e) } };
  } finally {
    setTimeout(() => sock.destroy(), 1000).unref();
  }
}

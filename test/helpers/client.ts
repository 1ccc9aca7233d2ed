/** Connecting our client to local peers: a TCP socket on 127.0.0.1 and a whole HTTP/1.0 page over TLS. */
import net from 'node:net';
import { connect, nodeStream, type ByteStream, type ConnectOptions } from '../../src/index.js';
import { pki } from './pki.js';

export async function tcp(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });
  return sock;
}

/** Connect, GET /, read the whole page (s_server -www closes after it). */
export async function getPage(port: number, opts: Partial<ConnectOptions>, transportWrap?: (t: ByteStream) => ByteStream) {
  const sock = await tcp(port);
  try {
    const base = nodeStream(sock);
    const conn = await connect({ transport: transportWrap ? transportWrap(base) : base, serverName: 'localhost', ca: pki.ca, ...opts });
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    let text = '';
    const r = conn.readable.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    return { conn, text };
  } finally {
    sock.destroy();
  }
}

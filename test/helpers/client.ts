/** Connecting our client to local peers: a TCP socket on 127.0.0.1 and a whole HTTP/1.0 page over TLS. */
import net from 'node:net';
import { connect, nodeStream, type ByteStream, type ConnectOptions, type TlsSession } from '../../src/index.js';
import { pki } from './pki.js';

export async function tcp(port: number): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((res, rej) => {
    sock.once('connect', res);
    sock.once('error', rej);
  });
  return sock;
}

/** Connect over TCP, complete the handshake and close: the connection (its facts), or the handshake's TlsError. */
export async function handshakeAndClose(port: number, opts: Partial<ConnectOptions>) {
  const sock = await tcp(port);
  try {
    const conn = await connect({ transport: nodeStream(sock), ...opts });
    await conn.close();
    return conn;
  } finally {
    sock.destroy();
  }
}

/**
 * Connect, GET /, read the whole page (s_server -www and gnutls-serv --http close after it); `sessions` are the
 * sessions the connection reported meanwhile (TLS 1.3 tickets arrive with the page).
 */
export async function getPage(port: number, opts: Partial<ConnectOptions>, transportWrap?: (t: ByteStream) => ByteStream) {
  const sock = await tcp(port);
  try {
    const base = nodeStream(sock);
    const conn = await connect({ transport: transportWrap ? transportWrap(base) : base, serverName: 'localhost', ca: pki.ca, ...opts });
    const sessions: TlsSession[] = [];
    conn.onSession((s) => sessions.push(s));
    const w = conn.writable.getWriter();
    await w.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    w.releaseLock();
    let text = '';
    const r = conn.readable.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    return { conn, text, sessions };
  } finally {
    sock.destroy();
  }
}

/** Node's own TLS and TCP on 127.0.0.1 as peers for the Node-facing API tests; every server is closed by its test. */
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { pki } from '../helpers/pki.js';

export const HOST = '127.0.0.1';

export interface Peer<S extends net.Server> {
  server: S;
  port: number;
  close(): Promise<void>;
}

async function listen<S extends net.Server>(server: S): Promise<Peer<S>> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A Node tls server with the test PKI's RSA chain; `onSecure` gets each connection (default: answer 'hello'). */
export function nodeTlsServer(opts: tls.TlsOptions = {}, onSecure?: (s: tls.TLSSocket) => void): Promise<Peer<tls.Server>> {
  const server = tls.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key, ...opts }, (s) => {
    s.on('error', () => {});
    if (onSecure) onSecure(s);
    else s.end('hello');
  });
  server.on('tlsClientError', () => {});
  return listen(server);
}

/** A TCP server that accepts and never says a word (for timeouts); it records what each socket received. */
export function silentServer(): Promise<Peer<net.Server> & { closed: Promise<void> }> {
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  const server = net.createServer((s) => {
    s.on('error', () => {});
    s.on('close', () => closedResolve());
    s.resume();
  });
  return listen(server).then((p) => Object.assign(p, { closed }));
}

/** Text of a whole readable. */
export async function readAll(r: ReadableStream<Uint8Array>): Promise<string> {
  let out = '';
  const dec = new TextDecoder();
  for await (const c of r as unknown as AsyncIterable<Uint8Array>) out += dec.decode(c, { stream: true });
  return out;
}

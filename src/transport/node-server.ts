/**
 * createServer(): what tls.createServer gives Node users, over accept(). A net.Server whose connections each run a
 * handshake under one shared ServerContext; a finished one is emitted as 'secureConnection' (a TlsConnection), a
 * failed one as 'tlsClientError' (the TlsError and the socket, already closed). Nothing a client does (refusing the
 * certificate, resetting, sending garbage, stalling past handshakeTimeout) reaches the process as an unhandled
 * rejection or an 'error' event: one bad client never takes the server down.
 */
import net from 'node:net';
import { accept, createServerContext, ServerContext, type ServerOptions } from '../server.js';
import type { TlsConnection } from '../connection.js';
import { TlsError, asTlsError } from '../errors.js';
import { nodeStream } from './node.js';

/** createServer()'s options: ServerOptions (built into a context once), or an existing context. */
export type CreateServerOptions = ServerOptions | { context: ServerContext; handshakeTimeout?: number; idleTimeout?: number };

/** The net.Server createServer() returns, with the context its connections share (e.g. for rotateTicketKeys()). */
export interface TlsServer extends net.Server {
  readonly context: ServerContext;
  on(event: 'secureConnection', listener: (conn: TlsConnection) => void): this;
  on(event: 'tlsClientError', listener: (error: TlsError, socket: net.Socket) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'secureConnection', listener: (conn: TlsConnection) => void): this;
  once(event: 'tlsClientError', listener: (error: TlsError, socket: net.Socket) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Like Node's tls.createServer(options, secureConnectionListener): a configuration error throws here, before
 * listening; then call listen() as on any net.Server. Handshakes time out after handshakeTimeout (default 120 s).
 */
export function createServer(options: CreateServerOptions, listener?: (conn: TlsConnection) => void): TlsServer {
  if (!options || typeof options !== 'object') throw new TlsError('config_invalid', 'createServer() needs options');
  const given = 'context' in options && options.context !== undefined ? options : undefined;
  if (given && !(given.context instanceof ServerContext)) throw new TlsError('config_invalid', 'context must come from createServerContext()');
  const context = given ? given.context : createServerContext(options as ServerOptions);
  const perConnection = {
    ...(given?.handshakeTimeout !== undefined ? { handshakeTimeout: given.handshakeTimeout } : {}),
    ...(given?.idleTimeout !== undefined ? { idleTimeout: given.idleTimeout } : {}),
  };
  const server = net.createServer({ noDelay: true }) as TlsServer;
  Object.defineProperty(server, 'context', { value: context, enumerable: true });
  if (listener) server.on('secureConnection', listener);
  server.on('connection', (socket: net.Socket) => {
    // nodeStream listens for 'error' from here on; this one covers the moment in between and after it lets go.
    socket.on('error', () => {});
    accept({ transport: nodeStream(socket), context, ...perConnection }).then(
      // Emitted outside the promise: a listener that throws is the application's bug and surfaces as Node's
      // would (an uncaught exception), not as a tlsClientError about a client that did nothing wrong.
      (conn) => process.nextTick(() => server.emit('secureConnection', conn)),
      (e: unknown) => {
        // accept() has sent the alert and closed the transport (nodeStream lingers briefly so the alert arrives).
        const err = asTlsError(e);
        process.nextTick(() => server.emit('tlsClientError', err, socket));
      },
    );
  });
  return server;
}

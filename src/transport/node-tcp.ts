/** A TCP connection on Node as a ByteStream: the platform's openTcp for connect({ host, port }) and request(url). */
import net from 'node:net';
import { TlsError } from '../errors.js';
import type { TcpOptions } from '../platform.js';
import type { ByteStream } from './types.js';
import { nodeStream } from './node.js';

export function openTcp(o: TcpOptions): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new TlsError('io_transport', `connecting to ${o.host}:${o.port} was aborted`, { cause: o.signal.reason }));
      return;
    }
    const socket = net.connect({ host: o.host, port: o.port });
    const onAbort = () => {
      socket.destroy();
      reject(new TlsError('io_transport', `connecting to ${o.host}:${o.port} was aborted`, { cause: o.signal?.reason }));
    };
    const onError = (e: Error) => {
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new TlsError('io_transport', `cannot connect to ${o.host}:${o.port}: ${e.message}`, { cause: e }));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      o.signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.setNoDelay(true);
      // nodeStream listens for 'error' from here on, so a reset after connecting errors the stream, not the process.
      resolve(nodeStream(socket));
    });
  });
}

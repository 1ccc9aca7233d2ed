/** TCP for the CLI: a connected socket as a ByteStream, with connection failures as one clear TlsError. */
import net from 'node:net';
import { nodeStream } from '../transport/node.js';
import type { ByteStream } from '../transport/types.js';
import { TlsError } from '../errors.js';

export function tcpConnect(host: string, port: number, timeoutMs = 15000): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TlsError('io_timeout', `no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(nodeStream(sock));
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new TlsError('io_transport', `cannot connect to ${host}:${port}: ${e.code ?? e.message}`, { cause: e }));
    });
  });
}

/** Node streams (net.Socket, tls-free Duplex of any kind) as a ByteStream. */
import type { Duplex } from 'node:stream';
import type { ByteStream } from './types.js';
import { TlsError } from '../errors.js';

function ioError(e: unknown): TlsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new TlsError('io_transport', `transport error: ${msg}`, { cause: e });
}

/**
 * Wrap a Node Duplex. The readable pauses the socket when nobody reads (backpressure); the writable waits for
 * 'drain'; closing the writable ends the socket's writing side (half-close), aborting it destroys the socket.
 */
export function nodeStream(socket: Duplex): ByteStream {
  let ended = false;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on('data', (chunk: Buffer | string) => {
          const b = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
          controller.enqueue(b);
          if ((controller.desiredSize ?? 1) <= 0) socket.pause();
        });
        socket.once('end', () => {
          if (ended) return;
          ended = true;
          controller.close();
        });
        socket.once('error', (e) => {
          if (ended) return;
          ended = true;
          controller.error(ioError(e));
        });
        socket.once('close', () => {
          if (ended) return;
          ended = true;
          controller.close();
        });
      },
      pull() {
        socket.resume();
      },
      cancel() {
        ended = true;
        socket.destroy();
      },
    },
    { highWaterMark: 4 },
  );
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) return reject(new TlsError('io_closed', 'the transport is closed'));
        const ok = socket.write(chunk, (err) => {
          if (err) reject(ioError(err));
          else if (ok) resolve();
        });
        if (!ok) socket.once('drain', () => resolve());
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (socket.destroyed || socket.writableEnded) return resolve();
        socket.end(() => resolve());
      });
    },
    abort() {
      socket.destroy();
    },
  });
  return { readable, writable };
}

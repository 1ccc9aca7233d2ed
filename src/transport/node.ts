/** Node streams (net.Socket, tls-free Duplex of any kind) as a ByteStream. */
import type { Duplex } from 'node:stream';
import type { ByteStream } from './types.js';
import { TlsError } from '../errors.js';

function ioError(e: unknown): TlsError {
  const msg = e instanceof Error ? e.message : String(e);
  return new TlsError('io_transport', `transport error: ${msg}`, { cause: e });
}

/** Chunks read from the socket and not yet taken before it is paused (backpressure). */
const READ_AHEAD = 4;
/**
 * How long a socket we are done with keeps reading (and dropping) what the peer still sends after our side has
 * ended. Closing a socket with unread bytes makes the kernel send a reset, and a reset makes the peer drop what it
 * has not read yet: typically the fatal alert we just sent it while it was still writing its hello.
 */
export const LINGER_MS = 2000;

/**
 * Close a socket we are done with without a reset: end our writing side (after what is queued), read and drop what
 * the peer still sends, and destroy it once the peer ends too, or after `ms`.
 */
export function lingerClose(socket: Duplex, ms = LINGER_MS): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref?.();
  socket.once('close', () => clearTimeout(timer));
  // A reset meanwhile just ends it; the listener keeps the error from being unhandled.
  socket.on('error', () => socket.destroy());
  const maybeDone = () => {
    if (socket.readableEnded && socket.writableFinished) socket.destroy();
  };
  socket.once('end', maybeDone);
  socket.once('finish', maybeDone);
  if (!socket.writableEnded) socket.end();
  socket.resume();
  maybeDone();
}

/**
 * Wrap a Node Duplex. The readable pauses the socket when nobody reads (backpressure); the writable waits for
 * 'drain'; closing the writable ends the socket's writing side (half-close). Cancelling the readable or aborting
 * the writable ends our side and drains what the peer still sends for a moment (LINGER_MS) before destroying the
 * socket, so the last bytes we wrote (a fatal alert, close_notify) reach a peer that is still writing.
 *
 * Data read before a socket error is delivered before the error: a peer that answers and resets the connection
 * (or a write of ours that fails after the peer has gone) does not take away what was already received.
 */
export function nodeStream(socket: Duplex): ByteStream {
  const queue: Uint8Array[] = [];
  let end: { error?: TlsError } | null = null;
  let wake: (() => void) | null = null;
  let released = false;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Always listened to, whoever reads: an 'error' without a listener would take the process down.
  socket.on('error', (e) => {
    end ??= { error: ioError(e) };
    notify();
  });
  socket.on('data', (chunk: Buffer | string) => {
    if (released) return;
    queue.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    if (queue.length >= READ_AHEAD) socket.pause();
    notify();
  });
  socket.once('end', () => {
    end ??= {};
    notify();
  });
  socket.once('close', () => {
    end ??= {};
    notify();
  });

  /** Our side is done: end writing, drop what still comes, and destroy once the peer ends or after LINGER_MS. */
  const release = () => {
    if (released) return;
    released = true;
    queue.length = 0;
    lingerClose(socket);
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            if (queue.length < READ_AHEAD && !released) socket.resume();
            controller.enqueue(chunk);
            return;
          }
          if (end) {
            if (end.error) controller.error(end.error);
            else controller.close();
            return;
          }
          socket.resume();
          await new Promise<void>((r) => (wake = r));
        }
      },
      cancel() {
        release();
      },
    },
    { highWaterMark: 0 },
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
      release();
    },
  });
  return { readable, writable };
}
